/**
 * Executing tcp-request connection/session/content rules, and choosing the
 * backend (`use_backend`) and server (`use-server`) by condition.
 *
 * Invariants: as for the http rules, everything is compiled once and a run
 * never throws; actions lb does not execute (expect-proxy, switch-mode,
 * set-mark...) are listed in `runner.unsupported` so the engine refuses to
 * start. `accept` ends the rule set with an `allow` verdict.
 */
import { compileCondition, compileSample, type AnyCtx, type CompileEnv, type HttpReqCtx, type Pred, type TcpCtx } from './eval.js';
import { compileLogFormat } from './logfmt-lite.js';
import { varStore } from './fetch-run.js';
import { usageBit } from './fetches.js';
import { ruleRunner, type RuleRunner, type RuleSetOpts } from './http-actions-run.js';
import type { Verdict } from './reply.js';
import type { AclDef, ProxyRules, Rule, SampleExpr } from './model.js';

type Exec = (ctx: AnyCtx) => Verdict | undefined;

export type TcpRuleType = 'connection' | 'session' | 'content';

const USAGE: Record<TcpRuleType, number> = {
  connection: usageBit('frontend tcp-request connection rule'),
  session: usageBit('frontend tcp-request session rule'),
  content: usageBit('frontend tcp-request content rule') | usageBit('backend tcp-request content rule'),
};

const ALLOW: Verdict = { kind: 'allow' };
const REJECT: Verdict = { kind: 'reject' };
const DROP: Verdict = { kind: 'silent-drop' };
const NO_OPS = new Set(['capture', 'set-nice']);

function compileTcpAction(rule: Rule, env: CompileEnv): Exec | undefined {
  const a = rule.action;
  const p = rule.params;
  const name = String(p['var'] ?? '');
  if (a.startsWith('set-var-fmt(')) {
    const f = compileLogFormat(String(p['format'] ?? ''), rule.where, env);
    return (ctx) => { varStore(ctx, name).set(name, f(ctx)); return undefined; };
  }
  if (a.startsWith('set-var(')) {
    const s = compileSample(p['expr'] as SampleExpr, rule.where, env);
    return (ctx) => { const v = s(ctx); if (v !== undefined) varStore(ctx, name).set(name, v); return undefined; };
  }
  if (a.startsWith('unset-var(')) return (ctx) => { varStore(ctx, name).delete(name); return undefined; };
  if (NO_OPS.has(a)) return () => undefined;
  switch (a) {
    case 'accept': return () => ALLOW;
    case 'reject': return () => REJECT;
    case 'silent-drop': return () => DROP;
    case 'set-log-level': {
      const l = String(p['level']);
      return (ctx) => { (ctx as HttpReqCtx).logLevel = l; return undefined; };
    }
  }
  return undefined;
}

/** tcp-request rules of one type; the first `accept`/`reject`/`silent-drop` ends them. */
export function compileTcpRequestRules(rules: readonly Rule[], acls: readonly AclDef[], type: TcpRuleType, opts: RuleSetOpts = {}): RuleRunner<TcpCtx> {
  const unsupported = opts.unsupported ?? [];
  const env: CompileEnv = { usage: USAGE[type], unsupported };
  const tests: Pred[] = [];
  const execs: Exec[] = [];
  for (const r of rules) {
    const exec = compileTcpAction(r, env);
    if (!exec) {
      unsupported.push(`${r.where.file}:${r.where.line}: 'tcp-request ${type} ${r.action}' is not executed by lb`);
      continue;
    }
    tests.push(compileCondition(r.cond, acls, env, r.where));
    execs.push(exec);
  }
  return ruleRunner<TcpCtx>(tests, execs, unsupported);
}

/** A name chooser: the first rule whose condition holds gives the (maybe log-format) name. */
export type NameChooser = ((ctx: AnyCtx) => string | undefined) & { readonly unsupported: readonly string[] };

function chooser(rules: ReadonlyArray<{ name: string; cond?: ProxyRules['useBackends'][number]['cond']; file: string; line: number }>,
  acls: readonly AclDef[], usage: number, opts: RuleSetOpts): NameChooser {
  const unsupported = opts.unsupported ?? [];
  const env: CompileEnv = { usage, unsupported };
  const tests = rules.map((r) => compileCondition(r.cond, acls, env, { file: r.file, line: r.line }));
  const names = rules.map((r) => (r.name.includes('%') ? compileLogFormat(r.name, { file: r.file, line: r.line }, env) : r.name));
  const run = (ctx: AnyCtx): string | undefined => {
    for (let i = 0; i < tests.length; i++) {
      if (!tests[i]!(ctx)) continue;
      const n = names[i]!;
      return typeof n === 'string' ? n : n(ctx);
    }
    return undefined;
  };
  return Object.assign(run, { unsupported });
}

/**
 * `use_backend` rules: the name of the first matching rule (a dynamic
 * `%[...]` name is evaluated; the engine falls back to default_backend when
 * it names no backend), or undefined.
 */
export function compileUseBackend(rules: ProxyRules['useBackends'], acls: readonly AclDef[], opts: RuleSetOpts = {}): NameChooser {
  return chooser(rules, acls, usageBit('frontend use-backend rule'), opts);
}

/** `use-server` rules: the server name of the first matching rule, or undefined. */
export function compileUseServer(rules: ProxyRules['useServers'], acls: readonly AclDef[], opts: RuleSetOpts = {}): NameChooser {
  return chooser(rules.map((r) => ({ name: r.name, cond: r.cond, file: r.where.file, line: r.where.line })), acls,
    usageBit('backend use-server, balance or stick-match rule'), opts);
}
