/**
 * Log targets and formats of the global section and proxies (reference §2.14, §7).
 *
 * `parseLogTarget` is shared by the global `log` row (config/global.ts) and
 * the proxy rows (log/keywords.ts). Argument checks run in HAProxy's order:
 * options (len, format, sample), argument count, facility, levels, and only
 * then the address, so "log rsyslog foo" complains about the facility.
 */
import { isIP } from 'node:net';
import { ConfigError, NotImplementedError } from '../core/errors.js';
import type { KwContext } from '../config/keywords.js';
import { registerPostParse } from '../config/postparse.js';
import { resolveHost as systemResolve } from '../proxy/address.js';

export const FACILITIES = [
  'kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'auth2', 'ftp', 'ntp',
  'audit', 'alert', 'cron2', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7',
] as const;
export const LEVELS = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'] as const;
export const LOG_FORMATS = ['rfc3164', 'rfc5424', 'short', 'raw', 'iso', 'timed', 'priority'] as const;

export type LogTransport = 'udp' | 'tcp' | 'unix' | 'fd' | 'ring';

export interface LogTarget {
  /** the address as written */
  readonly target: string;
  readonly transport: LogTransport;
  /** udp/tcp: literal IP (resolved when a name was given) and port (default 514) */
  readonly host?: string;
  readonly port?: number;
  /** unix: socket path; fd: descriptor (stdout = 1, stderr = 2); ring: sink name */
  readonly path?: string;
  readonly fd?: number;
  readonly ring?: string;
  /** maximum line length (default 1024) */
  readonly maxLen: number;
  readonly format: (typeof LOG_FORMATS)[number];
  /** `sample <ranges>:<size>`: only lines whose index modulo size is in a range */
  readonly sample?: { ranges: Array<[number, number]>; size: number };
  readonly facility: string;
  /** syslog facility number (0..23) */
  readonly facilityCode: number;
  /** highest severity sent (default debug) and the floor it is raised to (default emerg) */
  readonly level: string;
  readonly minLevel: string;
}

/** Which log line a proxy builds when it has no explicit log-format. */
export type LogStyle = 'default' | 'tcplog' | 'httplog' | 'httplog-clf' | 'httpslog' | 'custom';

export interface LogConf {
  targets: LogTarget[];
  /** `log global` seen: the global targets are used too */
  global: boolean;
  style: LogStyle;
  /** explicit `log-format` text (style 'custom') */
  format?: string;
  /** where the log format was set (HAProxy reports the httplog fallback there) */
  formatWhere?: { file: string; line: number };
  formatSd?: string;
  errorFormat?: string;
  errorFormatWhere?: { file: string; line: number };
  uniqueIdFormat?: string;
  uniqueIdWhere?: { file: string; line: number };
  tag?: string;
  captures: {
    request: Array<{ name?: string; len: number }>;
    response: Array<{ name?: string; len: number }>;
    cookie?: { name: string; len: number };
  };
}

export function initLog(): LogConf {
  return { targets: [], global: false, style: 'default', captures: { request: [], response: [] } };
}

const DEFAULT_PORT = 514;

