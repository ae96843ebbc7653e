/**
 * Converters executed by lb (`,lower`, `,field(2,.)`, `,map(file)`...), as
 * a table `name → builder`. Builders run at startup: they compile regexes,
 * read map files and parse arguments; the closure they return only does the
 * per-value work.
 *
 * Invariant: a converter never throws; `undefined` ends the chain (no sample).
 * A converter that is not in the table is reported by the caller so that
 * lb refuses to start instead of skipping it.
 */
import { readFileSync } from 'node:fs';
import type { AnyCtx } from './eval.js';
import { varStore } from './fetch-run.js';
import { compileMatcher, parseV4, toInt, toStr, type Matcher, type MatchProblem, type Smp } from './match.js';
import type { MatchMethod } from './model.js';

export type ConvFn = (v: Smp, ctx: AnyCtx) => Smp | undefined;
type Builder = (args: readonly string[], problems: MatchProblem[]) => ConvFn;

/** An integer argument or a variable name (`add(txn.x)`), as the arithmetic converters take. */
function intArg(a: string | undefined): (ctx: AnyCtx) => number | undefined {
  const s = a ?? '';
  if (/^[-+]?[0-9]+$/.test(s)) { const n = Number.parseInt(s, 10); return () => n; }
  return (ctx) => { const v = varStore(ctx, s).get(s); return v === undefined ? undefined : toInt(v as Smp); };
}

function arith(op: (a: number, b: number) => number | undefined): Builder {
  return (args) => {
    const arg = intArg(args[0]);
    return (v, ctx) => {
      const a = toInt(v);
      const b = arg(ctx);
      if (a === undefined || b === undefined) return undefined;
      return op(a, b);
    };
  };
}

/** field/word: split on any delimiter char; `word` skips empty words. */
function splitter(words: boolean): Builder {
  return (args) => {
    const idx = Number.parseInt(args[0] ?? '1', 10);
    const delims = args[1] ?? '';
    const count = args[2] !== undefined ? Number.parseInt(args[2], 10) : 1;
    const joiner = delims[0] ?? '';
    return (v) => {
      const s = toStr(v);
      const parts: string[] = [];
      let start = 0;
      for (let i = 0; i <= s.length; i++) {
        if (i === s.length || delims.includes(s[i]!)) { parts.push(s.slice(start, i)); start = i + 1; }
      }
      const list = words ? parts.filter((p) => p !== '') : parts;
      const from = idx > 0 ? idx - 1 : list.length + idx - (count > 0 ? count - 1 : 0);
      if (from < 0 || from >= list.length) return undefined;
      const n = count <= 0 ? list.length - from : count;
      return list.slice(from, from + n).join(joiner);
    };
  };
}

/** `\1`..`\9` (and `\0`) references of a HAProxy substitution string. */
export function expandRefs(fmt: string, m: RegExpExecArray): string {
  if (!fmt.includes('\\')) return fmt;
  let out = '';
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i]!;
    if (c === '\\' && i + 1 < fmt.length && fmt[i + 1]! >= '0' && fmt[i + 1]! <= '9') {
      out += m[Number(fmt[++i])] ?? '';
    } else out += c;
  }
  return out;
}

const regsub: Builder = (args) => {
  const flags = args[2] ?? '';
  const global = flags.includes('g');
  const re = new RegExp(args[0] ?? '', `${flags.includes('i') ? 'i' : ''}${global ? 'g' : ''}`);
  const subst = args[1] ?? '';
  return (v) => {
    const s = toStr(v);
    re.lastIndex = 0;
    let out = '';
    let last = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(s)) !== null) {
      out += s.slice(last, m.index) + expandRefs(subst, m);
      last = m.index + m[0].length;
      if (!global) break;
      if (m[0].length === 0) re.lastIndex++;
    }
    return out + s.slice(last);
  };
};

function trimmer(left: boolean): Builder {
  return (args) => {
    const chars = args[0] ?? '';
    return (v) => {
      const s = toStr(v);
      let a = 0;
      let b = s.length;
      if (left) while (a < b && chars.includes(s[a]!)) a++;
      else while (b > a && chars.includes(s[b - 1]!)) b--;
      return s.slice(a, b);
    };
  };
}

