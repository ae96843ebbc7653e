/**
 * Action tables of http-request, http-response, http-after-response and
 * tcp-request/tcp-response rules. Each action is a row: how many words it
 * takes and how they become `params`; unsupported actions say why.
 *
 * Invariant: a parser receives only the words before `if`/`unless` and
 * returns how many it consumed; leftovers are HAProxy's "expects either
 * 'if' or 'unless'" error, raised by the caller.
 */
import { readFileSync } from 'node:fs';
import { parseTime } from '../config/units.js';
import { actionSample, checkLogFormat, checkVarName, isReadableFile, SampleError, type ArgRef } from './sample.js';
import { stickTableUser } from './fetches.js';

/** A problem in an action's own arguments (HAProxy's text, final dot included). */
export class ActionError extends Error {}

export interface ActCtx {
  /** proxy label for messages: "proxy 'l'" */
  readonly pxLabel: string;
  readonly pxName: string;
  readonly hasBe: boolean;
  readonly hasFe: boolean;
  readonly refs: ArgRef[];
  /** `errorfiles <name>` seen in replies */
  readonly errorfiles: string[];
  /** warnings to print once the rule is accepted */
  readonly warnings: string[];
  /** global 'expose-experimental-directives' seen */
  readonly experimental: boolean;
  /** rule set keyword: 'http-request', 'tcp-request content'... */
  readonly set: string;
}

export interface Parsed {
  used: number;
  params: Record<string, unknown>;
}

export interface ActionRow {
  /** true when the name is a prefix (`set-var` matches `set-var(txn.x)`); the longest wins */
  readonly prefix?: boolean;
  /** set: not implemented in lb, with this reason */
  readonly why?: string;
  parse?(args: readonly string[], name: string, c: ActCtx): Parsed;
}

const none = (): Parsed => ({ used: 0, params: {} });

/** How HAProxy names an expression of a rule set in reference errors. */
function exprLabel(set: string): string {
  if (set === 'http-response' || set === 'http-after-response') return 'http-response response';
  if (set === 'redirect') return 'redirect format string';
  return `${set} expression`;
}

function label(refs: readonly ArgRef[], where: string | null): ArgRef[] {
  return refs.map((r) => (where === null ? r : { ...r, label: `sample fetch keyword '${r.keyword}' in ${where}` }));
}

function fmt(v: string, c: ActCtx, where = exprLabel(c.set)): string {
  try {
    c.refs.push(...label(checkLogFormat(v), where));
  } catch (e) {
    throw new ActionError((e as Error).message);
  }
  return v;
}

/** `where` null: HAProxy names the place like an ACL keyword */
function sample(v: string | undefined, c: ActCtx, where: string | null = exprLabel(c.set)): unknown {
  try {
    const p = actionSample(v);
    const stick = stickTableUser(p.expr);
    if (stick) throw new ActionError(`\0${stick} needs stick tables, which are not implemented`);
    c.refs.push(...label(p.refs, where));
    return p.expr;
  } catch (e) {
    if (e instanceof ActionError) throw e;
    throw new ActionError((e as Error).message);
  }
}

/** `n` log-format words; fewer is `msg`. */
function formats(n: number, msg: string, names: readonly string[]): NonNullable<ActionRow['parse']> {
  return (a, _name, c) => {
    if (a.length < n) throw new ActionError(msg);
    const params: Record<string, unknown> = {};
    names.forEach((k, i) => { params[k] = k === 'regex' ? a[i]! : fmt(a[i]!, c); });
    return { used: n, params };
  };
}

/** Exactly `n` words before the condition (set-path, replace-uri...). */
function exact(n: number, msg: string, names: readonly string[]): NonNullable<ActionRow['parse']> {
  return (a, _name, c) => {
    const stop = a.findIndex((w) => w === 'if' || w === 'unless');
    if ((stop < 0 ? a.length : stop) !== n) throw new ActionError(msg);
    const params: Record<string, unknown> = {};
    names.forEach((k, i) => { params[k] = k === 'regex' ? a[i]! : fmt(a[i]!, c); });
    return { used: n, params };
  };
}

