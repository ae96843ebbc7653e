/**
 * Conditions and ACLs at request time: `compileCondition(cond, acls)` turns
 * the config model (src/rules/model.ts) into a predicate over a request,
 * response or connection context; `compileSample` does the same for a
 * sample expression used by an action or a log-format.
 *
 * Invariants:
 * - everything is compiled once at startup; a compiled predicate creates no
 *   closure and compiles no regex per call, and never throws;
 * - a fetch, converter or pattern lb does not execute is reported in
 *   `env.unsupported` ("file:line: ...") so that the engine refuses to start;
 *   at request time it simply yields no sample;
 * - a fetch that HAProxy does not allow at the rule's usage point (e.g.
 *   `path` in http-response, which HAProxy only warns about) never matches;
 * - same-name ACLs are OR-ed; `unless` negates the whole OR of ANDs.
 */
import { fetches } from './fetches.js';
import { predefinedDefs } from './condition.js';
import { FETCH_BUILDERS, type FetchFn } from './fetch-run.js';
import { convBuilder, type ConvFn } from './conv-run.js';
import { compileMatcher, type MatchProblem, type Smp } from './match.js';
import type { AclDef, Condition, SampleExpr } from './model.js';
import type { Where } from '../config/diag.js';

/** What a tcp-request rule sees. */
export interface TcpCtx {
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  frontend: string;
  backend?: string;
  /** usable servers of a backend (the `nbsrv` fetch) */
  nbsrv(backend: string): number;
  /** txn/req/res/sess variables by full name ("txn.x"); proc.* are process-wide */
  vars: Map<string, unknown>;
}

/** What an http-request rule sees; actions rewrite it in place. */
export interface HttpReqCtx extends TcpCtx {
  method: string;
  /** request-target as received: '/a/b?x=1' or absolute 'http://h/a' */
  target: string;
  version: 10 | 11;
  /** [name, value, name, value, ...], names lower-case */
  rawHeaders: string[];
  /** set by set-method: the method as parsed, which HAProxy's `method` fetch keeps returning */
  origMethod?: string;
  /** set by set-log-level */
  logLevel?: string;
}

/** What an http-response rule sees. */
export interface HttpResCtx extends HttpReqCtx {
  status: number;
  resHeaders: string[];
  /** set by `set-status <code> reason <r>` */
  reason?: string;
}

/** The union the fetches work on: HTTP parts are absent on a TCP context. */
export type AnyCtx = TcpCtx & Partial<Omit<HttpResCtx, keyof TcpCtx>>;

export type Pred<C = AnyCtx> = (ctx: C) => boolean;
export type SampleFn = (ctx: AnyCtx) => Smp | undefined;

/** Compilation settings shared by the rules of one rule set. */
export interface CompileEnv {
  /** usage mask of the rule set (fetches.usageBit); undefined: every fetch allowed */
  readonly usage?: number;
  /** the rules run on a response (`hdr()` means the response header) */
  readonly res?: boolean;
  /** collects "file:line: what" for everything lb would not execute */
  readonly unsupported?: string[];
}

function report(env: CompileEnv, where: Where, what: string): void {
  const msg = `${where.file}:${where.line}: ${what}`;
  if (env.unsupported && !env.unsupported.includes(msg)) env.unsupported.push(msg);
}

const NONE: FetchFn = () => undefined;

function compileFetch(expr: SampleExpr, many: boolean, env: CompileEnv, where: Where): FetchFn {
  const info = fetches.get(expr.fetch);
  if (env.usage !== undefined && info && (info.use & env.usage) === 0) return NONE;
  const b = FETCH_BUILDERS.get(expr.fetch);
  if (!b) {
    report(env, where, `fetch '${expr.fetch}' is not executed by lb`);
    return NONE;
  }
  return b(expr.args, { many, res: env.res === true });
}

/** The converter chain of `expr` as one function, or undefined when there is none. */
function compileConvs(expr: SampleExpr, env: CompileEnv, where: Where): ConvFn | undefined {
  if (expr.convs.length === 0) return undefined;
  const chain: ConvFn[] = [];
  const problems: MatchProblem[] = [];
  for (const c of expr.convs) {
    const b = convBuilder(c.name);
    if (!b) {
      report(env, where, `converter '${c.name}' is not executed by lb`);
      return () => undefined;
    }
    try {
      chain.push(b(c.args, problems));
    } catch (e) {
      report(env, where, `converter '${c.name}': ${(e as Error).message}`);
      return () => undefined;
    }
  }
  for (const p of problems) report(env, where, p.what);
  if (chain.length === 1) return chain[0]!;
  return (v, ctx) => {
    let x: Smp | undefined = v;
    for (let i = 0; i < chain.length && x !== undefined; i++) x = chain[i]!(x, ctx);
    return x;
  };
}

