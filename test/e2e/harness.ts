/**
 * Whole-binary harness: real `bin/lb` processes, real backends on loopback.
 * Every wait is bounded; every process started is killed at teardown.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer as createHttp, type IncomingMessage, type Server } from 'node:http';
import { createServer as createNet, connect, type Socket, type AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const LB = resolve('bin/lb');

/** A free TCP port on 127.0.0.1 (bound then released). */
export async function freePort(): Promise<number> {
  const s = createNet();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface Backend {
  readonly name: string;
  readonly port: number;
  /** requests seen, with what lb forwarded */
  readonly seen: Array<{ url: string; host: string | undefined; xff: string | undefined; at: number }>;
  stop(): Promise<void>;
  start(): Promise<void>;
}

/** An HTTP backend answering "<name>\n" and recording what it received. */
export async function httpBackend(name: string, port?: number): Promise<Backend> {
  const p = port ?? await freePort();
  const seen: Backend['seen'] = [];
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  const b: Backend = {
    name, port: p, seen,
    async start() {
      server = createHttp((req: IncomingMessage, res) => {
        seen.push({ url: req.url ?? '', host: req.headers.host, xff: req.headers['x-forwarded-for'] as string | undefined, at: Date.now() });
        req.resume();
        req.on('end', () => res.end(`${name}\n`));
      });
      server.keepAliveTimeout = 30_000;
      server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
      await new Promise<void>((r) => server!.listen(p, '127.0.0.1', r));
    },
    async stop() {
      if (!server) return;
      const s = server;
      server = undefined;
      const closed = new Promise<void>((r) => s.close(() => r()));
      for (const c of sockets) c.destroy();
      await closed;
    },
  };
  await b.start();
  return b;
}

export interface LbProcess {
  readonly proc: ChildProcess;
  stdout: string;
  stderr: string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Write `cfg` to a temp dir and start `bin/lb -f` on it; resolves once `port`
 * accepts and every unix `stats socket` of the configuration exists (lb binds
 * the stats sockets just after the frontends).
 */
export async function startLb(cfg: string, port: number, args: string[] = []): Promise<LbProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'lb-e2e-'));
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(file, cfg);
  // as a user starts it: without the test runner's loader hooks (tap puts them in NODE_OPTIONS)
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(NODE_OPTIONS|TAP|_TAPJS)/.test(k)) env[k] = v;
  const proc = spawn('env', ['-u', 'NODE_OPTIONS', process.execPath, LB, '-f', file, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  const p: LbProcess = {
    proc, stdout: '', stderr: '',
    stop(signal = 'SIGTERM') {
      if (proc.exitCode !== null) return Promise.resolve(proc.exitCode);
      return new Promise((r) => {
        const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
        proc.once('exit', (code) => { clearTimeout(t); r(code); });
        proc.kill(signal);
      });
    },
  };
  proc.stdout!.on('data', (d) => { p.stdout += d; });
  proc.stderr!.on('data', (d) => { p.stderr += d; });
  const statsSockets = [...cfg.matchAll(/^\s*stats socket (?:unix@)?(\/\S+)/gm)].map((m) => m[1]!);
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`lb exited ${proc.exitCode}: ${p.stderr}`);
    if (await accepts(port) && statsSockets.every((f) => existsSync(f))) return p;
    await new Promise((r) => setTimeout(r, 50));
  }
  await p.stop('SIGKILL');
  throw new Error(`lb did not listen on ${port} within 10 s: ${p.stderr}`);
}

export function accepts(port: number): Promise<boolean> {
  return new Promise((r) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); r(true); });
    s.once('error', () => r(false));
  });
}

/** Send raw bytes, collect everything until the server closes (or `ms`). */
export function rawExchange(port: number, bytes: string | Buffer, ms = 3000): Promise<string> {
  return new Promise((r) => {
    const s = connect(port, '127.0.0.1');
    let out = '';
    const t = setTimeout(() => { s.destroy(); r(out); }, ms);
    s.on('data', (d) => { out += d.toString('latin1'); });
    s.on('close', () => { clearTimeout(t); r(out); });
    s.on('error', () => undefined);
    s.write(bytes);
  });
}
