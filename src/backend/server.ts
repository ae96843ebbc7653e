/**
 * `server`, `default-server`, `server-template` (reference §2.6, §2.7).
 *
 * A proxy's `defaultServer` holds the ServerParams its `default-server`
 * lines set (inherited from defaults by parse.ts); each `server` line starts
 * from a clone of it, then applies its own options left to right, the way
 * HAProxy does, so the first bad word gives HAProxy's message. Hostnames are
 * resolved once, after every other check (server-check.ts), as HAProxy
 * does at start-up.
 */
import { ConfigError, NotImplementedError, Codes } from '../core/errors.js';
import { register, didYouMean, type KeywordRow, type KwContext } from '../config/keywords.js';
import { Diagnostics, type Where } from '../config/diag.js';
import type { Proxy, ProxyDraft, LoadOptions } from '../config/model.js';
import type { GlobalConf } from '../config/global.js';
import { parseAddress, AddrError, type SockAddr } from '../proxy/address.js';
// whole-configuration server checks and start-up resolution register themselves
import './server-check.js';
import { SERVER_OPTIONS, EXTRA_SUGGESTIONS, SrvOptError, type SrvOptCtx, type SrvOptRow } from './server-opts.js';

/** Settings a server line may carry; `default-server` sets the same ones. */
export interface ServerParams {
  check: boolean;
  checkSsl: boolean;
  checkSendProxy: boolean;
  checkViaSocks4: boolean;
  checkProto?: string;
  checkSni?: string;
  checkAlpn?: string;
  /** `port`/`addr`: where checks go instead of the server address */
  checkPort?: number;
  checkAddr?: string;
  inter: number;
  /** undefined = same as inter */
  fastinter?: number;
  downinter?: number;
  rise: number;
  fall: number;
  weight: number;
  backup: boolean;
  disabled: boolean;
  /** 0 = unlimited */
  maxconn: number;
  maxqueue: number;
  minconn: number;
  slowstart: number;
  onMarkedDown?: 'shutdown-sessions';
  onMarkedUp?: 'shutdown-backup-sessions';
  observe?: 'none' | 'layer4' | 'layer7';
  errorLimit: number;
  onError: 'fastinter' | 'fail-check' | 'sudden-death' | 'mark-down';
  agentCheck: boolean;
  agentPort?: number;
  agentInter?: number;
  agentSend?: string;
  agentAddr?: string;
  resolvers?: string;
  resolvePrefer: 'ipv4' | 'ipv6';
  resolveOpts?: string[];
  resolveNet?: string;
  /** start-up resolution methods (libc, last, none, or an IP); undefined = last,libc */
  initAddr?: string[];
  sendProxy: boolean;
  sendProxyV2: boolean;
  sendProxyV2Ssl: boolean;
  sendProxyV2SslCn: boolean;
  proxyV2Options?: string[];
  track?: string;
  cookie?: string;
  proto?: string;
  redir?: string;
  source?: { addr: string; usesrc?: string; interface?: string };
  namespace?: string;
  poolMaxConn: number;
  poolLowConn: number;
  poolPurgeDelay: number;
  maxReuse: number;
  tfo: boolean;
  tcpUt?: number;
  nonStick: boolean;
  socks4?: string;
  ws?: 'auto' | 'h1' | 'h2';
  logProto?: 'legacy' | 'octet-count';
  /** server lines only (refused in default-server) */
  id?: number;
  /** TLS to the server (not implemented in lb) */
  ssl: boolean;
  verify?: 'none' | 'required';
  sni?: string;
  alpn?: string;
  /** other TLS options as written (name → value, '' for flags) */
  tls: Record<string, string>;
}

export function initServerParams(): ServerParams {
  return {
    check: false, checkSsl: false, checkSendProxy: false, checkViaSocks4: false,
    inter: 2000, rise: 2, fall: 3, weight: 1, backup: false, disabled: false,
    maxconn: 0, maxqueue: 0, minconn: 0, slowstart: 0, errorLimit: 10, onError: 'fail-check',
    agentCheck: false, resolvePrefer: 'ipv6',
    sendProxy: false, sendProxyV2: false, sendProxyV2Ssl: false, sendProxyV2SslCn: false,
    poolMaxConn: -1, poolLowConn: 0, poolPurgeDelay: 5000, maxReuse: -1, tfo: false, nonStick: false,
    ssl: false, tls: {},
  };
}

export interface ServerConf extends ServerParams {
  readonly name: string;
  readonly where: Where;
  /** the address as written */
  readonly addr: string;
  /**
   * Parsed address. For a hostname, `fqdn` keeps the name and `host` is the
   * address found at start-up (absent when the server starts in MAINT).
   */
  address: SockAddr;
  /** the start-up address of a hostname (same as address.host; kept for readers of this field) */
  resolved?: string;
  /** set when start-up resolution left the server without address */
  maintResolution?: boolean;
  /** server-template slot */
  template?: { prefix: string; index: number };
}