/** set-mark / set-tos: one integer, decimal or hex. */
function intOrHex(a: readonly string[]): Parsed {
  if (!a[0]) throw new ActionError('expects exactly 1 argument (integer/hex value).');
  const m = /^(0[xX][0-9a-fA-F]+|[0-9]+)/.exec(a[0]);
  const rest = a[0].slice(m ? m[0].length : 0);
  if (rest !== '') throw new ActionError(`invalid character starting at '${rest}' (integer/hex value expected).`);
  return { used: 1, params: { value: Number(m![0]) } };
}

function statusCode(v: string | undefined): number {
  if (v === undefined) throw new ActionError(`'status' expects <status_code> as argument.`);
  const n = Number.parseInt(v, 10);
  if (!(n >= 200 && n <= 599)) throw new ActionError(`Unexpected status code '${v}'.`);
  return n;
}

function readBody(file: string): string {
  if (!isReadableFile(file)) throw new ActionError(`error opening file '${file}'.`);
  return readFileSync(file, 'latin1');
}

const BODY_ARG: Record<string, string> = {
  'string': '<str>', 'lf-string': '<fmt>', 'file': '<file>', 'lf-file': '<file>', 'errorfile': '<fmt>',
  'errorfiles': '<name>', 'default-errorfiles': '',
};

/** deny/tarpit/return: status, content-type, one body source, hdr. */
function replyParser(defStatus: number): NonNullable<ActionRow['parse']> {
  return (a, _name, c) => {
    const p: Record<string, unknown> = { status: defStatus, hdrs: [] as Array<[string, string]> };
    let body: string | undefined;
    let i = 0;
    const value = (w: string, what: string): string => {
      const v = a[++i];
      if (!v) throw new ActionError(`'${w}' expects ${what} as argument.`);
      return v;
    };
    for (; i < a.length; i++) {
      const w = a[i]!;
      if (w === 'status' || w === 'deny_status') p['status'] = statusCode(a[++i]);
      else if (w === 'content-type') p['contentType'] = value(w, '<ctype>');
      else if (w in BODY_ARG) {
        if (body !== undefined) throw new ActionError(`unexpected '${w}' argument, '${body}' already defined.`);
        body = w;
        if (w === 'default-errorfiles') { p['defaultErrorfiles'] = true; continue; }
        const v = value(w, BODY_ARG[w]!);
        if (w === 'string') p['string'] = v;
        else if (w === 'lf-string') p['lfString'] = fmt(v, c);
        else if (w === 'errorfiles') { p['errorfiles'] = v; c.errorfiles.push(v); }
        else {
          const text = readBody(v);
          if (w === 'errorfile' && !text.startsWith('HTTP/')) throw new ActionError(`'${v}': unable to parse headers (error offset: 0).`);
          p[w === 'lf-file' ? 'lfFile' : w] = { path: v, body: text };
        }
      } else if (w === 'hdr') {
        if (a[i + 2] === undefined) throw new ActionError(`'hdr' expects <name> and <value> as arguments.`);
        (p['hdrs'] as Array<[string, string]>).push([a[i + 1]!, fmt(a[i + 2]!, c)]);
        i += 2;
      } else break;
    }
    if (p['contentType'] !== undefined && body === undefined) {
      c.warnings.push(`content-type '${p['contentType'] as string}' ignored by the http reply because neither errorfile nor payload defined.`);
    }
    if (p['contentType'] === undefined) {
      if (body === 'lf-string' || body === 'lf-file') throw new ActionError('a content type must be defined with a log-format payload.');
      if ((body === 'string' && p['string'] !== '') || body === 'file') {
        throw new ActionError('a content type must be defined when non-empty payload is configured.');
      }
    }
    return { used: i, params: p };
  };
}

const REDIRECT_CODES = [301, 302, 303, 307, 308];

