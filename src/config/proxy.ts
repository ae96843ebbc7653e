/**
 * The core of a proxy section (defaults/frontend/backend/listen): mode,
 * timeouts, connection limits, retries, balance, options, error files.
 * Listeners, servers, rules, checks, stats and logs declare their own rows
 * beside their code (proxy/bind.ts, backend/server.ts, rules/, checks/,
 * stats/, log/). Reference §2.2, §2.5, §2.8, §2.9, §2.12.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../core/errors.js';
import { register, didYouMean, subWords, type KeywordRow, type KwContext } from './keywords.js';
import { parseTime, atoi } from './units.js';
import { parseAddress, AddrError, type SockAddr } from '../proxy/address.js';

export type Mode = 'tcp' | 'http';

export const TIMEOUT_NAMES = [
  'client', 'server', 'connect', 'check', 'queue', 'http-keep-alive', 'http-request', 'tunnel',
  'tarpit', 'client-fin', 'server-fin',
] as const;
export type TimeoutName = (typeof TIMEOUT_NAMES)[number];
/** milliseconds; absent = not set (infinite, or its documented fallback) */
export type Timeouts = Partial<Record<TimeoutName, number>>;

export type BalanceAlgo =
  | 'roundrobin' | 'static-rr' | 'leastconn' | 'first' | 'source' | 'uri' | 'url_param' | 'hdr'
  | 'random' | 'rdp-cookie' | 'hash';

export interface Balance {
  algo: BalanceAlgo;
  /** uri: len/depth/whole/path-only; url_param: name/check_post; hdr: name/use_domain_only; random: draws; rdp-cookie: name; hash: expr */
  uriLen?: number;
  uriDepth?: number;
  uriWhole?: boolean;
  uriPathOnly?: boolean;
  param?: string;
  checkPost?: number;
  header?: string;
  useDomainOnly?: boolean;
  draws?: number;
  cookie?: string;
  expr?: string;
}

export interface HashType {
  method: 'map-based' | 'consistent';
  fn: 'sdbm' | 'djb2' | 'wt6' | 'crc32' | 'none';
  avalanche: boolean;
}

export interface Forwardfor {
  except?: string;
  header: string;
  ifNone: boolean;
}

export type HttpConnMode = 'http-keep-alive' | 'http-server-close' | 'httpclose';

/** Simple on/off options of HAProxy 2.6 with the side they act on. */
export const FLAG_OPTIONS: Readonly<Record<string, 'fe' | 'be' | 'both'>> = {
  'abortonclose': 'be', 'allbackups': 'be', 'clitcpka': 'fe', 'contstats': 'fe',
  'dontlognull': 'fe', 'http-buffer-request': 'both', 'http-ignore-probes': 'fe',
  'prefer-last-server': 'be', 'logasap': 'fe', 'nolinger': 'both', 'persist': 'be', 'srvtcpka': 'be',
  'socket-stats': 'fe', 'splice-auto': 'both', 'splice-request': 'both', 'splice-response': 'both',
  'tcp-smart-accept': 'fe', 'tcp-smart-connect': 'be', 'transparent': 'be', 'idle-close-on-response': 'fe',
  'dontlog-normal': 'fe', 'log-separate-errors': 'fe', 'log-health-checks': 'be', 'http-no-delay': 'both',
  'http-pretend-keepalive': 'be', 'http-use-proxy-header': 'fe', 'independent-streams': 'both',
  'disable-h2-upgrade': 'fe', 'h1-case-adjust-bogus-client': 'fe', 'h1-case-adjust-bogus-server': 'be',
  'accept-invalid-http-request': 'fe', 'accept-invalid-http-response': 'be', 'tcpka': 'both',
  'http-drop-request-trailers': 'both', 'http-drop-response-trailers': 'both',
};

export interface ErrorFile {
  readonly path: string;
  /** the raw response as read from disk (latin1) */
  readonly raw: string;
}

