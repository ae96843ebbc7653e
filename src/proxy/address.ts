/**
 * Socket addresses as `bind`, `stats socket`, `server`, `addr` and `source`
 * write them (reference §2.3, §2.6): `[family@]host[:port[-end]]`, unix
 * paths, abstract sockets, inherited fds. One parser for all callers; each
 * caller says what it accepts (port mandatory, ranges, offsets, fds, names
 * left for later resolution) and owns the prefix of the error messages.
 *
 * Invariant: parseAddress() either returns a fully checked address or
 * throws AddrError whose message is HAProxy's text after "'<kw>' : ".
 */
import { spawnSync } from 'node:child_process';
import { fstatSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';

export type AddrFamily = 'ipv4' | 'ipv6' | 'unix' | 'abns' | 'fd' | 'sockpair';

export interface SockAddr {
  family: AddrFamily;
  /** literal IP (IPv4 dotted quad or IPv6 without brackets); '' = any */
  host?: string;
  /** hostname still to resolve (servers only) */
  fqdn?: string;
  /** first port; 0 = none given (servers: client's port) */
  port: number;
  /** last port of a range (binds); equal to port when not a range */
  portEnd: number;
  /** '+N' / '-N': port is an offset from the client's destination port */
  portOffset?: boolean;
  path?: string;
  fd?: number;
}

export interface AddrOptions {
  /** a port is required (binds) */
  portMandatory?: boolean;
  /** `port-end` ranges are accepted (binds) */
  portRange?: boolean;
  /** `+N`/`-N` offsets are accepted (servers) */
  portOffset?: boolean;
  /** `fd@N` names an inherited listening socket (binds) */
  fdSocket?: boolean;
  /** hostnames are kept in `fqdn` instead of being resolved now (servers) */
  keepFqdn?: boolean;
  env?: Record<string, string | undefined>;
}

export class AddrError extends Error {
  /** HAProxy ends this message with a newline (some callers then indent it) */
  constructor(message: string, readonly multiline = false) { super(message); }
}

/** `${NAME}` substitution HAProxy applies to addresses even outside quotes. */
export function envExpand(text: string, env: Record<string, string | undefined> = {}): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, n: string) => env[n] ?? '');
}

/** C atoi(): leading sign and digits, else 0. */
function atoi(s: string): number {
  const m = /^\s*([-+]?\d+)/.exec(s);
  return m ? Math.max(Math.min(Number(m[1]), 0x7fffffff), -0x80000000) : 0;
}

/** sizeof(sun_path) - 1, minus room for ".<pid>.tmp" on plain paths */
const SUN_PATH_MAX = 107;

