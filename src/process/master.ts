/**
 * Master-worker mode (`-W`, `master-worker`, implied by `-S` and `--watch`;
 * reference §6.6). The master parses and checks the configuration, binds
 * every listening socket itself (bindHandle: bound, never polled by the
 * master) and forks worker processes that listen on those very sockets
 * (handles passed over IPC). `nbthread N` runs N workers sharing the
 * listeners: the kernel hands each new connection to one of them (what
 * node:cluster calls SCHED_NONE; no round-robin hop through the master).
 *
 * Reload (SIGUSR2, SIGHUP, master CLI `reload`, --watch): parse and check
 * the new configuration first (a bad one is reported, "Loading failure!",
 * and the running workers are not touched); bind the addresses that are
 * new; fork the new workers on the kept sockets and wait until each has
 * loaded and listens; only then soft-stop the old ones (SIGUSR1) and close
 * the sockets no bind uses any more. The sockets never close in between, so
 * a reload refuses no connection.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { constants as osConstants } from 'node:os';
import { levelPrefix } from '../config/diag.js';
import { bindHandle, listenerKey, statsSocketKey, isStatsSocketKey, addrLabel, type BoundHandle } from '../proxy/listener.js';
import type { Bind } from '../proxy/bind.js';
import type { SockAddr } from '../proxy/address.js';
import { bindAlert, bindOwner } from './run.js';
import type { LoadOptions, Model } from '../config/model.js';
import type { Output } from '../cli/check.js';
import type { Notifier } from './sd-notify.js';
import { loadForRun, installInternalErrorGuard } from './serve.js';
import { writePidfile } from './pidfile.js';
import type { ToWorker, FromWorker } from './worker.js';
import type { ServerState, Snapshot } from './group.js';
import { startMasterCli, type MasterCli } from './master-cli.js';
import { HAPROXY_COMPAT, LB_VERSION } from '../core/version.js';

const WORKER_MAIN = fileURLToPath(new URL('./worker.js', import.meta.url));
/** a new worker that has not loaded its configuration by then is a failed reload */
const WORKER_START_TIMEOUT_MS = 30000;
/** a worker that does not answer a group request by then is left out of it */
const GROUP_TIMEOUT_MS = 5000;

export interface MasterOptions {
  files: string[];
  loadOpts: LoadOptions;
  io: Output;
  /** the configuration as loaded (and reported) at start-up */
  model: Model;
  pidfile?: string;
  softFinish?: readonly number[];
  terminate?: readonly number[];
  /** -S <bind>[,<opts>...] */
  masterCli?: string;
  /** --watch: reload when a configuration file changes */
  watch?: boolean;
  /** -D: called once the first workers are ready */
  onReady?: () => void;
  /** -Ws: systemd's notify protocol (process/sd-notify.ts) */
  notify?: Notifier;
}

export interface WorkerProc {
  readonly child: ChildProcess;
  readonly pid: number;
  /** master reload count when this worker was forked */
  readonly birthReload: number;
  readonly startedAt: number;
  /** 1..N among the current workers */
  readonly rel: number;
  current: boolean;
  ready: boolean;
  exited: boolean;
  readonly pending: Map<number, (text: string) => void>;
}

const sigName = (sig: NodeJS.Signals): { num: number; text: string } => {
  const num = osConstants.signals[sig] ?? 0;
  const text: Record<string, string> = { SIGTERM: 'Terminated', SIGKILL: 'Killed', SIGINT: 'Interrupt', SIGSEGV: 'Segmentation fault', SIGABRT: 'Aborted', SIGHUP: 'Hangup', SIGUSR1: 'User defined signal 1', SIGUSR2: 'User defined signal 2' };
  return { num, text: text[sig] ?? sig };
};

export class Master {
  readonly pid = process.pid;
  readonly startedAt = Date.now();
  reloads = 0;
  failedReloads = 0;
  readonly workers: WorkerProc[] = [];
  private handles = new Map<string, BoundHandle>();
  private model: Model;
  private reloading = false;
  private reloadAgain = false;
  private stopping = false;
  private cliId = 0;
  /** answers awaited from workers (group requests), by id */
  private readonly waits = new Map<number, (m: FromWorker) => void>();
  private cli: MasterCli | undefined;
  private unwatch: (() => void) | undefined;
  private resolveExit!: (code: number) => void;
  readonly exited: Promise<number>;

