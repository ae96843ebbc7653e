/**
 * Server options as data (reference §2.6, §2.7): one row per keyword HAProxy
 * 2.6 accepts on `server`/`default-server`/`server-template` lines, in
 * HAProxy's order (its did-you-mean walks them in that order). A row checks
 * its value with HAProxy's message and writes ServerParams; it never sees
 * the line's address. Rows throw SrvOptError with the text HAProxy prints
 * after "'server be/name' : " (server.ts adds the final '.').
 */
import { existsSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { parseTime, TIME_MAX_MS } from '../config/units.js';
import { parseAddress, AddrError } from '../proxy/address.js';
import type { ServerParams } from './server.js';

export class SrvOptError extends Error {
  /** printed without the "'server be/name' : " prefix */
  constructor(message: string, readonly plain = false) { super(message); }
}

export interface SrvOptCtx {
  /** name used inside messages: server name, 'default-server' or '(null)' */
  readonly srvName: string;
  readonly isDefault: boolean;
  readonly env: Record<string, string | undefined>;
  /** the proxy's mode when the line is parsed */
  readonly mode: string;
  /** global ca-base */
  readonly caBase?: string;
  /** the following words of the line (for `source ... usesrc ... interface`) */
  readonly rest: readonly string[];
  /** extra words consumed by the row beyond `args` */
  consumed: number;
  /** HAProxy prints some alerts of its own before the option's error */
  alert(msg: string): void;
}

export interface SrvOptRow {
  readonly name: string;
  readonly args: 0 | 1;
  /** refused in default-server (HAProxy: "option is not accepted") */
  readonly noDefault?: boolean;
  parse(p: ServerParams, arg: string | undefined, c: SrvOptCtx): void;
}

function atol(s: string | undefined): number {
  const m = /^\s*([-+]?\d+)/.exec(s ?? '');
  // C stores atol()'s long into an int: keep the low 32 bits, signed
  return m ? Number(BigInt.asIntN(32, BigInt(m[1]!))) : 0;
}

const missing = (v: string | undefined): boolean => v === undefined || v === '';

/** inter, fastinter, downinter, agent-inter (HAProxy names agent-inter in all bad-char errors) */
function delay(name: string, set: (p: ServerParams, v: number) => void): SrvOptRow {
  return {
    name, args: 1,
    parse: (p, v, c) => {
      if (missing(v)) throw new SrvOptError(`'${name}' expects a delay as argument.`);
      const t = parseTime(v!);
      if (t.error === 'overflow') {
        throw new SrvOptError(`timer overflow in argument <${v}> to <${name}> of server ${c.srvName}, maximum value is ${TIME_MAX_MS} ms (~24.8 days).`);
      }
      if (t.error !== undefined) throw new SrvOptError(`unexpected character '${t.badChar ?? ''}' in 'agent-inter' argument of server ${c.srvName}.`);
      if (t.value === 0) throw new SrvOptError(`invalid value 0 for argument '${name}' of server ${c.srvName}.`);
      set(p, t.value);
    },
  };
}

function count(name: string, set: (p: ServerParams, v: number) => void): SrvOptRow {
  return {
    name, args: 1,
    parse: (p, v) => {
      if (missing(v)) throw new SrvOptError(`'${name}' expects an integer argument.`);
      const n = atol(v);
      if (n <= 0) throw new SrvOptError(`'${name}' has to be > 0.`);
      set(p, n);
    },
  };
}

/** options whose value is taken as atol() without checks (HAProxy accepts garbage as 0) */
function lax(name: string, set: (p: ServerParams, v: number) => void, needMsg?: string): SrvOptRow {
  return {
    name, args: 1,
    parse: (p, v) => {
      if (needMsg && missing(v)) throw new SrvOptError(needMsg);
      set(p, atol(v));
    },
  };
}

function flag(name: string, set: (p: ServerParams) => void, noDefault = false): SrvOptRow {
  return { name, args: 0, noDefault, parse: (p) => set(p) };
}

function text(name: string, needMsg: string, set: (p: ServerParams, v: string) => void): SrvOptRow {
  return {
    name, args: 1,
    parse: (p, v) => {
      if (missing(v)) throw new SrvOptError(needMsg);
      set(p, v!);
    },
  };
}

const tls = (name: string, needMsg: string): SrvOptRow => text(name, needMsg, (p, v) => { p.tls[name] = v; });
const tlsFlag = (name: string, noDefault = false): SrvOptRow => flag(name, (p) => { p.tls[name] = ''; }, noDefault);

const MUX = ['h1', 'h2', 'fcgi', 'none'];
const mux = (name: string, set: (p: ServerParams, v: string) => void): SrvOptRow => ({
  name, args: 1,
  parse: (p, v) => {
    if (missing(v)) throw new SrvOptError(`'${name}' : missing value`);
    if (!MUX.includes(v!)) throw new SrvOptError(`'${name}' :  unknown MUX protocol '${v}'`);
    set(p, v!);
  },
});

/** `source`/`socks4` style address errors: HAProxy indents the multi-line ones */
function addrError(head: string, e: AddrError): SrvOptError {
  return new SrvOptError(e.multiline ? `\n  ${head} : ${e.message}\n  \n` : `${head} : ${e.message}`);
}

/** `a.b.c.d[/len|/mask]` or `ipv6[/len]` (resolve-net) */
function validNet(n: string): boolean {
  const [addr, mask] = n.split('/') as [string, string | undefined];
  if (isIPv4(addr)) return mask === undefined || (/^\d+$/.test(mask) ? Number(mask) <= 32 : isIPv4(mask));
  if (isIPv6(addr)) return mask === undefined || (/^\d+$/.test(mask) && Number(mask) <= 128);
  return false;
}

export const SERVER_OPTIONS: readonly SrvOptRow[] = [
  {
    name: 'addr', args: 1,
    parse: (p, v, c) => {
      if (missing(v)) throw new SrvOptError(`'addr' expects <ipv4|ipv6> as argument.`);
      try {
        const a = parseAddress(v!, { portOffset: false, env: c.env });
        p.checkAddr = a.host ?? v!;
      } catch (e) {
        if (!(e instanceof AddrError)) throw e;
        throw new SrvOptError(`'addr' : ${e.message}`);
      }
    },
  },
  {
    name: 'agent-addr', args: 1,
    parse: (p, v, c) => {
      if (missing(v)) throw new SrvOptError(`'agent-addr' expects an address as argument.`);
      try {
        const a = parseAddress(v!, { env: c.env });
        p.agentAddr = a.host ?? v!;
      } catch (e) {
        if (!(e instanceof AddrError)) throw e;
        throw new SrvOptError(`parsing agent-addr failed. Check if '${v}' is correct address.`);
      }
    },
  },
  flag('agent-check', (p) => { p.agentCheck = true; }),
  delay('agent-inter', (p, v) => { p.agentInter = v; }),
  lax('agent-port', (p, v) => { p.agentPort = v; }, `'agent-port' expects a port number as argument.`),
  text('agent-send', `'agent-send' expects a string as argument.`, (p, v) => { p.agentSend = v; }),
  tlsFlag('allow-0rtt'),
  text('alpn', `'alpn' : missing the comma-delimited ALPN protocol suite`, (p, v) => { p.alpn = v; }),
  flag('backup', (p) => { p.backup = true; }),
  {
    name: 'ca-file', args: 1,
    parse: (p, v, c) => {
      if (missing(v)) throw new SrvOptError(`'ca-file' : missing CAfile path`);
      const path = c.caBase && !v!.startsWith('/') ? `${c.caBase}/${v}` : v!;
      if (!existsSync(path)) {
        c.alert(`Couldn't open the ca-file '${path}' (No such file or directory).`);
        throw new SrvOptError(`'ca-file' : unable to load ${path}`, true);
      }
      p.tls['ca-file'] = path;
    },
  },
  flag('check', (p) => { p.check = true; }),
  text('check-alpn', `'check-alpn' : missing the comma-delimited ALPN protocol suite`, (p, v) => { p.checkAlpn = v; }),
  mux('check-proto', (p, v) => { p.checkProto = v; }),
  flag('check-send-proxy', (p) => { p.checkSendProxy = true; }),
  text('check-sni', `'check-sni' : missing SNI`, (p, v) => { p.checkSni = v; }),
  flag('check-ssl', (p) => { p.checkSsl = true; }),
  flag('check-via-socks4', (p) => { p.checkViaSocks4 = true; }),
  tls('ciphers', `'ciphers' : missing cipher suite`),
  tls('ciphersuites', `'ciphersuites' : missing cipher suite`),
  text('cookie', `'cookie' expects <value> as argument.`, (p, v) => { p.cookie = v; }),
  tls('crl-file', `'crl-file' : missing CRLfile path`),
  tls('crt', `'crt' : missing certificate location`),
  flag('disabled', (p) => { p.disabled = true; }),
  delay('downinter', (p, v) => { p.downinter = v; }),
  flag('enabled', (p) => { p.disabled = false; }),
  {
    name: 'error-limit', args: 1,
    parse: (p, v) => {
      if (missing(v)) throw new SrvOptError(`'error-limit' expects an integer argument.`);
      const n = atol(v);
      if (n <= 0) throw new SrvOptError(`error-limit has to be > 0.`);
      p.errorLimit = n;
    },
  },
  count('fall', (p, v) => { p.fall = v; }),
  delay('fastinter', (p, v) => { p.fastinter = v; }),
  ...['force-sslv3', 'force-tlsv10', 'force-tlsv11', 'force-tlsv12', 'force-tlsv13'].map((n) => tlsFlag(n)),
  {
    name: 'id', args: 1, noDefault: true,
    parse: (p, v) => {
      if (missing(v)) throw new SrvOptError(`'id' : expects an integer argument`);
      const n = atol(v);
      if (n <= 0) throw new SrvOptError(`'id' : custom id has to be > 0`);
      p.id = n;
    },
  },
  {
    name: 'init-addr', args: 1,
    parse: (p, v) => {
      const methods: string[] = [];
      for (const m of (v ?? '').split(',')) {
        if (m === '') continue;
        if (m !== 'libc' && m !== 'last' && m !== 'none' && !/^[0-9a-fA-F.:]+$/.test(m)) {
          throw new SrvOptError(`'init-addr' : unknown init-addr method '${m}', supported methods are 'libc', 'last', 'none'.`);
        }
        methods.push(m);
      }
      p.initAddr = methods;
    },
  },
  delay('inter', (p, v) => { p.inter = v; }),
  {
    name: 'log-proto', args: 1,
    parse: (p, v) => {
      if (v !== 'legacy' && v !== 'octet-count') throw new SrvOptError(`'log-proto' expects one of 'legacy' or 'octet-count' but got '${v ?? ''}'`);
      p.logProto = v;
    },
  },
  lax('max-reuse', (p, v) => { p.maxReuse = v; }, `'max-reuse' expects <value> as argument.`),
  lax('maxconn', (p, v) => { p.maxconn = v; }),
  lax('maxqueue', (p, v) => { p.maxqueue = v; }),
  lax('minconn', (p, v) => { p.minconn = v; }),
  {
    name: 'namespace', args: 1,
    parse: (p, v) => {
      if (missing(v)) throw new SrvOptError(`'namespace' : expects <name> as argument`);
      if (v !== '*' && !existsSync(`/var/run/netns/${v}`)) throw new SrvOptError(`Cannot open namespace '${v}'`);
      p.namespace = v;
    },
  },
  flag('no-agent-check', (p) => { p.agentCheck = false; }),
  flag('no-backup', (p) => { p.backup = false; }),
  flag('no-check', (p) => { p.check = false; }),
  flag('no-check-send-proxy', (p) => { p.checkSendProxy = false; }),
  flag('no-check-ssl', (p) => { p.checkSsl = false; }),
  flag('no-send-proxy', (p) => { p.sendProxy = false; }),
  flag('no-send-proxy-v2', (p) => { p.sendProxyV2 = false; }),
  flag('no-send-proxy-v2-ssl', (p) => { p.sendProxyV2Ssl = false; }),
  flag('no-send-proxy-v2-ssl-cn', (p) => { p.sendProxyV2SslCn = false; }),
  flag('no-ssl', (p) => { p.ssl = false; }),
  flag('no-ssl-reuse', (p) => { p.tls['no-ssl-reuse'] = ''; }),
  tlsFlag('no-sslv3', true),
  flag('no-tfo', (p) => { p.tfo = false; }),
  tlsFlag('no-tls-tickets'),
  ...['no-tlsv10', 'no-tlsv11', 'no-tlsv12', 'no-tlsv13'].map((n) => tlsFlag(n, true)),
  flag('non-stick', (p) => { p.nonStick = true; }),
  tls('npn', `'npn' : missing the comma-delimited NPN protocol suite`),
  {
    name: 'observe', args: 1,
    parse: (p, v, c) => {
      if (missing(v)) throw new SrvOptError(`'observe' expects <mode> as argument.`);
      if (v !== 'none' && v !== 'layer4' && v !== 'layer7') throw new SrvOptError(`'observe' expects one of 'none', 'layer4', 'layer7' but got '${v}'`);
      if (v === 'layer7' && c.mode !== 'http') throw new SrvOptError(`'layer7' can only be used in http proxies.`);
      p.observe = v;
    },
  },
  {
    name: 'on-error', args: 1,
    parse: (p, v) => {
      if (v !== 'fastinter' && v !== 'fail-check' && v !== 'sudden-death' && v !== 'mark-down') {
        throw new SrvOptError(`'on-error' expects one of 'fastinter', 'fail-check', 'sudden-death' or 'mark-down' but got '${v ?? ''}'`);
      }
      p.onError = v;
    },
  },
  {
    name: 'on-marked-down', args: 1,
    parse: (p, v) => {
      if (v !== 'shutdown-sessions') throw new SrvOptError(`'on-marked-down' expects 'shutdown-sessions' but got '${v ?? ''}'`);
      p.onMarkedDown = v;
    },
  },
  {
    name: 'on-marked-up', args: 1,
    parse: (p, v) => {
      if (v !== 'shutdown-backup-sessions') throw new SrvOptError(`'on-marked-up' expects 'shutdown-backup-sessions' but got '${v ?? ''}'`);
      p.onMarkedUp = v;
    },
  },
  lax('pool-low-conn', (p, v) => { p.poolLowConn = v; }, `'pool-low-conn' expects <value> as argument.`),
  lax('pool-max-conn', (p, v) => { p.poolMaxConn = v; }, `'pool-max-conn' expects <value> as argument.`),
  {
    name: 'pool-purge-delay', args: 1,
    parse: (p, v) => {
      if (missing(v)) throw new SrvOptError(`'pool-purge-delay' expects <value> as argument.`);
      const t = parseTime(v!);
      if (t.error !== undefined) throw new SrvOptError(`unexpected character '${t.badChar ?? ''}' in argument to <pool-purge-delay>.`);
      p.poolPurgeDelay = t.value;
    },
  },
  lax('port', (p, v) => { p.checkPort = v; }, `'port' expects a port number as argument.`),
  mux('proto', (p, v) => { p.proto = v; }),
  {
    name: 'proxy-v2-options', args: 1,
    parse: (p, v) => {
      const known = ['ssl', 'cert-cn', 'ssl-cipher', 'cert-sig', 'cert-key', 'authority', 'crc32c', 'unique-id'];
      const opts = (v ?? '').split(',');
      for (const o of opts) if (!known.includes(o)) throw new SrvOptError(`'${o}' : proxy v2 option not implemented`);
      p.proxyV2Options = opts;
    },
  },
  text('redir', `'redir' expects <prefix> as argument.`, (p, v) => { p.redir = v; }),
  {
    name: 'resolve-net', args: 1,
    parse: (p, v) => {
      if (missing(v)) throw new SrvOptError(`'resolve-net' expects a list of networks.`);
      for (const n of v!.split(',')) {
        if (!validNet(n)) throw new SrvOptError(`'resolve-net' invalid network '${n}'.`);
      }
      p.resolveNet = v;
    },
  },
  {
    name: 'resolve-opts', args: 1,
    parse: (p, v) => {
      const opts: string[] = [];
      for (const o of (v ?? '').split(',')) {
        if (o === '') continue;
        if (o !== 'allow-dup-ip' && o !== 'ignore-weight' && o !== 'prevent-dup-ip') {
          throw new SrvOptError(`'resolve-opts' : unknown resolve-opts option '${o}', supported methods are 'allow-dup-ip', 'ignore-weight', and 'prevent-dup-ip'.`);
        }
        opts.push(o);
      }
      p.resolveOpts = opts;
    },
  },
  {
    name: 'resolve-prefer', args: 1,
    parse: (p, v) => {
      if (v !== 'ipv4' && v !== 'ipv6') throw new SrvOptError(`'resolve-prefer' expects either ipv4 or ipv6 as argument.`);
      p.resolvePrefer = v;
    },
  },
  { name: 'resolvers', args: 1, parse: (p, v) => { p.resolvers = v ?? ''; } },
  count('rise', (p, v) => { p.rise = v; }),
  flag('send-proxy', (p) => { p.sendProxy = true; }),
  flag('send-proxy-v2', (p) => { p.sendProxyV2 = true; }),
  flag('send-proxy-v2-ssl', (p) => { p.sendProxyV2Ssl = true; }),
  flag('send-proxy-v2-ssl-cn', (p) => { p.sendProxyV2SslCn = true; }),
  {
    name: 'slowstart', args: 1,
    parse: (p, v, c) => {
      const t = parseTime(v ?? '');
      if (t.error === 'overflow') {
        throw new SrvOptError(`overflow in argument <${v}> to <slowstart> of server ${c.srvName}, maximum value is ${TIME_MAX_MS} ms (~24.8 days).`);
      }
      // HAProxy prints the bad character with %c: a missing value (NUL) cuts the message
      if (t.error !== undefined) {
        throw new SrvOptError(t.badChar ? `unexpected character '${t.badChar}' in 'slowstart' argument of server ${c.srvName}.` : `unexpected character '`);
      }
      p.slowstart = t.value;
    },
  },
  text('sni', `'sni' : missing sni expression`, (p, v) => { p.sni = v; }),
  {
    name: 'socks4', args: 1,
    parse: (p, v, c) => {
      if (missing(v)) throw new SrvOptError(`'socks4' expects <addr>:<port> as argument.`);
      try {
        parseAddress(v!, { portMandatory: true, env: c.env });
      } catch (e) {
        if (!(e instanceof AddrError)) throw e;
        throw addrError(`'socks4 ${v}'`, e);
      }
      p.socks4 = v;
    },
  },
  {
    name: 'source', args: 1,
    parse: (p, v, c) => {
      if (missing(v)) {
        throw new SrvOptError(`'source' expects <addr>[:<port>[-<port>]], and optionally 'usesrc' <addr>, and 'interface' <name> as argument.`);
      }
      try {
        parseAddress(v!, { portRange: true, env: c.env });
      } catch (e) {
        if (!(e instanceof AddrError)) throw e;
        throw addrError(`'source ${v}'`, e);
      }
      const src: NonNullable<ServerParams['source']> = { addr: v! };
      // optional "usesrc <addr>" and "interface <name>" follow
      for (let i = 0; i < c.rest.length;) {
        const w = c.rest[i];
        if (w === 'usesrc') {
          if (missing(c.rest[i + 1])) {
            c.alert(`'usesrc' expects <addr>[:<port>], 'client', 'clientip', or 'hdr_ip(name,#)' as argument.`);
            throw new SrvOptError(`error encountered while processing 'usesrc'`, true);
          }
          src.usesrc = c.rest[i + 1];
        } else if (w === 'interface') {
          if (missing(c.rest[i + 1])) {
            c.alert(`'server' : missing interface name.`);
            throw new SrvOptError(`error encountered while processing 'interface'`, true);
          }
          src.interface = c.rest[i + 1];
        } else {
          break;
        }
        i += 2;
        c.consumed = i;
      }
      p.source = src;
    },
  },
  flag('ssl', (p) => { p.ssl = true; }),
  { name: 'ssl-max-ver', args: 1, parse: (p, v) => { p.tls['ssl-max-ver'] = v ?? ''; } },
  { name: 'ssl-min-ver', args: 1, parse: (p, v) => { p.tls['ssl-min-ver'] = v ?? ''; } },
  flag('ssl-reuse', (p) => { delete p.tls['no-ssl-reuse']; }),
  flag('stick', (p) => { p.nonStick = false; }),
  {
    name: 'tcp-ut', args: 1,
    parse: (p, v) => {
      if (missing(v)) throw new SrvOptError(`'tcp-ut' : missing TCP User Timeout value`);
      const t = parseTime(v!);
      if (t.error !== undefined) throw new SrvOptError(`'tcp-ut' : expects a positive delay in milliseconds`);
      p.tcpUt = t.value;
    },
  },
  flag('tfo', (p) => { p.tfo = true; }),
  flag('tls-tickets', (p) => { delete p.tls['no-tls-tickets']; }),
  text('track', `'track' expects [<proxy>/]<server> as argument.`, (p, v) => { p.track = v; }),
  {
    name: 'usesrc', args: 0,
    parse: () => { throw new SrvOptError(`'usesrc' only allowed after a 'source' statement.`); },
  },
  {
    name: 'verify', args: 1,
    parse: (p, v) => {
      if (missing(v)) throw new SrvOptError(`'verify' : missing verify method`);
      if (v !== 'none' && v !== 'required') throw new SrvOptError(`'verify' : unknown verify method '${v}', only 'none' and 'required' are supported`);
      p.verify = v;
    },
  },
  tls('verifyhost', `'verifyhost' : missing hostname to verify against`),
  {
    name: 'weight', args: 1,
    parse: (p, v, c) => {
      const w = atol(v);
      if (w < 0 || w > 256) throw new SrvOptError(`weight of server ${c.srvName} is not within 0 and 256 (${w}).`);
      p.weight = w;
    },
  },
  {
    name: 'ws', args: 1,
    parse: (p, v) => {
      if (v !== 'auto' && v !== 'h1' && v !== 'h2') throw new SrvOptError(`'ws' has to be 'auto', 'h1' or 'h2'`);
      p.ws = v;
    },
  },
];

/** words HAProxy also offers as suggestions for a mistyped server keyword */
export const EXTRA_SUGGESTIONS = ['ipv4', 'ipv6', 'legacy', 'octet-count', 'fail-check', 'sudden-death', 'mark-down'];
