/**
 * The runtime API over real health checks: status columns from the checks,
 * disable/enable health, check-port, forced health, and shutdown sessions.
 */
import t from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:net';
import { freePort, startLb } from '../e2e/harness.js';
import { socat, slowBackend, get } from './helpers.js';
import { CSV_HEADER } from '../../src/stats/fields.js';

const H = CSV_HEADER.slice(2).split(',');
const until = async (f: () => Promise<boolean>, ms = 5000): Promise<boolean> => {
  const end = Date.now() + ms;
  while (Date.now() < end) { if (await f()) return true; await new Promise((r) => setTimeout(r, 50)); }
  return false;
};

t.test('checked servers through the socket', async (t) => {
  const a = await slowBackend('a');
  const port = await freePort();
  const closed = await freePort(); // nothing listens here: checks are refused
  const sock = join(mkdtempSync(join(tmpdir(), 'lb-cli-')), 'a.sock');
  const lb = await startLb(`global
    stats socket ${sock} level admin
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 1s
frontend fe
    bind 127.0.0.1:${port}
    default_backend be
backend be
    server a 127.0.0.1:${a.port} check inter 100 fall 2 rise 2
    server b 127.0.0.1:${closed} check inter 100 fall 2 rise 2
`, port);
  t.teardown(async () => { await lb.stop(); await a.close(); });
  const A = `unix-connect:${sock}`;
  const field = async (srv: string, col: string): Promise<string> =>
    (await socat(A, 'show stat be 4 -1')).split('\n').find((l) => l.startsWith(`be,${srv},`))!.split(',')[H.indexOf(col)]!;
  t.ok(await until(async () => (await field('a', 'status')) === 'UP' && (await field('b', 'status')) === 'DOWN'), 'checks settle: a UP, b DOWN');
  t.equal(await field('b', 'check_status'), 'L4CON');
  t.equal(await field('b', 'last_chk'), 'Connection refused');
  t.match(await socat(A, 'show servers state be'), new RegExp(`\\n3 be 2 b 127\\.0\\.0\\.1 0 0 1 1 \\d+ 8 2 0 [67] 0 0 0 - ${closed} - 0 0 - - 0\\n`));
  // move b's checks to a's port: it comes UP
  t.equal(await socat(A, `set server be/b check-port ${a.port}`), '\n');
  t.ok(await until(async () => (await field('b', 'status')) === 'UP'), 'check-port moves the checks');
  t.match(await socat(A, 'show servers state be'), new RegExp(`\\n3 be 2 b 127\\.0\\.0\\.1 2 0 1 1 \\d+ 6 3 3 [67] 0 0 0 - ${closed} - 0 ${a.port} - - 0\\n`));
  // disable health: no check, state kept; enable: checked again
  t.equal(await socat(A, 'disable health be/a'), '\n');
  t.equal(await field('a', 'status'), 'no check');
  t.equal(await field('a', 'check_status'), '');
  t.equal(await socat(A, 'enable health be/a'), '\n');
  t.match(await field('a', 'status'), /^UP/);
  // forced health: down, then the next checks bring it back
  t.equal(await socat(A, 'set server be/a health down'), '\n');
  t.equal(await field('a', 'status'), 'DOWN');
  t.match(lb.stderr, /Server be\/a is DOWN, changed from CLI\. 1 active and 0 backup servers left\./);
  t.ok(await until(async () => (await field('a', 'status')) === 'UP'), 'checks bring it back');
  // shutdown sessions server: the request in flight gets a 502
  t.equal(await socat(A, 'set server be/b state maint'), '\n');
  const before = a.hits;
  const inflight = get(port, '/?ms=2000');
  t.ok(await until(async () => a.hits > before && (await field('a', 'scur')) === '1', 3000), 'the request is on a');
  t.equal(await socat(A, 'shutdown sessions server be/a'), '\n');
  t.equal((await inflight).status, 502);
});
