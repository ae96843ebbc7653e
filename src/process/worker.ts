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
import { onProcessEvent, stderrLine } from '../log/events.js';

export type ToWorker =
  | { t: 'fd'; key: string }
  | { t: 'start'; files: string[]; loadOpts: LoadOptions; rel: number }
  | { t: 'cli'; id: number; line: string };
export type FromWorker =
  | { t: 'ready' }
  | { t: 'failed' }
  | { t: 'cli'; id: number; text: string };

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
        void start(m.files, m.loadOpts, m.rel);
        break;
      case 'cli':
        if (!runtime) { send({ t: 'cli', id: m.id, text: 'The worker is not running yet.\n\n' }); return; }
        void Promise.resolve(runWorkerCommand(m.line, runtime))
          .catch((e: unknown) => `Internal error: ${(e as Error).message}\n\n`)
          .then((text) => send({ t: 'cli', id: m.id, text }));
        break;
      default:
    }
  });
  const start = async (files: string[], loadOpts: LoadOptions, rel: number): Promise<void> => {
    // the master checked this configuration; a failure here means it changed in between
    const res = loadConfig(files, loadOpts);
    if (!res.model) { printDiagnostics(res.diag, io); send({ t: 'failed' }); resolveDone(1); return; }
    const model = res.model;
    // this worker's own process events (its health checks) on the shared stderr
    onProcessEvent((e) => io.err(stderrLine(e)));
    try {
      runtime = await startRuntime(model, io, { handles, announce: rel === 1 });
    } catch {
      send({ t: 'failed' });
      resolveDone(1);
      return;
    }
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

workerMain();
