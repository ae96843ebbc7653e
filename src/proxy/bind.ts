/**
 * `bind` lines and the global `stats socket` (reference §2.3): the address
 * list (one listener per address and per port of a range) and the bind
 * options, which are data rows (STYLE rule 2) checked left to right the way
 * HAProxy checks them, so the first bad word gives HAProxy's own message.
 *
 * TLS is not implemented in lb: HAProxy's errors on TLS options (missing
 * certificate files...) are reproduced first; a line that really asks for
 * TLS termination (`ssl`) then fails with NotImplementedError. TLS-only
 * options without `ssl` change nothing in HAProxy either and are kept as data.
 */
import { ConfigError, NotImplementedError, Codes } from '../core/errors.js';
import { register, didYouMean, type KeywordRow, type KwContext } from '../config/keywords.js';
import type { Where } from '../config/diag.js';
import { parseAddress, AddrError, type SockAddr } from './address.js';
import { registerPostParse } from '../config/postparse.js';
import { proxyType as pxType } from '../config/validate.js';
import { BIND_OPTIONS, BindOptError, type BindOptCtx, type BindOptRow } from './bind-opts.js';

export interface Bind {
  readonly where: Where;
  /** the address words as written (first argument) */
  readonly spec: string;
  /** one entry per listening socket (ranges expanded) */
  addrs: SockAddr[];
  name?: string;
  id?: number;
  /** 0 = the frontend's maxconn */
  maxconn: number;
  backlog: number;
  acceptProxy: boolean;
  acceptNetscalerCip?: number;
  v4v6: boolean;
  v6only: boolean;
  transparent: boolean;
  deferAccept: boolean;
  tfo: boolean;
  interface?: string;
  namespace?: string;
  mss?: number;
  tcpUt?: number;
  /** unix sockets: permissions (octal, as a number) and owner */
  mode?: number;
  user?: string;
  group?: string;
  uid?: number;
  gid?: number;
  /** CLI sockets */
  level: 'user' | 'operator' | 'admin';
  exposeFdListeners: boolean;
  severityOutput?: 'none' | 'number' | 'string';
  process?: string;
  thread?: string;
  shards?: string;
  nice?: number;
  /** forced mux: h1, h2 */
  proto?: string;
  alpn?: string;
  npn?: string;
  /** TLS termination requested (not implemented in lb) */
  ssl: boolean;
  /** TLS options as written (name → value, '' for flags) */
  tls: Record<string, string>;
}

export function initBind(where: Where, spec: string, addrs: SockAddr[]): Bind {
  return {
    where, spec, addrs, maxconn: 0, backlog: 0, acceptProxy: false, v4v6: false, v6only: false,
    transparent: false, deferAccept: false, tfo: false, level: 'operator', exposeFdListeners: false,
    ssl: false, tls: {},
  };
}

const OPTS = new Map<string, BindOptRow>(BIND_OPTIONS.map((r) => [r.name, r]));

/**
 * Parse a bind line's arguments (address list, then options). `kw` is
 * 'bind' or 'stats socket' (whose messages are worded differently).
 */