/** Shared by `http-request redirect`, `http-response redirect` and `redirect`. */
export function parseRedirect(a: readonly string[], c: ActCtx): Parsed {
  const p: Record<string, unknown> = { code: 302, dropQuery: false, appendSlash: false, ignoreEmpty: false };
  let i = 0;
  for (; i < a.length; i++) {
    const w = a[i]!;
    if (w === 'location' || w === 'prefix' || w === 'scheme') {
      if (i + 1 >= a.length) throw new ActionError(`missing argument for '${w}'.`);
      p['type'] = w;
      p['target'] = fmt(a[++i]!, c, 'redirect format string');
    } else if (w === 'code') {
      const v = a[++i];
      if (v === undefined) throw new ActionError(`missing argument for 'code'.`);
      const n = Number.parseInt(v, 10);
      if (!REDIRECT_CODES.includes(n)) throw new ActionError(`'code': unsupported HTTP code '${v}' (must be one of 301, 302, 303, 307 or 308).`);
      p['code'] = n;
    } else if (w === 'set-cookie' || w === 'clear-cookie') {
      const v = a[++i];
      if (v === undefined) throw new ActionError(`missing argument for '${w}'.`);
      p[w === 'set-cookie' ? 'setCookie' : 'clearCookie'] = v;
    } else if (w === 'drop-query') p['dropQuery'] = true;
    else if (w === 'append-slash') p['appendSlash'] = true;
    else if (w === 'ignore-empty') p['ignoreEmpty'] = true;
    else if (w === 'if' || w === 'unless') break;
    else throw new ActionError(`expects 'code', 'prefix', 'location', 'scheme', 'set-cookie', 'clear-cookie', 'drop-query', 'ignore-empty' or 'append-slash' (was '${w}').`);
  }
  if (p['type'] === undefined) throw new ActionError(`redirection type expected ('prefix', 'location', or 'scheme').`);
  return { used: i, params: p };
}

const LOG_LEVELS = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug', 'silent'];
const DEL_METHODS = ['str', 'beg', 'end', 'sub', 'reg'];

const STICK = 'stick tables (track-sc, sc-* counters)';

/** Rows shared by several rule sets. */
const common: Record<string, ActionRow> = {
  'allow': { parse: none },
  'silent-drop': { parse: none },
  'set-var': {
    prefix: true,
    parse: (a, name, c) => {
      const v = name.slice(8, -1);
      try { checkVarName(v, ''); } catch (e) { throw new ActionError(`${(e as SampleError).message}.`); }
      return { used: 1, params: { var: v, expr: sample(a[0], c) } };
    },
  },
  'set-var-fmt': {
    prefix: true,
    parse: (a, name, c) => {
      const v = name.slice(12, -1);
      try { checkVarName(v, ''); } catch (e) { throw new ActionError(`${(e as SampleError).message}.`); }
      if (a[0] === undefined) throw new ActionError(`'${name}' expects a format string.`);
      return { used: 1, params: { var: v, format: fmt(a[0], c) } };
    },
  },
  'unset-var': {
    prefix: true,
    parse: (_a, name) => {
      const v = name.slice(10, -1);
      try { checkVarName(v, ''); } catch (e) { throw new ActionError(`${(e as SampleError).message}.`); }
      return { used: 0, params: { var: v } };
    },
  },
  'set-mark': { parse: intOrHex },
  'set-tos': { parse: intOrHex },
  'set-nice': {
    parse: (a) => {
      if (a[0] === undefined) throw new ActionError('expects exactly 1 argument (integer value).');
      return { used: 1, params: { value: Number.parseInt(a[0], 10) } };
    },
  },
  'set-log-level': {
    parse: (a) => {
      if (a[0] === undefined || !LOG_LEVELS.includes(a[0])) throw new ActionError(`expects exactly 1 argument (log level name or 'silent').`);
      return { used: 1, params: { level: a[0] } };
    },
  },
  'capture': {
    parse: (a, _n, c) => {
      if (c.set === 'tcp-request connection' || c.set === 'tcp-request session') {
        throw new ActionError(`\x01'capture ${a[0] ?? ''}' is not allowed in '${c.set}' rules in ${c.pxLabel}`);
      }
      const response = c.set === 'http-response' || c.set === 'http-after-response';
      const usage = response ? 'expects <expression> id <idx>.' : `expects <expression> [ 'len' <length> | id <idx> ].`;
      if (a.length < (response ? 3 : 1)) throw new ActionError(usage);
      // the expression is parsed (and its errors reported) first
      const expr = sample(a[0], c, c.set === 'http-request' ? null : 'capture rule');
      if (response && a[1] !== 'id') throw new ActionError(`expects 'id', found '${a[1] ?? ''}'.`);
      if (a.length < 3 || (a[1] !== 'len' && a[1] !== 'id')) throw new ActionError(usage);
      const n = Number.parseInt(a[2]!, 10);
      if (a[1] === 'len' && !(n > 0)) throw new ActionError('length must be > 0.');
      if (a[1] === 'len' && !c.hasFe) throw new ActionError(`proxy '${c.pxName}' has no frontend capability.`);
      return { used: 3, params: { expr, [a[1] === 'len' ? 'len' : 'id']: n } };
    },
  },
  'track-sc': { prefix: true, why: STICK },
  'sc-inc-gpc': { prefix: true, why: STICK },
  'sc-inc-gpc0': { prefix: true, why: STICK },
  'sc-inc-gpc1': { prefix: true, why: STICK },
  'sc-set-gpt': { prefix: true, why: STICK },
  'sc-set-gpt0': { prefix: true, why: STICK },
  'send-spoe-group': { why: 'SPOE' },
  'ot-group': { why: 'OpenTracing' },
  'add-acl': { prefix: true, why: 'runtime ACL updates' },
  'del-acl': { prefix: true, why: 'runtime ACL updates' },
  'set-map': { prefix: true, why: 'runtime map updates' },
  'del-map': { prefix: true, why: 'runtime map updates' },
};

