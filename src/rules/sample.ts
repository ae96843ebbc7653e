/**
 * Sample expressions: `fetch(args),conv(args),...` → SampleExpr, checked
 * against the fetch and converter tables with HAProxy's wording.
 *
 * Errors are raised as SampleError carrying the inner message and whether
 * it came from a converter; the caller (ACL, action, log-format) wraps it
 * the way HAProxy does for that context (see formatAclError/formatExprError).
 */
import { existsSync, statSync } from 'node:fs';
import { fetches, converters, aclKeywords, canCast, type ArgSpec, type FetchInfo, type OutType } from './fetches.js';
import type { Converter, SampleExpr } from './model.js';
import { parseLogFormat, LogFormatError } from '../log/format.js';

export class SampleError extends Error {
  constructor(
    message: string,
    /** which part failed: the fetch's name/args, a converter, or no fetch at all */
    readonly part: 'unknown' | 'missing' | 'fetch' | 'conv',
    /** the fetch keyword as written (for "fetch method 'x'" / "ACL keyword 'x'") */
    readonly keyword = '',
  ) {
    super(message);
  }
}

/** A reference to a named object that is checked after parsing. */
export interface ArgRef {
  kind: 'backend' | 'frontend' | 'server' | 'userlist' | 'table';
  /** '' when the argument was omitted: the proxy using it is meant */
  name: string;
  keyword: string;
  /** how HAProxy names the referencing place, when not "ACL keyword '<kw>'" */
  label?: string;
}

export interface ParsedSample {
  expr: SampleExpr;
  info: FetchInfo;
  /** output type after the converters */
  out: OutType;
  /** the ACL keyword alias used, when the fetch was written as one (`hdr_beg`) */
  alias?: { name: string; match: string };
  refs: ArgRef[];
}

const VAR_SCOPES = ['proc', 'sess', 'txn', 'req', 'res', 'check'];

/** Split "name(a,b)" into name and raw argument text (undefined without parens). */
function splitCall(word: string): { name: string; inner?: string; closed: boolean } {
  const p = word.indexOf('(');
  if (p < 0) return { name: word, closed: true };
  const close = word.lastIndexOf(')');
  if (close < p) return { name: word.slice(0, p), inner: word.slice(p + 1), closed: false };
  return { name: word.slice(0, p), inner: word.slice(p + 1, close), closed: true };
}

/**
 * Split the top level of `expr` on commas outside parentheses:
 * "req.hdr(a,1),lower,map(f)" → ["req.hdr(a,1)", "lower", "map(f)"].
 */
function splitChain(expr: string): Array<{ part: string; at: number }> {
  const out: Array<{ part: string; at: number }> = [];
  let depth = 0;
  let cur = '';
  let at = 0;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i]!;
    if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    if (c === ',' && depth === 0) { out.push({ part: cur, at }); cur = ''; at = i + 1; continue; }
    cur += c;
  }
  out.push({ part: cur, at });
  return out;
}

/** Split an argument list on commas, honouring quotes and backslashes. */
function splitArgs(inner: string): Array<{ value: string; rest: string }> {
  const out: Array<{ value: string; rest: string }> = [];
  let cur = '';
  let q = '';
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i]!;
    if (q) {
      if (c === q) q = '';
      else if (c === '\\' && i + 1 < inner.length) cur += inner[++i];
      else cur += c;
      continue;
    }
    if (c === '"' || c === "'") { q = c; continue; }
    if (c === '\\' && i + 1 < inner.length) { cur += inner[++i]; continue; }
    if (c === ',') { out.push({ value: cur, rest: inner.slice(start) }); cur = ''; start = i; continue; }
    cur += c;
  }
  out.push({ value: cur, rest: inner.slice(start) });
  return out;
}

function typeLabel(t: string): string {
  return t.replace(/-/g, ' ');
}

/**
 * Validate args against a spec; returns the values. Throws a plain message.
 * `after` is the whole expression text after the '(' (HAProxy quotes it to the end).
 */
