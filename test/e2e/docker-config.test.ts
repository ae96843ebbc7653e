/**
 * Scenario B: the typical Docker haproxy.cfg runs as-is, with only the two
 * server addresses and the bind port changed to loopback. `chroot`,
 * `user`/`group`, `daemon`, `log /dev/log` and the stats socket line must
 * not stop traffic; lb says what it does not apply. It runs as the official
 * image runs HAProxy: `-W -db` (master-worker, foreground despite `daemon`).
 */
import t from 'tap';
import { request } from 'undici';
import { freePort, httpBackend, startLb } from './harness.js';

t.test('the Docker config serves as-is', async (t) => {
  const a = await httpBackend('server1');
  const b = await httpBackend('server2');
  const port = await freePort();
  const sock = `/tmp/lb-e2e-admin-${process.pid}.sock`;
  const cfg = `global
    log /dev/log    local0
    log /dev/log    local1 notice
    chroot /var/lib/haproxy
    stats socket ${sock} mode 660 level admin expose-fd listeners
    stats timeout 30s
    user haproxy
    group haproxy
    daemon

defaults
    log     global
    mode    http
    option  httplog
    option  dontlognull
    timeout connect 5000
    timeout client  50000
    timeout server  50000

frontend http_front
    bind *:${port}
    default_backend http_back

backend http_back
    balance roundrobin
    server server1 127.0.0.1:${a.port} check
    server server2 127.0.0.1:${b.port} check
`;
  let lb: Awaited<ReturnType<typeof startLb>> | undefined;
  t.teardown(async () => { await lb?.stop(); await a.stop(); await b.stop(); });
  lb = await startLb(cfg, port, ['-W', '-db']);
  const seen: string[] = [];
  for (let i = 0; i < 6; i++) {
    const r = await request(`http://127.0.0.1:${port}/`);
    t.equal(r.statusCode, 200);
    seen.push((await r.body.text()).trim());
  }
  t.same(seen, ['server1', 'server2', 'server1', 'server2', 'server1', 'server2']);
  t.match(lb.stderr, /'chroot \/var\/lib\/haproxy' is not applied/, 'chroot: says why it is not applied');
  t.equal(lb.proc.exitCode, null, 'daemon with -db: the process started stays in the foreground');
  t.match(lb.stderr, /\[NOTICE\]   \(\d+\) : New worker \(\d+\) forked\n/, 'master-worker');
});
