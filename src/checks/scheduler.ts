/**
 * The check scheduler (reference §4): one task per checked server (and one
 * per agent), run on an injectable clock, writing results into the
 * server's CheckState and changing the server only through its operations
 * (setOp, setAdmin, setWeight, setEweight), so the balancers follow.
 *
 *  - First checks are spread over the smallest interval of at least 1 s:
 *    task n of N starts after mininter × n / N (reference §2.7, §9.29).
 *  - Next check: `inter` when fully UP, `fastinter` while going up or down
 *    (and before the first result), `downinter` when fully DOWN; the next
 *    date is counted from the previous one; `spread-checks P` adds ±P %.
 *  - Counter and statuses: status.ts. Words: messages.ts.
 *  - Traffic effects (§4.4): DOWN stops new requests, in-flight ones go on
 *    unless on-marked-down shutdown-sessions; on-marked-up
 *    shutdown-backup-sessions; the backend queue is served again; slowstart
 *    ramps the effective weight; observe + error-limit + on-error.
 */
import type { BackendRuntime } from '../backend/backend.js';
import type { ServerRuntime, CheckState, OpState } from '../backend/server-runtime.js';
import type { Proxy } from '../config/model.js';
import { emitProcessEvent, ALERT, EMERG, NOTICE, type ProcessEvent } from '../log/events.js';
import { slowstartEweight } from '../lb/index.js';
import { realClock, type Clock } from './clock.js';
import { countFailure, countSuccess, kindOf, newCheckState, record, healthText, type CheckResult } from './status.js';
import { checkLine, downLine, upLine, noServerLine, counts } from './messages.js';
import { runSteps, tcpRulesToSteps, unsupportedTcpRule, type RunCtx, type Step } from './tcpcheck.js';
import { httpPlan, runHttp, unsupportedHttpRule, type HttpPlan } from './httpcheck.js';
import { redisSteps, smtpSteps, pgsqlSteps, mysqlSteps, ldapSteps, sslHelloSteps } from './protocols.js';
import { runAgent, type AgentWords } from './agent.js';
import type { CheckConn, Deadlines, Target } from './conn.js';

export interface CheckEnv {
  clock?: Clock;
  /** where messages go (default: the process event sink) */
  emit?: (e: ProcessEvent) => void;
  /** global spread-checks (0..50 %) */
  spreadChecks?: number;
  /** global node name (send-state) */
  node?: string;
  random?: () => number;
}

const INTER_THRES = 1000;

interface Task {
  kind: 'check' | 'agent';
  srv: ServerRuntime;
  be: BackendRuntime;
  state: CheckState;
  timer: unknown;
  expire: number;
  running: Promise<void> | undefined;
}

/** What a backend's check type compiles to (once per backend). */
type Runner =
  | { type: 'steps'; steps: (now: number) => Step[] }
  | { type: 'http'; plan: HttpPlan };

/** Check features lb does not run; start-up refuses them rather than pretend. */
export function unsupportedChecks(px: Proxy): string[] {
  const out: string[] = [];
  if (!px.servers.some((s) => s.check)) return out;
  const ck = px.check;
  for (const r of ck.rules) {
    const u = ck.rulesKind === 'http' ? unsupportedHttpRule(r) : unsupportedTcpRule(r);
    if (u) out.push(`${u} in backend '${px.name}'`);
  }
  for (const s of px.servers) {
    if (!s.check) continue;
    if (s.checkSsl) out.push(`'check-ssl' on server ${px.name}/${s.name}`);
    if (s.checkViaSocks4) out.push(`'check-via-socks4' on server ${px.name}/${s.name}`);
  }
  return out;
}

function compile(px: Proxy, sendProxy: boolean): Runner {
  const ck = px.check;
  switch (ck.type) {
    case 'http': return { type: 'http', plan: httpPlan(ck, sendProxy) };
    case 'tcp-check': {
      const steps = ck.rulesKind === 'tcp' ? tcpRulesToSteps(ck.rules, sendProxy) : [];
      return { type: 'steps', steps: () => steps };
    }
    case 'redis': { const s = redisSteps(); return { type: 'steps', steps: () => s }; }
    case 'smtp': { const s = smtpSteps(ck); return { type: 'steps', steps: () => s }; }
    case 'pgsql': { const s = pgsqlSteps(ck); return { type: 'steps', steps: () => s }; }
    case 'mysql': { const s = mysqlSteps(ck); return { type: 'steps', steps: () => s }; }
    case 'ldap': { const s = ldapSteps(); return { type: 'steps', steps: () => s }; }
    case 'ssl-hello': return { type: 'steps', steps: (now) => sslHelloSteps(now) };
    default: return { type: 'steps', steps: () => [] };
  }
}

