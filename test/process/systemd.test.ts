/**
 * -Ws: master-worker with systemd's notify protocol (Debian's haproxy.service
 * runs `haproxy -Ws` with Type=notify, and `-Ws -c -q -S ...` on reload). The
 * datagrams HAProxy 2.6.12 sends were observed on a receiver standing in for
 * systemd: READY=1 with MAINPID once serving, RELOADING=1 then READY=1 around
 * each reload (a failed one too), STOPPING=1 at stop.
 */
import t from 'tap';
import { createRequire } from 'node:module';
import { mkdtempSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../e2e/harness.js';
import { spawnLb, until, waitAccepts } from './helpers.js';

type Dgram = { bind(path: string): void; close(): void };
const unixDgram = (() => {
  try { return createRequire(import.meta.url)('unix-dgram') as { createSocket(type: 'unix_dgram', cb: (msg: Buffer) => void): Dgram }; } catch { return undefined; }
})();

t.test('-Ws notifies systemd: ready, reloading, ready again, stopping', { skip: unixDgram ? false : 'the optional unix-dgram module is not built for this Node' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lb-sd-'));
  const notifyPath = join(dir, 'notify.sock');
  const got: string[] = [];
  const rx = unixDgram!.createSocket('unix_dgram', (m) => { got.push(m.toString('latin1')); });
  rx.bind(notifyPath);
  t.teardown(() => rx.close());
  const port = await freePort();
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(cfg, `defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 1s
frontend fe
    bind 127.0.0.1:${port}
    http-request return status 200 content-type text/plain string ok
`);
  const lb = spawnLb(['-Ws', '-f', cfg, '-S', join(dir, 'master.sock')], { env: { NOTIFY_SOCKET: notifyPath } });
  t.teardown(() => lb.kill('SIGKILL'));
  const pid = lb.proc.pid!;
  t.ok(await until(() => got.length >= 1, 10000), 'a notification');
  t.same(got, [`READY=1\nMAINPID=${pid}`], 'READY=1 with the master pid, once serving');
  t.ok(await waitAccepts(port), 'serving');
  lb.kill('SIGUSR2');
  t.ok(await until(() => got.length >= 3, 10000));
  t.same(got.slice(1), ['RELOADING=1', `READY=1\nMAINPID=${pid}`], 'a reload: RELOADING=1, then READY=1');
  appendFileSync(cfg, 'garbage\n');
  lb.kill('SIGUSR2');
  await lb.waitFor(/Loading failure!/);
  t.ok(await until(() => got.length >= 5, 10000));
  t.same(got.slice(3), ['RELOADING=1', `READY=1\nMAINPID=${pid}`], 'a failed reload: READY=1 again (the workers serve on)');
  lb.kill('SIGTERM');
  await lb.exited;
  t.ok(await until(() => got.length >= 6, 2000));
  t.equal(got[5], 'STOPPING=1', 'STOPPING=1 at stop');
});

t.test('-Ws -c -q -S (a Debian ExecReload line) checks the configuration', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lb-sd-'));
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(cfg, `defaults\n    mode http\n    timeout client 5s\n    timeout server 5s\n    timeout connect 1s\nfrontend fe\n    bind 127.0.0.1:${await freePort()}\n`);
  const r = spawnLb(['-Ws', '-f', cfg, '-c', '-q', '-S', join(dir, 'master.sock')]);
  t.equal(await r.exited, 0, `exit 0 ${r.stderr}`);
  t.equal(r.stdout + r.stderr, '', 'quiet');
});
