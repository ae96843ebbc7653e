/**
 * Stopping a standalone lb (reference §6.3): SIGUSR1 soft stop, SIGTERM
 * hard stop, SIGTTOU/SIGTTIN, SIGHUP, -p, -D (-x: reload-sf.test.ts).
 */
import t from 'tap';
import { connect, createServer, type Socket } from 'node:net';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../e2e/harness.js';
import { loadBackend } from './load.js';
import { spawnLb, until, alive, portAccepts, waitAccepts, fixture, HTTP_DEFAULTS } from './helpers.js';

function cfgFile(port: number, be: number, global = 'hard-stop-after 3s'): string {
  const dir = mkdtempSync(join(tmpdir(), 'lb-stop-'));
  const f = join(dir, 'haproxy.cfg');
  writeFileSync(f, `global
    ${global}
${HTTP_DEFAULTS}    timeout tunnel 30s
frontend fe
    bind 127.0.0.1:${port}
    default_backend be
backend be
    server s1 127.0.0.1:${be}
`);
  return f;
}

/** A raw client connection with everything it received. */
async function client(port: number): Promise<{ s: Socket; data: () => string; closedAt: () => number; wait: (re: RegExp, ms?: number) => Promise<boolean> }> {
  const s = connect(port, '127.0.0.1');
  await new Promise<void>((r, j) => { s.once('connect', () => r()); s.once('error', j); });
  let buf = '';
  let closed = 0;
  s.on('data', (d) => { buf += d.toString('latin1'); });
  s.on('close', () => { closed = Date.now(); });
  s.on('error', () => undefined);
  return {
    s, data: () => buf, closedAt: () => closed,
    wait: (re, ms = 5000) => until(() => re.test(buf), ms),
  };
}

const KA = 'GET / HTTP/1.1\r\nhost: t\r\n\r\n';

t.test('SIGUSR1: finish in-flight work, close idle connections after a grace, keep tunnels until hard-stop-after', async (t) => {
  const be = await loadBackend(1200);
  t.teardown(() => be.close());
  const port = await freePort();
  const lb = spawnLb(['-f', cfgFile(port, be.port)]);
  t.teardown(() => lb.kill('SIGKILL'));
  t.ok(await waitAccepts(port), 'listening');

  const idle = await client(port);
  idle.s.write(KA);
  t.ok(await idle.wait(/ok\n$/), 'idle keep-alive connection served once');
  const late = await client(port);
  late.s.write(KA);
  t.ok(await late.wait(/ok\n$/), 'second keep-alive connection served once');
  const slow = await client(port);
  slow.s.write('GET /slow HTTP/1.1\r\nhost: t\r\n\r\n');
  const ws = await client(port);
  ws.s.write('GET /ws HTTP/1.1\r\nhost: t\r\nconnection: upgrade\r\nupgrade: websocket\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\r\n');
  t.ok(await ws.wait(/^HTTP\/1\.1 101/), 'tunnel established');
  await new Promise((r) => setTimeout(r, 100));

  const t0 = Date.now();
  lb.kill('SIGUSR1');
  await new Promise((r) => setTimeout(r, 200));
  t.notOk(await portAccepts(port), 'no new connection is accepted');
  // a keep-alive client that sends within the grace is answered, with a close
  const before = late.data().length;
  late.s.write(KA);
  t.ok(await late.wait(/connection: close\r\n[\s\S]*ok\n$/), 'request within the grace: answered with connection: close');
  t.ok(late.data().length > before);
  t.ok(await until(() => late.closedAt() > 0, 2000), 'and then closed');
  // the in-flight slow request completes and carries connection: close
  t.ok(await slow.wait(/slow\n$/, 3000), 'in-flight slow request completed');
  t.match(slow.data(), /^HTTP\/1\.1 200 OK\r\n/);
  t.match(slow.data(), /\r\nconnection: close\r\n/i, 'its response says connection: close');
  t.ok(await until(() => slow.closedAt() > 0, 2000), 'slow connection closed after its response');
  // the idle keep-alive connection is closed after the grace (1 s), not at once
  t.ok(await until(() => idle.closedAt() > 0, 3000), 'idle keep-alive connection closed');
  const idleAfter = idle.closedAt() - t0;
  t.ok(idleAfter >= 800 && idleAfter < 2500, `idle connection closed after the grace (${idleAfter} ms)`);
  // the tunnel still works after the grace
  ws.s.write('ping-1\n');
  t.ok(await ws.wait(/ping-1\n/), 'tunnel still relays after the grace');
  t.equal(ws.closedAt(), 0, 'tunnel open');
  // hard-stop-after (3 s) ends it and the process
  t.equal(await lb.exited, 0, 'exit 0');
  const total = Date.now() - t0;
  t.ok(ws.closedAt() > 0 && total >= 2800 && total < 6000, `tunnel closed by hard-stop-after (${total} ms)`);
  t.match(lb.stderr, /\[WARNING\]  \(\d+\) : Proxy fe stopped \(cumulated conns: FE: \d+, BE: 0\)\./);
  t.match(lb.stderr, /Proxy be stopped \(cumulated conns: FE: 0, BE: \d+\)\./);
});

