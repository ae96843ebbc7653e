/**
 * A worker process of master-worker mode (forked by process/master.ts).
 * It receives the listening sockets the master bound (one IPC message per
 * socket, keyed by listenerKey), then the configuration to load; it loads
 * it, listens on the received sockets and reports 'ready' (or 'failed').
 * Signals as HAProxy's workers: SIGUSR1 soft stop, SIGTERM/SIGINT hard
 * stop; a master that disappears (IPC closed) soft-stops the worker.
 * Commands forwarded by the master CLI arrive as {t:'cli'} messages.
 */
import { loadConfig } from '../config/parse.js';
import { printDiagnostics, stdio } from '../cli/check.js';
import { startRuntime, type Runtime } from './run.js';
import { dropPrivileges, installInternalErrorGuard, stopControl } from './serve.js';
import { runWorkerCommand } from './worker-cli.js';
import type { LoadOptions } from '../config/model.js';
import { onProcessEvent, stderrLine, muteProcessEvents } from '../log/events.js';
import { runCommand } from '../runtime/commands.js';
import type { Level, RuntimeView } from '../runtime/view.js';
import { setServerStateHook, type ServerRuntime } from '../backend/server-runtime.js';
import { aggregateView, serverState, serverStates, takeSnapshot, type ServerState, type Snapshot } from './group.js';

/**
 * Master → worker. With several workers (process/group.ts): `snap` asks for
 * the counters, `run` a command another worker received on the stats socket,
 * `srv` a server state change from the worker that runs the checks, `states`
 * the servers' states for the next generation; `collected` and `fanned`
 * answer this worker's own `collect` and `fanout`.
 */
export type ToWorker =
  | { t: 'fd'; key: string }
  | { t: 'start'; files: string[]; loadOpts: LoadOptions; rel: number; group: number; states?: ServerState[] }
  | { t: 'cli'; id: number; line: string }
  | { t: 'snap'; id: number }
  | { t: 'run'; id: number; words: string[]; level: Level }
  | { t: 'srv'; st: ServerState }
  | { t: 'states'; id: number }
  | { t: 'collected'; id: number; snaps: Snapshot[] }
  | { t: 'fanned'; id: number }
  | { t: 'obs'; be: string; srv: string; error: string | null };
export type FromWorker =
  | { t: 'ready' }
  | { t: 'failed' }
  | { t: 'cli'; id: number; text: string }
  | { t: 'snap'; id: number; snap: Snapshot | undefined }
  | { t: 'ran'; id: number }
  | { t: 'states'; id: number; states: ServerState[] }
  | { t: 'collect'; id: number }
  | { t: 'fanout'; id: number; words: string[]; level: Level }
  | { t: 'srv'; st: ServerState }
  | { t: 'obs'; be: string; srv: string; error: string | null };

const send = (m: FromWorker): void => { if (process.connected) process.send!(m); };