  constructor(private readonly o: MasterOptions) {
    this.model = o.model;
    this.exited = new Promise((r) => { this.resolveExit = r; });
  }

  get version(): string { return `${HAPROXY_COMPAT}-lb-${LB_VERSION}`; }

  private line(level: 'NOTICE' | 'WARNING' | 'ALERT', text: string): void {
    this.o.io.err(`${levelPrefix(level, this.pid)}${text}`);
  }

  /** Bind, fork the first workers, install signals. Resolves with the exit code if start-up fails. */
  async start(): Promise<number | undefined> {
    const bound = this.bindAll(this.model);
    if (!bound) {
      this.line('ALERT', '[haproxy.main()] Some protocols failed to start their listeners! Exiting.');
      return 1;
    }
    this.handles = bound.handles;
    const pidfile = this.o.pidfile ?? this.model.global.pidfile;
    if (pidfile !== undefined && !writePidfile(pidfile, this.pid, this.o.io.err)) { this.closeHandles(this.handles.keys()); return 1; }
    if (this.o.masterCli !== undefined) {
      try {
        this.cli = await startMasterCli(this.o.masterCli, this, this.o.loadOpts.env ?? {});
      } catch (e) {
        this.line('ALERT', `Can't create the master's CLI: ${(e as Error).message}`);
        this.closeHandles(this.handles.keys());
        return 1;
      }
    }
    const gen = await this.forkGeneration(this.model, this.handles);
    if (!gen) {
      this.closeHandles(this.handles.keys());
      await this.cli?.close();
      return 1;
    }
    for (const w of gen) this.line('NOTICE', `New worker (${w.pid}) forked`);
    this.line('NOTICE', 'Loading success.');
    for (const p of this.o.softFinish ?? []) { try { process.kill(p, 'SIGUSR1'); } catch { /* gone */ } }
    for (const p of this.o.terminate ?? []) { try { process.kill(p, 'SIGTERM'); } catch { /* gone */ } }
    this.installSignals();
    if (this.o.watch) this.unwatch = await watchFiles(this.o.files, () => this.reload());
    this.o.onReady?.();
    this.o.notify?.send(`READY=1\nMAINPID=${this.pid}`);
    return undefined;
  }

  /** the master waits for signals even with no worker left (no-exit-on-failure) */
  private keepAlive: NodeJS.Timeout | undefined;

  private installSignals(): void {
    this.keepAlive = setInterval(() => undefined, 1 << 30);
    installInternalErrorGuard(this.o.io);
    process.on('SIGUSR2', () => this.reload());
    process.on('SIGHUP', () => this.reload());
    process.on('SIGUSR1', () => this.stop('SIGUSR1'));
    if ((globalThis as { lbEarlyUsr1?: boolean }).lbEarlyUsr1) setImmediate(() => this.stop('SIGUSR1'));
    process.on('SIGTERM', () => this.stop('SIGTERM'));
    process.on('SIGINT', () => this.stop('SIGINT'));
    process.on('SIGTTOU', () => this.broadcast('SIGTTOU'));
    process.on('SIGTTIN', () => this.broadcast('SIGTTIN'));
  }

  private broadcast(sig: NodeJS.Signals): void {
    for (const w of this.workers) if (!w.exited) { try { w.child.kill(sig); } catch { /* gone */ } }
  }

  /** Bind every address of the model, reusing sockets already held by key. */
  private bindAll(model: Model, keep?: ReadonlyMap<string, BoundHandle>): { handles: Map<string, BoundHandle>; fresh: string[] } | undefined {
    const handles = new Map<string, BoundHandle>();
    const fresh: string[] = [];
    let failed = false;
    const take = (key: string, b: Bind, a: SockAddr, alert: (e: unknown) => string): void => {
      if (handles.has(key)) return;
      const kept = keep?.get(key);
      if (kept) { handles.set(key, kept); return; }
      try {
        handles.set(key, bindHandle(b, a));
        fresh.push(key);
      } catch (e) {
        failed = true;
        this.line('ALERT', alert(e));
      }
    };
    for (const p of model.proxies) {
      if (!p.cap.fe || p.disabled) continue;
      for (const b of p.binds) {
        for (const a of b.addrs) take(listenerKey(b, a), b, a, (e) => bindAlert(b.where, bindOwner(p), e, addrLabel(a)));
      }
    }
    // the stats sockets too, for the worker that serves them: they exist as soon as the ports do
    for (const st of model.global.statsSockets) {
      for (const a of st.bind.addrs) take(statsSocketKey(st.bind, a), st.bind, a, (e) => bindAlert(st.where, 'proxy GLOBAL', e, st.bind.spec));
    }
    if (failed) { this.closeHandles(fresh, handles); return undefined; }
    return { handles, fresh };
  }