/**
 * Check time limits (observed on 2.6.12): without `timeout check` the whole
 * check must end within `inter`; with it, the connect phase is bounded by
 * min(timeout connect, inter) and, once connected, the limit becomes
 * now + timeout check when that is later.
 */
export function checkDeadlines(px: Proxy, inter: number): Deadlines {
  const tcheck = px.timeouts.check ?? 0;
  if (tcheck <= 0) return { connect: inter, check: 0 };
  const tconn = px.timeouts.connect ?? 0;
  return { connect: tconn > 0 ? Math.min(tconn, inter) : inter, check: tcheck };
}

export class CheckScheduler {
  readonly clock: Clock;
  private readonly emit: (e: ProcessEvent) => void;
  private readonly spread: number;
  private readonly node: string;
  private readonly random: () => number;
  readonly tasks: Task[] = [];
  private readonly runners = new Map<ServerRuntime, Runner>();
  private readonly ss = new Map<ServerRuntime, { start: number; timer: unknown }>();
  private readonly errs = new Map<ServerRuntime, number>();
  /** servers that `track` a server, in declaration order */
  private readonly trackers = new Map<ServerRuntime, Array<{ srv: ServerRuntime; be: BackendRuntime }>>();
  private stopped = true;
  private readonly live = new Set<CheckConn>();
  private readonly pendingTracks: Array<{ srv: ServerRuntime; be: BackendRuntime }> = [];

  constructor(backends: Iterable<BackendRuntime>, env: CheckEnv = {}) {
    this.clock = env.clock ?? realClock;
    this.emit = env.emit ?? emitProcessEvent;
    this.spread = env.spreadChecks ?? 0;
    this.node = env.node ?? '';
    this.random = env.random ?? Math.random;
    for (const be of backends) {
      const track = be.servers.some((s) => s.conf.onMarkedDown || s.conf.onMarkedUp);
      for (const srv of be.servers) {
        const c = srv.conf;
        if (track) srv.sockets = new Set();
        if (c.check) {
          srv.check = newCheckState(c.rise, c.fall, c.rise);
          this.tasks.push({ kind: 'check', srv, be, state: srv.check, timer: undefined, expire: 0, running: undefined });
          if (c.observe === 'layer4' || c.observe === 'layer7') this.observe(srv, c.observe === 'layer7');
        }
        if (c.track !== undefined) this.pendingTracks.push({ srv, be });
        if (c.agentCheck && c.agentPort) {
          srv.agent = newCheckState(1, 1, 1);
          this.tasks.push({ kind: 'agent', srv, be, state: srv.agent, timer: undefined, expire: 0, running: undefined });
        }
      }
    }
    const all = new Map<string, BackendRuntime>();
    for (const t of this.pendingTracks) all.set(t.be.name, t.be);
    for (const x of this.tasks) all.set(x.be.name, x.be);
    for (const t of this.pendingTracks) {
      const spec = t.srv.conf.track!;
      const slash = spec.indexOf('/');
      const be = slash >= 0 ? all.get(spec.slice(0, slash)) : t.be;
      const target = be?.servers.find((x) => x.name === (slash >= 0 ? spec.slice(slash + 1) : spec));
      if (!target) continue;
      let list = this.trackers.get(target);
      if (!list) { list = []; this.trackers.set(target, list); }
      list.push(t);
    }
  }