export function parseAddress(str: string, o: AddrOptions = {}): SockAddr {
  let s = envExpand(str, o.env);
  if (s === '') throw new AddrError(`'${str}' resolves to an empty address (environment variable missing?)`, true);
  let dgram = false;
  if (s.startsWith('stream+')) s = s.slice(7);
  else if (s.startsWith('dgram+')) { s = s.slice(6); dgram = true; }
  let family: AddrFamily | 'unspec' = 'unspec';
  const prefixes: Array<[string, AddrFamily | 'unspec', boolean]> = [
    ['unix@', 'unix', false], ['abns@', 'abns', false], ['ipv4@', 'ipv4', false], ['ipv6@', 'ipv6', false],
    ['udp4@', 'ipv4', true], ['udp6@', 'ipv6', true], ['udp@', 'unspec', true],
    ['quic4@', 'ipv4', true], ['quic6@', 'ipv6', true], ['fd@', 'fd', false], ['sockpair@', 'sockpair', false],
  ];
  let quic = false;
  for (const [p, fam, dg] of prefixes) {
    if (s.startsWith(p)) {
      s = s.slice(p.length);
      family = fam;
      if (dg) dgram = true;
      quic = p.startsWith('quic');
      break;
    }
  }
  if (family === 'unspec' && s.startsWith('/') && !dgram) family = 'unix';
  if (quic) {
    throw new AddrError(`unsupported stream protocol for datagram family ${family === 'ipv6' ? 10 : 2} address '${str}'; QUIC is not compiled in if this is what you were looking for.`);
  }
  if (family === 'fd' || family === 'sockpair') {
    if (!/^\d+$/.test(s)) throw new AddrError(`file descriptor '${s}' is not a valid integer in '${str}'`, true);
    const fd = Number(s);
    if (family === 'fd' && !o.fdSocket) throw new AddrError(`a file descriptor is not acceptable here in '${str}'`, true);
    checkSocketFd(fd);
    return { family, fd, port: 0, portEnd: 0 };
  }
  if (family === 'unix' || family === 'abns') {
    const max = family === 'abns' ? SUN_PATH_MAX : SUN_PATH_MAX - 10;
    if (s.length > max) throw new AddrError(`socket path '${str}' too long (max ${max})`, true);
    return { family, path: s, port: 0, portEnd: 0 };
  }
  // IPv4 / IPv6 / hostname: the port follows the last ':' found before any ']'
  let host = s;
  let portText = '';
  let hasColon = false;
  let i = s.length - 1;
  while (i > 0 && s[i] !== ']' && s[i] !== ':') i--;
  if (s[i] === ':') { host = s.slice(0, i); portText = s.slice(i + 1); hasColon = true; }
  if (!hasColon && o.portMandatory) throw new AddrError(`missing port specification in '${str}'`);
  let port = 0;
  let portEnd = 0;
  let portOffset = false;
  const c = portText[0];
  if (c !== undefined && c >= '0' && c <= '9') {
    const dash = portText.indexOf('-');
    if (dash >= 0 && !o.portRange) throw new AddrError(`port range not permitted here in '${str}'`);
    const lo = dash >= 0 ? portText.slice(0, dash) : portText;
    const hi = dash >= 0 ? portText.slice(dash + 1) : portText;
    port = atoi(lo);
    portEnd = atoi(hi);
    const min = o.portMandatory ? 1 : 0;
    if (port < min || port > 65535) throw new AddrError(`invalid port '${lo}'`);
    if (portEnd < min || portEnd > 65535) throw new AddrError(`invalid port '${hi}'`);
    if (port > portEnd) throw new AddrError(`invalid port range '${port}-${portEnd}'`);
  } else if (c === '-' || c === '+') {
    if (!o.portOffset) throw new AddrError(`port offset not permitted here in '${str}'`);
    const n = atoi(portText.slice(1));
    port = c === '-' ? -n : n;
    portEnd = port;
    portOffset = true;
  } else if (c !== undefined) {
    throw new AddrError(`invalid character '${c}' in port number '${portText}' in '${str}'`, true);
  } else if (o.portMandatory) {
    throw new AddrError(`missing port specification in '${str}'`);
  }
  const literal = parseIp(host, family);
  if (dgram) throw new AddrError(`dgram-type address not acceptable in '${str}'`, true);
  const base = { port, portEnd, ...(portOffset ? { portOffset } : {}) };
  if (literal) return { ...literal, ...base };
  if (o.keepFqdn) return { family: family === 'unspec' ? 'ipv4' : family, fqdn: host, ...base };
  const ip = resolveHost(host, family === 'unspec' ? undefined : family);
  if (ip === undefined) throw new AddrError(`invalid address: '${host}' in '${str}'`, true);
  return { family: isIPv6(ip) ? 'ipv6' : 'ipv4', host: ip, ...base };
}

/** A literal address in the given family, or undefined (str2ip2 without resolution). */
export function parseIp(text: string, family: AddrFamily | 'unspec' = 'unspec'): { family: 'ipv4' | 'ipv6'; host: string } | undefined {
  let t = text;
  if (t.startsWith('[')) {
    if (t.length < 4 || t.length >= 48 || !t.endsWith(']')) return undefined;
    t = t.slice(1, -1);
  }
  if (t === '::') return family === 'unspec' || family === 'ipv6' ? { family: 'ipv6', host: '::' } : undefined;
  if (t === '' || t === '*') return { family: family === 'ipv6' ? 'ipv6' : 'ipv4', host: '' };
  if ((family === 'unspec' || family === 'ipv6') && isIPv6(t) && !t.includes('%')) return { family: 'ipv6', host: t };
  if ((family === 'unspec' || family === 'ipv4') && isIPv4(t)) return { family: 'ipv4', host: t };
  return undefined;
}

