/**
 * Compile a log-format (reference §7.7) once, at start-up, into a list of
 * parts; rendering a line is one pass over them reading a LogRec. No closure
 * or object is created per line.
 *
 * HAProxy's rendering rules reproduced here: a run of spaces in the format
 * is one separator, written only when something was written since the last
 * one (so `%hr %hs` vanish with their spaces when nothing is captured); a
 * value that is absent prints '-' (or '""' under +Q); +Q quotes text but
 * not numbers; +X prints numbers in upper-case hex; +E escapes '"', '\' and
 * ']'; the request line, URIs and captured headers encode control bytes,
 * bytes >= 127, '"' and '#' (and '{|}' in headers) as #XX.
 */
import { hostname } from 'node:os';
import { parseLogFormat } from './format.js';
import { parseSample } from '../rules/sample.js';
import { compileSample, type AnyCtx, type SampleFn } from '../rules/eval.js';
import { toStr } from '../rules/match.js';
import type { Where } from '../config/diag.js';
import { Cause, Phase, proc, type LogRec } from './record.js';

const HOST = hostname();
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);
const p3 = (n: number): string => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/** What a compiled format needs from its proxy besides the record. */
export interface FormatEnv {
  /** frontend name */
  fe: string;
  captures: {
    request: ReadonlyArray<{ name?: string; len: number }>;
    response: ReadonlyArray<{ name?: string; len: number }>;
    cookie?: { name: string; len: number };
  };
  /** unique-id-format, compiled (for %ID) */
  uniqueId?: CompiledFormat;
  /** lines logged by this frontend so far (%lc) */
  logCount: () => number;
  /** collects the sample fetches/converters lb cannot evaluate (they render as '-') */
  unsupported?: string[];
}

const Q = 1, X = 2, E = 4;

/**
 * One piece of a compiled format; every part has the same shape (one hidden
 * class: the rendering loop stays monomorphic). k: 0 literal text, 1
 * separator, 2 variable, 3 sample expression.
 */
interface Part {
  k: 0 | 1 | 2 | 3;
  text: string;
  v: VarFn | undefined;
  s: SampleFn | undefined;
  o: number;
}

const part = (k: Part['k'], text = '', v?: VarFn, s?: SampleFn, o = 0): Part => ({ k, text, v, s, o });

export interface CompiledFormat {
  render(r: LogRec): string;
  /** the format uses %[...] expressions (needs the request context) */
  readonly usesSamples: boolean;
}

// ---------------------------------------------------------------- encoders

function encode(s: string, hdr: boolean): string {
  let i = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c >= 127 || c === 34 || c === 35 || (hdr && (c === 123 || c === 124 || c === 125))) break;
  }
  if (i === s.length) return s;
  let out = s.slice(0, i);
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c >= 127 || c === 34 || c === 35 || (hdr && (c === 123 || c === 124 || c === 125))) {
      out += '#' + (c & 0xff).toString(16).toUpperCase().padStart(2, '0');
    } else out += s[i];
  }
  return out;
}

function escape(s: string): string {
  return /["\\\]]/.test(s) ? s.replace(/["\\\]]/g, (m) => `\\${m}`) : s;
}

function text(v: string | undefined, o: number): string {
  if (v === undefined || v === '') return o & Q ? '""' : '-';
  if (o & E) v = escape(v);
  return o & Q ? `"${v}"` : v;
}

function num(n: number, o: number): string {
  return o & X ? n.toString(16).toUpperCase() : String(n);
}

/** An address; +X prints an IPv4 one as 8 hex digits (HAProxy's unique-id idiom). */
function addr(v: string, o: number): string {
  if (o & X && v !== '') {
    const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(v);
    if (m) return m.slice(1).map((x) => Number(x).toString(16).toUpperCase().padStart(2, '0')).join('');
  }
  return text(v, o);
}

function port(n: number, o: number): string {
  return o & X ? n.toString(16).toUpperCase().padStart(4, '0') : String(n);
}

// ---------------------------------------------------------------- dates

/** `dd/Mon/yyyy:HH:MM:SS.` of the last second rendered: most lines reuse it */
let dateSec = -1;
let datePrefix = '';

