/**
 * Proxy logging keywords (reference §2.14): log / no log, log formats,
 * option httplog/httpslog/tcplog, captures, unique-id-format. The flag
 * options (dontlognull, logasap, ...) are rows of config/proxy.ts.
 */
import { Codes, ConfigError } from '../core/errors.js';
import { register, type KeywordRow, type KwContext } from '../config/keywords.js';
import { registerPostParse } from '../config/postparse.js';
import type { Proxy, ProxyDraft } from '../config/model.js';
import type { Diagnostics, Where } from '../config/diag.js';
import { parseLogTarget, type LogConf, type LogStyle } from './config.js';
import { LogFormatError } from './format.js';
import { lintFormat } from '../rules/sample.js';

const p = (c: KwContext): ProxyDraft => c.proxy();

/** The name HAProxy gives the current log format in its override warning. */
function styleLabel(lg: LogConf): string | undefined {
  switch (lg.style) {
    case 'tcplog': return 'option tcplog';
    case 'httplog': return 'option httplog';
    case 'httplog-clf': return 'option httplog clf';
    case 'httpslog': return 'option httpslog';
    case 'custom': return 'log-format';
    default: return undefined;
  }
}

/** Set the main log format; warns like HAProxy when a defaults section overrides itself. */
function setStyle(c: KwContext, style: LogStyle, label: string, format?: string): void {
  const px = p(c);
  const lg = px.log;
  if (px.kind === 'defaults') {
    const prev = styleLabel(lg);
    // the format of this section, or one inherited with an explicit `from`
    // (a plain earlier defaults section is a reset for HAProxy)
    const own = lg.formatWhere && lg.formatWhere.file === px.where.file && lg.formatWhere.line >= px.where.line;
    if (prev && lg.formatWhere && (own || px.from !== undefined)) {
      c.warn(`'${label}' overrides previous '${prev}' in 'defaults' section.`, 'parsing:');
    }
  }
  lg.style = style;
  lg.format = format;
  lg.formatWhere = { file: c.where.file, line: c.where.line };
}

/** "backend 'b' : 'x' directive is ignored in backends." */
function ignoredInBackend(c: KwContext, label: string): boolean {
  const px = p(c);
  if (px.kind !== 'backend') return false;
  c.warn(`backend '${px.name}' : '${label}' directive is ignored in backends.`);
  return true;
}

/** One-argument format keywords: log-format, log-format-sd, error-log-format, unique-id-format. */
function formatArg(kw: string, a: readonly string[]): string {
  if (a.length === 0) throw new ConfigError(`${kw} expects an argument.`);
  if (a.length > 1) throw new ConfigError(`${kw} expects only one argument, don't forget to escape spaces!`);
  return a[0]!;
}

/**
 * HAProxy parses the formats a frontend ends up with once the whole file is
 * read (inherited ones included, reported at their defaults line) and words
 * errors as "Parsing [file:line]: failed to parse <what> : <reason>".
 */
/** Check a log-format string with the rules' sample parser (one implementation: rules/sample.ts). */
export { lintFormat };

function checkFormat(px: Proxy, diag: Diagnostics, what: string, fmt: string, at: Where): boolean {
  try {
    px.rules.argRefs.push(...lintFormat(fmt).map((r) => ({ ...r, where: at })));
    return true;
  } catch (e) {
    if (!(e instanceof LogFormatError)) throw e;
    diag.alert(Codes.CFG_INVALID, `Parsing [${at.file}:${at.line}]: failed to parse ${what} : ${e.message}`, at, 'plain');
    // HAProxy keeps what it parsed before the error; nothing parsed = no format
    if (e.nodes === 0 && what === 'log-format') emptyFormats.add(px);
    return false;
  }
}

/** frontends whose log-format failed before producing anything */
const emptyFormats = new WeakSet<Proxy>();

function captureLen(v: string | undefined): number {
  const m = /^\s*([-+]?\d+)/.exec(v ?? '');
  return m ? Number(m[1]) : 0;
}

