/**
 * Conditions of `.if` / `.elif` and `-cc` (reference §1.4), HAProxy 2.6 grammar:
 *
 *   expr   := term ( '||' term )*
 *   term   := factor ( '&&' factor )*
 *   factor := '!' factor | '(' expr ')' | predicate '(' args ')' | integer
 *
 * An empty expression is false; an integer is true when non-zero. Version
 * predicates compare with the HAProxy release lb follows (core/version.ts).
 */
import { HAPROXY_COMPAT, hasFeature } from '../core/version.js';

export class CondError extends Error {
  /** 0-based offset in the expression where the error was detected */
  readonly offset: number;
  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

export interface CondEnv {
  env: (name: string) => string | undefined;
}

interface Pred {
  args: number;
  eval(args: string[], env: CondEnv): boolean;
}

const PREDICATES: Record<string, Pred> = {
  defined: { args: 1, eval: (a, e) => a[0] !== '' && e.env(a[0]!) !== undefined },
  feature: { args: 1, eval: (a) => hasFeature(a[0]!) },
  streq: { args: 2, eval: (a) => a[0] === a[1] },
  strneq: { args: 2, eval: (a) => a[0] !== a[1] },
  version_atleast: { args: 1, eval: (a) => compareVersion(HAPROXY_COMPAT, a[0]!) >= 0 },
  version_before: { args: 1, eval: (a) => compareVersion(HAPROXY_COMPAT, a[0]!) < 0 },
};

/** Evaluate a condition; throws CondError with HAProxy's wording. */
export function evalCondition(text: string, env: CondEnv): boolean {
  const p = new Parser(text, env);
  p.skip();
  if (p.i >= text.length) return false;
  const v = p.expr();
  p.skip();
  if (p.i < text.length) {
    throw new CondError(`unexpected character '${text[p.i]}' at the end of conditional expression '${text.slice(p.i0)}'`, p.i);
  }
  return v;
}

class Parser {
  i = 0;
  i0 = 0;
  constructor(readonly s: string, readonly env: CondEnv) {}

  skip(): void {
    while (this.i < this.s.length && (this.s[this.i] === ' ' || this.s[this.i] === '\t')) this.i++;
  }

  expr(): boolean {
    let v = this.term();
    for (;;) {
      this.skip();
      if (!this.s.startsWith('||', this.i)) return v;
      const at = this.i;
      this.i += 2;
      const r = this.term(at);
      v = v || r;
    }
  }

  term(opAt?: number): boolean {
    let v = this.factor(opAt);
    for (;;) {
      this.skip();
      if (!this.s.startsWith('&&', this.i)) return v;
      const at = this.i;
      this.i += 2;
      const r = this.factor(at);
      v = v && r;
    }
  }

  factor(opAt?: number): boolean {
    this.skip();
    const s = this.s;
    const start = this.i;
    if (start >= s.length) {
      const at = opAt ?? start;
      throw new CondError(`unparsable conditional expression '${s.slice(at)}'`, at);
    }
    if (s[start] === '!') {
      this.i++;
      return !this.factor(start);
    }
    if (s[start] === '(') {
      this.i++;
      const v = this.expr();
      this.skip();
      if (s[this.i] !== ')') throw new CondError(`expected ')' after conditional expression '${s.slice(start)}'`, start);
      this.i++;
      return v;
    }
    const num = /^[-+]?(0[xX][0-9a-fA-F]+|[0-9]+)/.exec(s.slice(start));
    if (num) {
      this.i += num[0].length;
      return Number.parseInt(num[0], num[0].toLowerCase().includes('x') ? 16 : 10) !== 0;
    }
    const m = /^([a-z_]+)\(/.exec(s.slice(start));
    const pred = m ? PREDICATES[m[1]!] : undefined;
    if (!m || !pred) throw new CondError(`unparsable conditional expression '${s.slice(start)}'`, start);
    this.i += m[0].length;
    const args = this.args(m[1]!, pred.args);
    return pred.eval(args, this.env);
  }

  /** Inner argument list: commas separate, quotes group, `)` ends. */
  args(name: string, want: number): string[] {
    const s = this.s;
    const out: string[] = [];
    let cur = '';
    let q = '';
    let any = false;
    for (;;) {
      if (this.i >= s.length) {
        if (q === '' && out.length + (any ? 1 : 0) < want && !any) break;
        throw new CondError(`expected ')' in argument ${Math.max(1, out.length + 1)} of predicate '${name}' used in conditional expression`, this.i);
      }
      const c = s[this.i]!;
      if (q) {
        if (c === q) q = '';
        else if (c === '\\' && q === '"' && this.i + 1 < s.length) { cur += s[++this.i]; }
        else cur += c;
        this.i++;
        continue;
      }
      if (c === '"' || c === "'") { q = c; any = true; this.i++; continue; }
      if (c === ')' ) { this.i++; break; }
      if (c === ',') {
        if (out.length + 1 >= want) {
          throw new CondError(`expected ')' before '${s.slice(this.i)}' in argument ${want} of predicate '${name}' used in conditional expression`, this.i);
        }
        out.push(cur); cur = ''; any = false; this.i++;
        continue;
      }
      if (c === '\\' && this.i + 1 < s.length) { cur += s[this.i + 1]; this.i += 2; any = true; continue; }
      cur += c; any = true; this.i++;
    }
    if (any || out.length > 0) out.push(cur);
    // HAProxy accepts a missing single string argument as empty, but not missing later ones
    if (out.length < want) {
      if (want === 1) return [''];
      throw new CondError(`missing arguments (got ${Math.max(1, out.length)}/${want}), type 'string' expected in argument ${Math.max(1, out.length)} of predicate '${name}' used in conditional expression`, this.i);
    }
    return out;
  }
}

/**
 * Compare dotted versions like HAProxy's compare_current_version():
 * numeric components, missing ones are 0; "-devN" sorts before the release.
 */
export function compareVersion(a: string, b: string): number {
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  for (let k = 0; k < Math.max(pa.length, pb.length); k++) {
    const d = (pa[k] ?? 0) - (pb[k] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

function parseVersion(v: string): number[] {
  const out: number[] = [];
  const m = /^(\d+(?:\.\d+)*)(?:-dev(\d+))?/.exec(v);
  if (!m) return [0];
  for (const part of m[1]!.split('.')) out.push(Number(part));
  while (out.length < 3) out.push(0);
  // releases sort after any -devN of the same version
  out.push(m[2] !== undefined ? Number(m[2]) : 1e9);
  return out;
}