export function workerMain(): void {
  const io = stdio;
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);
  const handles = new Map<string, object>();
  let runtime: Runtime | undefined;
  let started = false;
  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((r) => { resolveDone = r; });
  let control: { soft: () => void; hard: () => void } | undefined;
  let stopRequested: 'soft' | 'hard' | undefined;
  const stop = (how: 'soft' | 'hard'): void => {
    if (control) control[how]();
    else { stopRequested = how; if (!started) resolveDone(0); }
  };
  process.on('SIGUSR1', () => stop('soft'));
  // hard stop: HAProxy's worker dies of the signal (the master reports 143 / 130)
  const die = (sig: 'SIGTERM' | 'SIGINT'): void => {
    runtime?.hardStop();
    process.exit(sig === 'SIGTERM' ? 143 : 130);
  };
  process.on('SIGTERM', () => die('SIGTERM'));
  process.on('SIGINT', () => die('SIGINT'));
  // the master broadcasts these; a worker has nothing to do with them
  for (const s of ['SIGHUP', 'SIGUSR2', 'SIGTTOU', 'SIGTTIN'] as const) process.on(s, () => undefined);
  process.on('disconnect', () => stop('soft'));
  process.on('message', (m: ToWorker, handle?: object) => {
    switch (m.t) {
      case 'fd':
        if (handle) handles.set(m.key, handle);
        break;
      case 'start':
        if (started) return;
        started = true;
        void start(m.files, m.loadOpts, m.rel, m.group, m.states);
        break;
      case 'snap':
        send({ t: 'snap', id: m.id, snap: runtime ? takeSnapshot(runtime.view) : undefined });
        break;
      case 'states':
        send({ t: 'states', id: m.id, states: runtime ? serverStates(runtime.backends) : [] });
        break;
      case 'run': {
        // a change another worker announced already: apply it quietly
        const rt = runtime;
        const r = rt ? muteProcessEvents(() => runCommand(m.words, m.level, rt.view)) : undefined;
        void Promise.resolve(r?.wait).catch(() => undefined).then(() => send({ t: 'ran', id: m.id }));
        break;
      }
      case 'srv':
        if (runtime) applyState(runtime, m.st);
        break;
      case 'obs':
        // another worker's passive health result, for the checks this worker runs
        runtime?.backends.get(m.be)?.servers.find((x) => x.name === m.srv)?.observe?.(m.error ?? undefined);
        break;
      case 'collected': case 'fanned': {
        const cb = waits.get(m.id);
        waits.delete(m.id);
        cb?.(m.t === 'collected' ? m.snaps : []);
        break;
      }
      case 'cli':
        if (!runtime) { send({ t: 'cli', id: m.id, text: 'The worker is not running yet.\n\n' }); return; }
        void Promise.resolve(runWorkerCommand(m.line, runtime))
          .catch((e: unknown) => `Internal error: ${(e as Error).message}\n\n`)
          .then((text) => send({ t: 'cli', id: m.id, text }));
        break;
      default:
    }
  });
  const waits = new Map<number, (snaps: Snapshot[]) => void>();
  let waitId = 0;
  const ask = (m: { t: 'collect' } | { t: 'fanout'; words: string[]; level: Level }): Promise<Snapshot[]> =>
    new Promise((resolve) => {
      if (!process.connected) { resolve([]); return; }
      const id = ++waitId;
      waits.set(id, resolve);
      send({ ...m, id });
    });
  const start = async (files: string[], loadOpts: LoadOptions, rel: number, group: number, states?: ServerState[]): Promise<void> => {
    // the master checked this configuration; a failure here means it changed in between
    const res = loadConfig(files, loadOpts);
    if (!res.model) { printDiagnostics(res.diag, io); send({ t: 'failed' }); resolveDone(1); return; }
    const model = res.model;
    // this worker's own process events (its health checks) on the shared stderr
    onProcessEvent((e) => io.err(stderrLine(e)));
    try {
      // several workers: the first serves the stats sockets and runs the checks
      runtime = await startRuntime(model, io, {
        handles, announce: rel === 1, checks: rel === 1, serverStates: states,
        observeRelay: group > 1 ? (be, srv, error) => send({ t: 'obs', be, srv, error: error ?? null }) : undefined,
      });
    } catch {
      send({ t: 'failed' });
      resolveDone(1);
      return;
    }
    // several workers: every one reads the group's counters (stats page, Prometheus) and
    // fans its changes out; the first one also relays its checks' server states
    if (group > 1) joinGroup(runtime, ask, rel === 1);
    dropPrivileges(model, io);
    installInternalErrorGuard(io);
    control = stopControl(runtime, model, resolveDone);
    send({ t: 'ready' });
    if (stopRequested) control[stopRequested]();
  };
  void done.then((code) => {
    // pooled connections, timers: nothing else must keep a stopped worker alive
    process.exitCode = code;
    setTimeout(() => process.exit(code), 50).unref();
    if (process.connected) process.disconnect();
  });
}

/** A worker of a group: aggregated reads, fanned-out writes; `checker`: relays its server states. */
function joinGroup(rt: Runtime, ask: (m: { t: 'collect' } | { t: 'fanout'; words: string[]; level: Level }) => Promise<Snapshot[]>, checker: boolean): void {
  rt.view.group = {
    async aggregate(): Promise<RuntimeView> {
      const snaps = await ask({ t: 'collect' });
      // the master answers with every current worker's, this one's included
      return aggregateView(rt.view, snaps.length > 0 ? snaps : [takeSnapshot(rt.view)]);
    },
    async fanout(words, level) { await ask({ t: 'fanout', words: [...words], level }); },
  };
  if (!checker) return;
  const beOf = new WeakMap<ServerRuntime, string>();
  const backendOf = (s: ServerRuntime): string | undefined => {
    let n = beOf.get(s);
    if (n === undefined) {
      for (const be of rt.backends.values()) if (be.servers.includes(s)) { n = be.name; beOf.set(s, n); break; }
    }
    return n;
  };
  setServerStateHook((s) => {
    const be = backendOf(s);
    if (be !== undefined) send({ t: 'srv', st: serverState(be, s) });
  });
}

/** A server state change made by the worker that runs the checks, applied here without a log line. */
function applyState(rt: Runtime, st: ServerState): void {
  const s = rt.backends.get(st.be)?.servers.find((x) => x.name === st.srv);
  if (!s) return;
  const wasDown = s.op === 'DOWN';
  muteProcessEvents(() => {
    s.setEweight(st.eweight);
    s.setOp(st.op);
    s.setAdmin(st.admin);
    s.setWeight(st.weight);
  });
  if (!wasDown && st.op === 'DOWN' && s.conf.onMarkedDown === 'shutdown-sessions') s.killSessions();
}

workerMain();
