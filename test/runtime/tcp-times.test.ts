/**
 * Mode tcp sessions feed the queue, connect and total time averages of
 * their server and backend, as HAProxy 2.6.12 does (no response time in
 * mode tcp). Observed on the binary: sessions of 300, 500 and 100 ms
 * through `listen` → ttime 302, ttime_max 500, rtime 0.
 */
import t from 'tap';
import { connect, createServer } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startLb } from '../e2e/harness.js';
import { socat } from './helpers.js';

t.test('tcp sessions: ttime averages the sessions, rtime stays 0', async (t) => {
  const echo = createServer((s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  t.teardown(() => echo.close());
  const port = await freePort();
  const sock = join(mkdtempSync(join(tmpdir(), 'lb-tcpt-')), 'admin.sock');
  const lb = await startLb(`global
    stats socket ${sock} level admin
defaults
    mode tcp
    timeout client 30s
    timeout server 30s
    timeout connect 2s
listen tcpx
    bind 127.0.0.1:${port}
    server t1 127.0.0.1:${(echo.address() as { port: number }).port}
`, port);
  t.teardown(() => lb.stop());
  for (const ms of [300, 500, 100]) {
    await new Promise<void>((r) => {
      const s = connect(port, '127.0.0.1', () => { s.write('hi'); setTimeout(() => s.end(), ms); });
      s.on('data', () => undefined);
      s.on('close', () => r());
    });
  }
  await new Promise((r) => setTimeout(r, 200));
  const csv = (await socat(`unix-connect:${sock}`, 'show stat')).split('\n');
  const h = csv[0]!.slice(2).split(',');
  for (const name of ['t1', 'BACKEND']) {
    const row = csv.find((l) => l.startsWith(`tcpx,${name},`))!.split(',');
    const v = (f: string): number => Number(row[h.indexOf(f)]);
    // the start-up probe of the test harness (a connect and a close) is a session too
    const n = v('lbtot');
    t.ok(n >= 3 && n <= 4, `${name}: lbtot ${n}`);
    t.ok(v('ttime') >= Math.floor(900 / n) && v('ttime') <= Math.ceil(1000 / n), `${name}: ttime ${v('ttime')} ≈ (300 + 500 + 100) / ${n}`);
    t.ok(v('ttime_max') >= 500 && v('ttime_max') < 560, `${name}: ttime_max ${v('ttime_max')}`);
    t.equal(v('rtime'), 0, `${name}: no response time in mode tcp`);
    t.ok(v('ctime') <= 5, `${name}: ctime ${v('ctime')}`);
  }
});