/** `map*(file[,default])`: the file is read now; the match method comes from the name. */
function mapConv(name: string): Builder {
  const m = /^map(?:_(str|beg|sub|dir|dom|end|reg|ip|int))?(?:_(str|int|ip))?$/.exec(name);
  const match = (m?.[1] ?? 'str') as MatchMethod;
  const out = m?.[2] ?? 'str';
  return (args, problems) => {
    const entries: Array<{ key: string; value: Smp; test?: Matcher; bits: number }> = [];
    for (const raw of readFileSync(args[0] ?? '', 'utf8').split('\n')) {
      const line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const sp = line.search(/\s/);
      const key = sp < 0 ? line : line.slice(0, sp);
      const val = sp < 0 ? '' : line.slice(sp).trim();
      const value: Smp = out === 'int' ? Number.parseInt(val, 10) || 0 : val;
      const bits = match === 'ip' ? Number(key.split('/')[1] ?? (key.includes(':') ? 128 : 32)) : 0;
      entries.push({ key, value, bits, ...(match === 'str' ? {} : { test: compileMatcher(match, [key], false, problems) }) });
    }
    const def: Smp | undefined = args[1] === undefined ? undefined : out === 'int' ? Number.parseInt(args[1], 10) || 0 : args[1];
    if (match === 'str') {
      const table = new Map<string, Smp>();
      for (const e of entries) if (!table.has(e.key)) table.set(e.key, e.value);
      return (v) => table.get(toStr(v)) ?? def;
    }
    // as HAProxy's trees: the most specific network (map_ip) or longest prefix
    // (map_beg) wins; the other methods take the first match in file order
    if (match === 'ip') entries.sort((a, b) => b.bits - a.bits);
    if (match === 'beg') entries.sort((a, b) => b.key.length - a.key.length);
    return (v) => {
      for (let i = 0; i < entries.length; i++) if (entries[i]!.test!(v)) return entries[i]!.value;
      return def;
    };
  };
}

const B64 = (s: string, enc: boolean): string => (enc ? Buffer.from(s, 'latin1').toString('base64') : Buffer.from(s, 'base64').toString('latin1'));

const BUILDERS = new Map<string, Builder>([
  ['lower', () => (v) => toStr(v).toLowerCase()],
  ['upper', () => (v) => toStr(v).toUpperCase()],
  ['length', () => (v) => toStr(v).length],
  ['field', splitter(false)],
  ['word', splitter(true)],
  ['regsub', regsub],
  ['ltrim', trimmer(true)],
  ['rtrim', trimmer(false)],
  ['bool', () => (v) => (toInt(v) ?? 0) !== 0],
  ['not', () => (v) => (toInt(v) ?? 0) === 0],
  ['neg', () => (v) => { const n = toInt(v); return n === undefined ? undefined : -n; }],
  ['cpl', () => (v) => { const n = toInt(v); return n === undefined ? undefined : ~n; }],
  ['even', () => (v) => ((toInt(v) ?? 1) & 1) === 0],
  ['odd', () => (v) => ((toInt(v) ?? 0) & 1) === 1],
  ['add', arith((a, b) => a + b)],
  ['sub', arith((a, b) => a - b)],
  ['mul', arith((a, b) => a * b)],
  // HAProxy: division by zero gives the largest integer
  ['div', arith((a, b) => (b === 0 ? 2 ** 63 - 1 : Math.trunc(a / b)))],
  ['mod', arith((a, b) => (b === 0 ? 0 : a % b))],
  ['and', arith((a, b) => a & b)],
  ['or', arith((a, b) => a | b)],
  ['xor', arith((a, b) => a ^ b)],
  ['host_only', () => (v) => { const s = toStr(v); const m = /^(\[[^\]]*\]|[^:]*)/.exec(s)!; return m[1]!; }],
  ['port_only', () => (v) => { const m = /:([0-9]+)$/.exec(toStr(v)); return m ? Number(m[1]) : undefined; }],
  ['url_dec', () => (v) => { try { return decodeURIComponent(toStr(v).replace(/\+/g, ' ')); } catch { return undefined; } }],
  ['base64', () => (v) => B64(toStr(v), true)],
  ['b64dec', () => (v) => B64(toStr(v), false)],
  ['hex', () => (v) => Buffer.from(toStr(v), 'latin1').toString('hex').toUpperCase()],
  ['iif', (a) => { const t = a[0] ?? ''; const f = a[1] ?? ''; return (v) => ((toInt(v) ?? 0) !== 0 || v === true ? t : f); }],
  ['concat', (a) => {
    const pre = a[0] ?? '';
    const name = a[1] ?? '';
    const post = a[2] ?? '';
    return (v, ctx) => {
      const x = name === '' ? '' : varStore(ctx, name).get(name);
      return toStr(v) + pre + (x === undefined ? '' : toStr(x as Smp)) + post;
    };
  }],
  ['ipmask', (a) => {
    const spec = a[0] ?? '32';
    const bits = /^[0-9]+$/.test(spec) ? Number(spec) : undefined;
    const mask = bits !== undefined ? (bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0) : parseV4(spec) ?? 0xffffffff;
    return (v) => {
      const ip = parseV4(toStr(v));
      if (ip === undefined) return undefined;
      const n = (ip & mask) >>> 0;
      return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
    };
  }],
]);

/** The builder of converter `name`, or undefined when lb does not execute it. */
export function convBuilder(name: string): Builder | undefined {
  if (/^map(_|$)/.test(name)) return name === 'map_regm' ? undefined : mapConv(name);
  return BUILDERS.get(name);
}