const header = {
  'add-header': { parse: formats(2, 'expects exactly 2 arguments.', ['name', 'format']) },
  'set-header': { parse: formats(2, 'expects exactly 2 arguments.', ['name', 'format']) },
  'del-header': {
    parse: (a: readonly string[]): Parsed => {
      if (a.length < 1) throw new ActionError('expects at least 1 argument.');
      if (a[1] === '-m') {
        if (a[2] === undefined) throw new ActionError('-m flag expects exactly 1 argument.');
        if (!DEL_METHODS.includes(a[2] ?? '')) throw new ActionError(`-m with unsupported matching method '${a[2] ?? ''}'.`);
        return { used: 3, params: { name: a[0], match: a[2] } };
      }
      return { used: 1, params: { name: a[0], match: 'str' } };
    },
  },
  'replace-header': { parse: formats(3, 'expects exactly 3 arguments.', ['name', 'regex', 'format']) },
  'replace-value': { parse: formats(3, 'expects exactly 3 arguments.', ['name', 'regex', 'format']) },
  'strict-mode': {
    parse: (a: readonly string[]): Parsed => {
      if (!a[0]) throw new ActionError('expects exactly 1 arguments.');
      if (a[0] !== 'on' && a[0] !== 'off') throw new ActionError(`Unexpected value '${a[0] ?? ''}'. Only 'on' and 'off' are supported.`);
      return { used: 1, params: { on: a[0] === 'on' } };
    },
  },
  'wait-for-body': {
    parse: (a: readonly string[]): Parsed => {
      const p: Record<string, unknown> = {};
      let i = 0;
      for (; i < a.length; i += 2) {
        if (a[i] === 'time') p['time'] = parseTime(a[i + 1] ?? '').value;
        else if (a[i] === 'at-least') p['atLeast'] = a[i + 1];
        else break;
      }
      if (p['time'] === undefined) throw new ActionError('expects time <time> [ at-least <bytes> ].');
      return { used: i, params: p };
    },
  },
};

