/**
 * `lb -f cfg` in the foreground: load and check the configuration (a bad one
 * never starts), print its warnings, bind, serve, and stop on signals as
 * HAProxy does (reference §6.3): SIGINT/SIGTERM stop at once, SIGUSR1 stops
 * accepting and exits when the last session ends (bounded by
 * hard-stop-after). Resolves with the exit code.
 */
import { loadConfig } from '../config/parse.js';
import { hasListener } from '../config/validate.js';
import { levelPrefix, type Diagnostics } from '../config/diag.js';
import { printDiagnostics, type Output } from '../cli/check.js';
import { startRuntime, DEFAULT_IDLE_GRACE_MS, type Runtime } from './run.js';
import { writePidfile } from './pidfile.js';
import { fetchListeners, offerListeners, takeListeners } from './xfer.js';
import { onProcessEvent, stderrLine } from '../log/events.js';
import type { LoadOptions, Model } from '../config/model.js';

/** Settings the process honours only partly on this platform, said once at start-up. */
function platformNotices(model: Model, diag: Diagnostics): void {
  const g = model.global;
  if (g.chroot) diag.add('NOTICE', 'LB_NOTICE_PLATFORM', `'chroot ${g.chroot}' is not applied: Node.js cannot chroot; lb keeps its working directory.`, undefined, 'plain');
}

export interface Served {
  runtime: Runtime;
  /** resolves with the exit code once the process should exit */
  done: Promise<number>;
}

export interface ServeOptions {
  /** -p (overrides the `pidfile` keyword) */
  pidfile?: string;
  /** -sf: sent SIGUSR1 once listeners are bound */
  softFinish?: readonly number[];
  /** -st: sent SIGTERM once listeners are bound */
  terminate?: readonly number[];
  /** install the process's signal handlers (false in tests running several runtimes) */
  installSignals?: boolean;
  /** a config already loaded (and its diagnostics printed) by the caller */
  loaded?: Model;
  /** -D: called once bound and the pidfile written (the daemon's parent may exit) */
  onReady?: () => void;
  /** -d: trace every request on stdout */
  debug?: boolean;
  /** -x: the old process's stats socket to take the listening sockets from */
  xfer?: string;
}

/** Load and check: prints diagnostics; undefined (exit 1) when lb must not start. */
export function loadForRun(paths: readonly string[], opts: LoadOptions, io: Output): Model | undefined {
  const res = loadConfig(paths, opts);
  if (!res.model) {
    printDiagnostics(res.diag, io);
    return undefined;
  }
  const model = res.model;
  if (!hasListener(model)) {
    res.diag.add('ALERT', 'LB_ERR_NO_LISTENER', `[haproxy.main()] No enabled listener found (check for 'bind' directives) ! Exiting.`, undefined, 'plain', false);
    printDiagnostics(res.diag, io);
    return undefined;
  }
  platformNotices(model, res.diag);
  printDiagnostics(res.diag, io);
  return model;
}

/** idle keep-alive grace of a soft stop */
export function idleGrace(_model: Model): number {
  return DEFAULT_IDLE_GRACE_MS;
}

/**
 * Standalone process (no master): HAProxy's order (reference §6.4): bind
 * (asking -sf/-st processes to pause if an address is taken), write the
 * pidfile, tell the old processes to finish, drop privileges, serve.
 */
export async function serve(paths: readonly string[], opts: LoadOptions, io: Output, sopts: ServeOptions | boolean = {}): Promise<Served | number> {
  const so: ServeOptions = typeof sopts === 'boolean' ? { installSignals: sopts } : sopts;
  const model = so.loaded ?? loadForRun(paths, opts, io);
  if (!model) return 1;
  const oldPids = [...(so.softFinish ?? []), ...(so.terminate ?? [])];
  // process events (server state changes...) on stderr, as HAProxy in the foreground
  const offEvents = onProcessEvent((e) => io.err(stderrLine(e)));
  let inherited: Map<string, object> | undefined;
  if (so.xfer !== undefined) {
    try {
      inherited = await fetchListeners(so.xfer);
    } catch {
      io.err(`${levelPrefix('WARNING', process.pid)}Failed to get the number of sockets to be transferred !`);
      io.err(`${levelPrefix('ALERT', process.pid)}Failed to get the sockets from the old process!`);
      offEvents();
      return 1;
    }
  } else if (oldPids.length > 0) {
    // -sf/-st without -x: an old lb hands its listening sockets over all the same, so no
    // connection is refused or reset while the addresses change hands (xfer.ts)
    inherited = await takeListeners(oldPids);
  }
  let runtime: Runtime;
  try {
    runtime = await startRuntime(model, io, { oldPids, debug: so.debug, inherited });
  } catch {
    offEvents();
    return 1;
  }
  const pidfile = so.pidfile ?? model.global.pidfile;
  if (pidfile !== undefined && !writePidfile(pidfile, process.pid, io.err)) {
    runtime.hardStop();
    if (oldPids.length > 0) for (const p of oldPids) { try { process.kill(p, 'SIGTTIN'); } catch { /* gone */ } }
    return 1;
  }
  for (const p of so.softFinish ?? []) { try { process.kill(p, 'SIGUSR1'); } catch { /* gone */ } }
  for (const p of so.terminate ?? []) { try { process.kill(p, 'SIGTERM'); } catch { /* gone */ } }
  dropPrivileges(model, io);
  so.onReady?.();
  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((r) => { resolveDone = r; });
  if (so.installSignals !== false) {
    // paused (SIGTTOU) with no connection, nothing else keeps the process waiting for SIGTTIN
    const keepAlive = setInterval(() => undefined, 1 << 30);
    void done.then(() => clearInterval(keepAlive));
    installInternalErrorGuard(io);
    const stop = stopControl(runtime, model, resolveDone);
    process.once('SIGINT', stop.hard);
    process.once('SIGTERM', stop.hard);
    process.once('SIGUSR1', stop.soft);
    // a SIGUSR1 that came while lb was loading (bin/lb caught it): honour it now
    if ((globalThis as { lbEarlyUsr1?: boolean }).lbEarlyUsr1) setImmediate(stop.soft);
    process.on('SIGTTOU', () => {
      void runtime.pause().then(() => { for (const fe of runtime.frontends) io.err(`${levelPrefix('WARNING', process.pid)}Paused ${fe.conf.kind === 'listen' ? 'proxy' : 'frontend'} ${fe.name}.`); });
    });
    // a process replacing this one with -sf/-st asks for the listening sockets (xfer.ts)
    process.on('SIGURG', () => offerListeners(() => runtime.exposed()));
    process.on('SIGTTIN', () => {
      void runtime.resume().then((ok) => {
        for (const fe of runtime.frontends) io.err(`${levelPrefix(ok ? 'WARNING' : 'ALERT', process.pid)}${ok ? 'Resumed' : 'Failed to resume'} ${fe.conf.kind === 'listen' ? 'proxy' : 'frontend'} ${fe.name}.`);
      });
    });
    // standalone: SIGUSR2 is ignored; SIGHUP dumps server states (below)
    process.on('SIGUSR2', () => undefined);
    process.on('SIGHUP', () => { for (const l of sighupDump(runtime)) io.err(`${levelPrefix('WARNING', process.pid)}${l}`); });
  }
  return { runtime, done };
}

