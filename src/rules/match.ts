/**
 * ACL pattern matchers (`-m found|bool|int|ip|bin|len|str|sub|reg|beg|end|dir|dom`),
 * compiled once per ACL definition into a closure over a prepared table:
 * a Set for `str`, a RegExp list for `reg`, numeric ranges for `int`/`len`,
 * network/mask pairs for `ip`.
 *
 * Invariant: a compiled matcher never throws and never allocates a RegExp;
 * it is called once per sample value (a multi-valued fetch calls it for
 * each value until one matches). Semantics follow HAProxy 2.6 pattern.c,
 * checked against the binary where noted (method matching is case-sensitive).
 */
import type { MatchMethod } from './model.js';
import { ipv6Words } from '../proxy/address.js';

/** A sample value as the data plane carries it. */
export type Smp = string | number | boolean;

export type Matcher = (v: Smp) => boolean;

/** What a matcher compilation can report: patterns lb cannot honour. */
export interface MatchProblem {
  readonly what: string;
}

const NEVER: Matcher = () => false;

/** Integer value of a sample as HAProxy casts it (leading digits of a string). */
export function toInt(v: Smp): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  const m = /^\s*[-+]?[0-9]+/.exec(v);
  return m ? Number.parseInt(m[0], 10) : undefined;
}

export function toStr(v: Smp): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? '1' : '0';
  return String(v);
}

/** `int`/`len` patterns: "N", "a:b", ":b", "a:", "eq N", "ge N", "gt N", "le N", "lt N". */
function intRanges(patterns: readonly string[]): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const p of patterns) {
    const sp = p.indexOf(' ');
    if (sp > 0) {
      const n = Number.parseInt(p.slice(sp + 1), 10);
      const op = p.slice(0, sp);
      if (op === 'eq') out.push([n, n]);
      else if (op === 'ge') out.push([n, Infinity]);
      else if (op === 'gt') out.push([n + 1, Infinity]);
      else if (op === 'le') out.push([-Infinity, n]);
      else out.push([-Infinity, n - 1]);
      continue;
    }
    const colon = p.indexOf(':');
    if (colon < 0) { const n = Number.parseInt(p, 10); out.push([n, n]); continue; }
    const a = p.slice(0, colon);
    const b = p.slice(colon + 1);
    out.push([a === '' ? -Infinity : Number.parseInt(a, 10), b === '' ? Infinity : Number.parseInt(b, 10)]);
  }
  return out;
}

function rangeMatcher(ranges: Array<[number, number]>, get: (v: Smp) => number | undefined): Matcher {
  if (ranges.length === 0) return NEVER;
  return (v) => {
    const n = get(v);
    if (n === undefined) return false;
    for (let i = 0; i < ranges.length; i++) {
      const r = ranges[i]!;
      if (n >= r[0] && n <= r[1]) return true;
    }
    return false;
  };
}

/** IPv4 text (also inet_aton short forms "10.1") → uint32, or undefined. Hot path: no allocation. */
export function parseV4(s: string): number | undefined {
  let v = 0;
  let cur = -1;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      cur = cur < 0 ? c - 48 : cur * 10 + (c - 48);
      if (cur > 0xffffffff) return undefined;
    } else if (c === 46 && cur >= 0 && dots < 3) {
      if (cur > 255) return undefined;
      v = v * 256 + cur;
      cur = -1;
      dots++;
    } else return undefined;
  }
  if (cur < 0) return undefined;
  if (dots === 3) return cur > 255 ? undefined : (v * 256 + cur) >>> 0;
  // a.b → a.0.0.b, a.b.c → a.b.0.c (inet_aton): the last part fills the remaining bytes
  const rest = 4 - dots;
  if (cur >= 2 ** (8 * rest)) return undefined;
  return (v * 2 ** (8 * rest) + cur) >>> 0;
}

/** `::ffff:a.b.c.d` → the IPv4 value, else undefined. */
function mappedV4(w: Uint32Array): number | undefined {
  return w[0] === 0 && w[1] === 0 && w[2] === 0xffff ? w[3] : undefined;
}

interface IpTable {
  /** exact /32 addresses */
  v4exact: Set<number>;
  /** [network, mask] pairs */
  v4nets: Array<[number, number]>;
  /** [network words, prefix length] */
  v6nets: Array<[Uint32Array, number]>;
}

