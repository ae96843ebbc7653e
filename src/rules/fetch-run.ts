/**
 * Sample fetches executed by lb, as a table `name → builder`. A builder runs
 * once at startup with the fetch's arguments and returns the per-request
 * closure; nothing is parsed or compiled per request beyond splitting the
 * header values and the request-target that are asked for.
 *
 * Invariants: a fetch never throws; `undefined` means "no sample" (the ACL
 * does not match, a log-format prints nothing). In ACL mode (`many`) the
 * multi-occurrence fetches (hdr, fhdr, cook, urlp) return every value, as
 * HAProxy iterates them; otherwise they return the one HAProxy picks (the
 * last header value, the last cookie, the first url parameter).
 */
import { hostname } from 'node:os';
import type { AnyCtx } from './eval.js';
import type { Smp } from './match.js';

export type FetchOut = Smp | Smp[] | undefined;
export type FetchFn = (ctx: AnyCtx) => FetchOut;

export interface FetchOpts {
  /** ACL evaluation: return every occurrence */
  readonly many: boolean;
  /** the rule looks at the response (hdr() means res.hdr()) */
  readonly res: boolean;
}

type Builder = (args: readonly string[], o: FetchOpts) => FetchFn;

/** Values of every header `name` (lower-case) in a flat [n, v, ...] list; `split` cuts on commas. */
export function headerValues(h: readonly string[] | undefined, name: string, split: boolean): string[] {
  const out: string[] = [];
  if (!h) return out;
  for (let i = 0; i < h.length; i += 2) {
    if (name !== '' && h[i] !== name) continue;
    if (split) splitValues(h[i + 1]!, out);
    else out.push(h[i + 1]!);
  }
  return out;
}

/** Split a header value on commas outside double quotes, trimming blanks. */
export function splitValues(v: string, out: string[]): void {
  if (v.indexOf(',') < 0) { out.push(v.trim()); return; }
  let start = 0;
  let q = false;
  for (let i = 0; i <= v.length; i++) {
    const c = v.charCodeAt(i);
    if (i < v.length && c === 34) q = !q;
    if (i === v.length || (c === 44 && !q)) {
      out.push(v.slice(start, i).trim());
      start = i + 1;
    }
  }
}

/** Pick occurrence `occ` (1 = first, -1 = last) of a list. */
function pick(list: readonly string[], occ: number): string | undefined {
  if (occ > 0) return list[occ - 1];
  if (occ < 0) return list[list.length + occ];
  return undefined;
}

/** Header fetch: all values (ACL), or one occurrence (default last). */
function hdrFetch(split: boolean, resSide: boolean | undefined, conv?: (s: string) => Smp | undefined): Builder {
  return (args, o) => {
    const name = (args[0] ?? '').toLowerCase();
    const occ = args[1] !== undefined && args[1] !== '' ? Number.parseInt(args[1], 10) : 0;
    const useRes = resSide ?? o.res;
    return (ctx) => {
      const list = headerValues(useRes ? ctx.resHeaders : ctx.rawHeaders, name, split);
      if (o.many && occ === 0) return conv ? convAll(list, conv) : list;
      const s = pick(list, occ === 0 ? -1 : occ);
      return s === undefined ? undefined : conv ? conv(s) : s;
    };
  };
}

function hdrCnt(split: boolean, resSide: boolean | undefined): Builder {
  return (args, o) => {
    const name = (args[0] ?? '').toLowerCase();
    const useRes = resSide ?? o.res;
    return (ctx) => {
      const h = useRes ? ctx.resHeaders : ctx.rawHeaders;
      return h ? headerValues(h, name, split).length : undefined;
    };
  };
}

/** Apply `conv` to every value, dropping those without a result. */
function convAll(list: readonly string[], conv: (s: string) => Smp | undefined): Smp[] {
  const out: Smp[] = [];
  for (let i = 0; i < list.length; i++) { const v = conv(list[i]!); if (v !== undefined) out.push(v); }
  return out;
}

function intOf(s: string): number | undefined {
  const m = /^\s*[-+]?[0-9]+/.exec(s);
  return m ? Number.parseInt(m[0], 10) : undefined;
}

/** hdr_ip: an IPv4 (a trailing ":port" is ignored) or an IPv6 address. */
function ipOf(s: string): string | undefined {
  const m = /^([0-9]{1,3}(?:\.[0-9]{1,3}){3})(?::[0-9]*)?$/.exec(s);
  if (m) return m[1];
  return s.includes(':') && /^[0-9a-fA-F:.]+$/.test(s) ? s : undefined;
}

/**
 * Cookie header → values of `name` ('' = any), in order. `set`: Set-Cookie
 * lines (the first name=value of each). In a Cookie header HAProxy ends a
 * value at ';' or ',' outside double quotes (checked on 2.6.12).
 */