function checkArgs(inner: string | undefined, closed: boolean, spec: ArgSpec, after = inner ?? ''): string[] {
  if (!closed) throw new Error(`expected ')'`);
  if (inner === undefined || (inner === '' && spec.types.length === 0)) {
    if (spec.min === 0 || isObjectType(spec.types[0]!)) return [];
    // without parentheses HAProxy reads one empty argument: fine for a string only
    if (spec.types[0] !== 'string') throw new Error(`expected type '${typeLabel(spec.types[0]!)}' at position 1, but got nothing`);
    if (spec.min > 1) throw new Error(`missing arguments (got 1/${spec.min}), type '${typeLabel(spec.types[1]!)}' expected`);
    return [''];
  }
  if (spec.types.length === 0) throw new Error(`expected ')' before '${after}'`);
  const parts = splitArgs(inner);
  const values: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    if (i >= spec.types.length) throw new Error(`expected ')' before '${after.slice(inner.length - parts[i]!.rest.length)}'`);
    const t = spec.types[i]!;
    const v = parts[i]!.value;
    if (t === 'integer' && !/^[-+]?[0-9]+$/.test(v)) {
      throw new Error(`failed to parse '${v}' as type 'integer' at position ${i + 1}`);
    }
    values.push(v);
  }
  if (values.length < spec.min) {
    throw new Error(`missing arguments (got ${values.length}/${spec.min}), type '${typeLabel(spec.types[values.length]!)}' expected`);
  }
  return values;
}

function isObjectType(t: string): boolean {
  return t === 'backend' || t === 'frontend' || t === 'server' || t === 'table';
}

const MAP_CONV = /^map(_|$)/;

function parseConverter(word: string, after: string, input: OutType): { conv: Converter; out: OutType } {
  const { name, inner, closed } = splitCall(word);
  const info = converters.get(name);
  if (!info) throw new SampleError(`unknown converter '${name}'`, 'conv');
  const spec = info.args;
  if (!canCast(input, info.in)) throw new SampleError(`converter '${name}' cannot be applied`, 'conv');
  let args: string[];
  try {
    args = checkArgs(inner, closed, spec, after);
  } catch (e) {
    const m = (e as Error).message;
    const pos = /position (\d+)/.exec(m)?.[1] ?? /got (\d+)\//.exec(m)?.[1];
    const n = pos !== undefined ? (m.startsWith('missing') ? Number(pos) + 1 : Number(pos)) : 1;
    throw new SampleError(`invalid arg ${n} in converter '${name}' : ${m}`, 'conv');
  }
  if (MAP_CONV.test(name)) {
    const file = args[0] ?? '';
    if (!isReadableFile(file)) throw new SampleError(`invalid args in converter '${name}' : failed to open pattern file <${file}>`, 'conv');
  }
  return { conv: { name, args }, out: info.out };
}