function v4mask(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

function v6match(a: Uint32Array, net: Uint32Array, bits: number): boolean {
  for (let i = 0; i < 4 && bits > 0; i++, bits -= 32) {
    const m = bits >= 32 ? 0xffffffff : v4mask(bits);
    if (((a[i]! & m) >>> 0) !== ((net[i]! & m) >>> 0)) return false;
  }
  return true;
}

/** Build the IP table; host names (resolved by HAProxy at startup) are reported. */
function ipTable(patterns: readonly string[], problems: MatchProblem[]): IpTable {
  const t: IpTable = { v4exact: new Set(), v4nets: [], v6nets: [] };
  for (const p of patterns) {
    const slash = p.indexOf('/');
    const addr = slash < 0 ? p : p.slice(0, slash);
    const mask = slash < 0 ? undefined : p.slice(slash + 1);
    const v4 = parseV4(addr);
    if (v4 !== undefined) {
      let m = 0xffffffff;
      if (mask !== undefined) m = /^[0-9]+$/.test(mask) ? v4mask(Number(mask)) : parseV4(mask) ?? 0xffffffff;
      if (m === 0xffffffff) t.v4exact.add(v4);
      else t.v4nets.push([(v4 & m) >>> 0, m]);
      continue;
    }
    const v6 = ipv6Words(addr);
    if (v6) {
      t.v6nets.push([v6, mask === undefined ? 128 : Number(mask)]);
      continue;
    }
    problems.push({ what: `host name '${p}' as an IP pattern (lb does not resolve names in ACLs; use addresses)` });
  }
  return t;
}

function v4In(t: IpTable, a: number): boolean {
  if (t.v4exact.has(a)) return true;
  for (let i = 0; i < t.v4nets.length; i++) {
    const n = t.v4nets[i]!;
    if (((a & n[1]) >>> 0) === n[0]) return true;
  }
  return false;
}

function ipMatcher(patterns: readonly string[], problems: MatchProblem[]): Matcher {
  const t = ipTable(patterns, problems);
  const hasV6 = t.v6nets.length > 0;
  return (v) => {
    if (typeof v !== 'string') return false;
    const s = v;
    const a4 = s.indexOf(':') < 0 ? parseV4(s) : undefined;
    if (a4 !== undefined) {
      if (v4In(t, a4)) return true;
      if (!hasV6) return false;
      const w = new Uint32Array([0, 0, 0xffff, a4]);
      return t.v6nets.some(([n, b]) => v6match(w, n, b));
    }
    const w = ipv6Words(s);
    if (!w) return false;
    for (let i = 0; i < t.v6nets.length; i++) if (v6match(w, t.v6nets[i]![0], t.v6nets[i]![1])) return true;
    const m = mappedV4(w);
    return m !== undefined && v4In(t, m);
  };
}

const DIR_DELIMS = '/';
const DOM_DELIMS = '/?.:';

/**
 * HAProxy's match_word: `pattern` (delimiters trimmed from its ends) must
 * appear in `s` bounded by delimiters or the string ends.
 */
function matchWord(s: string, pattern: string, delims: string): boolean {
  if (pattern === '') return true;
  let from = 0;
  for (;;) {
    const i = s.indexOf(pattern, from);
    if (i < 0) return false;
    const before = i === 0 || delims.includes(s[i - 1]!);
    const j = i + pattern.length;
    const after = j === s.length || delims.includes(s[j]!);
    if (before && after) return true;
    from = i + 1;
  }
}

function trimDelims(p: string, delims: string): string {
  let a = 0;
  let b = p.length;
  while (a < b && delims.includes(p[a]!)) a++;
  while (b > a && delims.includes(p[b - 1]!)) b--;
  return p.slice(a, b);
}

/** Hex pattern → latin1 string (bin matching). */
function hexToStr(h: string): string {
  return Buffer.from(h, 'hex').toString('latin1');
}

/**
 * Compile the matcher for a method and its patterns. `ignoreCase` applies
 * to str/sub/reg/beg/end/dir/dom (and method names). Problems are patterns
 * lb cannot honour (reported at startup by the caller).
 */
export function compileMatcher(match: MatchMethod, patterns: readonly string[], ignoreCase: boolean, problems: MatchProblem[]): Matcher {
  const fold = ignoreCase ? (s: string) => s.toLowerCase() : (s: string) => s;
  switch (match) {
    case 'found':
      return () => true;
    case 'bool':
      return (v) => (typeof v === 'boolean' ? v : (toInt(v) ?? 0) !== 0);
    case 'int':
      return rangeMatcher(intRanges(patterns), toInt);
    case 'len':
      return rangeMatcher(intRanges(patterns), (v) => toStr(v).length);
    case 'ip':
      return ipMatcher(patterns, problems);
    case 'bin': {
      const set = new Set(patterns.map(hexToStr));
      return (v) => set.has(toStr(v));
    }
    case 'meth':
    case 'str': {
      if (patterns.length === 0) return NEVER;
      if (patterns.length === 1) {
        const p = fold(patterns[0]!);
        return ignoreCase ? (v) => toStr(v).toLowerCase() === p : (v) => toStr(v) === p;
      }
      const set = new Set(patterns.map(fold));
      return ignoreCase ? (v) => set.has(toStr(v).toLowerCase()) : (v) => set.has(toStr(v));
    }
    case 'reg': {
      const res = patterns.map((p) => new RegExp(p, ignoreCase ? 'i' : ''));
      if (res.length === 0) return NEVER;
      return (v) => {
        const s = toStr(v);
        for (let i = 0; i < res.length; i++) if (res[i]!.test(s)) return true;
        return false;
      };
    }
    case 'sub':
    case 'beg':
    case 'end':
    case 'dir':
    case 'dom': {
      const delims = match === 'dir' ? DIR_DELIMS : DOM_DELIMS;
      const pats = patterns.map((p) => fold(match === 'dir' || match === 'dom' ? trimDelims(p, delims) : p));
      if (pats.length === 0) return NEVER;
      const test = match === 'sub' ? (s: string, p: string) => s.includes(p)
        : match === 'beg' ? (s: string, p: string) => s.startsWith(p)
          : match === 'end' ? (s: string, p: string) => s.endsWith(p)
            : (s: string, p: string) => matchWord(s, p, delims);
      return (v) => {
        const s = fold(toStr(v));
        for (let i = 0; i < pats.length; i++) if (test(s, pats[i]!)) return true;
        return false;
      };
    }
  }
}
