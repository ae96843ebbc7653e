/**
 * Executing http-request / http-response rules and legacy `redirect` rules.
 * Each rule is compiled once (condition, log-formats, regexes, constant
 * verdicts) into `{ test, exec }`; a run walks them in order, applies the
 * non-terminal actions to the context in place and stops at the first
 * terminal verdict (allow, deny, tarpit, return, redirect, auth, reject,
 * silent-drop).
 *
 * Invariants: compilation reports every action/fetch/converter lb does not
 * execute in `runner.unsupported` ("file:line: ..."), so the engine refuses
 * to start; a run never throws. Response bytes of verdicts: reply.ts.
 */
import { compileCondition, compileSample, type AnyCtx, type CompileEnv, type HttpReqCtx, type HttpResCtx, type Pred } from './eval.js';
import { compileLogFormat, type LogFmt } from './logfmt-lite.js';
import { getPath, getPathQ, headerValues, varStore } from './fetch-run.js';
import { delHeader, delHeaders, replaceHeader, replaceValue, setHeader, withPath, withPathQ, withQuery } from './rewrite.js';
import { expandRefs } from './conv-run.js';
import { toInt, toStr } from './match.js';
import { usageBit } from './fetches.js';
import type { Verdict } from './reply.js';
import { prepareErrorfile } from '../proxy/errors.js';
import type { AclDef, RedirectRule, Rule, SampleExpr } from './model.js';
import type { Where } from '../config/diag.js';

export type { Verdict } from './reply.js';

type Exec<C> = (ctx: C) => Verdict | undefined;

/** A compiled rule set: call it on a context; `unsupported` lists what lb would not execute. */
export type RuleRunner<C> = ((ctx: C) => Verdict | undefined) & { readonly unsupported: readonly string[] };

export interface RuleSetOpts {
  /** name of the proxy holding the rules (default realm of `auth`) */
  readonly proxy?: string;
  /** collects unsupported items across rule sets; a fresh list otherwise */
  readonly unsupported?: string[];
}

const REQ_USAGE = usageBit('frontend http-request header rule') | usageBit('backend http-request header rule');
const RES_USAGE = usageBit('frontend http-response header rule') | usageBit('backend http-response header rule');

interface Side {
  /** the header list the header actions work on */
  readonly hdrs: (ctx: HttpResCtx) => string[];
  readonly res: boolean;
}

const REQ_SIDE: Side = { hdrs: (c) => c.rawHeaders, res: false };
const RES_SIDE: Side = { hdrs: (c) => c.resHeaders, res: true };

/** Actions accepted with no effect on traffic (captures are the log's business). */
const NO_OPS = new Set(['capture', 'wait-for-body', 'strict-mode', 'disable-l7-retry', 'wait-for-handshake', 'set-nice']);

type Params = Readonly<Record<string, unknown>>;

function reply(kind: 'deny' | 'tarpit' | 'return', p: Params, env: CompileEnv, where: Where): Exec<AnyCtx> {
  const status = (p['status'] as number | undefined) ?? (kind === 'return' ? 200 : 403);
  const headers = ((p['hdrs'] as Array<[string, string]> | undefined) ?? []).map(([n, f]) => [n, compileLogFormat(f, where, env)] as const);
  const contentType = p['contentType'] as string | undefined;
  if (p['errorfiles'] !== undefined) env.unsupported?.push(`${where.file}:${where.line}: '${kind} errorfiles ${String(p['errorfiles'])}' (http-errors sections) is not executed by lb`);
  const file = p['file'] as { body: string } | undefined;
  const errorfile = p['errorfile'] as { body: string } | undefined;
  const lfFile = p['lfFile'] as { body: string } | undefined;
  let body: string | LogFmt | undefined;
  if (typeof p['string'] === 'string') body = p['string'];
  else if (typeof p['lfString'] === 'string') body = compileLogFormat(p['lfString'], where, env);
  else if (file) body = file.body;
  else if (lfFile) body = compileLogFormat(lfFile.body, where, env);
  // Without payload (2.6.12): `return` is an empty response, so is deny/tarpit given any
  // hdr or content-type argument (the content-type is then dropped); a bare deny/tarpit
  // sends the error page.
  else if (p['defaultErrorfiles'] !== true && (kind === 'return' || headers.length > 0 || contentType !== undefined)) body = '';
  const typed = contentType !== undefined && body !== '' && body !== undefined;
  const base = { kind, status, headers: [] as ReadonlyArray<readonly [string, string]>, ...(typed ? { contentType } : {}) };
  if (errorfile) {
    const prep = prepareErrorfile(Buffer.from(errorfile.body, 'latin1'));
    const raw = prep.ok ? prep.response.toString('latin1') : '';
    const v: Verdict = Object.freeze({ ...base, raw });
    return () => v;
  }
  if (headers.length === 0 && typeof body !== 'function') {
    const v: Verdict = Object.freeze({ ...base, ...(body !== undefined ? { body } : {}) });
    return () => v;
  }
  return (ctx) => ({
    ...base,
    headers: headers.map(([n, f]) => [n, f(ctx)] as const),
    ...(body !== undefined ? { body: typeof body === 'function' ? body(ctx) : body } : {}),
  });
}