/** SIGUSR1 (soft, bounded by hard-stop-after) and SIGINT/SIGTERM (hard). */
export function stopControl(runtime: Runtime, model: Model, resolveDone: (code: number) => void): { soft: () => void; hard: () => void } {
  let timer: NodeJS.Timeout | undefined;
  let ended = false;
  // log lines still queued leave before the process does (bounded by LogRuntime.close)
  const end = (): void => { if (ended) return; ended = true; void runtime.logs.close().then(() => resolveDone(0)); };
  const hard = (): void => { if (timer) clearTimeout(timer); runtime.hardStop(); end(); };
  let started = false;
  const soft = (): void => {
    if (started) return;
    started = true;
    const limit = model.global.hardStopAfter;
    if (limit && !timer) timer = setTimeout(hard, limit);
    // global 'grace': keep serving (and accepting) that long before stopping
    const grace = model.global.grace ?? 0;
    const go = (): void => { void runtime.softStop(idleGrace(model)).then(() => { if (timer) clearTimeout(timer); end(); }); };
    if (grace > 0) setTimeout(go, grace); else go();
  };
  return { soft, hard };
}

let guardInstalled = false;
/** a bug in one session must not stop every other one: report it and keep serving */
export function installInternalErrorGuard(io: Output): void {
  if (guardInstalled) return;
  guardInstalled = true;
  process.on('uncaughtException', (e) => {
    io.err(`${levelPrefix('ALERT', process.pid)}[haproxy.main()] internal error, the session involved was dropped: ${(e as Error).stack ?? String(e)}`);
  });
}

/** SIGHUP in a standalone process: every proxy and server state, in configuration order (HAProxy's words). */
function sighupDump(runtime: Runtime): string[] {
  const out = ['SIGHUP received, dumping servers states.'];
  for (const p of runtime.model.proxies) {
    if (p.disabled) continue;
    const fe = p.cap.fe ? runtime.frontends.find((f) => f.conf === p) : undefined;
    const be = p.cap.be ? runtime.backends.get(p.name) : undefined;
    const conn = `Conn: act(FE+BE): ${fe?.counters.scur ?? 0}+${be?.counters.scur ?? 0}, ${be?.counters.qcur ?? 0} pend (0 unass), tot(FE+BE): ${fe?.counters.stot ?? 0}+${be?.counters.stot ?? 0}.`;
    if (!be || be.servers.length === 0) { out.push(`SIGHUP: Proxy ${p.name} has no servers. ${conn}`); continue; }
    let act = 0, bck = 0;
    for (const srv of be.servers) {
      const up = srv.op !== 'DOWN' && srv.admin === 'READY';
      if (up) { if (srv.backup) bck++; else act++; }
      out.push(`SIGHUP: Server ${be.name}/${srv.name} is ${up ? 'UP' : 'DOWN'}. Conn: ${srv.counters.scur} act, ${srv.counters.qcur} pend, ${srv.counters.stot} tot.`);
    }
    out.push(act + bck === 0
      ? `SIGHUP: Proxy ${p.name} has no server available ! ${conn}`
      : `SIGHUP: Proxy ${p.name} has ${act} active servers and ${bck} backup servers available. ${conn}`);
  }
  return out;
}

/** user/group after binding, when running as root (HAProxy's order). */
export function dropPrivileges(model: Model, io: Output): void {
  const g = model.global;
  if (process.getuid?.() !== 0) return;
  try {
    if (g.gid !== undefined) process.setgid!(g.gid);
    if (g.uid !== undefined) process.setuid!(g.uid);
  } catch (e) {
    io.err(`${levelPrefix('ALERT', process.pid)}[haproxy.main()] Cannot set uid/gid: ${(e as Error).message}.`);
  }
}
