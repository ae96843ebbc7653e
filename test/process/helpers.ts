/**
 * Process-level helpers: spawn bin/lb with arbitrary arguments (not only
 * -f <file>), wait for a line on its stderr, count a process's descriptors
 * and children.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { LB, freePort } from '../e2e/harness.js';
import { loadBackend, type LoadBackend } from './load.js';

export interface Proc {
  readonly proc: ChildProcess;
  stderr: string;
  stdout: string;
  /** resolves when `re` has matched `count` times on stderr (or rejects after ms) */
  waitFor(re: RegExp, count?: number, ms?: number): Promise<void>;
  exited: Promise<number | null>;
  kill(sig?: NodeJS.Signals): void;
}

export function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(NODE_OPTIONS|TAP|_TAPJS)/.test(k)) env[k] = v;
  return env;
}

export function spawnLb(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Proc {
  const proc = spawn('env', ['-u', 'NODE_OPTIONS', process.execPath, LB, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...cleanEnv(), ...opts.env }, cwd: opts.cwd });
  const waiters: Array<() => void> = [];
  const p: Proc = {
    proc, stderr: '', stdout: '',
    waitFor(re, count = 1, ms = 15000) {
      const g = new RegExp(re.source, re.flags.includes('g') ? re.flags : re.flags + 'g');
      const n = (): number => (p.stderr.match(g) ?? []).length;
      if (n() >= count) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`timeout waiting for ${re} x${count}; stderr:\n${p.stderr.slice(-3000)}`)), ms);
        const check = (): void => { if (n() >= count) { clearTimeout(t); waiters.splice(waiters.indexOf(check), 1); resolve(); } };
        waiters.push(check);
      });
    },
    exited: new Promise((r) => proc.once('exit', (code) => r(code))),
    kill(sig = 'SIGTERM') { if (proc.exitCode === null && proc.signalCode === null) proc.kill(sig); },
  };
  proc.stdout!.on('data', (d) => { p.stdout += d; });
  proc.stderr!.on('data', (d) => { p.stderr += d; for (const w of [...waiters]) w(); });
  return p;
}

export function fdCount(pid: number): number {
  try { return readdirSync(`/proc/${pid}/fd`).length; } catch { return -1; }
}

export function childPids(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true; } catch { return false; }
}

/** Poll `cond` every 50 ms until true or `ms` elapsed; returns the last value. */
export async function until(cond: () => boolean, ms = 10000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

/** One command on a unix-socket CLI; the whole reply. */
export function cliCommand(path: string, line: string, ms = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    let out = '';
    const t = setTimeout(() => { s.destroy(); reject(new Error(`no reply to ${line}`)); }, ms);
    s.on('data', (d) => { out += d.toString(); });
    s.on('close', () => { clearTimeout(t); resolve(out); });
    s.on('error', (e) => { clearTimeout(t); reject(e); });
    s.end(line + '\n');
  });
}

export function portAccepts(port: number): Promise<boolean> {
  return new Promise((r) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); r(true); });
    s.once('error', () => r(false));
  });
}

/** Wait until `port` on 127.0.0.1 accepts a connection (bounded); whether it did. */
export async function waitAccepts(port: number, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await portAccepts(port)) return true;
    if (Date.now() >= end) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The defaults section of the process tests' configurations: mode http and its three timeouts. */
export const HTTP_DEFAULTS = `defaults
    mode http
    timeout connect 2s
    timeout client 30s
    timeout server 30s
`;

/**
 * What most process tests start with: a backend answering after `delayMs`
 * (closed at teardown), a free port, a temporary directory and the path of
 * its haproxy.cfg (not written).
 */
export async function fixture(t: Test, prefix: string, delayMs = 100): Promise<{ be: LoadBackend; port: number; dir: string; file: string }> {
  const be = await loadBackend(delayMs);
  t.teardown(() => be.close());
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { be, port, dir, file: join(dir, 'haproxy.cfg') };
}