t.test('SIGUSR1 with nothing in flight exits at once', async (t) => {
  const be = await loadBackend(100);
  t.teardown(() => be.close());
  const port = await freePort();
  const lb = spawnLb(['-f', cfgFile(port, be.port, 'hard-stop-after 30s')]);
  t.teardown(() => lb.kill('SIGKILL'));
  t.ok(await until(() => lb.proc.pid !== undefined, 1000));
  await waitAccepts(port);
  const t0 = Date.now();
  lb.kill('SIGUSR1');
  t.equal(await lb.exited, 0);
  t.ok(Date.now() - t0 < 1500, 'no connection: no wait');
});

t.test('SIGTERM: hard stop, in-flight requests get nothing', async (t) => {
  const be = await loadBackend(2000);
  t.teardown(() => be.close());
  const port = await freePort();
  const lb = spawnLb(['-f', cfgFile(port, be.port)]);
  t.teardown(() => lb.kill('SIGKILL'));
  await waitAccepts(port);
  const slow = await client(port);
  slow.s.write('GET /slow HTTP/1.1\r\nhost: t\r\n\r\n');
  await new Promise((r) => setTimeout(r, 200));
  const t0 = Date.now();
  lb.kill('SIGTERM');
  t.equal(await lb.exited, 0);
  t.ok(await until(() => slow.closedAt() > 0, 1000), 'connection closed');
  t.ok(Date.now() - t0 < 1000, 'at once');
  t.equal(slow.data(), '', 'empty reply');
});

t.test('SIGTTOU pauses the listeners, SIGTTIN resumes them; SIGHUP dumps states', async (t) => {
  const be = await loadBackend(100);
  t.teardown(() => be.close());
  const port = await freePort();
  const lb = spawnLb(['-f', cfgFile(port, be.port)]);
  t.teardown(() => lb.kill('SIGKILL'));
  await waitAccepts(port);
  const c = await client(port);
  c.s.write(KA);
  t.ok(await c.wait(/ok\n$/));
  lb.kill('SIGTTOU');
  await lb.waitFor(/Paused frontend fe\./);
  t.notOk(await portAccepts(port), 'paused: refused');
  c.s.write(KA);
  t.ok(await c.wait(/ok\n[\s\S]*ok\n$/), 'an established connection still works');
  lb.kill('SIGTTIN');
  await lb.waitFor(/Resumed frontend fe\./);
  t.ok(await portAccepts(port), 'resumed: accepted');
  lb.kill('SIGHUP');
  await lb.waitFor(/SIGHUP: Proxy be has/);
  t.match(lb.stderr, /\[WARNING\]  \(\d+\) : SIGHUP received, dumping servers states\.\n/);
  t.match(lb.stderr, /SIGHUP: Proxy fe has no servers\. Conn: act\(FE\+BE\): \d+\+0, 0 pend \(0 unass\), tot\(FE\+BE\): \d+\+0\.\n/);
  t.match(lb.stderr, /SIGHUP: Server be\/s1 is UP\. Conn: 0 act, 0 pend, 2 tot\.\n/);
  t.match(lb.stderr, /SIGHUP: Proxy be has 1 active servers and 0 backup servers available\. Conn: act\(FE\+BE\): 0\+0, 0 pend \(0 unass\), tot\(FE\+BE\): 0\+2\.\n/);
  lb.kill('SIGUSR2');
  await new Promise((r) => setTimeout(r, 100));
  t.ok(alive(lb.proc.pid!), 'SIGUSR2 is ignored by a standalone process');
  c.s.destroy();
  lb.kill('SIGINT');
  t.equal(await lb.exited, 0);
});

