/**
 * Bind options as data (reference §2.3): one row per keyword HAProxy 2.6
 * knows on a `bind` line, in HAProxy's order (its did-you-mean walks them in
 * that order). Each row checks its value with HAProxy's message; TLS rows
 * only record what was asked (bind.ts rejects `ssl` afterwards).
 */
import { existsSync, statSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { NotImplementedError } from '../core/errors.js';
import { parseTime } from '../config/units.js';
import type { KwContext } from '../config/keywords.js';
import type { Where } from '../config/diag.js';
import type { Bind } from './bind.js';

/** A bind option error: the text after "'bind <addr>' in section 'x' : ". */
export class BindOptError extends Error {
  constructor(message: string, readonly warning = false) { super(message); }
}

export interface BindOptCtx {
  readonly kw: KwContext;
  /** every id already used in this proxy (for `id` duplicates) */
  readonly ids: ReadonlyArray<{ id: number; spec: string; where: Where }>;
  /** HAProxy prints a few alerts of its own before the option's error */
  alert(msg: string): void;
  warn(msg: string): void;
}

/** One bind option. `arg` is the following word when `args` is 1. */
export interface BindOptRow {
  readonly name: string;
  readonly args: 0 | 1;
  parse(b: Bind, arg: string | undefined, c: BindOptCtx): void;
}

/** `crt` path: relative paths are under global `crt-base`. */
export function certPath(path: string, base: string | undefined): string {
  return base && !path.startsWith('/') ? `${base}/${path}` : path;
}

/**
 * HAProxy loads certificates while parsing: a missing file is an error.
 * An existing one only means "TLS wanted", which lb rejects later.
 */
export function checkCertFile(path: string): void {
  try {
    statSync(path);
  } catch {
    throw new BindOptError(`unable to stat SSL certificate from file '${path}' : No such file or directory.\n`);
  }
}

/** ca-file style loading: HAProxy prints its own alert before the option's. */
export function checkCaFile(opt: string, path: string, c: BindOptCtx): void {
  if (existsSync(path)) {
    try { readFileSync(path); return; } catch { /* unreadable: same as missing */ }
  }
  c.alert(`Couldn't open the ca-file '${path}' (No such file or directory).`);
  throw new BindOptError(`'${opt}' : unable to load ${path}`);
}

function atoi(s: string | undefined): number {
  const m = /^\s*([-+]?\d+)/.exec(s ?? '');
  // C stores atol()'s long into an int: keep the low 32 bits, signed
  return m ? Number(BigInt.asIntN(32, BigInt(m[1]!))) : 0;
}

/** a known user/group name (through NSS, like getpwnam()) */
export function lookupUser(name: string): number | undefined {
  return nssId('passwd', name);
}
export function lookupGroup(name: string): number | undefined {
  return nssId('group', name);
}
function nssId(db: string, name: string): number | undefined {
  const r = spawnSync('getent', [db, name], { encoding: 'utf8', timeout: 5000 });
  if (r.status !== 0 || typeof r.stdout !== 'string') return undefined;
  const f = r.stdout.split(':');
  return f.length > 2 ? Number(f[2]) : undefined;
}

/** `process`/`thread` sets: all, odd, even, N or N-M within 1..max */
function checkSet(v: string | undefined, max: number, label: string): void {
  const t = v ?? '';
  if (t === 'all' || t === 'odd' || t === 'even') return;
  const m = /^(\d*)(?:-(\d*))?$/.exec(t);
  if (!m) throw new BindOptError(`${label} : '${t}' is not a valid number/range.`);
  const lo = m[1] === '' ? 0 : Number(m[1]);
  const hi = m[2] === undefined ? lo : m[2] === '' ? max : Number(m[2]);
  if (lo < 1 || lo > max || hi < lo || hi > max) {
    throw new BindOptError(`${label} : '${t}' is not a valid number/range. It supports numbers from 1 to ${max}.`);
  }
}

const need = (opt: string, what: string) => (v: string | undefined): string => {
  if (v === undefined || v === '') throw new BindOptError(`'${opt}' : ${what}`);
  return v;
};

/** a TLS option that only records its value */
function tlsValue(name: string, missing: string, check?: (v: string, c: BindOptCtx) => void): BindOptRow {
  return {
    name, args: 1,
    parse: (b, v, c) => {
      const val = need(name, missing)(v);
      check?.(val, c);
      b.tls[name] = val;
    },
  };
}
function tlsFlag(name: string): BindOptRow {
  return { name, args: 0, parse: (b) => { b.tls[name] = ''; } };
}

const TLS_VERSIONS = ['SSLv3', 'TLSv1.0', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
const tlsVersion = (name: string): BindOptRow => ({
  name, args: 1,
  parse: (b, v) => {
    const val = need(name, 'missing the ssl/tls version')(v);
    if (!TLS_VERSIONS.includes(val)) throw new BindOptError(`'${val}' : unknown ssl/tls version`);
    b.tls[name] = val;
  },
});
const caFile = (name: string, missing: string): BindOptRow => tlsValue(name, missing, (val, c) => {
  const base = c.kw.global.caBase;
  checkCaFile(name, base && !val.startsWith('/') ? `${base}/${val}` : val, c);
});

export const BIND_OPTIONS: readonly BindOptRow[] = [
  {
    name: 'accept-netscaler-cip', args: 1,
    parse: (b, v) => {
      need('accept-netscaler-cip', 'missing value')(v);
      const n = atoi(v);
      if (n <= 0) throw new BindOptError(`'accept-netscaler-cip' : invalid value ${n}, must be >= 0`);
      b.acceptNetscalerCip = n;
      throw new NotImplementedError(`'accept-netscaler-cip' (NetScaler Client IP insertion) is not implemented in lb yet.`);
    },
  },
  { name: 'accept-proxy', args: 0, parse: (b) => { b.acceptProxy = true; } },
  {
    name: 'backlog', args: 1,
    parse: (b, v) => {
      need('backlog', 'missing value')(v);
      const n = atoi(v);
      if (n < 0) throw new BindOptError(`'backlog' : invalid value ${n}, must be > 0`);
      b.backlog = n;
    },
  },
  { name: 'defer-accept', args: 0, parse: (b) => { b.deferAccept = true; } },
  {
    name: 'expose-fd', args: 1,
    parse: (b, v) => {
      need('expose-fd', 'missing fd type')(v);
      if (v !== 'listeners') throw new BindOptError(`'expose-fd' only supports 'listeners' (got '${v}')`);
      b.exposeFdListeners = true;
    },
  },
  { name: 'gid', args: 1, parse: (b, v) => { need('gid', 'missing value')(v); b.gid = atoi(v); } },
  {
    name: 'group', args: 1,
    parse: (b, v) => {
      const g = need('group', 'missing group name')(v);
      const id = lookupGroup(g);
      if (id === undefined) throw new BindOptError(`'group' : unknown group name '${g}'`);
      b.group = g;
      b.gid = id;
    },
  },
  {
    name: 'id', args: 1,
    parse: (b, v, c) => {
      if (v === undefined || v === '') throw new BindOptError(`'id' : expects an integer argument`);
      if (!/^[-+]?\d/.test(v)) throw new BindOptError(`'id' : expects an integer argument, found '${v}'`);
      const n = atoi(v);
      if (n <= 0) throw new BindOptError(`'id' : custom id has to be > 0`);
      const dup = c.ids.find((x) => x.id === n);
      if (dup) throw new BindOptError(`'id' : custom id ${n} already used at ${dup.where.file}:${dup.where.line} ('bind ${dup.spec}')`);
      b.id = n;
    },
  },
  { name: 'interface', args: 1, parse: (b, v) => { b.interface = need('interface', 'missing interface name')(v); } },
  {
    name: 'level', args: 1,
    parse: (b, v) => {
      need('level', 'missing level')(v);
      if (v !== 'user' && v !== 'operator' && v !== 'admin') {
        throw new BindOptError(`'level' only supports 'user', 'operator', and 'admin' (got '${v}')`);
      }
      b.level = v;
    },
  },
  {
    name: 'maxconn', args: 1,
    parse: (b, v) => {
      need('maxconn', 'missing value')(v);
      const n = atoi(v);
      if (n < 0) throw new BindOptError(`'maxconn' : invalid value ${n}, must be >= 0`);
      b.maxconn = n;
    },
  },
  {
    name: 'mode', args: 1,
    parse: (b, v) => {
      if (v === undefined || !/^[0-7]+$/.test(v)) {
        throw new BindOptError(`'mode' : missing or invalid mode '${v ?? ''}' (octal integer expected)`);
      }
      b.mode = parseInt(v, 8);
    },
  },
  {
    name: 'mss', args: 1,
    parse: (b, v) => {
      need('mss', 'missing MSS value')(v);
      const n = atoi(v);
      if (n === 0 || Math.abs(n) > 65535) throw new BindOptError(`'mss' : expects an MSS with and absolute value between 1 and 65535`);
      b.mss = n;
    },
  },
  { name: 'name', args: 1, parse: (b, v) => { b.name = need('name', 'missing name')(v); } },
  {
    name: 'namespace', args: 1,
    parse: (_b, v, c) => {
      const ns = need('namespace', 'missing namespace id')(v);
      if (!existsSync(`/var/run/netns/${ns}`)) {
        c.alert(`Cannot open namespace '${ns}'.`);
        throw new BindOptError(`error encountered while processing 'namespace'.`);
      }
      throw new NotImplementedError(`'namespace' (network namespaces) is not implemented in lb yet.`);
    },
  },
  {
    name: 'nice', args: 1,
    parse: (b, v) => {
      need('nice', 'missing value')(v);
      const n = atoi(v);
      if (n < -1024 || n > 1024) throw new BindOptError(`'nice' : invalid value ${n}, allowed range is -1024..1024`);
      b.nice = n;
    },
  },
  {
    name: 'process', args: 1,
    parse: (b, v, c) => {
      checkSet(v, 1, `'process'`);
      c.warn(`'process ${v}' on 'bind' lines is deprecated and will be removed in 2.7.`);
      b.process = v;
    },
  },
  {
    name: 'proto', args: 1,
    parse: (b, v) => {
      const p = need('proto', 'missing value')(v);
      if (!['h1', 'h2', 'fcgi', 'none'].includes(p)) throw new BindOptError(`'proto' :  unknown MUX protocol '${p}'`);
      b.proto = p;
    },
  },
  {
    name: 'severity-output', args: 1,
    parse: (b, v) => {
      need('severity-output', 'missing severity format')(v);
      if (v !== 'none' && v !== 'number' && v !== 'string') {
        throw new BindOptError(`'severity-output' only supports 'none', 'number', and 'string' (got '${v}')`);
      }
      b.severityOutput = v;
    },
  },
  {
    name: 'shards', args: 1,
    parse: (b, v) => {
      need('shards', 'missing value')(v);
      if (v !== 'by-thread') {
        const n = atoi(v);
        if (n < 1 || n > 64) throw new BindOptError(`'shards' : invalid value ${n}, allowed range is 1..64 or 'by-thread'`);
      }
      b.shards = v;
    },
  },
  {
    name: 'tcp-ut', args: 1,
    parse: (b, v) => {
      need('tcp-ut', 'missing TCP User Timeout value')(v);
      const t = parseTime(v!);
      if (t.error !== undefined) throw new BindOptError(`'tcp-ut' : expects a positive delay in milliseconds`);
      b.tcpUt = t.value;
    },
  },
  { name: 'tfo', args: 0, parse: (b) => { b.tfo = true; } },
  {
    name: 'thread', args: 1,
    parse: (b, v) => {
      const t = v ?? '';
      // "[group/]set": a numeric group prefix, else the whole word is the set
      const m = /^(\d+)\/(.*)$/.exec(t);
      if (m) {
        const g = Number(m[1]);
        if (g < 1 || g > 1) throw new BindOptError(`'${t}' thread-group number must be between 1 and 1 (was ${g})`);
        checkSet(m[2], 64, `'${m[2]}'`);
      } else {
        checkSet(t, 64, `'${t}'`);
      }
      b.thread = t;
    },
  },
  { name: 'transparent', args: 0, parse: (b) => { b.transparent = true; } },
  { name: 'uid', args: 1, parse: (b, v) => { need('uid', 'missing value')(v); b.uid = atoi(v); } },
  {
    name: 'user', args: 1,
    parse: (b, v) => {
      const u = need('user', 'missing user name')(v);
      const id = lookupUser(u);
      if (id === undefined) throw new BindOptError(`'user' : unknown user name '${u}'`);
      b.user = u;
      b.uid = id;
    },
  },
  { name: 'v4v6', args: 0, parse: (b) => { b.v4v6 = true; } },
  { name: 'v6only', args: 0, parse: (b) => { b.v6only = true; } },
  // --- TLS (HAProxy's ssl_sock keywords) ---
  tlsFlag('allow-0rtt'),
  {
    name: 'alpn', args: 1,
    parse: (b, v) => { b.alpn = need('alpn', 'missing the comma-delimited ALPN protocol suite')(v); },
  },
  caFile('ca-file', 'missing CAfile path'),
  tlsValue('ca-ignore-err', 'missing error IDs list'),
  tlsValue('ca-sign-file', 'missing CAfile path'),
  tlsValue('ca-sign-pass', 'missing CAkey password'),
  caFile('ca-verify-file', 'missing CAfile path'),
  tlsValue('ciphers', 'missing cipher suite'),
  tlsValue('ciphersuites', 'missing cipher suite'),
  caFile('crl-file', 'missing CRLfile path'),
  tlsValue('crt', 'missing certificate location', (val, c) => {
    checkCertFile(certPath(val, c.kw.global.crtBase));
  }),
  tlsValue('crt-ignore-err', 'missing error IDs list'),
  tlsValue('crt-list', 'missing certificate location', (val) => {
    let text: string;
    try {
      text = readFileSync(val, 'utf8');
    } catch {
      throw new BindOptError(`'crt-list' : cannot open file '${val}' : No such file or directory`);
    }
    // each non-comment line starts with a certificate path
    for (const line of text.split('\n')) {
      const first = line.trim().split(/\s+/)[0];
      if (!first || first.startsWith('#')) continue;
      try {
        checkCertFile(first);
      } catch (e) {
        throw new BindOptError(`'crt-list' : ${(e as Error).message.replace(/\n$/, '')}`);
      }
    }
  }),
  tlsValue('curves', 'missing curve suite'),
  tlsValue('ecdhe', 'missing named curve'),
  tlsFlag('force-sslv3'),
  tlsFlag('force-tlsv10'),
  tlsFlag('force-tlsv11'),
  tlsFlag('force-tlsv12'),
  tlsFlag('force-tlsv13'),
  tlsFlag('generate-certificates'),
  tlsFlag('no-ca-names'),
  tlsFlag('no-sslv3'),
  tlsFlag('no-tls-tickets'),
  tlsFlag('no-tlsv10'),
  tlsFlag('no-tlsv11'),
  tlsFlag('no-tlsv12'),
  tlsFlag('no-tlsv13'),
  {
    name: 'npn', args: 1,
    parse: (b, v) => { b.npn = need('npn', 'missing the comma-delimited NPN protocol suite')(v); },
  },
  tlsFlag('prefer-client-ciphers'),
  { name: 'ssl', args: 0, parse: (b) => { b.ssl = true; } },
  tlsVersion('ssl-max-ver'),
  tlsVersion('ssl-min-ver'),
  tlsFlag('strict-sni'),
  tlsValue('tls-ticket-keys', 'missing TLS ticket keys file path', (val) => {
    if (!existsSync(val)) throw new BindOptError(`'${val}' : unable to load ssl tickets keys file`);
  }),
  {
    name: 'verify', args: 1,
    parse: (b, v) => {
      need('verify', 'missing verify method')(v);
      if (v !== 'none' && v !== 'optional' && v !== 'required') {
        throw new BindOptError(`'verify' : unknown verify method '${v}', only 'none', 'optional', and 'required' are supported`);
      }
      b.tls['verify'] = v;
    },
  },
];