  private closeHandles(keys: Iterable<string>, from: Map<string, BoundHandle> = this.handles): void {
    for (const k of [...keys]) { const h = from.get(k); if (h) { from.delete(k); try { h.close(); } catch { /* closed */ } } }
  }

  /** Fork N workers on these sockets; resolves once all are ready, or undefined (all killed) if one fails. */
  private async forkGeneration(model: Model, handles: ReadonlyMap<string, BoundHandle>, states?: ServerState[]): Promise<WorkerProc[] | undefined> {
    const n = Math.max(1, model.global.nbthread || 1);
    const gen: WorkerProc[] = [];
    const results: Array<Promise<boolean>> = [];
    for (let i = 1; i <= n; i++) {
      const child = fork(WORKER_MAIN, [], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        execArgv: [],
        env: { ...process.env, HAPROXY_MWORKER: '1' },
      });
      const w: WorkerProc = { child, pid: child.pid ?? 0, birthReload: this.reloads, startedAt: Date.now(), rel: i, current: false, ready: false, exited: false, pending: new Map() };
      gen.push(w);
      this.workers.push(w);
      results.push(new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), WORKER_START_TIMEOUT_MS);
        child.on('message', (m: FromWorker) => {
          if (m.t === 'ready') { w.ready = true; clearTimeout(timer); resolve(true); }
          else if (m.t === 'failed') { clearTimeout(timer); resolve(false); }
          else if (m.t === 'cli') { const cb = w.pending.get(m.id); w.pending.delete(m.id); cb?.(m.text); }
          else this.onGroupMessage(w, m);
        });
        child.once('exit', (code, sig) => { clearTimeout(timer); resolve(false); this.onExit(w, code, sig); });
        child.on('error', () => undefined);
      }));
      for (const [key, h] of handles) {
        // the stats sockets go to the worker that serves them (run.ts: announce)
        if (i === 1 || !isStatsSocketKey(key)) child.send({ t: 'fd', key } satisfies ToWorker, h as never);
      }
    }
    // worker 1 first: it serves the stats sockets, which exist before any port accepts
    // (the others load in the meantime; they start listening once it is ready)
    const startWorker = (w: WorkerProc): void => {
      if (!w.exited) w.child.send({ t: 'start', files: this.o.files, loadOpts: this.o.loadOpts, rel: w.rel, group: n, states } satisfies ToWorker);
    };
    startWorker(gen[0]!);
    if (n > 1) {
      const first = await results[0];
      for (const w of gen.slice(1)) {
        if (first) startWorker(w);
        else if (!w.exited) { try { w.child.kill('SIGTERM'); } catch { /* gone */ } }
      }
    }
    const ok = (await Promise.all(results)).every(Boolean);
    if (!ok) {
      for (const w of gen) if (!w.exited) { try { w.child.kill('SIGTERM'); } catch { /* gone */ } }
      return undefined;
    }
    for (const w of gen) w.current = true;
    return gen;
  }

  private onExit(w: WorkerProc, code: number | null, sig: NodeJS.Signals | null): void {
    w.exited = true;
    for (const cb of w.pending.values()) cb('');
    w.pending.clear();
    const i = this.workers.indexOf(w);
    if (i >= 0) this.workers.splice(i, 1);
    const status = sig ? 128 + sigName(sig).num : code ?? 0;
    // a worker that stops hard exits with 128+signal, as if the signal had killed it
    const bySig = sig ?? (status > 128 ? (Object.keys(osConstants.signals) as NodeJS.Signals[]).find((k) => osConstants.signals[k] === status - 128) : undefined);
    const why = bySig ? sigName(bySig).text : 'Exit';
    if (w.ready) {
      if (w.current) {
        this.line(status === 0 ? 'WARNING' : 'ALERT', `Current worker (${w.pid}) exited with code ${status} (${why})`);
        if (!this.stopping && !this.model.global.masterWorkerNoExitOnFailure) {
          this.line('ALERT', 'exit-on-failure: killing every processes with SIGTERM');
          this.stopping = true;
          this.exitCode = status;
          this.broadcast('SIGTERM');
        }
      } else {
        this.line('WARNING', `Former worker (${w.pid}) exited with code ${status} (${why})`);
      }
    }
    if (this.stopping && this.workers.length === 0) this.finish();
  }

  private exitCode = 0;

  private finish(): void {
    this.line('WARNING', `All workers exited. Exiting... (${this.exitCode})`);
    if (this.keepAlive) clearInterval(this.keepAlive);
    this.unwatch?.();
    this.closeHandles([...this.handles.keys()]);
    this.o.notify?.close();
    void (this.cli?.close() ?? Promise.resolve()).then(() => this.resolveExit(this.exitCode));
  }

  /** SIGUSR1: soft-stop every worker; SIGTERM/SIGINT: stop them now. The master exits after the last one. */
  stop(sig: NodeJS.Signals): void {
    if (!this.stopping) { this.line('WARNING', 'Exiting Master process...'); this.o.notify?.send('STOPPING=1'); }
    this.stopping = true;
    this.broadcast(sig === 'SIGUSR1' ? 'SIGUSR1' : 'SIGTERM');
    if (this.workers.length === 0) this.finish();
  }

  /** SIGUSR2 / SIGHUP / `reload` / --watch. Concurrent requests coalesce into one more reload. */
  reload(): void {
    if (this.stopping) return;
    if (this.reloading) { this.reloadAgain = true; return; }
    this.reloading = true;
    void this.doReload().finally(() => {
      this.reloading = false;
      if (this.reloadAgain) { this.reloadAgain = false; this.reload(); }
    });
  }

  /** resolves after each completed reload attempt (tests, CLI) */
  private reloadWaiters: Array<(ok: boolean) => void> = [];
  waitReload(): Promise<boolean> { return new Promise((r) => this.reloadWaiters.push(r)); }

  private async doReload(): Promise<void> {
    this.reloads++;
    this.line('NOTICE', 'Reloading HAProxy');
    this.o.notify?.send('RELOADING=1');
    const ok = await this.tryReload();
    if (!ok) {
      this.failedReloads++;
      this.line('WARNING', 'Loading failure!');
    }
    // a failed reload too: the previous workers still serve
    if (!this.stopping) this.o.notify?.send(`READY=1\nMAINPID=${this.pid}`);
    for (const r of this.reloadWaiters.splice(0)) r(ok);
  }

  private async tryReload(): Promise<boolean> {
    const model = loadForRun(this.o.files, this.o.loadOpts, this.o.io);
    if (!model) return false;
    const bound = this.bindAll(model, this.handles);
    if (!bound) return false;
    const old = this.workers.filter((w) => w.current);
    // the new generation starts with the admin states and weights set at run time
    const first = old.find((w) => w.rel === 1);
    const states = first ? await this.request<ServerState[]>(first, (id) => ({ t: 'states', id }), (m) => (m.t === 'states' ? m.states : undefined)) : undefined;
    const gen = await this.forkGeneration(model, bound.handles, states);
    if (!gen || this.stopping) {
      this.closeHandles(bound.fresh, bound.handles);
      if (gen) for (const w of gen) { try { w.child.kill('SIGTERM'); } catch { /* gone */ } }
      return false;
    }
    for (const w of gen) this.line('NOTICE', `New worker (${w.pid}) forked`);
    // the new generation listens: the old one stops accepting and finishes its work
    for (const w of old) { w.current = false; try { w.child.kill('SIGUSR1'); } catch { /* gone */ } }
    const removed = [...this.handles.keys()].filter((k) => !bound.handles.has(k));
    this.closeHandles(removed);
    this.handles = bound.handles;
    this.model = model;
    this.line('NOTICE', 'Loading success.');
    return true;
  }

  /** Ask one worker something; undefined if it does not answer in time. */
  private request<T>(w: WorkerProc, msg: (id: number) => ToWorker, pick: (m: FromWorker) => T | undefined): Promise<T | undefined> {
    return new Promise((resolve) => {
      const id = ++this.cliId;
      const timer = setTimeout(() => { this.waits.delete(id); resolve(undefined); }, GROUP_TIMEOUT_MS);
      const gone = (): void => done(undefined);
      const done = (m: FromWorker | undefined): void => {
        clearTimeout(timer);
        this.waits.delete(id);
        w.child.off('exit', gone);
        resolve(m ? pick(m) : undefined);
      };
      this.waits.set(id, done);
      w.child.once('exit', gone);
      try { w.child.send(msg(id)); } catch { done(undefined); }
    });
  }

  /**
   * Several workers (process/group.ts): the serving worker asks for every
   * sibling's counters, sends its changes to them, relays its servers'
   * state changes (it runs the health checks). Siblings: the workers forked
   * with it, still running.
   */
  private onGroupMessage(w: WorkerProc, m: FromWorker): void {
    const siblings = (all: boolean): WorkerProc[] =>
      this.workers.filter((x) => x.birthReload === w.birthReload && x.ready && !x.exited && (all || x !== w));
    const reply = (r: ToWorker): void => { try { if (!w.exited) w.child.send(r); } catch { /* gone */ } };
    switch (m.t) {
      case 'snap': case 'ran': case 'states': {
        const cb = this.waits.get(m.id);
        cb?.(m);
        break;
      }
      case 'collect':
        void Promise.all(siblings(true).map((x) => this.request<Snapshot>(x, (id) => ({ t: 'snap', id }), (r) => (r.t === 'snap' ? r.snap : undefined))))
          .then((snaps) => reply({ t: 'collected', id: m.id, snaps: snaps.filter((x): x is Snapshot => x !== undefined) }));
        break;
      case 'fanout':
        void Promise.all(siblings(false).map((x) => this.request(x, (id) => ({ t: 'run', id, words: m.words, level: m.level }), () => true)))
          .then(() => reply({ t: 'fanned', id: m.id }));
        break;
      case 'srv':
        for (const x of siblings(false)) { try { x.child.send({ t: 'srv', st: m.st } satisfies ToWorker); } catch { /* gone */ } }
        break;
      case 'obs':
        // passive health seen by a worker that runs no checks: to the one that does (worker 1)
        for (const x of siblings(false)) if (x.rel === 1) { try { x.child.send(m satisfies ToWorker); } catch { /* gone */ } }
        break;
      default:
    }
  }

  /** `@<n>` (current worker n), `@!<pid>` (any worker): run one command line in that worker. */
  findWorker(target: string): WorkerProc | undefined {
    if (target.startsWith('!')) {
      const pid = Number(target.slice(1));
      return this.workers.find((w) => w.pid === pid && w.ready && !w.exited);
    }
    const rel = Number(target);
    return this.workers.find((w) => w.current && w.rel === rel && !w.exited);
  }

  forward(w: WorkerProc, line: string): Promise<string> {
    return new Promise((resolve) => {
      const id = ++this.cliId;
      w.pending.set(id, resolve);
      try { w.child.send({ t: 'cli', id, line } satisfies ToWorker); } catch { w.pending.delete(id); resolve(''); }
    });
  }
}

/** chokidar on the configuration files, debounced: an editor's several writes are one reload. */
async function watchFiles(files: readonly string[], onChange: () => void): Promise<() => void> {
  const { watch } = await import('chokidar');
  const w = watch([...files], { ignoreInitial: true, awaitWriteFinish: { stabilityThreshold: 100, pollInterval: 20 } });
  let timer: NodeJS.Timeout | undefined;
  const fire = (): void => { if (timer) clearTimeout(timer); timer = setTimeout(onChange, 150); };
  w.on('change', fire).on('add', fire).on('unlink', fire);
  await new Promise<void>((r) => w.once('ready', () => r()));
  return () => { if (timer) clearTimeout(timer); void w.close(); };
}

/** Run lb as a master until it stops; resolves with the exit code. */
export async function runMaster(o: MasterOptions): Promise<number> {
  const m = new Master(o);
  const failed = await m.start();
  if (failed !== undefined) return failed;
  return m.exited;
}