  /** Start every task, spread over the smallest interval (of at least 1 s). */
  start(): void {
    this.stopped = false;
    const now = this.clock.now();
    let mininter = 0;
    for (const t of this.tasks) {
      const iv = this.interval(t);
      if (iv >= INTER_THRES && (!mininter || iv < mininter)) mininter = iv;
    }
    if (!mininter) for (const t of this.tasks) { const iv = this.interval(t); if (!mininter || iv < mininter) mininter = iv; }
    const n = this.tasks.length;
    this.tasks.forEach((t, pos) => {
      t.expire = now + Math.floor((mininter * pos) / n);
      this.arm(t);
    });
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.tasks) { if (t.timer !== undefined) this.clock.clear(t.timer); t.timer = undefined; }
    for (const s of this.ss.values()) this.clock.clear(s.timer);
    this.ss.clear();
    // checks in progress end now: nothing keeps the process alive after a stop
    for (const c of [...this.live]) c.abort();
  }

  /** Resolves when no check is in progress (tests). */
  async settled(): Promise<void> {
    for (;;) {
      const running = this.tasks.map((t) => t.running).filter((p): p is Promise<void> => p !== undefined);
      if (running.length === 0) return;
      await Promise.all(running);
    }
  }

  /** HAProxy's srv_getinter(): inter when fully up, downinter when fully down, fastinter between. */
  interval(t: Task): number {
    const c = t.srv.conf;
    if (t.kind === 'agent') return c.agentInter ?? c.inter;
    const st = t.state;
    if (st.health === 0 && t.srv.op === 'DOWN') return c.downinter ?? c.inter;
    if (st.health === st.rise + st.fall - 1) return c.inter;
    return c.fastinter ?? c.inter;
  }

  private arm(t: Task): void {
    if (this.stopped) return;
    if (t.timer !== undefined) this.clock.clear(t.timer);
    t.timer = this.clock.set(() => { t.timer = undefined; this.fire(t); }, Math.max(0, t.expire - this.clock.now()));
  }

  private fire(t: Task): void {
    if (this.stopped || t.running) return;
    // MAINT pauses health checks; the agent keeps talking (it may say "ready")
    if (t.kind === 'check' && t.srv.admin === 'MAINT') { this.next(t); return; }
    // `disable health` / `disable agent` (runtime API): paused outside maintenance
    if (t.state.paused && t.srv.admin !== 'MAINT') { this.next(t); return; }
    t.state.running = true;
    t.running = this.runTask(t).catch(() => undefined).finally(() => {
      t.running = undefined;
      t.state.running = false;
      this.next(t);
    });
  }

  private next(t: Task): void {
    const now = this.clock.now();
    const iv = this.interval(t);
    let rv = 0;
    if (this.spread > 0) {
      const r = Math.floor((iv * this.spread) / 100);
      rv = r - Math.floor(2 * r * this.random());
    }
    let e = t.expire + iv + rv;
    while (e <= now) e += iv;
    t.expire = e;
    this.arm(t);
  }

  /** Check a server at once (it left maintenance, or its checks were enabled again). */
  checkNow(srv: ServerRuntime): void {
    for (const t of this.tasks) if (t.srv === srv) this.soon(t, 0);
  }

  /** Schedule a task's next run sooner (on-error fastinter). */
  private soon(t: Task, ms: number): void {
    const at = this.clock.now() + ms;
    if (t.running || at >= t.expire) return;
    t.expire = at;
    this.arm(t);
  }

  private target(t: Task): Target {
    const s = t.srv;
    const c = s.conf;
    const a = s.address;
    if (t.kind === 'agent') return { host: c.agentAddr ?? c.checkAddr ?? s.host, port: c.agentPort };
    // s.checkPort: the configured `port`, or what `set server ... check-port` set
    if ((a.family === 'unix' || a.family === 'abns') && c.checkAddr === undefined && s.checkPort === undefined) {
      return { path: a.family === 'abns' ? `\0${a.path}` : a.path };
    }
    return { host: c.checkAddr ?? s.host, port: s.checkPort ?? a.port };
  }

  private ctx(t: Task): RunCtx {
    const c = t.srv.conf;
    const iv = t.kind === 'agent' ? (c.agentInter ?? c.inter) : c.inter;
    // send-proxy applies to checks unless they go elsewhere (port/addr)
    const pp = c.sendProxy || c.sendProxyV2;
    const sendProxy = t.kind === 'check' && (c.checkSendProxy || (pp && c.checkPort === undefined && c.checkAddr === undefined));
    return { clock: this.clock, target: this.target(t), deadlines: checkDeadlines(t.be.conf, iv), sendProxy, proxyV2: c.sendProxyV2, live: this.live };
  }

  /** The compiled check of a server (its backend's type, its own PROXY header setting). */
  private runner(srv: ServerRuntime, be: BackendRuntime, sendProxy: boolean): Runner {
    let r = this.runners.get(srv);
    if (!r) { r = compile(be.conf, sendProxy); this.runners.set(srv, r); }
    return r;
  }

  private async runTask(t: Task): Promise<void> {
    const ctx = this.ctx(t);
    if (ctx.target.path === undefined && (ctx.target.host === undefined || !ctx.target.port)) {
      // no address (init-addr none) or no port to check: nothing to connect to
      this.apply(t, { status: 'SOCKERR', info: '', duration: 0 });
      return;
    }
    if (t.kind === 'agent') {
      const out = await runAgent(ctx, t.srv.conf.agentSend);
      if (this.stopped) return;
      this.applyAgent(t, out.result, out.words);
      return;
    }
    const r = this.runner(t.srv, t.be, ctx.sendProxy);
    const res = r.type === 'http'
      ? await runHttp(ctx, r.plan, () => this.stateHeader(t))
      : await runSteps(ctx, r.steps(this.clock.now()));
    if (this.stopped) return;
    this.apply(t, res);
  }

  /** x-haproxy-server-state value (http-check send-state), as 2.6.12 sends it. */
  private stateHeader(t: Task): string {
    const s = t.srv;
    let total = 0, beServed = 0;
    for (const x of t.be.servers) { if (x.usable && !x.backup) total += x.weight; beServed += x.served; }
    const w = s.eweight !== undefined ? Math.ceil(s.eweight / 16) : s.weight;
    return `${healthText(t.state)}; address=${s.host ?? ''}; port=${this.target(t).port ?? 0}; name=${t.be.name}/${s.name}; node=${this.node}; weight=${w}/${total}; scur=${s.served}/${beServed}; qcur=${s.queued}`;
  }

  /** Record a health-check result, count it, log it, and move the server. */
  apply(t: Task, r: CheckResult): void {
    const st = t.state;
    const before = { health: st.health, status: st.status, code: st.code };
    record(st, r);
    const kind = kindOf(r.status);
    if (kind === 'passed' || kind === 'cond') countSuccess(st);
    else if (kind === 'failed') {
      if (st.health > 0) t.srv.chkfail++;
      countFailure(st);
    }
    this.logResult(t, r, before);
    this.reconcile(t, r);
  }

  private logResult(t: Task, r: CheckResult, before: { health: number; status: string; code: number | undefined }): void {
    const st = t.state;
    if (!t.be.conf.flags['log-health-checks']) return;
    if (before.health === st.health && before.status === st.status && before.code === st.code) return;
    const kind = kindOf(r.status);
    const verdict = kind === 'passed' ? 'succeeded' : kind === 'cond' ? 'conditionally succeeded' : 'failed';
    this.emit({ severity: NOTICE, text: checkLine(t.kind === 'agent' ? 'Agent' : 'Health', t.srv, t.be, r, verdict, st), proxy: t.be.name });
  }

  /** The operational state the check and agent ask for. */
  private wanted(srv: ServerRuntime): OpState {
    const ck = srv.check, ag = srv.agent;
    if ((ck && ck.health < ck.rise) || (ag && ag.health < ag.rise)) return 'DOWN';
    if (ck && ck.status === 'L7OKC') return 'STOPPING';
    if (srv.op === 'DOWN') return srv.conf.slowstart > 0 ? 'STARTING' : 'UP';
    if (srv.op === 'STARTING') return 'STARTING';
    return 'UP';
  }

  private reconcile(t: Task, r: CheckResult | undefined): void {
    const was = t.srv.op;
    this.reconcileOp(t, r);
    if (t.srv.op !== was) this.propagate(t.srv, t.be);
  }

  /**
   * `track`: servers following `srv` take its state, the most recently
   * declared first (as 2.6.12 reports them): "Server b2/t is DOWN via b1/s."
   */
  private propagate(srv: ServerRuntime, be: BackendRuntime): void {
    const list = this.trackers.get(srv);
    if (!list) return;
    for (let i = list.length - 1; i >= 0; i--) {
      const { srv: tr, be: tbe } = list[i]!;
      const was = tr.op;
      const via = `${be.name}/${srv.name}`;
      if (srv.op === 'DOWN') {
        if (was === 'DOWN') continue;
        const sessions = tr.served;
        const q0 = tr.queued;
        const wasUsable = tr.usable;
        this.stopRamp(tr);
        tr.setOp('DOWN');
        if (tr.conf.onMarkedDown === 'shutdown-sessions') tr.killSessions();
        const { act, bck } = counts(tbe);
        this.emit({ severity: ALERT, text: `${tr.backup ? 'Backup Server' : 'Server'} ${tbe.name}/${tr.name} is DOWN via ${via}. ${act} active and ${bck} backup servers left.${act === 0 && bck > 0 ? ' Running on backup.' : ''} ${sessions} sessions active, ${Math.max(0, q0 - tr.queued)} requeued, ${tr.queued} remaining in queue.`, proxy: tbe.name });
        this.noServer(tbe, wasUsable);
      } else {
        const want: OpState = srv.op === 'STOPPING' ? 'STOPPING' : was === 'DOWN' && tr.conf.slowstart > 0 ? 'STARTING' : was === 'STARTING' ? 'STARTING' : 'UP';
        if (want === was) continue;
        const q0 = tbe.queueLength();
        if (want === 'STARTING') this.startRamp(tr); else { this.stopRamp(tr); tr.setOp(want); }
        if (was !== 'DOWN') { this.propagate(tr, tbe); continue; }
        const { act, bck } = counts(tbe);
        this.emit({ severity: NOTICE, text: `${tr.backup ? 'Backup Server' : 'Server'} ${tbe.name}/${tr.name} is UP via ${via}. ${act} active and ${bck} backup servers online.${act === 0 && bck > 0 ? ' Running on backup.' : ''} ${Math.max(0, q0 - tbe.queueLength())} sessions requeued, ${tr.queued} total in queue.`, proxy: tbe.name });
      }
      this.propagate(tr, tbe);
    }
  }

  private reconcileOp(t: Task, r: CheckResult | undefined): void {
    const srv = t.srv, be = t.be;
    const want = this.wanted(srv);
    const was = srv.op;
    if (want === was) return;
    const reason = be.conf.flags['log-health-checks'] ? undefined : r;
    if (want === 'DOWN') {
      const sessions = srv.served;
      const q0 = srv.queued;
      const wasUsable = srv.usable;
      this.stopRamp(srv);
      srv.setOp('DOWN');
      if (srv.conf.onMarkedDown === 'shutdown-sessions') srv.killSessions();
      // with option redispatch the backend moved the server's queue ("requeued")
      this.emit({ severity: ALERT, text: downLine(srv, be, reason, sessions, Math.max(0, q0 - srv.queued)), proxy: be.name });
      if (srv.admin === 'DRAIN') this.emit({ severity: NOTICE, text: `Server ${be.name}/${srv.name} remains in forced drain mode.`, proxy: be.name });
      this.noServer(be, wasUsable);
      return;
    }
    const q0 = be.queueLength();
    const wasUsable = srv.usable;
    if (want === 'STARTING') this.startRamp(srv);
    else { this.stopRamp(srv); srv.setOp(want); }
    const requeued = Math.max(0, q0 - be.queueLength());
    if (want === 'STOPPING') {
      this.emit({ severity: NOTICE, text: upLine(srv, be, reason, requeued, 'stopping'), proxy: be.name });
      this.noServer(be, wasUsable);
      return;
    }
    if (was === 'STOPPING' && want === 'UP') {
      this.emit({ severity: NOTICE, text: upLine(srv, be, reason, requeued), proxy: be.name });
      return;
    }
    this.emit({ severity: NOTICE, text: upLine(srv, be, reason, requeued), proxy: be.name });
    if (!srv.backup && srv.conf.onMarkedUp === 'shutdown-backup-sessions') {
      for (const b of be.servers) if (b.backup) b.killSessions('up');
    }
  }

  /** "backend be has no server available!" when `srv`, usable before, was the last one. */
  private noServer(be: BackendRuntime, wasUsable: boolean): void {
    if (!wasUsable) return;
    const { act, bck } = counts(be);
    if (act + bck > 0) return;
    this.emit({ severity: EMERG, text: noServerLine(be, false), stderrText: noServerLine(be, true), proxy: be.name });
  }

  // --- slowstart -------------------------------------------------------------

  private startRamp(srv: ServerRuntime): void {
    const ms = srv.conf.slowstart;
    const maxconn = srv.conf.maxconn;
    const start = this.clock.now();
    const step = Math.max(1000, Math.floor(ms / 20));
    const tick = (): void => {
      const el = this.clock.now() - start;
      if (el >= ms) {
        this.ss.delete(srv);
        if (maxconn > 0) srv.maxconn = maxconn;
        srv.setEweight(undefined);
        srv.setOp('UP');
        return;
      }
      ramp(el);
      const cur = this.ss.get(srv);
      if (cur) cur.timer = this.clock.set(tick, Math.min(step, ms - el));
    };
    // the effective weight and maxconn grow together (reference §2.5.3)
    const ramp = (el: number): void => {
      const ew = slowstartEweight(srv.weight, el, ms);
      if (maxconn > 0 && srv.weight > 0) srv.maxconn = Math.max(1, Math.ceil((maxconn * ew) / (srv.weight * 16)));
      srv.setEweight(ew);
    };
    this.ss.set(srv, { start, timer: undefined });
    ramp(0);
    srv.setOp('STARTING');
    this.ss.get(srv)!.timer = this.clock.set(tick, Math.min(step, ms));
  }

  private stopRamp(srv: ServerRuntime): void {
    const r = this.ss.get(srv);
    if (!r) return;
    this.clock.clear(r.timer);
    this.ss.delete(srv);
    if (srv.conf.maxconn > 0) srv.maxconn = srv.conf.maxconn;
    srv.setEweight(undefined);
  }

  // --- agent -----------------------------------------------------------------

  private applyAgent(t: Task, r: CheckResult, w: AgentWords | undefined): void {
    const st = t.state;
    const srv = t.srv, be = t.be;
    if (!w) {
      // an unreachable agent is not a server failure: keep the last word
      st.status = r.status; st.info = r.info; st.duration = r.duration; st.code = r.code;
      return;
    }
    const before = { health: st.health, status: st.status, code: st.code };
    // words without up/down/stopped/fail leave the agent status as it was (2.6.12 logs nothing)
    if (w.health) record(st, r); else st.duration = r.duration;
    if (w.weightPct !== undefined) srv.setWeight(Math.min(256, Math.floor((srv.initialWeight * w.weightPct) / 100)));
    if (w.maxconn !== undefined) srv.maxconn = w.maxconn;
    const wasUsable = srv.usable;
    if (w.admin === 'drain' && srv.admin === 'READY') {
      srv.setAdmin('DRAIN');
      const { act, bck } = counts(be);
      this.emit({ severity: NOTICE, text: `Server ${be.name}/${srv.name} enters drain state. ${act} active and ${bck} backup servers online. 0 sessions requeued, 0 total in queue.`, proxy: be.name });
      this.noServer(be, wasUsable);
    } else if (w.admin === 'maint' && srv.admin !== 'MAINT') {
      const sessions = srv.served;
      srv.setAdmin('MAINT');
      const { act, bck } = counts(be);
      this.emit({ severity: ALERT, text: `Server ${be.name}/${srv.name} is going DOWN for maintenance. ${act} active and ${bck} backup servers left. ${sessions} sessions active, 0 requeued, 0 remaining in queue.`, proxy: be.name });
      this.noServer(be, wasUsable);
    } else if (w.admin === 'ready' && srv.admin !== 'READY') {
      const from = srv.admin;
      srv.setAdmin('READY');
      const text = from === 'MAINT'
        ? `Server ${be.name}/${srv.name} is UP/READY (leaving forced maintenance).`
        : `Server ${be.name}/${srv.name} is ${srv.op === 'DOWN' ? 'DOWN' : 'UP'} (leaving forced drain).`;
      this.emit({ severity: NOTICE, text, proxy: be.name });
      if (from === 'MAINT' && srv.check) { srv.check.health = srv.check.rise; const ct = this.tasks.find((x) => x.srv === srv && x.kind === 'check'); if (ct) this.soon(ct, 0); }
    }
    if (w.health === 'up') countSuccess(st);
    else if (w.health) countFailure(st);
    this.logResult(t, r, before);
    if (w.health) this.reconcile(t, r);
  }

  // --- passive checks (observe) ---------------------------------------------

  private observe(srv: ServerRuntime, l7: boolean): void {
    const limit = srv.conf.errorLimit;
    srv.observeL7 = l7;
    srv.observe = (error) => {
      if (error === undefined) { if (this.errs.get(srv)) this.errs.set(srv, 0); return; }
      const n = (this.errs.get(srv) ?? 0) + 1;
      if (n < limit) { this.errs.set(srv, n); return; }
      this.errs.set(srv, 0);
      this.onError(srv, n, error);
    };
  }

  private onError(srv: ServerRuntime, n: number, error: string): void {
    const t = this.tasks.find((x) => x.srv === srv && x.kind === 'check');
    if (!t || this.stopped) return;
    const c = srv.conf;
    const fast = c.fastinter ?? c.inter;
    const r: CheckResult = { status: 'HANA', info: `Detected ${n} consecutive errors, last one was: ${error}`, duration: 0 };
    const st = t.state;
    switch (c.onError) {
      case 'fastinter': break;
      case 'fail-check': this.apply(t, r); break;
      case 'sudden-death':
        if (st.health > st.rise) st.health = st.rise + 1;
        this.apply(t, r);
        break;
      case 'mark-down':
        st.health = 1;
        this.apply(t, r);
        break;
    }
    this.soon(t, fast);
  }
}