export function isReadableFile(path: string): boolean {
  try {
    return path !== '' && existsSync(path) && statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Parse one sample expression word. `acl` allows ACL keyword aliases
 * (`hdr_beg(host)`), as in an ACL's first word.
 */
export function parseSample(text: string, acl: boolean): ParsedSample {
  const chain = splitChain(text);
  const head = chain[0]!.part;
  const afterOf = (at: number, part: string): string => {
    const p = part.indexOf('(');
    return p < 0 ? '' : text.slice(at + p + 1);
  };
  const { name: word, inner, closed } = splitCall(head);
  // a fetch name is made of identifier characters; anything else ends it
  const name = /^[A-Za-z0-9._+-]*/.exec(word)![0];
  if (name === '') throw new SampleError('missing fetch method', 'missing');
  const alias = acl ? aclKeywords.get(name) : undefined;
  const canonical = alias?.fetch ?? name;
  const info = fetches.get(canonical);
  if (!info) throw new SampleError(`unknown fetch method '${name}'`, 'unknown', name);
  let args: string[];
  try {
    args = checkArgs(inner, closed, info.args, afterOf(0, head));
  } catch (e) {
    throw new SampleError((e as Error).message, 'fetch', name);
  }
  if (canonical === 'var') checkVarName(args[0] ?? '', name);
  const refs: ArgRef[] = [];
  info.args.types.forEach((t, i) => {
    const v = args[i];
    if (v === undefined || v === '') {
      if (i === 0 && (t === 'backend' || t === 'frontend')) refs.push({ kind: t, name: '', keyword: name });
      return;
    }
    // HAProxy 2.6 does not resolve http_auth_group's userlist on its own (it does for http_auth)
    if (t === 'user-list' && canonical !== 'http_auth_group') refs.push({ kind: 'userlist', name: v, keyword: name });
    else if (isObjectType(t)) refs.push({ kind: t as ArgRef['kind'], name: v, keyword: name });
  });
  const convs: Converter[] = [];
  let cur: OutType = info.out;
  for (const { part: c, at } of chain.slice(1)) {
    if (c === '') continue;
    try {
      const r = parseConverter(c, afterOf(at, c), cur);
      convs.push(r.conv);
      cur = r.out;
    } catch (e) {
      if (e instanceof SampleError) throw new SampleError(e.message, 'conv', name);
      throw e;
    }
  }
  return {
    expr: { fetch: canonical, args, convs, text },
    info,
    out: cur,
    alias: alias ? { name, match: alias.match } : undefined,
    refs,
  };
}

/** `var(scope.name)`: HAProxy's variable name rules. */
export function checkVarName(v: string, keyword: string): void {
  const prefix = keyword === '' ? '' : `invalid args in fetch method '${keyword}' : `;
  if (v === '') throw new SampleError(`${prefix}Empty variable name cannot be accepted`, 'conv', keyword);
  const dot = v.indexOf('.');
  if (dot < 0 || !VAR_SCOPES.includes(v.slice(0, dot))) {
    throw new SampleError(`${prefix}invalid variable name '${v}'. A variable name must be start by its scope. The scope can be 'proc', 'sess', 'txn', 'req', 'res' or 'check'`, 'conv', keyword);
  }
}

/** Wrap a SampleError as HAProxy does inside an ACL definition. */
export function formatAclError(e: SampleError, text: string, alias: boolean): string {
  switch (e.part) {
    case 'missing': return `missing fetch method in ACL expression '${text}'.`;
    case 'unknown': return `${e.message} in ACL expression '${text}'.`;
    case 'fetch':
      return alias ? `ACL keyword '${e.keyword}' : ${e.message}.` : `fetch method '${e.keyword}' : ${e.message} in ACL expression '${text}'.`;
    case 'conv':
      return alias ? `ACL keyword '${e.keyword}' : ${e.message}..` : `${e.message} in ACL expression '${text}'.`;
  }
}

/** Wrap a SampleError as HAProxy does in an action argument (set-var, capture...). */
export function formatExprError(e: SampleError): string {
  if (e.part === 'fetch') return `fetch method '${e.keyword}' : ${e.message}.`;
  return `${e.message}.`;
}

/** Parse a sample expression for an action; throws Error with HAProxy's text. */
export function actionSample(text: string | undefined): ParsedSample {
  if (text === undefined || text === '') throw new Error('missing fetch method.');
  try {
    return parseSample(text, false);
  } catch (e) {
    if (e instanceof SampleError) throw new Error(formatExprError(e));
    throw e;
  }
}

/**
 * Check a log-format string (variables, flags, `%[expr]` sample expressions);
 * returns the references its expressions make. Throws Error with HAProxy's text.
 */
export function checkLogFormat(fmt: string): ArgRef[] {
  try {
    return lintFormat(fmt);
  } catch (e) {
    if (e instanceof LogFormatError) throw new Error(e.message);
    throw e;
  }
}

/**
 * The same check, keeping HAProxy's LogFormatError (its reason and how much
 * was parsed before it) for callers that report log-format errors themselves.
 */
export function lintFormat(fmt: string): ArgRef[] {
  const refs: ArgRef[] = [];
  parseLogFormat(fmt, (expr, rest) => {
    try {
      refs.push(...parseSample(expr, false).refs);
    } catch (e) {
      if (!(e instanceof SampleError)) throw e;
      throw new Error(`failed to parse sample expression <${rest}> : ${formatExprError(e)}`);
    }
  });
  return refs;
}