function cookieValues(h: readonly string[] | undefined, name: string, set: boolean): string[] {
  const out: string[] = [];
  if (!h) return out;
  const hname = set ? 'set-cookie' : 'cookie';
  for (let i = 0; i < h.length; i += 2) {
    if (h[i] !== hname) continue;
    const line = h[i + 1]!;
    let start = 0;
    let q = false;
    for (let k = 0; k <= line.length; k++) {
      const c = line.charCodeAt(k);
      if (k < line.length && c === 34) q = !q;
      if (k < line.length && (q || (c !== 59 && (c !== 44 || set)))) continue;
      const p = line.slice(start, k);
      start = k + 1;
      const eq = p.indexOf('=');
      if (eq >= 0 && (name === '' || p.slice(0, eq).trim() === name)) out.push(p.slice(eq + 1).trim());
      if (set) break;
    }
  }
  return out;
}

function cookFetch(set: boolean, conv?: (s: string) => Smp | undefined): Builder {
  return (args, o) => {
    const name = args[0] ?? '';
    return (ctx) => {
      const list = cookieValues(set ? ctx.resHeaders : ctx.rawHeaders, name, set);
      if (o.many) return conv ? convAll(list, conv) : list;
      // HAProxy returns the last occurrence of a request cookie, the first of a Set-Cookie
      const s = set ? list[0] : list[list.length - 1];
      return s === undefined ? undefined : conv ? conv(s) : s;
    };
  };
}

function cookCnt(set: boolean): Builder {
  return (args) => {
    const name = args[0] ?? '';
    return (ctx) => cookieValues(set ? ctx.resHeaders : ctx.rawHeaders, name, set).length;
  };
}

/** Offsets of the path ('/' onwards, -1 if none) and of '?' (-1 if none) in a request-target. */
export function targetParts(t: string): { p: number; q: number } {
  let p = -1;
  if (t.charCodeAt(0) === 47) p = 0;
  else {
    const s = t.indexOf('://');
    if (s >= 0) p = t.indexOf('/', s + 3);
  }
  return { p, q: t.indexOf('?', p < 0 ? 0 : p) };
}

export function getPath(t: string): string | undefined {
  const { p, q } = targetParts(t);
  if (p < 0) return undefined;
  return q < 0 ? t.slice(p) : t.slice(p, q);
}

export function getQuery(t: string): string | undefined {
  const q = t.indexOf('?');
  return q < 0 ? undefined : t.slice(q + 1);
}

/** path + query ('/' onwards), the part `redirect prefix` keeps. */
export function getPathQ(t: string): string | undefined {
  const { p } = targetParts(t);
  return p < 0 ? undefined : t.slice(p);
}

/** url_param values of `name` ('' = first parameter) in the query, delimiter `d`. */
function urlParams(t: string, name: string, d: string, all: boolean): string[] {
  const out: string[] = [];
  const q = getQuery(t);
  if (q === undefined) return out;
  for (const part of q.split(d)) {
    const eq = part.indexOf('=');
    const n = eq < 0 ? part : part.slice(0, eq);
    if (name !== '' && n !== name) continue;
    out.push(eq < 0 ? '' : part.slice(eq + 1));
    if (!all) break;
  }
  return out;
}

function urlp(conv?: (s: string) => Smp | undefined): Builder {
  return (args, o) => {
    const name = args[0] ?? '';
    const d = args[1] !== undefined && args[1] !== '' ? args[1] : '&';
    return (ctx) => {
      if (ctx.target === undefined) return undefined;
      const list = urlParams(ctx.target, name, d, o.many);
      if (o.many) return conv ? convAll(list, conv) : list;
      const s = list[0];
      return s === undefined ? undefined : conv ? conv(s) : s;
    };
  };
}

/** `var(scope.name[,default])`; proc-scope variables live in this process-wide map. */
export const procVars = new Map<string, unknown>();

export function varStore(ctx: AnyCtx, name: string): Map<string, unknown> {
  return name.startsWith('proc.') ? procVars : ctx.vars;
}

const constant = (v: FetchOut): FetchFn => () => v;
const hostName = hostname();

