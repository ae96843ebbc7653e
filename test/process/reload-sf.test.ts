/**
 * Classic reloads without a master: 20 times `lb -f cfg -p pidfile -sf
 * <old pid>` under the same load as the master test. HAProxy's sequence:
 * the new process binds, writes the pidfile, then soft-stops the old one,
 * which finishes its requests and tunnels.
 *
 * The new process takes the old one's listening sockets: with -x from its
 * stats socket (`expose-fd listeners`), without -x over the private channel
 * an old lb opens when asked (SIGURG, process/xfer.ts). One socket passes
 * from process to process, so nothing is refused or reset on any Node.js
 * (binding anew would leave a window on Node.js < 22.12, which cannot share
 * a port between unrelated processes, and reset the old accept queue on the
 * others). Everything accepted must be served, every slow request complete.
 */
import t, { type Test } from 'tap';
import { mkdtempSync, writeFileSync, readFileSync, existsSync, statSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { offerPath, fetchListeners } from '../../src/process/xfer.js';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../e2e/harness.js';
import { loadBackend, runLoad } from './load.js';
import { spawnLb, until, alive, portAccepts, waitAccepts, fixture, type Proc, HTTP_DEFAULTS } from './helpers.js';

const RELOADS = 20;

/**
 * 20 reloads under load; with `xfer`, each new process takes the listening
 * sockets of the old one (-x and `expose-fd listeners`).
 */
async function sfReloads(t: Test, xfer: boolean): Promise<void> {
  const { be, port, dir, file: cfg } = await fixture(t, 'lb-sf-', 2000);
  const pidfile = join(dir, 'lb.pid');
  const sock = join(dir, 'admin.sock');
  writeFileSync(cfg, `global
    hard-stop-after 30s
${xfer ? `    stats socket ${sock} mode 600 level admin expose-fd listeners\n` : ''}${HTTP_DEFAULTS}    timeout tunnel 30s
frontend fe
    bind 127.0.0.1:${port}
    default_backend be
backend be
    server s1 127.0.0.1:${be.port}
`);
  const procs: Proc[] = [];
  t.teardown(() => { for (const p of procs) p.kill('SIGKILL'); });
  const readPid = (): number => { try { return Number(readFileSync(pidfile, 'utf8').trim()); } catch { return 0; } };
  let cur = spawnLb(['-f', cfg, '-p', pidfile]);
  procs.push(cur);
  t.ok(await until(() => readPid() === cur.proc.pid, 10000), 'first process bound and wrote its pidfile');
  t.ok(await portAccepts(port));

  const load = runLoad(port, { keepAlive: 20, close: 15, slow: 10, ws: 8 });
  await new Promise((r) => setTimeout(r, 500));
  for (let i = 0; i < RELOADS; i++) {
    const old = cur;
    cur = spawnLb(['-f', cfg, '-p', pidfile, ...(xfer ? ['-x', sock] : []), '-sf', String(old.proc.pid)]);
    procs.push(cur);
    const ok = await until(() => readPid() === cur.proc.pid || cur.proc.exitCode !== null, 15000);
    if (!ok || cur.proc.exitCode !== null) { t.fail(`reload ${i + 1} failed: ${cur.stderr}`); break; }
  }
  t.pass(`${RELOADS} reloads by ${xfer ? '-x -sf' : '-sf'}`);
  await new Promise((r) => setTimeout(r, 300));
  await load.stop();
  const c = load.counts;
  const how = xfer ? 'sockets taken over (-x)' : 'sockets taken over (SIGURG offer)';
  t.comment(`${xfer ? '-x -sf' : '-sf'} (${how}): ${c.connections} connections, ${c.ok} requests, ${c.slowOk}/${c.slowStarted} slow, ${c.wsSessions} websockets, refused ${c.refused}, reset before accept ${c.resetBeforeAccept}, failed ${c.failed}, bad status ${c.badStatus}`);
  if (c.errors.length) t.comment(c.errors.join('\n'));
  // one socket passes from process to process: nothing is ever unbound nor dropped from a queue
  t.equal(c.refused, 0, '0 refused connections');
  t.equal(c.resetBeforeAccept, 0, '0 connections reset before being accepted');
  t.equal(c.failed, 0, '0 failed requests among accepted connections');
  t.equal(c.badStatus, 0, '0 unexpected statuses');
  t.equal(c.slowOk, c.slowStarted, 'every slow request completed');
  t.ok(c.ok > 0 && c.wsSessions > 0 && c.slowStarted > 0, 'every kind of traffic ran');

  // every old process finishes its work and exits; only the last one remains
  const olds = procs.slice(0, -1);
  t.same(olds.map((p) => offerPath(p.proc.pid!)).filter((f) => existsSync(f)), [], 'no offer socket left behind');
  t.ok(await until(() => olds.every((p) => !alive(p.proc.pid!)), 15000), 'every old process exited');
  for (const p of olds) t.equal(await p.exited, 0, `old ${p.proc.pid} exited 0`);
  t.ok(alive(cur.proc.pid!), 'the last one serves');
  cur.kill('SIGUSR1');
  t.equal(await cur.exited, 0);
}

t.test('20 -sf reloads under load', { timeout: 120000 }, (t) => sfReloads(t, false));

t.test('20 -x -sf reloads under load: the new process takes the listening sockets', { timeout: 120000 }, (t) => sfReloads(t, true));

t.test('-x without expose-fd listeners: HAProxy\'s two messages, exit 1, the old process serves on', async (t) => {
  const { be, port, dir, file: cfg } = await fixture(t, 'lb-sf-');
  const sock = join(dir, 'admin.sock');
  writeFileSync(cfg, `global
    stats socket ${sock} mode 600 level admin
${HTTP_DEFAULTS}frontend fe
    bind 127.0.0.1:${port}
    default_backend be
backend be
    server s1 127.0.0.1:${be.port}
`);
  const a = spawnLb(['-f', cfg]);
  t.teardown(() => a.kill('SIGKILL'));
  t.ok(await waitAccepts(port), 'the old process serves');
  // HAProxy 2.6.12 answers nothing on such a socket, and closes
  const reply = await new Promise<string>((r) => {
    const c = connect(sock);
    let got = '';
    c.on('data', (d) => { got += d.toString('latin1'); });
    c.on('close', () => r(got));
    c.on('error', () => r('error'));
    c.end('_getsocks\n');
  });
  t.equal(reply, '', '_getsocks without expose-fd: no answer');
  const b = spawnLb(['-f', cfg, '-x', sock, '-sf', String(a.proc.pid)]);
  t.equal(await b.exited, 1, 'exit 1');
  t.match(b.stderr, /\[WARNING\]  \(\d+\) : Failed to get the number of sockets to be transferred !\n\[ALERT\]    \(\d+\) : Failed to get the sockets from the old process!\n/);
  t.ok(alive(a.proc.pid!), 'the old process was not told to stop');
  t.ok(await portAccepts(port), 'and serves');
  const c = spawnLb(['-f', cfg, '-x', join(dir, 'nothing.sock'), '-sf', String(a.proc.pid)]);
  t.equal(await c.exited, 1, 'an unreachable socket: exit 1 too');
  t.match(c.stderr, /Failed to get the sockets from the old process!/);
  a.kill('SIGUSR1');
  t.equal(await a.exited, 0);
});

t.test('a failed -sf reload resumes the old process (SIGTTIN); the next one succeeds', async (t) => {
  const be = await loadBackend(100);
  t.teardown(() => be.close());
  const busy = await loadBackend(100); // holds a port the bad configuration wants
  t.teardown(() => busy.close());
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'lb-sf-'));
  const cfg = (extra: string): string => `${HTTP_DEFAULTS}frontend fe
    bind 127.0.0.1:${port}
${extra}    default_backend be
backend be
    server s1 127.0.0.1:${be.port}
`;
  const good = join(dir, 'good.cfg');
  const bad = join(dir, 'bad.cfg');
  writeFileSync(good, cfg(''));
  writeFileSync(bad, cfg(`    bind 127.0.0.1:${busy.port}\n`));
  const a = spawnLb(['-f', good]);
  t.teardown(() => a.kill('SIGKILL'));
  t.ok(await waitAccepts(port));
  const b = spawnLb(['-f', bad, '-sf', String(a.proc.pid)]);
  t.equal(await b.exited, 1, 'the new process cannot bind everything: exit 1');
  t.match(b.stderr, /cannot bind socket \(Address already in use\)/);
  t.match(b.stderr, /Some protocols failed to start their listeners! Exiting\./);
  await a.waitFor(/Resumed frontend fe\./);
  t.match(a.stderr, /Paused frontend fe\.\n[\s\S]*Resumed frontend fe\.\n/, 'the old process paused, then resumed');
  t.ok(await portAccepts(port), 'the old process serves again');
  t.ok(alive(a.proc.pid!));
  const c = spawnLb(['-f', good, '-sf', String(a.proc.pid)]);
  t.teardown(() => c.kill('SIGKILL'));
  t.equal(await a.exited, 0, 'a good reload then finishes the old process');
  t.ok(await portAccepts(port), 'the new process serves');
  c.kill('SIGTERM');
  await c.exited;
});

