/**
 * Light validation of log-format strings (reference §7.7): %-variables must
 * be known, %{...} flags must close and precede a variable, %[...] must be
 * closed. Sample expressions inside %[ ] are checked by a callback (the
 * fetch table belongs to the rules). Compiling a format for the data plane is a
 * separate, later step; this runs once at load time.
 */

/** HAProxy 2.6 log-format variables (log.c logformat_keywords). */
export const LOG_VARIABLES: ReadonlySet<string> = new Set([
  'o', 'B', 'CC', 'CS', 'H', 'HM', 'HP', 'HPO', 'HQ', 'HU', 'HV', 'ID', 'ST', 'T', 'Ta', 'Tc', 'Th', 'Ti', 'Tl',
  'Tq', 'TR', 'Tr', 'Td', 'Ts', 'Tt', 'Tu', 'Tw', 'U', 'ac', 'b', 'bc', 'bi', 'bp', 'bq', 'ci', 'cp', 'f', 'fc',
  'fi', 'fp', 'ft', 'hr', 'hrl', 'hs', 'hsl', 'lc', 'ms', 'pid', 'r', 'rc', 'rt', 's', 'sc', 'si', 'sp', 'sq', 'sslc',
  'sslv', 't', 'tr', 'trg', 'trl', 'ts', 'tsc',
]);

/** One piece of a parsed format: literal text, a variable, or a sample expression. */
export type FormatNode =
  | { kind: 'text'; text: string }
  | { kind: 'var'; name: string; flags: string[] }
  | { kind: 'expr'; expr: string; flags: string[] };

/** A format error; `nodes` counts the pieces parsed before it (HAProxy keeps them). */
export class LogFormatError extends Error {
  constructor(message: string, readonly nodes: number) {
    super(message);
  }
}

/**
 * Parse a log-format string. `checkExpr` validates a %[...] expression
 * (given its text and the rest of the format, as HAProxy quotes it) and
 * throws with HAProxy's reason. Throws LogFormatError with HAProxy's reason
 * (the caller adds "failed to parse log-format : ").
 */
export function parseLogFormat(fmt: string, checkExpr?: (expr: string, rest: string) => void): FormatNode[] {
  const out: FormatNode[] = [];
  let text = '';
  let i = 0;
  const flush = (): void => {
    if (text) out.push({ kind: 'text', text });
    text = '';
  };
  const fail = (msg: string): never => {
    flush();
    throw new LogFormatError(msg, out.length);
  };
  while (i < fmt.length) {
    const ch = fmt[i]!;
    if (ch !== '%') { text += ch; i++; continue; }
    if (fmt[i + 1] === '%') { text += '%'; i += 2; continue; }
    const start = i;
    i++;
    let flags: string[] = [];
    if (fmt[i] === '{') {
      const end = fmt.indexOf('}', i);
      if (end < 0) fail(`truncated line after '${fmt.slice(i + 1)}'.`);
      flags = fmt.slice(i + 1, end).split(',').filter((f) => f !== '');
      i = end + 1;
      if (i >= fmt.length || !/[A-Za-z0-9[]/.test(fmt[i]!)) {
        fail(`parse argument modifier without variable name near '${fmt.slice(start, i)}'.`);
      }
    }
    if (i >= fmt.length) fail(`truncated line after '%'.`);
    if (fmt[i] === '[') {
      const rest = fmt.slice(i + 1);
      const end = rest.indexOf(']');
      const expr = end < 0 ? rest : rest.slice(0, end);
      flush();
      try { checkExpr?.(expr, rest); } catch (e) { fail((e as Error).message); }
      out.push({ kind: 'expr', expr, flags });
      if (end < 0) throw new LogFormatError(`missing ']' after '${rest}'.`, out.length);
      i += 1 + end + 1;
      continue;
    }
    const m = /^[A-Za-z0-9]+/.exec(fmt.slice(i));
    if (!m) { text += fmt.slice(start, i); continue; }
    if (!LOG_VARIABLES.has(m[0])) {
      fail(`no such format variable '${m[0]}'. If you wanted to emit the '%' character verbatim, you need to use '%%'.`);
    }
    flush();
    out.push({ kind: 'var', name: m[0], flags });
    i += m[0].length;
  }
  flush();
  return out;
}

/** HAProxy's built-in formats (reference §7.3, §7.4). */
export const TCP_LOG_FORMAT = '%ci:%cp [%t] %ft %b/%s %Tw/%Tc/%Tt %B %ts %ac/%fc/%bc/%sc/%rc %sq/%bq';
export const HTTP_LOG_FORMAT = '%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %{+Q}r';
export const CLF_HTTP_LOG_FORMAT = '%{+Q}o %{-Q}ci - - [%trg] %r %ST %B "" "" %cp %ms %ft %b %s %TR %Tw %Tc %Tr %Ta %tsc %ac %fc %bc %sc %rc %sq %bq %CC %CS %hrl %hsl';
export const HTTPS_LOG_FORMAT = '%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %{+Q}r %[fc_err]/%[ssl_fc_err,hex]/%[ssl_c_err]/%[ssl_c_ca_err]/%[ssl_fc_is_resumed] %[ssl_fc_sni]/%sslv/%sslc';

/**
 * The format a proxy logs with, or undefined for HAProxy's default
 * "Connect from ..." line (no option, no log-format). Load time only.
 */
export function effectiveLogFormat(lg: { style: string; format?: string }): string | undefined {
  switch (lg.style) {
    case 'tcplog': return TCP_LOG_FORMAT;
    case 'httplog': return HTTP_LOG_FORMAT;
    case 'httplog-clf': return CLF_HTTP_LOG_FORMAT;
    case 'httpslog': return HTTPS_LOG_FORMAT;
    case 'custom': return lg.format;
    default: return undefined;
  }
}