function dateMs(ms: number): string {
  const sec = Math.floor(ms / 1000);
  if (sec !== dateSec) {
    const d = new Date(sec * 1000);
    dateSec = sec;
    datePrefix = `${p2(d.getDate())}/${MONTHS[d.getMonth()]}/${d.getFullYear()}:${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.`;
  }
  return datePrefix + p3(ms - sec * 1000);
}

function dateGmt(ms: number): string {
  const d = new Date(ms);
  return `${p2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000`;
}

function dateLocal(ms: number): string {
  const d = new Date(ms);
  const off = -d.getTimezoneOffset();
  const a = Math.abs(off);
  return `${p2(d.getDate())}/${MONTHS[d.getMonth()]}/${d.getFullYear()}:${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())} ${off < 0 ? '-' : '+'}${p2(Math.floor(a / 60))}${p2(a % 60)}`;
}

// ---------------------------------------------------------------- timers

const reqDate = (r: LogRec): number => (r.tRx >= 0 ? r.tRx : r.tAccept);
const tTi = (r: LogRec): number => (r.tRx >= 0 ? r.tRx - r.tAccept : -1);
const tTR = (r: LogRec): number => (r.tHead >= 0 && r.tRx >= 0 ? r.tHead - r.tRx : -1);
/** queue time; from the request (HTTP) or the accept (TCP) */
const tTw = (r: LogRec): number => (r.tQueue >= 0 ? r.tQueue - (r.tHead >= 0 ? r.tHead : r.tAccept) : -1);
const tTc = (r: LogRec): number => (r.tConn >= 0 && r.tQueue >= 0 ? r.tConn - r.tQueue : -1);
const tTr = (r: LogRec): number => (r.tRes >= 0 && r.tConn >= 0 ? r.tRes - r.tConn : -1);
const tTt = (r: LogRec): number => r.tEnd - r.tAccept;
const tTa = (r: LogRec): number => r.tEnd - (r.tRx >= 0 ? r.tRx : r.tAccept);
function tTd(r: LogRec): number {
  const a = tTR(r), w = tTw(r), c = tTc(r), s = tTr(r);
  if (a < 0 || w < 0 || c < 0 || s < 0) return -1;
  return tTa(r) - (a + w + c + s);
}

const timer = (t: number, o: number): string => num(t, o);

// ---------------------------------------------------------------- termination state

const tsChars = (r: LogRec): string => {
  if (r.cause === Cause.None) return '--';
  return String.fromCharCode(r.cause, r.phase === Phase.None ? 45 : r.phase);
};

// ---------------------------------------------------------------- request line

const versionText = (v: number): string => (v === 10 ? 'HTTP/1.0' : 'HTTP/1.1');

function pathOf(uri: string): string {
  let start = 0;
  if (uri.charCodeAt(0) !== 47) {
    const s = uri.indexOf('://');
    if (s > 0) { const slash = uri.indexOf('/', s + 3); start = slash < 0 ? uri.length : slash; }
  }
  const q = uri.indexOf('?', start);
  return q < 0 ? uri.slice(start) : uri.slice(start, q);
}

// ---------------------------------------------------------------- captures

function headerValue(h: readonly string[] | undefined, name: string): string | undefined {
  if (!h) return undefined;
  const n = name.toLowerCase();
  for (let i = 0; i < h.length; i += 2) if (h[i] === n) return h[i + 1];
  return undefined;
}

function captured(h: readonly string[] | undefined, caps: ReadonlyArray<{ name?: string; len: number }>): string[] {
  const out: string[] = [];
  for (const c of caps) {
    const v = c.name === undefined ? undefined : headerValue(h, c.name);
    out.push(v === undefined ? '' : v.slice(0, c.len));
  }
  return out;
}

function cookieValue(h: readonly string[] | undefined, hdr: string, name: string, len: number): string | undefined {
  if (!h) return undefined;
  for (let i = 0; i < h.length; i += 2) {
    if (h[i] !== hdr) continue;
    for (const part of h[i + 1]!.split(';')) {
      const p = part.trim();
      if (p.startsWith(`${name}=`)) return p.slice(0, len);
    }
  }
  return undefined;
}

// ---------------------------------------------------------------- variables