/** What compileRedirect needs of a redirect (the rule minus its condition and place). */
type RedirectSpec = Omit<RedirectRule, 'cond' | 'where'>;

/**
 * A redirect as HAProxy builds it: `location` as evaluated; `prefix` +
 * path?query (a prefix of "/" adds nothing); `scheme` + "://" + first Host
 * header + path?query. drop-query/append-slash apply to prefix and scheme.
 * An empty evaluation with ignore-empty skips the rule.
 */
export function compileRedirect(r: RedirectSpec, where: Where, env: CompileEnv): Exec<AnyCtx> {
  const fmt = compileLogFormat(r.target, where, env);
  const cookie = r.setCookie !== undefined ? `${r.setCookie}; path=/;` : r.clearCookie !== undefined ? `${r.clearCookie}; path=/; Max-Age=0;` : undefined;
  const extra = cookie !== undefined ? { cookie } : {};
  return (ctx) => {
    const t = fmt(ctx);
    if (t === '' && r.ignoreEmpty) return undefined;
    if (r.type === 'location') return { kind: 'redirect', status: r.code, location: t, ...extra };
    let path = (ctx.target === undefined ? undefined : getPathQ(ctx.target)) ?? '/';
    if (r.dropQuery) { const q = path.indexOf('?'); if (q >= 0) path = path.slice(0, q); }
    if (r.appendSlash && !path.endsWith('/')) path += '/';
    let location: string;
    if (r.type === 'prefix') location = (t === '/' ? '' : t) + path;
    else location = `${t}://${headerValues(ctx.rawHeaders, 'host', false)[0] ?? ''}${path}`;
    return { kind: 'redirect', status: r.code, location, ...extra };
  };
}

/** Header name matcher of `del-header <name> -m <method>`; names are lower-case, a regex is matched as written (2.6.12). */
function nameTest(name: string, how: string): (n: string) => boolean {
  const l = name.toLowerCase();
  switch (how) {
    case 'beg': return (n) => n.startsWith(l);
    case 'end': return (n) => n.endsWith(l);
    case 'sub': return (n) => n.includes(l);
    case 'reg': { const re = new RegExp(name); return (n) => re.test(n); }
    default: return (n) => n === l;
  }
}

/** `replace-path|pathq|uri <regex> <fmt>`: get the part, put the rewritten part back. */
function replaceUri(get: (t: string) => string | undefined, put: (t: string, v: string) => string, re: RegExp, fmt: LogFmt): Exec<AnyCtx> {
  return (ctx) => {
    if (ctx.target === undefined) return undefined;
    const part = get(ctx.target);
    const m = part === undefined ? null : re.exec(part);
    if (m) ctx.target = put(ctx.target, expandRefs(fmt(ctx), m));
    return undefined;
  };
}

function setVar(name: string, get: (ctx: AnyCtx) => unknown): Exec<AnyCtx> {
  return (ctx) => {
    const v = get(ctx);
    if (v !== undefined) varStore(ctx, name).set(name, v);
    return undefined;
  };
}

