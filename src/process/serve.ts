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
import { startRuntime, type Runtime } from './run.js';
import { onProcessEvent, stderrLine } from '../log/events.js';
import type { LoadOptions, Model } from '../config/model.js';

/** Settings the process honours only partly on this platform, said once at start-up. */
function platformNotices(model: Model, diag: Diagnostics): void {
  const g = model.global;
  if (g.chroot) diag.add('NOTICE', 'LB_NOTICE_PLATFORM', `'chroot ${g.chroot}' is not applied: Node.js cannot chroot; lb keeps its working directory.`, undefined, 'plain');
  if (g.daemon) diag.add('NOTICE', 'LB_NOTICE_PLATFORM', `'daemon' is not applied yet: lb stays in the foreground (use your supervisor's background mode).`, undefined, 'plain');
}

export interface Served {
  runtime: Runtime;
  /** resolves with the exit code once the process should exit */
  done: Promise<number>;
}

export async function serve(paths: readonly string[], opts: LoadOptions, io: Output, installSignals = true, run: { debug?: boolean } = {}): Promise<Served | number> {
  const res = loadConfig(paths, opts);
  if (!res.model) {
    printDiagnostics(res.diag, io);
    return 1;
  }
  const model = res.model;
  if (!hasListener(model)) {
    res.diag.add('ALERT', 'LB_ERR_NO_LISTENER', `[haproxy.main()] No enabled listener found (check for 'bind' directives) ! Exiting.`, undefined, 'plain', false);
    printDiagnostics(res.diag, io);
    return 1;
  }
  platformNotices(model, res.diag);
  printDiagnostics(res.diag, io);
  // server and check messages go to stderr in the foreground, as HAProxy does
  const offEvents = onProcessEvent((e) => io.err(stderrLine(e)));
  let runtime: Runtime;
  try {
    runtime = await startRuntime(model, io, run);
  } catch {
    offEvents();
    return 1;
  }
  dropPrivileges(model, io);
  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((r) => { resolveDone = r; });
  if (installSignals) {
    // a bug in one session must not stop every other one: report it and keep serving
    process.on('uncaughtException', (e) => {
      io.err(`${levelPrefix('ALERT', process.pid)}[haproxy.main()] internal error, the session involved was dropped: ${(e as Error).stack ?? String(e)}`);
    });
    const hard = (): void => { runtime.hardStop(); void runtime.logs.close().then(() => resolveDone(0)); };
    process.once('SIGINT', hard);
    process.once('SIGTERM', hard);
    process.once('SIGUSR1', () => {
      const limit = model.global.hardStopAfter;
      const timer = limit ? setTimeout(hard, limit) : undefined;
      void runtime.softStop().then(() => {
        if (timer) clearTimeout(timer);
        runtime.stopped(io.err);
        void runtime.logs.close().then(() => resolveDone(0));
      });
    });
  }
  return { runtime, done };
}

/** user/group after binding, when running as root (HAProxy's order). */
function dropPrivileges(model: Model, io: Output): void {
  const g = model.global;
  if (process.getuid?.() !== 0) return;
  try {
    if (g.gid !== undefined) process.setgid!(g.gid);
    if (g.uid !== undefined) process.setuid!(g.uid);
  } catch (e) {
    io.err(`${levelPrefix('ALERT', process.pid)}[haproxy.main()] Cannot set uid/gid: ${(e as Error).message}.`);
  }
}