export interface ProxyCore {
  mode: Mode;
  id?: number;
  disabled: boolean;
  description?: string;
  maxconn?: number;
  backlog?: number;
  fullconn?: number;
  retries: number;
  timeouts: Timeouts;
  balance?: Balance;
  hashType: HashType;
  hashBalanceFactor?: number;
  /** on/off options by name (see FLAG_OPTIONS); `false` = explicitly disabled with `no option` */
  flags: Record<string, boolean>;
  httpConnMode?: HttpConnMode;
  forwardfor?: Forwardfor;
  originalto?: Forwardfor;
  /** option redispatch [interval]; undefined = off */
  redispatch?: number;
  defaultBackend?: { name: string; line: number; file: string };
  monitorUri?: string;
  errorfiles: Record<number, ErrorFile>;
  cookie?: CookieConf;
  dispatch?: string;
  /** its parsed address (a hostname resolved at start-up) */
  dispatchAddr?: SockAddr;
  httpReuse?: 'never' | 'safe' | 'aggressive' | 'always';
  source?: string;
  maxKeepAliveQueue?: number;
  serverStateFileName?: string;
  loadServerStateFromFile?: 'global' | 'local' | 'none';
  /** 'option http-restrict-req-hdr-names preserve|delete|reject' */
  restrictReqHdrNames?: 'preserve' | 'delete' | 'reject';
}

export interface CookieConf {
  name: string;
  method: 'rewrite' | 'insert' | 'prefix' | 'passive';
  indirect: boolean;
  nocache: boolean;
  postonly: boolean;
  preserve: boolean;
  httponly: boolean;
  secure: boolean;
  dynamic: boolean;
  domains: string[];
  maxidle?: number;
  maxlife?: number;
  attrs: string[];
}

export function initCore(): ProxyCore {
  return {
    mode: 'tcp', disabled: false, retries: 3, timeouts: {}, flags: {}, errorfiles: {},
    hashType: { method: 'map-based', fn: 'sdbm', avalanche: false },
  };
}

const ERRORFILE_CODES = [200, 400, 401, 403, 404, 405, 407, 408, 410, 413, 425, 429, 500, 501, 502, 503, 504];

/**
 * Read an errorfile as HAProxy does at start-up: the file must hold a whole
 * HTTP response (status line, headers, empty line); an empty file is valid.
 */
export function loadErrorFile(path: string): ErrorFile {
  let raw: string;
  try {
    raw = readFileSync(path, 'latin1');
  } catch {
    throw new ConfigError(`errorfile : error opening file '${path}'.`);
  }
  if (raw.length > 0) {
    const m = /^HTTP\/\d\.\d \d{3}[^\r\n]*\r?\n/.exec(raw);
    const end = raw.search(/\r?\n\r?\n/);
    if (!m || end < 0) {
      throw new ConfigError(`errorfile : '${path}': unable to parse headers (error offset: ${m ? m[0].length : 0})`);
    }
  }
  return { path, raw };
}

const p = (c: KwContext) => c.proxy();
const onlyArgs = (kw: string, a: readonly string[]): void => {
  if (a.length > 0) throw new ConfigError(`'${kw}' cannot handle unexpected argument '${a[0]}'.`);
};

function timeoutRow(name: TimeoutName): KeywordRow {
  const kw = `timeout ${name}`;
  return {
    name: kw,
    sections: name === 'client' || name === 'http-request' || name === 'http-keep-alive' || name === 'client-fin' ? 'dfl' : name === 'tarpit' ? 'dfbl' : 'dbl',
    cap: name === 'client' || name === 'http-request' || name === 'http-keep-alive' || name === 'client-fin' ? 'fe'
      : name === 'tarpit' ? undefined : 'be',
    parse: (a, c) => {
      if (!a[0]) throw new ConfigError(`'${kw}' expects an integer value (in milliseconds)`);
      const t = parseTime(a[0]!);
      if (t.error !== undefined) {
        if (t.error === 'overflow') throw new ConfigError(`timer overflow in argument '${a[0]}' to '${kw}' (maximum value is 2147483647 ms or ~24.8 days)`);
        throw new ConfigError(`unexpected character '${t.badChar}' in '${kw}'`);
      }
      if (a.length > 1) c.warn(`'${kw}' will ignore extra argument '${a[1]}'.`); // rarely seen
      p(c).timeouts[name] = t.value;
    },
  };
}