t.test('-p writes the pid; -D detaches once bound', async (t) => {
  const be = await loadBackend(100);
  t.teardown(() => be.close());
  const port = await freePort();
  const cfg = cfgFile(port, be.port);
  const pidfile = join(mkdtempSync(join(tmpdir(), 'lb-pid-')), 'lb.pid');
  const fg = spawnLb(['-f', cfg, '-p', pidfile]);
  t.teardown(() => fg.kill('SIGKILL'));
  t.ok(await until(() => { try { return readFileSync(pidfile, 'utf8') === `${fg.proc.pid}\n`; } catch { return false; } }), 'pidfile holds the pid');
  fg.kill('SIGTERM');
  await fg.exited;

  const d = spawnLb(['-D', '-f', cfg, '-p', pidfile]);
  const code = await d.exited;
  t.equal(code, 0, 'the parent exits 0');
  const pid = Number(readFileSync(pidfile, 'utf8'));
  t.teardown(() => { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } });
  t.not(pid, d.proc.pid, 'the daemon is another process');
  t.ok(alive(pid), 'the daemon runs');
  t.ok(await portAccepts(port), 'and serves');
  // a daemon that cannot bind (the port held by a socket without SO_REUSEPORT: with it,
  // Node >= 22.12 shares the port as HAProxy does) reports to the terminal with exit 1
  const held = createServer();
  const heldPort = await freePort();
  await new Promise<void>((r) => held.listen(heldPort, '127.0.0.1', r));
  t.teardown(() => held.close());
  const d2 = spawnLb(['-D', '-f', cfgFile(heldPort, be.port)]);
  t.equal(await d2.exited, 1, 'bind failure: exit 1');
  t.match(d2.stderr, /\[ALERT\]    \(\d+\) : Binding \[.*haproxy\.cfg:10\] for frontend fe: cannot bind socket \(Address already in use\) for \[127\.0\.0\.1:\d+\]/);
  t.match(d2.stderr, /Some protocols failed to start their listeners! Exiting\./);
  process.kill(pid, 'SIGUSR1');
  t.ok(await until(() => !alive(pid), 5000), 'the daemon stops on SIGUSR1');
});

t.test('the daemon keyword detaches too, -db keeps it in the foreground', async (t) => {
  const be = await loadBackend(100);
  t.teardown(() => be.close());
  const port = await freePort();
  const cfg = cfgFile(port, be.port, 'daemon');
  const pidfile = join(mkdtempSync(join(tmpdir(), 'lb-pid-')), 'lb.pid');
  const fg = spawnLb(['-db', '-f', cfg, '-p', pidfile]);
  t.teardown(() => fg.kill('SIGKILL'));
  t.ok(await until(() => { try { return readFileSync(pidfile, 'utf8') === `${fg.proc.pid}\n`; } catch { return false; } }), '-db: this process serves');
  fg.kill('SIGTERM');
  await fg.exited;
  const d = spawnLb(['-f', cfg, '-p', pidfile]);
  t.equal(await d.exited, 0, 'daemon keyword: the parent exits 0');
  const pid = Number(readFileSync(pidfile, 'utf8'));
  t.teardown(() => { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } });
  t.not(pid, d.proc.pid);
  t.ok(await portAccepts(port));
  process.kill(pid, 'SIGTERM');
  t.ok(await until(() => !alive(pid), 5000));
});

t.test('global grace: still accepting during the grace, then the soft stop', async (t) => {
  const be = await loadBackend(100);
  t.teardown(() => be.close());
  const port = await freePort();
  const lb = spawnLb(['-f', cfgFile(port, be.port, 'grace 800ms')]);
  t.teardown(() => lb.kill('SIGKILL'));
  await waitAccepts(port);
  const t0 = Date.now();
  lb.kill('SIGUSR1');
  await new Promise((r) => setTimeout(r, 300));
  t.ok(await portAccepts(port), 'accepting during the grace');
  t.equal(await lb.exited, 0);
  t.ok(Date.now() - t0 >= 750, 'stopped after the grace');
});

t.test('SIGHUP and SIGUSR2 while lb is still starting do not end it', async (t) => {
  const { be, port, file: f } = await fixture(t, 'lb-early-');
  // no timeouts: the warning is printed once the config is read, before the listeners bind
  writeFileSync(f, `defaults\n    mode http\nfrontend fe\n    bind 127.0.0.1:${port}\n    default_backend be\nbackend be\n    server s1 127.0.0.1:${be.port}\n`);
  const lb = spawnLb(['-f', f]);
  t.teardown(() => lb.kill('SIGKILL'));
  await lb.waitFor(/missing timeouts for frontend 'fe'/);
  lb.kill('SIGHUP');
  lb.kill('SIGUSR2');
  t.ok(await waitAccepts(port), 'it goes on and serves');
  t.ok(alive(lb.proc.pid!), 'alive');
  lb.kill('SIGINT');
  t.equal(await lb.exited, 0);
});