const OPTS = new Map<string, SrvOptRow>(SERVER_OPTIONS.map((r) => [r.name, r]));
const SUGGEST = [...SERVER_OPTIONS.map((r) => r.name), ...EXTRA_SUGGESTIONS];
/** characters HAProxy accepts in names (invalid_char()) */
const NAME_OK = /^[A-Za-z0-9_.:-]+$/;

type LineKind = 'server' | 'default-server' | 'server-template';

/**
 * Apply option words to `p`. `label` is the "'server be/name'" prefix HAProxy
 * puts before option errors ('' for default-server).
 */
function applyOptions(words: readonly string[], p: ServerParams, ctx: KwContext, kind: LineKind, label: string, srvName: string): void {
  const isDefault = kind === 'default-server';
  const head = label ? `${label} : ` : '';
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const row = OPTS.get(w);
    if (!row) {
      const hint = didYouMean(w, SUGGEST);
      const tail = isDefault ? ' Hint: no address was expected for this server.' : '';
      throw new ConfigError(`${head}unknown keyword '${w}'${hint ? `; did you mean '${hint}' maybe ?` : '.'}${tail}`, 'located');
    }
    if (isDefault && row.noDefault) {
      ctx.diag.nonFatalAlert(Codes.CFG_INVALID, `'${w}' option is not accepted in default-server sections`, ctx.where, 'located');
      i += row.args;
      continue;
    }
    const c: SrvOptCtx = {
      srvName, isDefault, env: ctx.opts.env, mode: ctx.proxy().mode, caBase: ctx.global.caBase, rest: words.slice(i + 1 + row.args), consumed: 0,
      alert: (m) => ctx.diag.alert(Codes.CFG_INVALID, `${head}${m}`, ctx.where, 'located'),
    };
    try {
      row.parse(p, row.args ? words[i + 1] : undefined, c);
    } catch (e) {
      if (!(e instanceof SrvOptError)) throw e;
      throw e.plain ? new ConfigError(`${e.message}.`, 'plain') : new ConfigError(`${head}${e.message}.`, 'located');
    }
    i += row.args + c.consumed;
  }
}

function serverAddress(text: string, ctx: KwContext, label: string): SockAddr {
  try {
    return parseAddress(text, { portOffset: true, keepFqdn: true, env: ctx.opts.env });
  } catch (e) {
    if (!(e instanceof AddrError)) throw e;
    throw new ConfigError(`${label} : ${e.message}`, 'located');
  }
}

function checkIdUnused(id: number, ctx: KwContext, label: string): void {
  const dup = ctx.proxy().servers.find((o) => o.id === id);
  if (dup) {
    throw new ConfigError(`${label} : 'id' : custom id ${id} already used at ${dup.where.file}:${dup.where.line} ('server ${dup.name}').`, 'located');
  }
}

/** Checks HAProxy makes at the end of each server line. */
function endOfLine(s: ServerConf, ctx: KwContext, label: string): void {
  if (s.agentCheck && !s.agentPort) {
    throw new ConfigError(`${label} : server ${s.name} does not have agent port. Agent check has been disabled.`, 'located');
  }
  if (s.id !== undefined && !s.template) checkIdUnused(s.id, ctx, label);
  if (s.address.family === 'unix' || s.address.family === 'abns' || s.address.family === 'sockpair') {
    if (s.address.family !== 'unix') throw new NotImplementedError(`${label} : '${s.addr}' servers are not implemented in lb yet.`, 'located');
  }
}

function parseServer(a: readonly string[], ctx: KwContext): void {
  const px = ctx.proxy();
  if (a.length < 2 || a[1] === '') throw new ConfigError(`'server' expects <name> and <addr>[:<port>] as arguments.`, 'located');
  const name = a[0]!;
  if (!NAME_OK.test(name)) {
    const bad = [...name].find((ch) => !/[A-Za-z0-9_.:-]/.test(ch)) ?? '';
    throw new ConfigError(`character '${bad}' is not permitted in server name '${name}'.`, 'located');
  }
  const label = `'server ${px.name}/${name}'`;
  const address = serverAddress(a[1]!, ctx, label);
  const p = structuredClone(px.defaultServer);
  delete p.id;
  applyOptions(a.slice(2), p, ctx, 'server', label, name);
  const s: ServerConf = { ...p, name, where: ctx.where, addr: a[1]!, address };
  endOfLine(s, ctx, label);
  px.servers.push(s);
}