export function parseBindLine(args: readonly string[], ctx: KwContext, kw = 'bind'): Bind {
  const stats = kw === 'stats socket';
  const spec = args[0];
  if (spec === undefined || spec === '') {
    throw new ConfigError(stats
      ? `'stats socket' in global section expects an address or a path to a UNIX socket`
      : `'bind' expects {<path>|[addr1]:port1[-end1]}{,[addr]:port[-end]}... as arguments.`);
  }
  const addrs = parseAddrList(spec, ctx, stats);
  const b = initBind(ctx.where, spec, addrs);
  const ids = stats ? [] : collectIds(ctx);
  const head = `'bind ${spec}' in section '${ctx.section}'`;
  const oc: BindOptCtx = {
    kw: ctx, ids,
    alert: (m) => ctx.diag.alert(Codes.CFG_INVALID, m, ctx.where, 'plain'),
    warn: (m) => ctx.warn(stats ? `'stats socket' : ${m}` : `${head} : ${m}`),
  };
  for (let i = 1; i < args.length; i++) {
    const word = args[i]!;
    const row = OPTS.get(word);
    if (!row) {
      const hint = didYouMean(word, BIND_OPTIONS.map((r) => r.name));
      if (stats) throw new ConfigError(`'stats socket' : unknown keyword '${word}'.${hint ? ` Did you mean '${hint}' maybe ?` : ''}`);
      throw new ConfigError(`${head}: unknown keyword '${word}'${hint ? `; did you mean '${hint}' maybe ?` : '.'}`);
    }
    const arg = row.args ? args[i + 1] : undefined;
    try {
      row.parse(b, arg, oc);
    } catch (e) {
      if (e instanceof NotImplementedError) throw new NotImplementedError(`${stats ? `'stats socket'` : head} : ${e.message}`);
      if (!(e instanceof BindOptError)) throw e;
      if (stats) throw new ConfigError(`'stats socket' : '${e.message}'`);
      throw new ConfigError(`${head} : ${e.message.replace(/\n$/, '')}`);
    }
    i += row.args;
  }
  if (b.ssl) {
    // HAProxy checks this per proxy after parsing; its CLI proxy escapes the check
    if (!stats && b.tls['crt'] === undefined && b.tls['crt-list'] === undefined) {
      throw new ConfigError(`Proxy '${ctx.proxy().name}': no SSL certificate specified for bind '${spec}' at [${ctx.where.file}:${ctx.where.line}] (use 'crt').`, 'plain');
    }
    throw new NotImplementedError(`${stats ? `'stats socket'` : head} : TLS termination ('ssl') is not implemented in lb yet; terminate TLS in front of lb or run this configuration with HAProxy.`);
  }
  if (b.id !== undefined && b.addrs.length > 1) {
    throw new ConfigError(`${head} : 'id' can only be used with a single socket`);
  }
  return b;
}

/** Comma list of addresses; each range gives one listener per port. */
function parseAddrList(spec: string, ctx: KwContext, stats: boolean): SockAddr[] {
  const parts = spec.split(',');
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  const out: SockAddr[] = [];
  for (const p of parts) {
    let a: SockAddr;
    try {
      a = parseAddress(p, { portMandatory: true, portRange: true, fdSocket: true, env: ctx.opts.env });
    } catch (e) {
      if (!(e instanceof AddrError)) throw e;
      const kw = stats ? 'stats socket' : 'bind';
      const msg = `'${kw}' : ${e.message}`;
      throw new ConfigError(stats ? `parsing [${ctx.where.file}:${ctx.where.line}] : ${msg}` : msg);
    }
    // the stats socket serves inherited descriptors (fd@N); proxies' binds do not yet
    if ((a.family === 'fd' && !stats) || a.family === 'sockpair') {
      throw new NotImplementedError(`'${stats ? 'stats socket' : 'bind'}' : inherited sockets ('${p}') are not implemented in lb yet.`);
    }
    if (a.family === 'abns') {
      throw new NotImplementedError(`'${stats ? 'stats socket' : 'bind'}' : abstract unix sockets ('${p}') are not implemented in lb yet.`);
    }
    if (a.port !== a.portEnd) {
      for (let port = a.port; port <= a.portEnd; port++) out.push({ ...a, port, portEnd: port });
    } else {
      out.push(a);
    }
  }
  return out;
}

function collectIds(ctx: KwContext): Array<{ id: number; spec: string; where: Where }> {
  const out: Array<{ id: number; spec: string; where: Where }> = [];
  for (const b of ctx.proxy().binds) if (b.id !== undefined) out.push({ id: b.id, spec: b.spec, where: b.where });
  return out;
}

/** Whether HAProxy accepts a forced mux (`proto`) for a proxy mode on that side. */
export function muxUsable(proto: string, mode: string, side: 'fe' | 'be'): boolean {
  if (mode !== 'http') return proto === 'none';
  return proto === 'h1' || proto === 'h2' || (proto === 'fcgi' && side === 'be');
}

registerPostParse((model, diag) => {
  for (const px of model.proxies) {
    for (const b of px.binds) {
      if (b.proto !== undefined && !muxUsable(b.proto, px.mode, 'fe')) {
        diag.alert(Codes.CFG_SEMANTIC,
          `${pxType(px)} '${px.name}' : MUX protocol '${b.proto}' is not usable for 'bind ${b.spec}' at [${b.where.file}:${b.where.line}].`, b.where, 'plain');
      }
    }
  }
});

const rows: KeywordRow[] = [
  {
    name: 'bind',
    sections: 'fl',
    cap: 'fe',
    parse: (a, c) => { c.proxy().binds.push(parseBindLine(a, c)); },
  },
];

register('proxy', rows);