/** Parse `log <target> [len N] [format F] [sample R:S] <facility> [max [min]]`. */
export function parseLogTarget(args: readonly string[], ctx: KwContext, where: 'global' | 'proxy'): LogTarget {
  if (where === 'global' && args[0] === 'global') throw new ConfigError(`log : 'global' is not supported for a global syslog server`);
  if (args.length < 2) {
    throw new ConfigError(where === 'global'
      ? `log : expects <address> and <facility>  as arguments`
      : `log : expects <address> and <facility> or global as arguments`);
  }
  const target = args[0]!;
  let i = 1;
  let maxLen = 1024;
  let format: LogTarget['format'] = 'rfc3164';
  let sample: LogTarget['sample'];
  if (args[i] === 'len') {
    const v = args[i + 1] ?? '';
    const n = /^\d+$/.test(v) ? Number(v) : NaN;
    if (!(n >= 80 && n <= 65535)) throw new ConfigError(`log : invalid log length '${v}', must be between 80 and 65535`);
    maxLen = n;
    i += 2;
  }
  if (args[i] === 'format') {
    const v = args[i + 1] ?? '';
    if (!(LOG_FORMATS as readonly string[]).includes(v)) throw new ConfigError(`log : unknown log format '${v}'`);
    format = v as LogTarget['format'];
    i += 2;
  }
  if (args[i] === 'sample') {
    sample = parseSample(args[i + 1] ?? '');
    i += 2;
  }
  const rest = args.slice(i);
  const facility = rest[0] ?? '';
  const facilityCode = (FACILITIES as readonly string[]).indexOf(facility);
  if (facilityCode < 0) throw new ConfigError(`log : unknown log facility '${facility}'`);
  if (rest.length > 3) throw new ConfigError(`log : cannot handle unexpected argument '${rest[3]}'`);
  const level = rest[1] ?? 'debug';
  if (!(LEVELS as readonly string[]).includes(level)) throw new ConfigError(`log : unknown optional log level '${level}'`);
  const minLevel = rest[2] ?? 'emerg';
  if (!(LEVELS as readonly string[]).includes(minLevel)) throw new ConfigError(`log : unknown optional minimum log level '${minLevel}'`);
  const addr = parseLogAddress(target);
  void ctx;
  return { target, ...addr, maxLen, format, sample, facility, facilityCode, level, minLevel };
}

function parseSample(text: string): NonNullable<LogTarget['sample']> {
  const colon = text.indexOf(':');
  const rangesText = colon < 0 ? text : text.slice(0, colon);
  const ranges: Array<[number, number]> = [];
  for (const r of rangesText.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(r);
    const lo = m ? Number(m[1]) : 0;
    const hi = m ? Number(m[2] ?? m[1]) : 0;
    if (!m || lo === 0 || hi < lo) throw new ConfigError(`log : wrong sample range '${r}'`);
    ranges.push([lo, hi]);
  }
  if (colon < 0) throw new ConfigError(`log : Missing sample size`);
  const sizeText = text.slice(colon + 1);
  const size = /^\d+$/.test(sizeText) ? Number(sizeText) : 0;
  if (size === 0) throw new ConfigError(`log : wrong sample size '${sizeText}' for sample range '${rangesText}'`);
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  for (let k = 1; k < sorted.length; k++) {
    if (sorted[k]![0] <= sorted[k - 1]![1]) throw new ConfigError(`log : ranges are overlapping`);
  }
  const maxHigh = Math.max(...ranges.map((r) => r[1]));
  if (size < maxHigh) {
    throw new ConfigError(`log : sample size ${size} should be greater or equal to ${maxHigh} the maximum of the high ranges limits`);
  }
  return { ranges, size };
}

type Addr = Pick<LogTarget, 'transport' | 'host' | 'port' | 'path' | 'fd' | 'ring'>;

const NET_PREFIXES: Record<string, 'udp' | 'tcp'> = {
  'udp@': 'udp', 'udp4@': 'udp', 'udp6@': 'udp', 'ipv4@': 'udp', 'ipv6@': 'udp',
  'tcp@': 'tcp', 'tcp4@': 'tcp', 'tcp6@': 'tcp',
};