const BALANCE_MSG = `balance only supports 'roundrobin', 'static-rr', 'leastconn', 'source', 'uri', 'url_param', 'hdr(name)' and 'rdp-cookie(name)' options.`;

/** `balance` arguments → Balance; throws HAProxy's messages. */
export function parseBalance(a: readonly string[]): Balance {
  const w = a[0] ?? '';
  const simple: Record<string, BalanceAlgo> = {
    roundrobin: 'roundrobin', 'static-rr': 'static-rr', leastconn: 'leastconn', first: 'first', source: 'source',
  };
  if (simple[w]) return { algo: simple[w]! };
  if (w === 'uri') {
    const b: Balance = { algo: 'uri' };
    for (let i = 1; i < a.length; i++) {
      const o = a[i]!;
      if (o === 'len' || o === 'depth') {
        const v = a[++i];
        if (v === undefined || !/^\d+$/.test(v) || Number(v) <= 0) throw new ConfigError(`'balance uri ${o}' expects a positive integer (got '${v ?? ''}').`);
        if (o === 'len') b.uriLen = Number(v); else b.uriDepth = Number(v);
      } else if (o === 'whole') b.uriWhole = true;
      else if (o === 'path-only') b.uriPathOnly = true;
      else throw new ConfigError(`'balance uri' only accepts parameters 'len', 'depth', 'path-only', and 'whole' (got '${o}').`);
    }
    return b;
  }
  if (w === 'url_param') {
    if (!a[1]) throw new ConfigError(`'balance url_param' requires an URL parameter name.`);
    const b: Balance = { algo: 'url_param', param: a[1] };
    for (let i = 2; i < a.length; i++) {
      if (a[i] === 'check_post') { b.checkPost = atoi(a[i + 1]); if (a[i + 1] && /^\d+$/.test(a[i + 1]!)) i++; }
      else throw new ConfigError(`'balance url_param' only accepts check_post modifier.`);
    }
    return b;
  }
  let m = /^hdr\((.+)\)$/.exec(w);
  if (m) {
    const b: Balance = { algo: 'hdr', header: m[1]! };
    if (a[1] === 'use_domain_only') b.useDomainOnly = true;
    else if (a[1] !== undefined) throw new ConfigError(`'balance hdr(${m[1]})' only accepts 'use_domain_only' modifier (got '${a[1]}').`);
    return b;
  }
  m = /^random(?:\((\d*)\))?$/.exec(w);
  if (m) {
    const draws = m[1] ? Number(m[1]) : 2;
    if (draws < 1) throw new ConfigError(`'balance random(N)' requires N > 0.`);
    return { algo: 'random', draws };
  }
  m = /^rdp-cookie(?:\((.*)\))?$/.exec(w);
  if (m) return { algo: 'rdp-cookie', cookie: m[1] || 'mstshash' };
  if (w === 'hash') {
    if (!a[1]) throw new ConfigError(`'balance hash' requires a sample expression.`);
    return { algo: 'hash', expr: a.slice(1).join(' ') };
  }
  throw new ConfigError(BALANCE_MSG);
}

function parseCookie(a: readonly string[], c: KwContext): CookieConf {
  if (!a[0]) throw new ConfigError(`'cookie' expects <cookie_name> as argument.`);
  const ck: CookieConf = {
    name: a[0], method: 'passive', indirect: false, nocache: false, postonly: false, preserve: false,
    httponly: false, secure: false, dynamic: false, domains: [], attrs: [],
  };
  for (let i = 1; i < a.length; i++) {
    const o = a[i]!;
    switch (o) {
      case 'rewrite': case 'insert': case 'prefix': ck.method = o; break;
      case 'indirect': case 'nocache': case 'postonly': case 'preserve': case 'httponly': case 'secure': case 'dynamic':
        ck[o] = true; break;
      case 'domain': {
        const d = a[++i];
        if (!d) throw new ConfigError(`'cookie' '${o}' option requires a value.`);
        ck.domains.push(d);
        break;
      }
      case 'maxidle': case 'maxlife': {
        const t = parseTime(a[++i] ?? '', 's');
        if (t.error !== undefined) throw new ConfigError(`'cookie' '${o}' option requires a time value.`);
        ck[o] = t.value;
        break;
      }
      case 'attr': {
        const v = a[++i];
        if (!v) throw new ConfigError(`'cookie' '${o}' option requires a value.`);
        ck.attrs.push(v);
        break;
      }
      default:
        throw new ConfigError(`'cookie' supports 'rewrite', 'insert', 'prefix', 'indirect', 'nocache', 'postonly', 'domain', 'maxidle', 'dynamic', 'maxlife' and 'attr' options.`);
    }
  }
  void c;
  return ck;
}