const rows: KeywordRow[] = [
  {
    name: 'log',
    sections: 'dfbl',
    negatable: true,
    parse: (a, c, neg) => {
      const lg = p(c).log;
      if (neg) {
        if (a.length > 0) throw new ConfigError(`log : 'no log' does not expect arguments`);
        lg.targets = [];
        lg.global = false;
        return;
      }
      if (a.length === 1 && a[0] === 'global') {
        lg.global = true;
        return;
      }
      lg.targets.push(parseLogTarget(a, c, 'proxy'));
    },
  },
  {
    name: 'log-format',
    sections: 'dfbl',
    parse: (a, c) => {
      const fmt = formatArg('log-format', a);
      if (ignoredInBackend(c, 'log-format')) return;
      setStyle(c, 'custom', 'log-format', fmt);
    },
  },
  {
    name: 'log-format-sd',
    sections: 'dfbl',
    parse: (a, c) => {
      const fmt = formatArg('log-format-sd', a);
      if (ignoredInBackend(c, 'log-format-sd')) return;
      p(c).log.formatSd = fmt;
    },
  },
  {
    name: 'error-log-format',
    sections: 'dfbl',
    parse: (a, c) => {
      const fmt = formatArg('error-log-format', a);
      if (ignoredInBackend(c, 'error-log-format')) return;
      p(c).log.errorFormat = fmt;
      p(c).log.errorFormatWhere = { file: c.where.file, line: c.where.line };
    },
  },
  {
    name: 'unique-id-format',
    sections: 'dfbl',
    parse: (a, c) => {
      const fmt = formatArg('unique-id-format', a);
      p(c).log.uniqueIdFormat = fmt;
      p(c).log.uniqueIdWhere = { file: c.where.file, line: c.where.line };
    },
  },
  {
    name: 'log-tag',
    sections: 'dfbl',
    parse: (a, c) => {
      if (a.length === 0) throw new ConfigError(`'log-tag' expects a tag for use in syslog.`);
      p(c).log.tag = a[0];
    },
  },
  {
    name: 'option httplog',
    sections: 'dfbl',
    parse: (a, c) => {
      if (a.length > 0 && a[0] !== 'clf') throw new ConfigError(`keyword 'httplog' only supports option 'clf'.`);
      const clf = a[0] === 'clf';
      ignoredInBackend(c, 'option httplog');
      setStyle(c, clf ? 'httplog-clf' : 'httplog', clf ? 'option httplog clf' : 'option httplog');
    },
  },
  {
    name: 'option httpslog',
    sections: 'dfbl',
    parse: (a, c) => {
      if (a.length > 0) throw new ConfigError(`'option httpslog' cannot handle unexpected argument '${a[0]}'.`);
      ignoredInBackend(c, 'option httpslog');
      // HAProxy 2.6 names this one 'option httplog' in its override warning
      setStyle(c, 'httpslog', 'option httplog');
    },
  },
  {
    // lb's own: access lines as JSON objects (one per line), built by pino
    name: 'option jsonlog',
    sections: 'dfbl',
    negatable: true,
    parse: (a, c, neg) => {
      if (a.length > 0) throw new ConfigError(`'option jsonlog' cannot handle unexpected argument '${a[0]}'.`);
      if (ignoredInBackend(c, 'option jsonlog')) return;
      p(c).flags['jsonlog'] = !neg;
    },
  },
  {
    name: 'option tcplog',
    sections: 'dfbl',
    parse: (a, c) => {
      if (a.length > 0) throw new ConfigError(`'option tcplog' cannot handle unexpected argument '${a[0]}'.`);
      if (ignoredInBackend(c, 'option tcplog')) return;
      setStyle(c, 'tcplog', 'option tcplog');
    },
  },
  {
    name: 'capture',
    sections: 'dfbl',
    cap: 'fe',
    parse: (a, c) => {
      const px = p(c);
      const caps = px.log.captures;
      if (a[0] === 'cookie') {
        if (px.kind === 'defaults') throw new ConfigError(`'capture cookie' not allowed in 'defaults' section.`);
        if (a.length !== 4 || a[2] !== 'len') throw new ConfigError(`'capture' expects 'cookie' <cookie_name> 'len' <len>.`);
        let len = captureLen(a[3]);
        if (len >= 64) {
          c.warn(`truncating capture length to 63 bytes for ${px.kind === 'listen' ? 'proxy' : px.kind} '${px.name}'.`, 'plain');
          len = 63;
        }
        caps.cookie = { name: a[1]!, len };
        return;
      }
      const dir = a[0] === 'request' && a[1] === 'header' ? 'request' : a[0] === 'response' && a[1] === 'header' ? 'response' : undefined;
      if (!dir) throw new ConfigError(`'capture' expects 'cookie' or 'request header' or 'response header'.`);
      if (px.kind === 'defaults') throw new ConfigError(`'capture ${dir}' not allowed in 'defaults' section.`);
      if (a.length !== 5 || a[3] !== 'len') throw new ConfigError(`'capture ${dir}' expects 'header' <header_name> 'len' <len>.`);
      caps[dir].push({ name: a[2]!, len: captureLen(a[4]) });
    },
  },
  {
    name: 'declare',
    sections: 'dfbl',
    parse: (a, c) => {
      const px = p(c);
      if (px.kind === 'defaults') throw new ConfigError(`'declare' not available in default section`);
      if (px.kind === 'backend') throw new ConfigError(`'declare' only available in frontend or listen section`);
      if (a[0] === undefined) throw new ConfigError(`'declare' needs a second keyword that specify the type of declaration ('capture')`);
      if (a[0] !== 'capture') throw new ConfigError(`unknown declaration type '${a[0]}' (supports 'capture')`);
      const dir = a[1];
      if (dir !== 'request' && dir !== 'response') throw new ConfigError(`'declare capture' requires a direction ('request' or 'response')`);
      if (a[2] !== 'len') throw new ConfigError(`'declare capture' requires a capture length ('len')`);
      if (a[3] === undefined) throw new ConfigError(`'declare capture': 'len' requires a numeric value that represents the capture length`);
      if (!/^\d+$/.test(a[3])) throw new ConfigError(`'declare capture': cannot parse the length '${a[2]}'.`);
      px.log.captures[dir].push({ len: Number(a[3]) });
    },
  },
];

