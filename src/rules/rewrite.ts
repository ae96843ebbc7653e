/**
 * In-place rewrites of a request/response head as the header and URI
 * actions do them: flat `[name, value, ...]` header lists (names lower-case)
 * and the request-target string.
 *
 * Semantics checked on HAProxy 2.6.12:
 * - set-header removes every occurrence then appends one line at the end;
 * - replace-header/replace-value replace the WHOLE value (or comma-separated
 *   value) by the format with `\N` references, when the regex is found in it;
 *   a replaced value loses the blanks that preceded it ("ab, cd, ae" with
 *   `^a(.*)` → `z\1` gives "zb, cd,ze");
 * - set-path keeps the query and the scheme/authority of an absolute URI;
 *   set-query keeps a '?' even when the new query is empty.
 */
import { expandRefs } from './conv-run.js';
import { targetParts } from './fetch-run.js';
import type { AnyCtx } from './eval.js';

/** Remove every header whose (lower-case) name passes `test`. */
export function delHeaders(h: string[], test: (name: string) => boolean): void {
  let w = 0;
  for (let r = 0; r < h.length; r += 2) {
    if (test(h[r]!)) continue;
    if (w !== r) { h[w] = h[r]!; h[w + 1] = h[r + 1]!; }
    w += 2;
  }
  h.length = w;
}

export function delHeader(h: string[], name: string): void {
  let w = 0;
  for (let r = 0; r < h.length; r += 2) {
    if (h[r] === name) continue;
    if (w !== r) { h[w] = h[r]!; h[w + 1] = h[r + 1]!; }
    w += 2;
  }
  h.length = w;
}

export function setHeader(h: string[], name: string, value: string): void {
  delHeader(h, name);
  h.push(name, value);
}

/** replace-header: each line of `name` where `re` is found becomes `fmt` with its references. */
export function replaceHeader(h: string[], name: string, re: RegExp, fmt: (ctx: AnyCtx) => string, ctx: AnyCtx): void {
  let f: string | undefined;
  for (let i = 0; i < h.length; i += 2) {
    if (h[i] !== name) continue;
    const m = re.exec(h[i + 1]!);
    if (!m) continue;
    f ??= fmt(ctx);
    h[i + 1] = expandRefs(f, m);
  }
}

/** replace-value: the same, per comma-separated value. */
export function replaceValue(h: string[], name: string, re: RegExp, fmt: (ctx: AnyCtx) => string, ctx: AnyCtx): void {
  let f: string | undefined;
  for (let i = 0; i < h.length; i += 2) {
    if (h[i] !== name) continue;
    const segs = splitRaw(h[i + 1]!);
    let changed = false;
    for (let k = 0; k < segs.length; k++) {
      const m = re.exec(segs[k]!.trim());
      if (!m) continue;
      f ??= fmt(ctx);
      segs[k] = expandRefs(f, m);
      changed = true;
    }
    if (changed) h[i + 1] = segs.join(',');
  }
}

/** Split on commas outside double quotes, keeping the blanks. */
function splitRaw(v: string): string[] {
  const out: string[] = [];
  let start = 0;
  let q = false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 34) q = !q;
    else if (c === 44 && !q) { out.push(v.slice(start, i)); start = i + 1; }
  }
  out.push(v.slice(start));
  return out;
}

/** Where the path starts (or would start) and where the query starts, for rewriting. */
function cut(t: string): { pre: string; q: number } {
  const { p, q } = targetParts(t);
  if (p >= 0) return { pre: t.slice(0, p), q };
  // absolute URI without a path ("http://h" or "http://h?x"), or "*"
  return { pre: q >= 0 ? t.slice(0, q) : t === '*' ? '' : t, q };
}

export function withPath(t: string, path: string): string {
  const { pre, q } = cut(t);
  return pre + path + (q >= 0 ? t.slice(q) : '');
}

export function withPathQ(t: string, pathq: string): string {
  return cut(t).pre + pathq;
}

export function withQuery(t: string, query: string): string {
  const q = t.indexOf('?');
  return `${q < 0 ? t : t.slice(0, q)}?${query}`;
}