export const HTTP_REQUEST: Record<string, ActionRow> = {
  ...common, ...header,
  'deny': { parse: replyParser(403) },
  'tarpit': { parse: replyParser(500) },
  'return': { parse: replyParser(200) },
  'reject': { parse: none },
  'wait-for-handshake': { parse: none },
  'disable-l7-retry': { parse: none },
  'auth': {
    parse: (a) => {
      if (a[0] !== 'realm') return { used: 0, params: {} };
      if (a[1] === undefined) throw new ActionError('missing realm value.\n.');
      return { used: 2, params: { realm: a[1] } };
    },
  },
  'redirect': { parse: (a, _n, c) => parseRedirect(a, c) },
  'set-path': { parse: exact(1, 'expects exactly 1 argument <format>.', ['format']) },
  'set-pathq': { parse: exact(1, 'expects exactly 1 argument <format>.', ['format']) },
  'set-query': { parse: exact(1, 'expects exactly 1 argument <format>.', ['format']) },
  'set-uri': { parse: exact(1, 'expects exactly 1 argument <format>.', ['format']) },
  'set-method': { parse: exact(1, 'expects exactly 1 argument <format>.', ['format']) },
  'replace-path': { parse: exact(2, 'expects exactly 2 arguments <match-regex> and <replace-format>.', ['regex', 'format']) },
  'replace-pathq': { parse: exact(2, 'expects exactly 2 arguments <match-regex> and <replace-format>.', ['regex', 'format']) },
  'replace-uri': { parse: exact(2, 'expects exactly 2 arguments <match-regex> and <replace-format>.', ['regex', 'format']) },
  'early-hint': { parse: formats(2, 'expects exactly 2 arguments.', ['name', 'format']) },
  'normalize-uri': {
    parse: (a, _n, c) => {
      if (!c.experimental) {
        throw new ActionError(`\x01'normalize-uri' action is experimental, must be allowed via a global 'expose-experimental-directives'`);
      }
      const opt = a[1] === 'full' || a[1] === 'strict' ? 2 : 1;
      return { used: Math.min(opt, a.length), params: { normalizer: a[0], option: opt === 2 ? a[1] : undefined } };
    },
  },
  'set-src': { parse: (a, _n, c) => ({ used: 1, params: { expr: sample(a[0], c) } }) },
  'set-src-port': { parse: (a, _n, c) => ({ used: 1, params: { expr: sample(a[0], c) } }) },
  'set-dst': { parse: (a, _n, c) => ({ used: 1, params: { expr: sample(a[0], c) } }) },
  'set-dst-port': { parse: (a, _n, c) => ({ used: 1, params: { expr: sample(a[0], c) } }) },
  'set-priority-class': { parse: (a, _n, c) => ({ used: 1, params: { expr: sample(a[0], c) } }) },
  'set-priority-offset': { parse: (a, _n, c) => ({ used: 1, params: { expr: sample(a[0], c) } }) },
  'set-timeout': {
    parse: (a, _n, c) => {
      if (a.length < 2) throw new ActionError('expects exactly 2 arguments.');
      if (!c.hasBe) throw new ActionError(`proxy '${c.pxName}' has no backend capability.`);
      if (a[0] !== 'server' && a[0] !== 'tunnel') throw new ActionError(`'set-timeout' rule supports 'server'/'tunnel' (got '${a[0]}').`);
      return { used: 2, params: { timeout: a[0], value: a[1] } };
    },
  },
  'use-service': {
    parse: (a, _n, c) => {
      const svc = a[0] ?? '';
      if (svc === 'prometheus-exporter' && c.set !== 'http-request') {
        throw new ActionError(`\x01Prometheus exporter service only available on 'http-request' rulesets`);
      }
      if (svc === 'prometheus-exporter') return { used: 1, params: { service: svc } };
      if (svc.startsWith('lua.')) throw new ActionError('\0Lua services are not implemented in lb');
      throw new ActionError(`'${svc}' unknown service name..`);
    },
  },
  'do-resolve': { prefix: true, why: 'DNS resolution actions' },
  'cache-use': { why: 'the HTTP cache' },
};

export const HTTP_RESPONSE: Record<string, ActionRow> = {
  ...common, ...header,
  'deny': { parse: replyParser(502) },
  'return': { parse: replyParser(200) },
  'redirect': { parse: (a, _n, c) => parseRedirect(a, c) },
  'set-status': {
    parse: (a) => {
      if (a[0] === undefined) throw new ActionError('expects 1 argument: <status>; or 3 arguments: <status> reason <fmt>.');
      const code = Number.parseInt(a[0], 10);
      if (!(code >= 100 && code <= 999)) throw new ActionError('expects an integer status code between 100 and 999.');
      const p: Record<string, unknown> = { status: code };
      if (a[1] === 'reason') { p['reason'] = a[2]; return { used: 3, params: p }; }
      return { used: 1, params: p };
    },
  },
  'cache-store': { why: 'the HTTP cache' },
};

export const HTTP_AFTER_RESPONSE: Record<string, ActionRow> = {
  'allow': common['allow']!, 'capture': common['capture']!, 'ot-group': common['ot-group']!,
  'set-var': common['set-var']!, 'set-var-fmt': common['set-var-fmt']!, 'unset-var': common['unset-var']!,
  ...header,
  'set-status': HTTP_RESPONSE['set-status']!,
};