function parseTemplate(a: readonly string[], ctx: KwContext): void {
  const px = ctx.proxy();
  if (a.length < 3 || a[2] === '') {
    throw new ConfigError(`'server-template' expects <prefix> <nb | range> <addr>[:<port>] as arguments.`, 'located');
  }
  const [prefix, range, addr] = a as [string, string, string];
  if (!NAME_OK.test(prefix)) {
    const bad = [...prefix].find((ch) => !/[A-Za-z0-9_.:-]/.test(ch)) ?? '';
    throw new ConfigError(`character '${bad}' is not permitted in server-template prefix '${prefix}'.`, 'located');
  }
  const m = /^(\d+)(?:-(\d+))?$/.exec(range);
  let lo = 1;
  let hi = 0;
  if (m) {
    if (m[2] === undefined) hi = Number(m[1]);
    else { lo = Number(m[1]); hi = Number(m[2]); }
  }
  if (!m || lo < 1 || hi < lo) throw new ConfigError(`Wrong server-template number or range arg '${range}'.`, 'located');
  // HAProxy parses the options once, before naming the servers
  const label = `'server ${px.name}/(null)'`;
  const address = serverAddress(addr, ctx, label);
  const p = structuredClone(px.defaultServer);
  delete p.id;
  applyOptions(a.slice(3), p, ctx, 'server-template', label, '(null)');
  if (p.id !== undefined) checkIdUnused(p.id, ctx, label);
  for (let i = lo; i <= hi; i++) {
    const name = `${prefix}${i}`;
    const s: ServerConf = { ...structuredClone(p), name, where: ctx.where, addr, address: { ...address }, template: { prefix, index: i } };
    if (i !== lo) delete s.id; // a forced id goes to the first slot only
    endOfLine(s, ctx, `'server ${px.name}/${name}'`);
    px.servers.push(s);
  }
}

const rows: KeywordRow[] = [
  { name: 'server', sections: 'bl', cap: 'be', capAlert: true, parse: parseServer },
  { name: 'server-template', sections: 'bl', cap: 'be', capAlert: true, parse: parseTemplate },
  {
    name: 'default-server',
    sections: 'dbl',
    cap: 'be',
    capAlert: true,
    parse: (a, c) => {
      const px = c.proxy();
      if (a[0] !== undefined && !OPTS.has(a[0]) && /^[\d[*:/]|@|^[\w.-]+:\d/.test(a[0])) {
        throw new ConfigError(`unknown keyword '${a[0]}'. Hint: no address was expected for this server.`, 'located');
      }
      applyOptions(a, px.defaultServer, c, 'default-server', '', 'default-server');
    },
  },
];

register('proxy', rows);

/** Server keywords `add server` refuses (HAProxy 2.6: not accepted for dynamic servers). */
const NOT_DYNAMIC = new Set(['cookie', 'redir', 'init-addr', 'non-stick', 'resolve-prefer', 'resolve-opts', 'resolve-net', 'namespace', 'socks4', 'resolvers', 'log-proto']);

/**
 * `add server <be>/<name> <addr> [kw...]` at run time (reference §5.7): the
 * same keyword rows as the configuration, without default-server
 * inheritance. Returns the server or HAProxy's reply text.
 */
export function parseRuntimeServer(px: Proxy, name: string, words: readonly string[], global: GlobalConf): ServerConf | string {
  if (words.length < 1 || words[0] === '') return `'server' expects <name> and <addr>[:<port>] as arguments.`;
  if (!NAME_OK.test(name)) {
    const bad = [...name].find((ch) => !/[A-Za-z0-9_.:-]/.test(ch)) ?? '';
    return `character '${bad}' is not permitted in server name '${name}'.`;
  }
  for (const w of words.slice(1)) {
    if (NOT_DYNAMIC.has(w) || (w.startsWith('no-') && OPTS.has(w))) return `'${w}' option is not accepted for dynamic server`;
  }
  const label = `'server ${px.name}/${name}'`;
  const where: Where = { file: 'CLI', line: 0 };
  const draft = { ...px, servers: [...px.servers] } as ProxyDraft;
  const diag = new Diagnostics();
  const ctx = {
    where, section: 'backend', kw: 'server', global, opts: { env: process.env } as LoadOptions, diag,
    proxy: () => draft, other: () => { throw new Error('no section'); },
    warn: () => undefined, notice: () => undefined, diagnostic: () => undefined,
  } as unknown as KwContext;
  const strip = (m: string): string => m.replace(/^\[CLI:0\] : /, '').replace(/^'server [^']*' : /, '');
  try {
    const address = serverAddress(words[0]!, ctx, label);
    const p = initServerParams();
    applyOptions(words.slice(1), p, ctx, 'server', label, name);
    const first = diag.list.find((d) => d.level === 'ALERT');
    if (first) return strip(first.text);
    const s: ServerConf = { ...p, name, where, addr: words[0]!, address };
    endOfLine(s, ctx, label);
    return s;
  } catch (e) {
    if (e instanceof ConfigError) return strip(e.message);
    throw e;
  }
}