/** Compile one action; undefined when lb does not execute it (reported). */
function compileAction(rule: Rule, side: Side, env: CompileEnv, proxy: string): Exec<AnyCtx> | undefined {
  const p = rule.params;
  const w = rule.where;
  const lf = (k: string): LogFmt => compileLogFormat(String(p[k] ?? ''), w, env);
  const hname = String(p['name'] ?? '').toLowerCase();
  const hdrs = side.hdrs as (c: AnyCtx) => string[];
  const a = rule.action;
  if (a.startsWith('set-var-fmt(')) { const f = lf('format'); return setVar(String(p['var']), f); }
  if (a.startsWith('set-var(')) { const s = compileSample(p['expr'] as SampleExpr, w, env); return setVar(String(p['var']), s); }
  if (a.startsWith('unset-var(')) { const n = String(p['var']); return (ctx) => { varStore(ctx, n).delete(n); return undefined; }; }
  if (NO_OPS.has(a)) return () => undefined;
  switch (a) {
    case 'allow': { const v: Verdict = { kind: 'allow' }; return () => v; }
    case 'reject': { const v: Verdict = { kind: 'reject' }; return () => v; }
    case 'silent-drop': { const v: Verdict = { kind: 'silent-drop' }; return () => v; }
    case 'use-service': { const v: Verdict = { kind: 'service', name: String(p['service']) }; return () => v; }
    case 'deny': return reply('deny', side.res && p['status'] === undefined ? { ...p, status: 502 } : p, env, w);
    case 'tarpit': return reply('tarpit', p, env, w);
    case 'return': return reply('return', p, env, w);
    case 'auth': { const v: Verdict = { kind: 'auth', realm: String(p['realm'] ?? proxy) }; return () => v; }
    case 'redirect': return compileRedirect(p as unknown as RedirectSpec, w, env);
    case 'set-log-level': { const l = String(p['level']); return (ctx) => { ctx.logLevel = l; return undefined; }; }
    case 'set-header': { const f = lf('format'); return (ctx) => { setHeader(hdrs(ctx), hname, f(ctx)); return undefined; }; }
    case 'add-header': { const f = lf('format'); return (ctx) => { hdrs(ctx).push(hname, f(ctx)); return undefined; }; }
    case 'del-header': {
      const how = String(p['match'] ?? 'str');
      if (how === 'str') return (ctx) => { delHeader(hdrs(ctx), hname); return undefined; };
      const test = nameTest(String(p['name']), how);
      return (ctx) => { delHeaders(hdrs(ctx), test); return undefined; };
    }
    case 'replace-header':
    case 'replace-value': {
      const re = new RegExp(String(p['regex']));
      const f = lf('format');
      const fn = a === 'replace-header' ? replaceHeader : replaceValue;
      return (ctx) => { fn(hdrs(ctx), hname, re, f, ctx); return undefined; };
    }
    case 'set-status': {
      const code = p['status'] as number;
      const reason = p['reason'] as string | undefined;
      return (ctx) => { ctx.status = code; ctx.reason = reason; return undefined; };
    }
  }
  if (side.res) return undefined;
  switch (a) {
    case 'set-path': { const f = lf('format'); return (ctx) => { ctx.target = withPath(ctx.target!, f(ctx)); return undefined; }; }
    case 'set-pathq': { const f = lf('format'); return (ctx) => { ctx.target = withPathQ(ctx.target!, f(ctx)); return undefined; }; }
    case 'set-query': { const f = lf('format'); return (ctx) => { ctx.target = withQuery(ctx.target!, f(ctx)); return undefined; }; }
    case 'set-uri': { const f = lf('format'); return (ctx) => { ctx.target = f(ctx); return undefined; }; }
    case 'set-method': {
      const f = lf('format');
      return (ctx) => { ctx.origMethod ??= ctx.method; ctx.method = f(ctx); return undefined; };
    }
    case 'replace-path': return replaceUri(getPath, withPath, new RegExp(String(p['regex'])), lf('format'));
    case 'replace-pathq': return replaceUri(getPathQ, withPathQ, new RegExp(String(p['regex'])), lf('format'));
    case 'replace-uri': return replaceUri((t) => t, (_t, v) => v, new RegExp(String(p['regex'])), lf('format'));
    case 'set-src':
    case 'set-dst': {
      const s = compileSample(p['expr'] as SampleExpr, w, env);
      const k = a === 'set-src' ? 'src' : 'dst';
      return (ctx) => { const v = s(ctx); if (v !== undefined) ctx[k] = toStr(v); return undefined; };
    }
    case 'set-src-port':
    case 'set-dst-port': {
      const s = compileSample(p['expr'] as SampleExpr, w, env);
      const k = a === 'set-src-port' ? 'srcPort' : 'dstPort';
      return (ctx) => { const v = s(ctx); const n = v === undefined ? undefined : toInt(v); if (n !== undefined) ctx[k] = n; return undefined; };
    }
  }
  return undefined;
}