register('proxy', rows);

registerPostParse((model, diag) => {
  for (const px of model.proxies) {
    const lg = px.log;
    // HAProxy's order: log-format (frontends), unique-id (all), then the others
    if (px.cap.fe && lg.style === 'custom' && lg.format !== undefined) checkFormat(px, diag, 'log-format', lg.format, lg.formatWhere ?? px.where);
    if (lg.uniqueIdFormat !== undefined) checkFormat(px, diag, 'unique-id', lg.uniqueIdFormat, lg.uniqueIdWhere ?? px.where);
    if (!px.cap.fe) continue;
    if (lg.errorFormat !== undefined) checkFormat(px, diag, 'error-log-format', lg.errorFormat, lg.errorFormatWhere ?? px.where);
    // HAProxy 2.6 loses the line of log-format-sd: "Parsing [(null):0]"
    if (lg.formatSd !== undefined) checkFormat(px, diag, 'log-format-sd', lg.formatSd, { file: '(null)', line: 0 });
  }
}, -3);

/*
 * HAProxy's per-proxy order (2.6.12): format errors (-3), httplog fallback (-2), http-check
 * rules (-1), timeouts (config/validate.ts, 0), tcp-check rules (1), log
 * format ignored (2), stats ignored (3), capture ignored (4). The phases
 * reproduce it exactly for one proxy; several proxies are not interleaved.
 */
registerPostParse((model, diag) => {
  const globalTargets = model.global.logs.length;
  for (const px of model.proxies) {
    if (px.disabled || !px.cap.fe) continue;
    const lg = px.log;
    const hasFormat = lg.style !== 'default';
    const hasTarget = lg.targets.length > 0 || (lg.global && globalTargets > 0);
    if (hasFormat && !hasTarget && !emptyFormats.has(px)) {
      const type = px.kind === 'listen' ? 'proxy' : px.kind;
      diag.warning(`log format ignored for ${type} '${px.name}' since it has no log address.`, lg.formatWhere ?? px.where, 'plain');
    }
  }
}, 2);

registerPostParse((model, diag) => {
  for (const px of model.proxies) {
    if (px.disabled || px.mode === 'http' || !px.log.captures.cookie) continue;
    const type = px.kind === 'listen' ? 'proxy' : px.kind;
    diag.warning(`'capture' statement ignored for ${type} '${px.name}' as it requires HTTP mode.`, px.where, 'plain');
  }
}, 4);