function parseForwardfor(kw: 'forwardfor' | 'originalto', a: readonly string[]): Forwardfor {
  const f: Forwardfor = { header: kw === 'forwardfor' ? 'x-forwarded-for' : 'x-original-to', ifNone: false };
  for (let i = 0; i < a.length; i++) {
    const o = a[i]!;
    if (o === 'except' && a[i + 1] !== undefined) f.except = a[++i];
    else if (o === 'header' && a[i + 1] !== undefined) f.header = a[++i]!.toLowerCase();
    else if (o === 'if-none' && kw === 'forwardfor') f.ifNone = true;
    else {
      throw new ConfigError(kw === 'forwardfor'
        ? `'option forwardfor' only supports optional values: 'except', 'header' and 'if-none'.`
        : `'option originalto' only supports optional values: 'except' and 'header'.`);
    }
  }
  return f;
}

const removed = (name: string, msg: string, style: 'parsing' | 'parsing:' = 'parsing'): KeywordRow => ({
  name, status: 'removed', parse: () => { throw new ConfigError(msg, style); },
});

const flagRows: KeywordRow[] = Object.entries(FLAG_OPTIONS).map(([name, side]) => ({
  name: `option ${name}`,
  sections: 'dfbl',
  cap: side === 'both' ? undefined : side,
  negatable: true,
  parse: (a, c, neg) => {
    onlyArgs(`option ${name}`, a);
    const px = p(c);
    if (name === 'tcpka') { px.flags['clitcpka'] = !neg; px.flags['srvtcpka'] = !neg; }
    px.flags[name] = !neg;
  },
}));

const httpModeRows: KeywordRow[] = (['http-keep-alive', 'http-server-close', 'httpclose'] as const).map((m) => ({
  name: `option ${m}`,
  sections: 'dfbl',
  negatable: true,
  parse: (a, c, neg) => {
    onlyArgs(`option ${m}`, a);
    const px = p(c);
    if (neg) { if (px.httpConnMode === m) px.httpConnMode = undefined; }
    else px.httpConnMode = m;
  },
}));

