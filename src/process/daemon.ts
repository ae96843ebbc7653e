/**
 * `-D` / `daemon`: Node.js cannot fork, so lb re-spawns itself detached
 * (new session, stdin closed) with LB_DAEMON_CHILD=1 and waits: the child's
 * messages reach the user's terminal until it reports, over its IPC
 * channel, that it has bound its listeners and written its pidfile; then
 * the parent exits 0 and the child runs on, silent (HAProxy closes its
 * standard streams in daemon mode). A child that fails (bad config, bind
 * error) exits with its code, which becomes the parent's.
 */
import { spawn } from 'node:child_process';
import type { Output } from '../cli/check.js';

export const DAEMON_ENV = 'LB_DAEMON_CHILD';

/** true in the detached child started by daemonize() */
export function isDaemonChild(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[DAEMON_ENV] === '1' && typeof process.send === 'function';
}

export function daemonize(argv: readonly string[], script = process.argv[1] ?? ''): Promise<number> {
  const child = spawn(process.execPath, [...process.execArgv, script, ...argv], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, [DAEMON_ENV]: '1' },
  });
  child.stdout!.on('data', (d: Buffer) => process.stdout.write(d));
  child.stderr!.on('data', (d: Buffer) => process.stderr.write(d));
  return new Promise((resolve) => {
    let settled = false;
    child.on('message', (m: { t?: string }) => {
      if (m?.t !== 'ready' || settled) return;
      settled = true;
      // the child wrote its start-up messages synchronously before saying so: read what is left, then let go
      setTimeout(() => {
        child.stdout!.destroy();
        child.stderr!.destroy();
        if (child.connected) child.disconnect();
        child.unref();
        resolve(0);
      }, 50);
    });
    child.once('exit', (code, sig) => { if (!settled) { settled = true; resolve(code ?? (sig ? 1 : 0)); } });
    child.once('error', () => { if (!settled) { settled = true; resolve(1); } });
  });
}

/**
 * In the daemon child: an Output that goes quiet once detached, and the
 * call that tells the parent to exit.
 */
export function daemonChildIo(io: Output): { io: Output; ready: () => void } {
  let live = true;
  process.stdout.on('error', () => undefined);
  process.stderr.on('error', () => undefined);
  return {
    io: { out: (l) => { if (live) io.out(l); }, err: (l) => { if (live) io.err(l); } },
    ready: () => {
      if (!live) return;
      process.send?.({ t: 'ready' }, () => {
        live = false;
        if (process.connected) process.disconnect();
      });
    },
  };
}