/** `expect-proxy layer4`: connection rules only, and only layer4. */
function expectLayer4(a: readonly string[], name: string, c: ActCtx): Parsed {
  if (c.set !== 'tcp-request connection') {
    throw new ActionError(`\x01'${name} layer4' is not allowed in '${c.set}' rules in ${c.pxLabel}`);
  }
  if (a[0] !== 'layer4') throw new ActionError(`\x01'${c.set} ${name}' only supports 'layer4' in ${c.pxLabel} (got '${a[0] ?? ''}')`);
  return { used: 1, params: {} };
}

/** tcp-request connection/session; content adds a few more. */
export const TCP_REQUEST_CONNECTION: Record<string, ActionRow> = {
  'accept': { parse: none },
  'reject': { parse: none },
  'capture': common['capture']!,
  'expect-proxy': { parse: (a, n, c) => expectLayer4(a, n, c) },
  'expect-netscaler-cip': { parse: (a, n, c) => expectLayer4(a, n, c) },
  'track-sc': { prefix: true, why: STICK },
  'sc-inc-gpc': common['sc-inc-gpc']!, 'sc-inc-gpc0': common['sc-inc-gpc0']!, 'sc-inc-gpc1': common['sc-inc-gpc1']!,
  'sc-set-gpt': common['sc-set-gpt']!, 'sc-set-gpt0': common['sc-set-gpt0']!,
  'set-var': common['set-var']!, 'set-var-fmt': common['set-var-fmt']!, 'unset-var': common['unset-var']!,
  'set-src': HTTP_REQUEST['set-src']!, 'set-src-port': HTTP_REQUEST['set-src-port']!,
  'set-dst': HTTP_REQUEST['set-dst']!, 'set-dst-port': HTTP_REQUEST['set-dst-port']!,
  'set-mark': common['set-mark']!, 'set-tos': common['set-tos']!, 'silent-drop': common['silent-drop']!,
};

export const TCP_REQUEST_CONTENT: Record<string, ActionRow> = {
  ...TCP_REQUEST_CONNECTION,
  'ot-group': common['ot-group']!, 'set-log-level': common['set-log-level']!, 'set-nice': common['set-nice']!,
  'switch-mode': {
    parse: (a) => {
      if (a[0] !== 'http') throw new ActionError(`\x01'tcp-request switch-mode' expects a valid mode (got '${a[0] ?? ''}').`);
      return { used: a[1] === 'proto' ? 3 : 1, params: { mode: 'http', ...(a[1] === 'proto' ? { proto: a[2] } : {}) } };
    },
  },
  'use-service': HTTP_REQUEST['use-service']!,
  'send-spoe-group': common['send-spoe-group']!, 'do-resolve': HTTP_REQUEST['do-resolve']!,
  'set-priority-class': HTTP_REQUEST['set-priority-class']!, 'set-priority-offset': HTTP_REQUEST['set-priority-offset']!,
};

export const TCP_RESPONSE_CONTENT: Record<string, ActionRow> = {
  'accept': { parse: none }, 'close': { parse: none }, 'reject': { parse: none },
  'ot-group': common['ot-group']!, 'set-log-level': common['set-log-level']!, 'set-nice': common['set-nice']!,
  'sc-inc-gpc': common['sc-inc-gpc']!, 'sc-inc-gpc0': common['sc-inc-gpc0']!, 'sc-inc-gpc1': common['sc-inc-gpc1']!,
  'sc-set-gpt': common['sc-set-gpt']!, 'sc-set-gpt0': common['sc-set-gpt0']!,
  'send-spoe-group': common['send-spoe-group']!,
  'set-var': common['set-var']!, 'set-var-fmt': common['set-var-fmt']!, 'unset-var': common['unset-var']!,
  'set-mark': common['set-mark']!, 'set-tos': common['set-tos']!, 'silent-drop': common['silent-drop']!,
};

/** Find the row for an action word in a table (exact, then prefix rows). */
export function findAction(table: Record<string, ActionRow>, word: string): ActionRow | undefined {
  const exact = table[word];
  if (exact && !exact.prefix) return exact;
  let best: ActionRow | undefined;
  let len = 0;
  for (const [k, row] of Object.entries(table)) {
    if (row.prefix && word.startsWith(k) && k.length > len) { best = row; len = k.length; }
  }
  return best;
}