function checkSocketFd(fd: number): void {
  let isSock = false;
  try {
    isSock = fstatSync(fd).isSocket();
  } catch {
    throw new AddrError(`cannot use file descriptor '${fd}' : Bad file descriptor.`, true);
  }
  if (!isSock) throw new AddrError(`cannot use file descriptor '${fd}' : Socket operation on non-socket.`, true);
}

const cache = new Map<string, string | null>();
/** bound for one lookup: loading a configuration must never hang on DNS */
const RESOLVE_TIMEOUT_MS = 5000;

/**
 * Resolve a hostname synchronously through the system resolver (libc, like
 * HAProxy at start-up). Returns the first address of the wanted family, or
 * undefined. Results are cached for the life of the process.
 */
export function resolveHost(name: string, family?: 'ipv4' | 'ipv6' | AddrFamily, prefer?: 'ipv4' | 'ipv6'): string | undefined {
  // a name getent cannot take (blanks, slashes, NUL, other controls) resolves to nothing
  if (name === '' || /[\s/\x00-\x1f\x7f]/.test(name)) return undefined;
  let all = cache.get(name);
  if (all === undefined) {
    const r = spawnSync('getent', ['ahosts', name], { encoding: 'utf8', timeout: RESOLVE_TIMEOUT_MS });
    const addrs: string[] = [];
    if (r.status === 0 && typeof r.stdout === 'string') {
      for (const line of r.stdout.split('\n')) {
        const a = line.split(/\s+/)[0];
        if (a && !addrs.includes(a) && (isIPv4(a) || isIPv6(a))) addrs.push(a);
      }
    }
    all = addrs.length ? addrs.join(' ') : null;
    cache.set(name, all);
  }
  if (all === null) return undefined;
  const list = all.split(' ');
  const want = family === 'ipv4' || family === 'ipv6' ? family : undefined;
  const pick = (f: 'ipv4' | 'ipv6') => list.find((a) => (f === 'ipv4' ? isIPv4(a) : isIPv6(a)));
  if (want) return pick(want);
  if (prefer) return pick(prefer) ?? list[0];
  return list[0];
}

/**
 * An IPv6 address as four 32-bit words (network order), or undefined when
 * it is not one: '::' compression, an embedded IPv4 tail ('::ffff:1.2.3.4')
 * and a '%zone' suffix (ignored) are accepted. The one parser of IPv6 text
 * for hashing (balance source), ACL matching and PROXY protocol headers.
 */
export function ipv6Words(text: string): Uint32Array | undefined {
  const pct = text.indexOf('%');
  const s = pct >= 0 ? text.slice(0, pct) : text;
  if (!isIPv6(s)) return undefined;
  let head = s;
  const lastColon = s.lastIndexOf(':');
  const v4 = s.slice(lastColon + 1);
  if (v4.includes('.')) {
    // the IPv4 tail becomes two 16-bit groups
    const p = v4.split('.').map(Number);
    head = `${s.slice(0, lastColon + 1)}${((p[0]! << 8) | p[1]!).toString(16)}:${((p[2]! << 8) | p[3]!).toString(16)}`;
  }
  const groups = (x: string): number[] => (x === '' ? [] : x.split(':').map((g) => Number.parseInt(g, 16)));
  const dbl = head.indexOf('::');
  let g: number[];
  if (dbl < 0) g = groups(head);
  else {
    const l = groups(head.slice(0, dbl));
    const r = groups(head.slice(dbl + 2));
    g = [...l, ...new Array<number>(8 - l.length - r.length).fill(0), ...r];
  }
  const out = new Uint32Array(4);
  for (let i = 0; i < 4; i++) out[i] = ((g[2 * i]! << 16) | g[2 * i + 1]!) >>> 0;
  return out;
}