/** The fetches lb executes, by canonical name. */
export const FETCH_BUILDERS: ReadonlyMap<string, Builder> = new Map<string, Builder>([
  ['always_true', () => constant(true)],
  ['always_false', () => constant(false)],
  ['str', (a) => constant(a[0] ?? '')],
  ['int', (a) => constant(Number.parseInt(a[0] ?? '0', 10))],
  ['bool', (a) => constant(a[0] === 'true' || a[0] === '1')],
  ['ipv4', (a) => constant(a[0] ?? '')],
  ['ipv6', (a) => constant(a[0] ?? '')],
  ['env', (a) => { const n = a[0] ?? ''; return () => process.env[n]; }],
  ['hostname', () => constant(hostName)],
  ['date', (a) => { const off = Number.parseInt(a[0] ?? '0', 10) || 0; return () => Math.floor(Date.now() / 1000) + off; }],
  ['rand', (a) => { const r = Number.parseInt(a[0] ?? '0', 10) || 2 ** 32; return () => Math.floor(Math.random() * r); }],
  ['var', (a) => {
    const name = a[0] ?? '';
    const def = a[1];
    return (ctx) => {
      const v = varStore(ctx, name).get(name);
      return v === undefined ? def : v as Smp;
    };
  }],
  ['src', () => (ctx) => ctx.src],
  ['src_port', () => (ctx) => ctx.srcPort],
  ['dst', () => (ctx) => ctx.dst],
  ['dst_port', () => (ctx) => ctx.dstPort],
  ['fc_src', () => (ctx) => ctx.src],
  ['fc_src_port', () => (ctx) => ctx.srcPort],
  ['fc_dst', () => (ctx) => ctx.dst],
  ['fc_dst_port', () => (ctx) => ctx.dstPort],
  ['fe_name', () => (ctx) => ctx.frontend],
  ['be_name', () => (ctx) => ctx.backend],
  ['nbsrv', (a) => { const be = a[0] ?? ''; return (ctx) => ctx.nbsrv(be === '' ? ctx.backend ?? ctx.frontend : be); }],
  ['ssl_fc', () => constant(false)],
  ['ssl_fc_has_sni', () => constant(false)],
  ['ssl_c_used', () => constant(false)],
  ['req.proto_http', () => (ctx) => ctx.target !== undefined],
  ['req_proto_http', () => (ctx) => ctx.target !== undefined],
  ['req.ver', () => (ctx) => (ctx.version === undefined ? undefined : ctx.version === 10 ? '1.0' : '1.1')],
  ['req_ver', () => (ctx) => (ctx.version === undefined ? undefined : ctx.version === 10 ? '1.0' : '1.1')],
  // HAProxy's `method` reads the method parsed from the request, not the one set-method wrote
  ['method', () => (ctx) => ctx.origMethod ?? ctx.method],
  ['url', () => (ctx) => ctx.target],
  ['path', () => (ctx) => (ctx.target === undefined ? undefined : getPath(ctx.target))],
  ['pathq', () => (ctx) => (ctx.target === undefined ? undefined : getPathQ(ctx.target))],
  ['query', () => (ctx) => (ctx.target === undefined ? undefined : getQuery(ctx.target))],
  ['base', () => (ctx) => {
    if (ctx.target === undefined) return undefined;
    const path = getPath(ctx.target);
    if (path === undefined) return undefined;
    const host = headerValues(ctx.rawHeaders, 'host', false)[0];
    return host === undefined ? path : host + path;
  }],
  ['url_param', urlp()],
  ['urlp', urlp()],
  ['urlp_val', urlp(intOf)],
  ['hdr', hdrFetch(true, undefined)],
  ['req.hdr', hdrFetch(true, false)],
  ['req.fhdr', hdrFetch(false, false)],
  ['hdr_cnt', hdrCnt(true, undefined)],
  ['req.hdr_cnt', hdrCnt(true, false)],
  ['req.fhdr_cnt', hdrCnt(false, false)],
  ['hdr_val', hdrFetch(true, undefined, intOf)],
  ['req.hdr_val', hdrFetch(true, false, intOf)],
  ['hdr_ip', hdrFetch(true, undefined, ipOf)],
  ['req.hdr_ip', hdrFetch(true, false, ipOf)],
  ['req.cook', cookFetch(false)],
  ['cook', cookFetch(false)],
  ['req.cook_cnt', cookCnt(false)],
  ['cook_cnt', cookCnt(false)],
  ['req.cook_val', cookFetch(false, intOf)],
  ['cook_val', cookFetch(false, intOf)],
  ['status', () => (ctx) => ctx.status],
  ['res.hdr', hdrFetch(true, true)],
  ['shdr', hdrFetch(true, true)],
  ['res.fhdr', hdrFetch(false, true)],
  ['res.hdr_cnt', hdrCnt(true, true)],
  ['shdr_cnt', hdrCnt(true, true)],
  ['res.fhdr_cnt', hdrCnt(false, true)],
  ['res.hdr_val', hdrFetch(true, true, intOf)],
  ['shdr_val', hdrFetch(true, true, intOf)],
  ['res.hdr_ip', hdrFetch(true, true, ipOf)],
  ['shdr_ip', hdrFetch(true, true, ipOf)],
  ['res.cook', cookFetch(true)],
  ['scook', cookFetch(true)],
  ['res.cook_cnt', cookCnt(true)],
  ['scook_cnt', cookCnt(true)],
  ['res.cook_val', cookFetch(true, intOf)],
  ['scook_val', cookFetch(true, intOf)],
]);