t.test('-sf naming a process that is not lb: it ignores the offer request, lb binds as usual', async (t) => {
  const { be, port, file: cfg } = await fixture(t, 'lb-sf-');
  writeFileSync(cfg, `${HTTP_DEFAULTS}frontend fe
    bind 127.0.0.1:${port}
    default_backend be
backend be
    server s1 127.0.0.1:${be.port}
`);
  const other = spawn('sleep', ['30'], { stdio: 'ignore' });
  t.teardown(() => other.kill('SIGKILL'));
  const gone = new Promise<NodeJS.Signals | null>((r) => other.once('exit', (_c, sig) => r(sig)));
  const t0 = Date.now();
  const lb = spawnLb(['-f', cfg, '-sf', String(other.pid)]);
  t.teardown(() => lb.kill('SIGKILL'));
  t.ok(await waitAccepts(port, 5000), 'lb serves');
  t.ok(Date.now() - t0 < 3000, `within 3 s (${Date.now() - t0} ms)`);
  t.equal(await gone, 'SIGUSR1', 'the old pid is then told to finish (SIGUSR1)');
  lb.kill('SIGUSR1');
  t.equal(await lb.exited, 0);
});

t.test('the offer: one private socket at a time, mode 600, gone once used', async (t) => {
  const { be, port, file } = await fixture(t, 'lb-sf-');
  writeFileSync(file, `${HTTP_DEFAULTS}frontend fe
    bind 127.0.0.1:${port}
    default_backend be
backend be
    server s1 127.0.0.1:${be.port}
`);
  const lb = spawnLb(['-f', file]);
  t.teardown(() => lb.kill('SIGKILL'));
  t.ok(await waitAccepts(port), 'serving');
  const path = offerPath(lb.proc.pid!);
  // (lb listens for it once serving: the port may accept a moment before)
  t.ok(await until(() => { process.kill(lb.proc.pid!, 'SIGURG'); return existsSync(path); }, 2000), 'offered on SIGURG');
  const st = statSync(path);
  t.ok(st.isSocket(), 'a unix socket');
  t.equal(st.mode & 0o777, 0o600, 'mode 600');
  // a second request while the first offer is open leaves it as it is
  process.kill(lb.proc.pid!, 'SIGURG');
  await new Promise((r) => setTimeout(r, 100));
  t.equal(statSync(path).ino, st.ino, 'the same socket');
  const got = await fetchListeners(path);
  t.same([...got.keys()], [`ipv4@127.0.0.1:${port}`], 'the frontend\'s listening socket');
  for (const h of got.values()) (h as { close(): void }).close();
  t.notOk(existsSync(path), 'removed once used');
  // not used: removed at exit
  process.kill(lb.proc.pid!, 'SIGURG');
  t.ok(await until(() => existsSync(path), 2000), 'offered again');
  lb.kill('SIGUSR1');
  t.equal(await lb.exited, 0);
  t.notOk(existsSync(path), 'an offer still open is removed as the process exits');
});