type VarFn = (r: LogRec, o: number, env: FormatEnv) => string;

const VARS: Record<string, VarFn> = {
  ci: (r, o) => addr(r.ci, o),
  cp: (r, o) => port(r.cp, o),
  fi: (r, o) => addr(r.fi, o),
  fp: (r, o) => port(r.fp, o),
  bi: (_r, o) => text(undefined, o),
  bp: (_r, o) => text(undefined, o),
  si: (r, o) => addr(r.si, o),
  sp: (r, o) => (r.si === '' ? text(undefined, o) : port(r.sp, o)),
  f: (_r, o, env) => text(env.fe, o),
  ft: (r, o, env) => text(r.ssl ? `${env.fe}~` : env.fe, o),
  b: (r, o, env) => text(r.be || env.fe, o),
  s: (r, o) => text(r.srv || '<NOSRV>', o),
  // dates are never quoted
  t: (r) => dateMs(r.tAccept),
  tr: (r) => dateMs(reqDate(r)),
  trg: (r) => dateGmt(reqDate(r)),
  trl: (r) => dateLocal(reqDate(r)),
  T: (r) => dateGmt(r.tAccept),
  Tl: (r) => dateLocal(r.tAccept),
  Ts: (r, o) => num(Math.floor(r.tAccept / 1000), o),
  ms: (r, o) => (o & X ? num(r.tAccept % 1000, o) : p3(r.tAccept % 1000)),
  Th: (_r, o) => timer(0, o),
  Ti: (r, o) => timer(tTi(r), o),
  TR: (r, o) => timer(tTR(r), o),
  Tq: (r, o) => { const a = tTR(r); return timer(a < 0 ? -1 : a + Math.max(tTi(r), 0), o); },
  Tw: (r, o) => timer(tTw(r), o),
  Tc: (r, o) => timer(tTc(r), o),
  Tr: (r, o) => timer(tTr(r), o),
  Ta: (r, o) => (r.asap ? '+' : '') + timer(tTa(r), o),
  Tt: (r, o) => (r.asap ? '+' : '') + timer(tTt(r), o),
  Td: (r, o) => timer(tTd(r), o),
  Tu: (r, o) => timer(tTt(r) - Math.max(tTi(r), 0), o),
  ST: (r, o) => num(r.status, o),
  B: (r, o) => (r.asap ? '+' : '') + num(r.bytesOut, o),
  U: (r, o) => num(r.bytesIn, o),
  CC: (r, o, env) => {
    const c = env.captures.cookie;
    return text(c ? cookieValue(r.ctx?.rawHeaders, 'cookie', c.name, c.len) : undefined, o);
  },
  CS: (r, o, env) => {
    const c = env.captures.cookie;
    return text(c ? cookieValue(r.resHeaders, 'set-cookie', c.name, c.len) : undefined, o);
  },
  ts: (r) => tsChars(r),
  tsc: (r) => `${tsChars(r)}--`,
  ac: (_r, o) => num(proc.actconn, o),
  fc: (r, o) => num(r.feCounters?.scur ?? 0, o),
  bc: (r, o) => num(r.beCounters?.scur ?? 0, o),
  sc: (r, o) => num(r.srvCounters?.scur ?? 0, o),
  rc: (r, o) => (r.redispatched ? '+' : '') + num(r.retries, o),
  sq: (r, o) => num(r.srvQueue, o),
  bq: (r, o) => num(r.beQueue, o),
  hr: (r, o, env) => (env.captures.request.length === 0 ? '' : braces(captured(r.ctx?.rawHeaders, env.captures.request), o)),
  hs: (r, o, env) => (env.captures.response.length === 0 ? '' : braces(captured(r.resHeaders, env.captures.response), o)),
  hrl: (r, o, env) => (env.captures.request.length === 0 ? '' : listed(captured(r.ctx?.rawHeaders, env.captures.request), o)),
  hsl: (r, o, env) => (env.captures.response.length === 0 ? '' : listed(captured(r.resHeaders, env.captures.response), o)),
  r: (r, o) => text(r.method === '' ? '<BADREQ>' : encode(`${r.method} ${r.uri} ${versionText(r.version)}`, false), o),
  HM: (r, o) => text(r.method || undefined, o),
  HU: (r, o) => text(r.method === '' ? undefined : encode(r.uri, false), o),
  HP: (r, o) => text(r.method === '' ? undefined : encode(r.uri.split('?')[0]!, false), o),
  HPO: (r, o) => text(r.method === '' ? undefined : encode(pathOf(r.uri), false), o),
  HQ: (r, o) => { const q = r.uri.indexOf('?'); return text(r.method === '' || q < 0 ? undefined : encode(r.uri.slice(q), false), o); },
  HV: (r, o) => text(r.method === '' ? undefined : versionText(r.version), o),
  ID: (r, o, env) => {
    if (r.uniqueId === undefined && env.uniqueId) r.uniqueId = env.uniqueId.render(r);
    return text(r.uniqueId, o);
  },
  H: (_r, o) => text(HOST, o),
  pid: (_r, o) => num(process.pid, o),
  rt: (r, o) => num(r.reqId, o),
  lc: (_r, o, env) => num(env.logCount(), o),
  sslv: (_r, o) => text(undefined, o),
  sslc: (_r, o) => text(undefined, o),
};