/** A sample expression for an action or a log-format: one value or none. */
export function compileSample(expr: SampleExpr, where: Where, env: CompileEnv = {}): SampleFn {
  const f = compileFetch(expr, false, env, where);
  const conv = compileConvs(expr, env, where);
  return (ctx) => {
    const r = f(ctx);
    const v = Array.isArray(r) ? r[r.length - 1] : r;
    if (v === undefined || conv === undefined) return v;
    return conv(v, ctx);
  };
}

const FALSE: Pred = () => false;

/** One ACL definition: any value of the fetch (after converters) matching any pattern. */
function compileAclDef(def: AclDef, env: CompileEnv, at: Where): Pred {
  const where = def.where.file === '' ? at : def.where;
  const f = compileFetch(def.expr, true, env, where);
  if (f === NONE) return FALSE;
  const conv = compileConvs(def.expr, env, where);
  const pats = def.files.length === 0 ? def.patterns : [...def.patterns, ...def.files.flatMap((x) => x.patterns)];
  const problems: MatchProblem[] = [];
  const m = compileMatcher(def.match, pats, def.ignoreCase, problems);
  for (const p of problems) report(env, where, p.what);
  return (ctx) => {
    const r = f(ctx);
    if (r === undefined) return false;
    if (Array.isArray(r)) {
      for (let i = 0; i < r.length; i++) {
        const v = conv ? conv(r[i]!, ctx) : r[i]!;
        if (v !== undefined && m(v)) return true;
      }
      return false;
    }
    const v = conv ? conv(r, ctx) : r;
    return v !== undefined && m(v);
  };
}

function anyOf(preds: readonly Pred[]): Pred {
  if (preds.length === 0) return FALSE;
  if (preds.length === 1) return preds[0]!;
  return (ctx) => {
    for (let i = 0; i < preds.length; i++) if (preds[i]!(ctx)) return true;
    return false;
  };
}

function allOf(preds: readonly Pred[]): Pred {
  if (preds.length === 1) return preds[0]!;
  return (ctx) => {
    for (let i = 0; i < preds.length; i++) if (!preds[i]!(ctx)) return false;
    return true;
  };
}

const TRUE: Pred = () => true;

/**
 * Compile `if|unless <cond>` against the proxy's ACL definitions. No
 * condition means "always". `at` locates the rule for reports about
 * predefined or anonymous ACLs.
 */
export function compileCondition<C extends AnyCtx = AnyCtx>(
  cond: Condition | undefined, acls: readonly AclDef[], env: CompileEnv = {}, at: Where = { file: '', line: 0 },
): Pred<C> {
  if (!cond) return TRUE;
  const named = new Map<string, Pred>();
  const byName = (name: string): Pred => {
    let p = named.get(name);
    if (!p) {
      let defs: readonly AclDef[] = acls.filter((a) => a.name === name);
      if (defs.length === 0) defs = predefinedDefs(name);
      p = anyOf(defs.map((d) => compileAclDef(d, env, at)));
      named.set(name, p);
    }
    return p;
  };
  const groups = cond.or.map((g) => allOf(g.and.map((t) => {
    const p = t.anon ? compileAclDef(t.anon, env, at) : byName(t.acl ?? '');
    return t.neg ? ((ctx: AnyCtx) => !p(ctx)) : p;
  })));
  const any = anyOf(groups);
  return (cond.pol === 'unless' ? (ctx: AnyCtx) => !any(ctx) : any) as Pred<C>;
}

/** `monitor fail` conditions, OR-ed: true when monitor-uri must answer 503. */
export function compileMonitorFail(conds: readonly Condition[], acls: readonly AclDef[], env: CompileEnv = {}): Pred<HttpReqCtx> {
  const ps = conds.map((c) => compileCondition(c, acls, env));
  return anyOf(ps) as Pred<HttpReqCtx>;
}