function compileSet<C extends AnyCtx>(rules: readonly Rule[], acls: readonly AclDef[], side: Side, opts: RuleSetOpts, kw: string): RuleRunner<C> {
  const unsupported = opts.unsupported ?? [];
  const env: CompileEnv = { usage: side.res ? RES_USAGE : REQ_USAGE, res: side.res, unsupported };
  const tests: Pred[] = [];
  const execs: Array<Exec<AnyCtx>> = [];
  for (const r of rules) {
    const exec = compileAction(r, side, env, opts.proxy ?? '');
    if (!exec) {
      unsupported.push(`${r.where.file}:${r.where.line}: '${kw} ${r.action}' is not executed by lb`);
      continue;
    }
    tests.push(compileCondition(r.cond, acls, env, r.where));
    execs.push(exec);
  }
  return ruleRunner<C>(tests, execs, unsupported);
}

/**
 * The runner of a compiled rule set: rules in order, the first verdict ends
 * it. One closure per rule set (built at start-up), none per request.
 */
export function ruleRunner<C>(tests: ReadonlyArray<(ctx: C) => boolean>, execs: ReadonlyArray<(ctx: C) => Verdict | undefined>, unsupported: readonly string[]): RuleRunner<C> {
  const n = execs.length;
  const run = (ctx: C): Verdict | undefined => {
    for (let i = 0; i < n; i++) {
      if (!tests[i]!(ctx)) continue;
      const v = execs[i]!(ctx);
      if (v !== undefined) return v;
    }
    return undefined;
  };
  return Object.assign(run, { unsupported });
}

/** http-request rules: run on a request; a verdict ends the rule set. */
export function compileHttpRequestRules(rules: readonly Rule[], acls: readonly AclDef[], opts: RuleSetOpts = {}): RuleRunner<HttpReqCtx> {
  return compileSet<HttpReqCtx>(rules, acls, REQ_SIDE, opts, 'http-request');
}

/** http-response rules: run on a response (status, resHeaders). */
export function compileHttpResponseRules(rules: readonly Rule[], acls: readonly AclDef[], opts: RuleSetOpts = {}): RuleRunner<HttpResCtx> {
  return compileSet<HttpResCtx>(rules, acls, RES_SIDE, opts, 'http-response');
}

/** Legacy `redirect` rules: the first whose condition holds answers. */
export function compileRedirectRules(rules: readonly RedirectRule[], acls: readonly AclDef[], opts: RuleSetOpts = {}): RuleRunner<HttpReqCtx> {
  const unsupported = opts.unsupported ?? [];
  const env: CompileEnv = { usage: REQ_USAGE, res: false, unsupported };
  const tests = rules.map((r) => compileCondition(r.cond, acls, env, r.where));
  const execs = rules.map((r) => compileRedirect(r, r.where, env));
  return ruleRunner<HttpReqCtx>(tests, execs, unsupported);
}

/** http-after-response rules: header actions and set-status on every response, HAProxy's own included. */
export function compileHttpAfterResponseRules(rules: readonly Rule[], acls: readonly AclDef[], opts: RuleSetOpts = {}): RuleRunner<HttpResCtx> {
  return compileSet<HttpResCtx>(rules, acls, RES_SIDE, opts, 'http-after-response');
}
