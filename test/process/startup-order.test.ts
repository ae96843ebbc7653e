/**
 * Start-up order: the stats sockets exist before any frontend port accepts,
 * as with HAProxy, which has all its listeners bound before it serves. A
 * script (a container health check, a reload wrapper) that waits for the
 * port and then talks to the stats socket must never find it missing.
 */
import t from 'tap';
import net from 'node:net';
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../e2e/harness.js';
import { serve, type Served } from '../../src/process/serve.js';
import { spawnLb, cliCommand, portAccepts, HTTP_DEFAULTS } from './helpers.js';

function config(dir: string, port: number, sock: string, extra = ''): string {
  const f = join(dir, 'haproxy.cfg');
  writeFileSync(f, `global
    stats socket ${sock} mode 600 level admin
${extra}${HTTP_DEFAULTS}
frontend fe
    bind 127.0.0.1:${port}
    default_backend be
backend be
    server s1 127.0.0.1:1
`);
  return f;
}

t.test('one process: the stats socket listens before the frontend does', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lb-order-'));
  const port = await freePort();
  const sock = join(dir, 'admin.sock');
  const f = config(dir, port, sock);
  // observe the order of the listen() calls this process makes (the runtime runs here)
  const order: string[] = [];
  const listen = net.Server.prototype.listen;
  net.Server.prototype.listen = function (this: net.Server, ...args: unknown[]) {
    const o = args[0] as { path?: string; port?: number } | undefined;
    order.push(o && typeof o === 'object' ? (o.path !== undefined ? 'stats' : o.port === port ? 'frontend' : 'other') : 'other');
    return (listen as (...a: unknown[]) => net.Server).apply(this, args);
  } as typeof listen;
  const lines: string[] = [];
  const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
  let served: Served | undefined;
  try {
    served = await serve([f], { env: process.env }, io, { installSignals: false }) as Served;
  } finally {
    net.Server.prototype.listen = listen;
  }
  t.teardown(() => served?.runtime.hardStop());
  t.equal(typeof served, 'object', 'serving');
  t.same(order.filter((x) => x !== 'other'), ['stats', 'frontend'], 'stats socket first, then the frontend');
  t.match(await cliCommand(sock, 'show info'), /^Name: HAProxy/m, 'the stats socket answers');
});

t.test('a stats socket that cannot be bound: the frontend port never opens', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lb-order-'));
  const port = await freePort();
  const f = config(dir, port, join(dir, 'missing-dir', 'admin.sock'));
  const lb = spawnLb(['-db', '-f', f]);
  let accepted = false;
  const t0 = Date.now();
  while (lb.proc.exitCode === null && Date.now() - t0 < 10_000) {
    if (await portAccepts(port)) accepted = true;
    await new Promise((r) => setTimeout(r, 2));
  }
  t.equal(lb.proc.exitCode, 1, 'exits 1');
  t.notOk(accepted, 'the port never accepted a connection');
  t.match(lb.stderr, /for proxy GLOBAL: cannot bind socket .* for \[.*missing-dir\/admin\.sock\]/, 'HAProxy\'s alert names the socket');
});

t.test('master-worker, 2 workers: when the port first accepts, the stats socket answers', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lb-order-'));
  const port = await freePort();
  const sock = join(dir, 'admin.sock');
  const f = config(dir, port, sock, '    nbthread 2\n');
  const lb = spawnLb(['-W', '-db', '-f', f]);
  t.teardown(() => lb.kill());
  const t0 = Date.now();
  while (!(await portAccepts(port)) && Date.now() - t0 < 15_000) await new Promise((r) => setTimeout(r, 2));
  t.ok(existsSync(sock), 'the socket file exists');
  // no retry: the very first command after the port opened
  t.match(await cliCommand(sock, 'show info'), /^Name: HAProxy/m, 'the stats socket answers at once');
  // and after a reload it is still the same kind of answer
  process.kill(lb.proc.pid!, 'SIGUSR2');
  for (let i = 0; i < 20; i++) {
    t.match(await cliCommand(sock, 'show info'), /^Name: HAProxy/m, `answer ${i + 1} across the reload`);
    await new Promise((r) => setTimeout(r, 25));
  }
});
