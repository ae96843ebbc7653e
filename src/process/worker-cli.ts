/**
 * Commands the master CLI forwards to a worker (`@1 show info`, `@!<pid>
 * ...`) arrive here as raw command lines; the reply is what the worker's
 * runtime API writes on a stats socket for that line (src/runtime, run at
 * the admin level as HAProxy's master CLI does). The IPC carries only the
 * line and the text, so it does not depend on the runtime API's internals;
 * setWorkerCommandHandler() replaces the executor (tests, other front ends).
 */
import type { Runtime } from './run.js';
import { runCommand, splitLine } from '../runtime/commands.js';

export type WorkerCommandHandler = (line: string, runtime: Runtime) => string | Promise<string>;

let handler: WorkerCommandHandler | undefined;

export function setWorkerCommandHandler(h: WorkerCommandHandler | undefined): void {
  handler = h;
}

export async function runWorkerCommand(line: string, runtime: Runtime): Promise<string> {
  if (handler) return handler(line, runtime);
  let out = '';
  for (const words of splitLine(line)) {
    const r = runCommand(words, 'admin', runtime.view);
    if (r.wait) await r.wait;
    out += r.text;
    if (r.quit) break;
  }
  return out;
}
