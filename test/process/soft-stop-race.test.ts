/**
 * Soft stop and the keep-alive race: when the idle grace ends while the
 * event loop is busy, a request that already reached an idle connection's
 * socket is read and answered (with `connection: close`), not dropped with
 * the connection. The runtime runs in this process so that the test can
 * keep its event loop busy across the end of the grace.
 */
import t from 'tap';
import { connect } from 'node:net';
import { createServer } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../e2e/harness.js';
import { serve, type Served } from '../../src/process/serve.js';

const busy = (ms: number): void => { const end = Date.now() + ms; while (Date.now() < end) { /* the loop is busy */ } };

t.test('a request that arrives as the idle grace ends is answered, not reset', async (t) => {
  const be = createServer((_q, s) => s.end('ok'));
  await new Promise<void>((r) => be.listen(0, '127.0.0.1', r));
  t.teardown(() => be.close());
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'lb-race-'));
  const f = join(dir, 'haproxy.cfg');
  writeFileSync(f, `defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend fe
    bind 127.0.0.1:${port}
    default_backend be
backend be
    server s1 127.0.0.1:${(be.address() as { port: number }).port}
`);
  const lines: string[] = [];
  const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l) };
  const served = await serve([f], { env: process.env }, io, { installSignals: false }) as Served;
  t.equal(typeof served, 'object', 'serving');

  const s = connect(port, '127.0.0.1');
  let got = '';
  let closed = false;
  s.on('data', (d) => { got += d.toString('latin1'); });
  s.on('close', () => { closed = true; });
  s.on('error', () => undefined);
  const req = 'GET / HTTP/1.1\r\nhost: t\r\n\r\n';
  s.write(req);
  for (let i = 0; i < 200 && !got.endsWith('ok'); i++) await new Promise((r) => setTimeout(r, 10));
  t.match(got, /^HTTP\/1\.1 200 /, 'first response');
  got = '';

  const stopped = served.runtime.softStop(100);
  // the connection is idle; its next request is written, then the loop stays busy past the grace
  // (in the check phase: the next loop turn starts with the timers, before any read)
  await new Promise((r) => setTimeout(r, 50));
  await new Promise<void>((r) => setImmediate(() => { s.write(req); busy(150); r(); }));
  await stopped;
  for (let i = 0; i < 200 && !closed; i++) await new Promise((r) => setTimeout(r, 10));
  t.match(got, /^HTTP\/1\.1 200 /, 'the request that raced the grace got its response');
  t.match(got, /\r\nconnection: close\r\n/i, 'with connection: close');
  t.ok(closed, 'then the connection closed');
});