/** A log address as HAProxy's str2sa_range() accepts it for `log`. */
export function parseLogAddress(text: string): Addr {
  if (text === 'stdout') return { transport: 'fd', fd: 1 };
  if (text === 'stderr') return { transport: 'fd', fd: 2 };
  if (text.startsWith('ring@')) {
    throw new NotImplementedError(`log : logging to a ring buffer ('${text}') is not implemented in lb; use a syslog address, stdout or stderr.`);
  }
  if (text.startsWith('fd@')) {
    const v = text.slice(3);
    if (!/^\d+$/.test(v)) throw new ConfigError(`log : file descriptor '${v}' is not a valid integer in '${text}'\n`);
    return { transport: 'fd', fd: Number(v) };
  }
  if (text.startsWith('unix@')) return { transport: 'unix', path: text.slice(5) };
  if (text.startsWith('abns@')) {
    throw new NotImplementedError(`log : abstract unix sockets ('${text}') are not implemented in lb.`);
  }
  if (text.startsWith('/')) return { transport: 'unix', path: text };
  let transport: 'udp' | 'tcp' = 'udp';
  let rest = text;
  const at = text.indexOf('@');
  if (at >= 0) {
    const pfx = text.slice(0, at + 1);
    const t = NET_PREFIXES[pfx];
    if (!t) throw new ConfigError(`log : unknown address family '${pfx.slice(0, -1)}' in '${text}'\n`);
    transport = t;
    rest = text.slice(at + 1);
  }
  const { host, port } = splitHostPort(rest, text);
  return { transport, host: resolveHost(host, text), port };
}

function splitHostPort(rest: string, whole: string): { host: string; port: number } {
  let host = rest;
  let portText: string | undefined;
  const b = /^\[([^\]]*)\](?::(.*))?$/.exec(rest);
  if (b) {
    host = b[1]!;
    portText = b[2];
  } else {
    const c = rest.lastIndexOf(':');
    if (c >= 0) {
      host = rest.slice(0, c);
      portText = rest.slice(c + 1);
    }
  }
  let port = DEFAULT_PORT;
  if (portText !== undefined && portText !== '') {
    if (/^\d+-\d+$/.test(portText)) throw new ConfigError(`log : port range not permitted here in '${whole}'`);
    const bad = /[^0-9]/.exec(portText);
    if (bad) throw new ConfigError(`log : invalid character '${bad[0]}' in port number '${portText}' in '${whole}'\n`);
    port = Number(portText);
    if (port > 65535) throw new ConfigError(`log : invalid port '${portText}'`);
  }
  return { host, port };
}

function resolveHost(host: string, whole: string): string {
  if (host === '' || host === '*') return '0.0.0.0';
  if (isIP(host)) return host;
  const ip = resolveName(host);
  if (ip === undefined) throw new ConfigError(`log : invalid address: '${host}' in '${whole}'\n`);
  return ip;
}

/**
 * Resolve a host name at load time (the shared resolver of proxy/address.ts,
 * cached, bounded in time). Never called on the hot path.
 */
export function resolveName(name: string): string | undefined {
  return /^[A-Za-z0-9._-]+$/.test(name) ? systemResolve(name) : undefined;
}

/** True when `at` lies in the section that starts at `start` (not inherited from an earlier defaults). */
function inside(at: { file: string; line: number }, start: { file: string; line: number }): boolean {
  return at.file === start.file && at.line >= start.line;
}

/**
 * HAProxy checks the httplog fallback before the other proxy checks (phase -2).
 * "'option httplog' not usable with frontend 'f' (needs 'mode http')".
 */
registerPostParse((model, diag) => {
  for (const px of model.proxies) {
    const lg = px.log;
    // HAProxy copies log formats from defaults to frontends only
    if (px.kind === 'backend' && lg.formatWhere && !inside(lg.formatWhere, px.where)) {
      lg.style = 'default';
      lg.format = undefined;
      lg.formatWhere = undefined;
    }
    if (px.mode === 'http' || px.disabled) continue;
    if (lg.style !== 'httplog' && lg.style !== 'httplog-clf' && lg.style !== 'httpslog') continue;
    const opt = lg.style === 'httpslog' ? 'httpslog' : 'httplog';
    const type = px.kind === 'listen' ? 'proxy' : px.kind;
    const w = lg.formatWhere ?? px.where;
    diag.warning(`parsing [${w.file}:${w.line}] : 'option ${opt}' not usable with ${type} '${px.name}' (needs 'mode http'). Falling back to 'option tcplog'.`, w, 'plain');
    lg.style = 'tcplog';
  }
}, -2);