const rows: KeywordRow[] = [
  {
    name: 'mode',
    sections: 'dfbl',
    parse: (a, c) => {
      const m = a[0] ?? '';
      if (m === 'health') throw new ConfigError(`'mode health' doesn't exist anymore. Please use 'http-request return status 200' instead.`);
      if (m !== 'tcp' && m !== 'http') throw new ConfigError(`unknown proxy mode '${m}'.`);
      p(c).mode = m;
    },
  },
  ...TIMEOUT_NAMES.map(timeoutRow),
  {
    name: 'timeout',
    sections: 'dfbl',
    parse: (a) => {
      throw new ConfigError(`'timeout' supports 'client', 'server', 'connect', 'check', 'queue', 'http-keep-alive', 'http-request', 'tunnel', 'tarpit', 'client-fin' and 'server-fin' (got '${a[0] ?? ''}')`);
    },
  },
  removed('contimeout', `the 'contimeout' directive is not supported anymore since HAProxy 2.1. Use 'timeout connect'.`),
  removed('clitimeout', `the 'clitimeout' directive is not supported anymore since HAProxy 2.1. Use 'timeout client'.`),
  removed('srvtimeout', `the 'srvtimeout' directive is not supported anymore since HAProxy 2.1. Use 'timeout server'.`),
  removed('redispatch', `keyword 'redispatch' directive is not supported anymore since HAProxy 2.1. Use 'option redispatch'.`),
  removed('monitor-net', `'monitor-net' doesn't exist anymore. Please use 'http-request return status 200 if { src 1.1.1.1 }' instead.`),
  removed('block', `The 'block' directive is not supported anymore since HAProxy 2.1. Use 'http-request deny' which uses the exact same syntax.`),
  ...[
    ['reqadd', `Use 'http-request add-header' instead.`],
    ['reqrep', `Use 'http-request replace-path', 'http-request replace-uri' or 'http-request replace-header' instead.`],
    ['reqirep', `Use 'http-request replace-path', 'http-request replace-uri' or 'http-request replace-header' instead.`],
    ['reqdel', `Use 'http-request del-header' instead.`], ['reqidel', `Use 'http-request del-header' instead.`],
    ['reqdeny', `Use 'http-request deny' instead.`], ['reqideny', `Use 'http-request deny' instead.`],
    ['reqallow', `Use 'http-request allow' instead.`], ['reqiallow', `Use 'http-request allow' instead.`],
    ['reqpass', `Use 'http-request allow' instead.`], ['reqipass', `Use 'http-request allow' instead.`],
    ['reqtarpit', `Use 'http-request tarpit' instead.`], ['reqitarpit', `Use 'http-request tarpit' instead.`],
    ['rspadd', `Use 'http-response add-header' instead.`],
    ['rsprep', `Use 'http-response replace-header' instead.`], ['rspirep', `Use 'http-response replace-header' instead.`],
    ['rspdel', `Use 'http-response del-header' instead.`], ['rspidel', `Use 'http-response del-header' instead.`],
    ['rspdeny', `Use 'http-response deny' instead.`], ['rspideny', `Use 'http-response deny' instead.`],
    ['reqsetbe', `Use 'use_backend' instead.`], ['reqisetbe', `Use 'use_backend' instead.`],
  ].map(([n, use]) => removed(n!, `The '${n}' directive is not supported anymore since HAProxy 2.1. ${use}`)),
  removed('option forceclose', `option 'forceclose' is not supported any more since HAProxy 2.0, please just remove it, or use 'option httpclose' if absolutely needed.`, 'parsing:'),
  removed('option http-tunnel', `option 'http-tunnel' is not supported any more since HAProxy 2.0, please just remove it, it shouldn't be needed.`, 'parsing:'),
  removed('option http_proxy', `option 'http_proxy' is not supported any more since HAProxy 2.5, please use 'http-request set-dst' and 'option-original' instead.`, 'parsing:'),
  {
    name: 'option',
    sections: 'dfbl',
    negatable: true,
    parse: (a, _c, neg) => {
      if (!a[0]) throw new ConfigError(`'option' expects an option name.`, 'parsing:');
      if (neg) throw new ConfigError(`negation/default is not supported for option '${a[0]}'.`, 'parsing:');
      const hint = didYouMean(a[0]!, subWords('proxy', 'option'));
      throw new ConfigError(`unknown option '${a[0]}'${hint ? `; did you mean '${hint}' maybe ?` : '.'}`);
    },
  },
  {
    name: 'maxconn',
    sections: 'dfl',
    cap: 'fe',
    capHint: ` Maybe you want 'fullconn' instead ?`,
    parse: (a, c) => {
      if (!a[0]) throw new ConfigError(`'maxconn' expects an integer argument.`);
      p(c).maxconn = atoi(a[0]);
    },
  },
  {
    name: 'backlog',
    sections: 'dfl',
    cap: 'fe',
    parse: (a, c) => {
      if (!a[0]) throw new ConfigError(`'backlog' expects an integer argument.`);
      p(c).backlog = atoi(a[0]);
    },
  },
  {
    name: 'fullconn',
    sections: 'dbl',
    cap: 'be',
    parse: (a, c) => {
      if (!a[0]) throw new ConfigError(`'fullconn' expects an integer argument.`);
      p(c).fullconn = atoi(a[0]);
    },
  },
  {
    name: 'retries',
    sections: 'dbl',
    cap: 'be',
    parse: (a, c) => {
      if (!a[0]) throw new ConfigError(`'retries' expects an integer argument (dispatch counts for one).`);
      p(c).retries = atoi(a[0]);
    },
  },
  {
    name: 'balance',
    sections: 'dbl',
    cap: 'be',
    parse: (a, c) => { p(c).balance = parseBalance(a); },
  },
  {
    name: 'hash-type',
    sections: 'dbl',
    cap: 'be',
    parse: (a, c) => {
      const ht: HashType = { method: 'map-based', fn: 'sdbm', avalanche: false };
      if (a[0] !== 'consistent' && a[0] !== 'map-based') throw new ConfigError(`'hash-type' only supports 'consistent' and 'map-based'.`);
      ht.method = a[0];
      if (a[1] !== undefined) {
        if (!['sdbm', 'djb2', 'wt6', 'crc32'].includes(a[1])) {
          throw new ConfigError(`'hash-type' only supports 'sdbm', 'djb2', 'crc32', or 'wt6' hash functions.`);
        }
        ht.fn = a[1] as HashType['fn'];
        if (a[2] !== undefined) {
          if (a[2] !== 'avalanche') throw new ConfigError(`'hash-type' only supports 'avalanche' as a modifier for hash functions.`);
          ht.avalanche = true;
        }
      } else ht.avalanche = ht.method === 'consistent'; // HAProxy: bare "consistent" implies sdbm avalanche
      p(c).hashType = ht;
    },
  },
  {
    name: 'hash-balance-factor',
    sections: 'dbl',
    cap: 'be',
    parse: (a, c) => {
      const v = atoi(a[0]);
      if (!a[0]) throw new ConfigError(`'hash-balance-factor' expects an integer argument.`);
      if (v !== 0 && v <= 100) throw new ConfigError(`'hash-balance-factor' must be 0 or greater than 100.`);
      p(c).hashBalanceFactor = v;
    },
  },
  {
    name: 'id',
    sections: 'fbl',
    parse: (a, c) => {
      if (!a[0]) throw new ConfigError(`'id' expects an integer argument.`, 'parsing:');
      const v = atoi(a[0]);
      if (v <= 0) throw new ConfigError(`custom id has to be > 0.`, 'parsing:');
      p(c).id = v;
    },
  },
  { name: 'description', sections: 'fbl', parse: (a, c) => { p(c).description = a.join(' '); } },
  { name: 'disabled', sections: 'dfbl', parse: (a, c) => { onlyArgs('disabled', a); p(c).disabled = true; } },
  { name: 'enabled', sections: 'dfbl', parse: (a, c) => { onlyArgs('enabled', a); p(c).disabled = false; } },
  {
    name: 'default_backend',
    sections: 'dfl',
    cap: 'fe',
    parse: (a, c) => {
      if (!a[0]) throw new ConfigError(`'default_backend' requires a backend name.`);
      p(c).defaultBackend = { name: a[0]!, file: c.where.file, line: c.where.line };
    },
  },
  {
    name: 'monitor-uri',
    sections: 'dfl',
    cap: 'fe',
    parse: (a, c) => {
      if (!a[0]) throw new ConfigError(`'monitor-uri' expects an URI.`);
      p(c).monitorUri = a[0];
    },
  },
  {
    name: 'cookie',
    sections: 'dbl',
    cap: 'be',
    parse: (a, c) => { p(c).cookie = parseCookie(a, c); },
  },
  {
    name: 'dispatch',
    sections: 'bl',
    cap: 'be',
    parse: (a, c) => {
      if (!a[0]) throw new ConfigError(`'dispatch' expects <addr:port> as argument.`);
      try {
        p(c).dispatchAddr = parseAddress(a[0], { portMandatory: true, env: c.opts.env });
      } catch (e) {
        if (!(e instanceof AddrError)) throw e;
        throw new ConfigError(`'dispatch' : ${e.message}${e.multiline ? '\n' : ''}`);
      }
      p(c).dispatch = a[0];
    },
  },
  {
    name: 'http-reuse',
    sections: 'dbl',
    cap: 'be',
    parse: (a, c) => {
      const v = a[0];
      if (v !== 'never' && v !== 'safe' && v !== 'aggressive' && v !== 'always') {
        throw new ConfigError(`'http-reuse' only supports 'never', 'safe', 'aggressive', 'always'`);
      }
      p(c).httpReuse = v;
    },
  },
  {
    name: 'max-keep-alive-queue',
    sections: 'dbl',
    cap: 'be',
    parse: (a, c) => { p(c).maxKeepAliveQueue = atoi(a[0]); },
  },
  {
    name: 'server-state-file-name',
    sections: 'dbl',
    cap: 'be',
    parse: (a, c) => { p(c).serverStateFileName = a[0] ?? 'use-backend-name'; },
  },
  {
    name: 'load-server-state-from-file',
    sections: 'dbl',
    cap: 'be',
    parse: (a, c) => {
      if (a[0] !== 'global' && a[0] !== 'local' && a[0] !== 'none') {
        throw new ConfigError(`'load-server-state-from-file' expects 'global', 'local' or 'none'. Got '${a[0] ?? ''}'`);
      }
      p(c).loadServerStateFromFile = a[0];
    },
  },
  {
    name: 'errorfile',
    sections: 'dfbl',
    parse: (a, c) => {
      if (a.length !== 2) throw new ConfigError(`'errorfile' expects <status_code> and <file> as arguments.`);
      const code = atoi(a[0]);
      if (!ERRORFILE_CODES.includes(code)) {
        throw new ConfigError(`'errorfile' : status code ${code} not handled.`);
      }
      p(c).errorfiles[code] = loadErrorFile(a[1]!);
    },
  },
  {
    name: 'option redispatch',
    sections: 'dbl',
    cap: 'be',
    negatable: true,
    parse: (a, c, neg) => {
      const px = p(c);
      if (neg) { px.redispatch = undefined; return; }
      let interval = -1;
      if (a[0] !== undefined) {
        interval = atoi(a[0]);
        if (interval === 0) throw new ConfigError(`'option redispatch' expects a non-zero interval.`);
      }
      px.redispatch = interval;
    },
  },
  {
    name: 'option forwardfor',
    sections: 'dfbl',
    negatable: true,
    parse: (a, c, neg) => { p(c).forwardfor = neg ? undefined : parseForwardfor('forwardfor', a); },
  },
  {
    name: 'option originalto',
    sections: 'dfbl',
    negatable: true,
    parse: (a, c, neg) => { p(c).originalto = neg ? undefined : parseForwardfor('originalto', a); },
  },
  {
    name: 'option http-restrict-req-hdr-names',
    sections: 'dfbl',
    parse: (a, c) => {
      const v = a[0];
      if (v !== 'preserve' && v !== 'delete' && v !== 'reject') {
        throw new ConfigError(`'option http-restrict-req-hdr-names' expects 'preserve', 'delete' or 'reject'.`, 'parsing:');
      }
      p(c).restrictReqHdrNames = v;
    },
  },
  ...flagRows,
  ...httpModeRows,
  ...([
    ['compression', 'HTTP compression'], ['filter', 'filters (compression, SPOE, bandwidth limits, traces)'],
    ['stick-table', 'stick tables'], ['stick', 'stick tables'], ['rate-limit', 'session rate limiting'],
    ['persist', 'RDP cookie persistence'], ['email-alert', 'email alerts'], ['external-check', 'external checks'],
    ['force-persist', 'persistence overrides'], ['ignore-persist', 'persistence overrides'],
    ['http-send-name-header', 'the server name header'], ['unique-id-header', 'unique request IDs'],
    ['option spop-check', 'SPOP checks'], ['option external-check', 'external checks'],
    ['use-fcgi-app', 'FastCGI applications'], ['option checkcache', 'cacheability checks'],
  ] as const).map(([name, why]): KeywordRow => ({ name, sections: 'dfbl', status: 'unsupported', why, parse: () => undefined })),
];

register('proxy', rows.filter((r, i, all) => all.findIndex((x) => x.name === r.name) === i));