function braces(vals: string[], o: number): string {
  let s = '{';
  for (let i = 0; i < vals.length; i++) s += (i > 0 ? '|' : '') + encode(vals[i]!, true);
  s += '}';
  return o & Q ? `"${s}"` : s;
}

function listed(vals: string[], o: number): string {
  let s = '';
  for (let i = 0; i < vals.length; i++) {
    const v = encode(vals[i]!, true);
    s += (i > 0 ? ' ' : '') + (o & Q ? `"${v}"` : v || '-');
  }
  return s;
}

/** "+Q,-X" → options applied on top of `base`. */
function applyFlags(base: number, flags: readonly string[]): number {
  let o = base;
  const re = /([+-])([A-Za-z]+)/g;
  let m: RegExpExecArray | null;
  const all = flags.join(',');
  while ((m = re.exec(all))) {
    const bit = m[2] === 'Q' ? Q : m[2] === 'X' ? X : m[2] === 'E' ? E : 0;
    o = m[1] === '+' ? o | bit : o & ~bit;
  }
  return o;
}

/** Compile a format checked at load time (config/keywords ran lintFormat already). */
export function compileFormat(fmt: string, env: FormatEnv, where: Where): CompiledFormat {
  const nodes = parseLogFormat(fmt);
  const parts: Part[] = [];
  let global = 0;
  let usesSamples = false;
  for (const n of nodes) {
    if (n.kind === 'text') {
      // spaces are separators; runs of them are one
      const pieces = n.text.split(/( +)/);
      for (const p of pieces) {
        if (p === '') continue;
        if (p[0] === ' ') { if (parts.length === 0 || parts[parts.length - 1]!.k !== 1) parts.push(part(1)); } else parts.push(part(0, p));
      }
      continue;
    }
    if (n.kind === 'var') {
      if (n.name === 'o') { global = applyFlags(global, n.flags); continue; }
      const f = VARS[n.name];
      if (!f) continue;
      parts.push(part(2, '', f, undefined, applyFlags(global, n.flags)));
      continue;
    }
    usesSamples = true;
    parts.push(part(3, '', undefined, compileSample(parseSample(n.expr, false).expr, where, { unsupported: env.unsupported }), applyFlags(global, n.flags)));
  }
  return {
    usesSamples,
    render(r: LogRec): string {
      let out = '';
      let lastSpace = true;
      for (let i = 0; i < parts.length; i++) {
        const p = parts[i]!;
        switch (p.k) {
          case 0: out += p.text; lastSpace = false; break;
          case 1: if (!lastSpace) { out += ' '; lastSpace = true; } break;
          case 2: {
            const s = p.v!(r, p.o, env);
            if (s !== '') { out += s; lastSpace = false; }
            break;
          }
          default: {
            const ctx = r.ctx as AnyCtx | undefined;
            const v = ctx === undefined ? undefined : p.s!(ctx);
            out += v === undefined ? text(undefined, p.o) : p.o & X && typeof v === 'number' ? num(v, p.o) : text(encode(toStr(v), false), p.o);
            lastSpace = false;
          }
        }
      }
      return out;
    },
  };
}
