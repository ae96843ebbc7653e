/**
 * Active health checks through the real binary (issue: stopped backends
 * leave the rotation and come back by themselves).
 *
 * The whoami scenario: two backends with `check inter 200 fall 2 rise 2`,
 * 2,000 requests over about 10 s; one backend is stopped after 2 s and
 * started again after 6 s. The client sees no error (retries +
 * redispatch), the stopped backend gets no request between its DOWN and
 * its UP, and it gets traffic again within rise × inter + 1 s of its
 * restart. Then the words lb prints are compared with real haproxy's.
 */
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { freePort, httpBackend, startLb, type LbProcess } from './harness.js';

/** Timestamps of the lines as they appear on lb's stderr. */
function watchLines(lb: LbProcess): Array<{ at: number; line: string }> {
  const out: Array<{ at: number; line: string }> = [];
  let rest = '';
  lb.proc.stderr!.on('data', (d: Buffer) => {
    rest += d.toString();
    const parts = rest.split('\n');
    rest = parts.pop()!;
    for (const line of parts) out.push({ at: Date.now(), line });
  });
  return out;
}

t.test('whoami: a backend stopped and restarted under load', { timeout: 60_000 }, async (t) => {
  const a = await httpBackend('A');
  const b = await httpBackend('B');
  const port = await freePort();
  const cfg = `defaults
    mode http
    timeout connect 100ms
    timeout client 10s
    timeout server 10s
    retries 3
    option redispatch

frontend web
    bind 127.0.0.1:${port}
    default_backend whoami

backend whoami
    balance roundrobin
    option httpchk GET /
    server a 127.0.0.1:${a.port} check inter 200 fall 2 rise 2
    server b 127.0.0.1:${b.port} check inter 200 fall 2 rise 2
`;
  const agent = new Agent({ connections: 10, pipelining: 1 });
  let lb: LbProcess | undefined;
  t.teardown(async () => { await agent.close(); await lb?.stop(); await a.stop(); await b.stop(); });
  lb = await startLb(cfg, port);
  const lines = watchLines(lb);

  const total = 2000;
  const spanMs = 10_000;
  const t0 = Date.now();
  let next = 0;
  let errors = 0;
  let stoppedAt = 0;
  let restartedAt = 0;
  const statuses = new Map<number, number>();
  const timers: Array<Promise<void>> = [
    new Promise<void>((r) => setTimeout(() => { stoppedAt = Date.now(); void b.stop().then(r); }, 2000)),
    new Promise<void>((r) => setTimeout(() => { void b.start().then(() => { restartedAt = Date.now(); r(); }); }, 6000)),
  ];
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++;
      if (i >= total) return;
      // paced: request i leaves at i × 5 ms
      const wait = t0 + (i * spanMs) / total - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      try {
        const r = await request(`http://127.0.0.1:${port}/whoami/${i}`, { dispatcher: agent, headersTimeout: 5000, bodyTimeout: 5000 });
        await r.body.text();
        statuses.set(r.statusCode, (statuses.get(r.statusCode) ?? 0) + 1);
        if (r.statusCode !== 200) errors++;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all([...Array.from({ length: 10 }, worker), ...timers]);
  // let the last checks report
  await new Promise((r) => setTimeout(r, 300));

  const down = lines.find((l) => l.line.includes('Server whoami/b is DOWN'));
  const up = lines.find((l) => l.line.includes('Server whoami/b is UP'));
  t.ok(down, 'b was marked DOWN');
  t.ok(up, 'b was marked UP again');
  // what b saw from clients (its health checks ask for '/')
  const traffic = b.seen.filter((s) => s.url.startsWith('/whoami/'));
  const checks = b.seen.filter((s) => s.url === '/');
  t.ok(checks.length > 10, `b was checked (${checks.length} checks)`);
  const firstBack = traffic.find((s) => s.at >= restartedAt);
  const between = traffic.filter((s) => down && up && s.at > down.at && s.at < up.at - 5);
  const backAfter = firstBack ? firstBack.at - restartedAt : Infinity;
  t.ok(up && firstBack && firstBack.at >= up.at - 5, 'no client request reached b before it was UP');
  t.equal(errors, 0, `0 client errors (statuses: ${JSON.stringify([...statuses])})`);
  t.equal(statuses.get(200), total, 'every request answered 200');
  t.equal(between.length, 0, 'b got no request between its DOWN and its UP');
  t.ok(down && down.at - stoppedAt < 1000, `DOWN ${down ? down.at - stoppedAt : '?'} ms after the stop (fall 2 × inter 200 + check spread)`);
  t.ok(backAfter <= 2 * 200 + 1000, `b served again ${backAfter} ms after its restart (limit rise × inter + 1 s = 1400 ms)`);
  t.ok(traffic.filter((s) => s.at > restartedAt).length > 100, 'b takes its share again');
  t.match(down!.line, /^\[WARNING\]  \(\d+\) : Server whoami\/b is DOWN, reason: Layer4 connection problem, info: "Connection refused", check duration: \d+ms\. 1 active and 0 backup servers left\. \d+ sessions active, 0 requeued, 0 remaining in queue\.$/);
  t.match(up!.line, /^\[WARNING\]  \(\d+\) : Server whoami\/b is UP, reason: Layer7 check passed, code: 200, check duration: \d+ms\. 2 active and 0 backup servers online\. 0 sessions requeued, 0 total in queue\.$/);
  t.comment(`measured: errors ${errors}, requests to b between DOWN and UP ${between.length}, DOWN after ${down ? down.at - stoppedAt : '?'} ms, traffic back ${backAfter} ms after restart, UP after ${up ? up.at - restartedAt : '?'} ms`);
});

const haveHaproxy = spawnSync('haproxy', ['-v']).status === 0;

/** Run `cmd -db -f cfg` for `ms`, return stderr with pids and durations normalized. */
function runFor(cmd: string[], cfg: string, ms: number): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'lb-hc-'));
  const file = join(dir, 'haproxy.cfg');
  writeFileSync(file, cfg);
  return new Promise((resolve) => {
    const p = spawn(cmd[0]!, [...cmd.slice(1), '-db', '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr!.on('data', (d) => { err += d; });
    const timer = setTimeout(() => p.kill('SIGTERM'), ms);
    p.on('exit', () => {
      clearTimeout(timer);
      resolve(err.split('\n')
        .filter((l) => /Server |Health check|has no server/.test(l))
        .map((l) => l.replace(/\(\d+\)/, '(pid)').replace(/check duration: \d+ms/, 'check duration: Nms')));
    });
  });
}

t.test('the words lb prints are haproxy\'s', { skip: haveHaproxy ? false : 'haproxy not installed', timeout: 30_000 }, async (t) => {
  const up = await httpBackend('UP');
  t.teardown(() => up.stop());
  const dead = await freePort();
  const cfgFor = async (lhc: boolean) => `defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
${lhc ? '    option log-health-checks\n' : ''}
frontend f
    bind 127.0.0.1:${await freePort()}
    default_backend be_api

backend be_api
    option httpchk GET /
    server api1 127.0.0.1:${up.port} check inter 300 fall 1
    server api2 127.0.0.1:${dead} check inter 300 fall 1

backend be_tcp
    server only 127.0.0.1:${dead} check inter 300 fall 1
`;
  const env = ['env', '-u', 'NODE_OPTIONS', process.execPath, 'bin/lb'];
  for (const lhc of [false, true]) {
    const mine = await runFor(env, await cfgFor(lhc), 1500);
    const theirs = await runFor(['haproxy'], await cfgFor(lhc), 1500);
    t.same([...mine].sort(), [...theirs].sort(), `same lines${lhc ? ' with option log-health-checks' : ''}:\n${theirs.join('\n')}`);
    t.ok(theirs.length >= 3, 'haproxy printed the transitions');
  }
});

t.test('a backend whose servers are all DOWN answers 503 at once', { timeout: 20_000 }, async (t) => {
  const port = await freePort();
  const dead = await freePort();
  const lb = await startLb(`defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
    retries 3
frontend f
    bind 127.0.0.1:${port}
    default_backend b
backend b
    server s 127.0.0.1:${dead} check inter 100 fall 1
`, port);
  t.teardown(() => lb.stop());
  const end = Date.now() + 5000;
  while (!lb.stderr.includes('has no server available') && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  t.match(lb.stderr, /\[ALERT\]    \(\d+\) : backend 'b' has no server available!/);
  const t0 = Date.now();
  const r = await request(`http://127.0.0.1:${port}/`);
  const body = await r.body.text();
  const took = Date.now() - t0;
  t.equal(r.statusCode, 503);
  t.match(body, /503 Service Unavailable/);
  t.ok(took < 300, `answered in ${took} ms, without connect retries`);
});

t.test('observe layer7: live 5xx answers mark a server down, checks bring it back', { timeout: 20_000 }, async (t) => {
  const { createServer } = await import('node:http');
  let failing = true;
  const srv = createServer((req, res) => {
    if (req.url === '/health') { res.end('ok'); return; }
    res.statusCode = failing ? 500 : 200;
    res.end('x');
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const sport = (srv.address() as import('node:net').AddressInfo).port;
  const port = await freePort();
  const lb = await startLb(`defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
frontend f
    bind 127.0.0.1:${port}
    default_backend b
backend b
    option httpchk GET /health
    server s 127.0.0.1:${sport} check inter 300 rise 2 fall 3 observe layer7 error-limit 3 on-error mark-down
`, port);
  t.teardown(async () => { await lb.stop(); srv.closeAllConnections(); await new Promise((r) => srv.close(r)); });
  for (let i = 0; i < 3; i++) { const r = await request(`http://127.0.0.1:${port}/x`); await r.body.text(); t.equal(r.statusCode, 500); }
  const end = Date.now() + 3000;
  while (!lb.stderr.includes('is UP') && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  failing = false;
  t.match(lb.stderr, /\[WARNING\]  \(\d+\) : Server b\/s is DOWN, reason: Health analyze, info: "Detected 3 consecutive errors, last one was: Wrong http response", check duration: 0ms\. 0 active and 0 backup servers left\./);
  t.match(lb.stderr, /Server b\/s is UP, reason: Layer7 check passed, code: 200/);
  const r = await request(`http://127.0.0.1:${port}/x`);
  await r.body.text();
  t.equal(r.statusCode, 200, 'back in service');
});

t.test('a server marked DOWN: in-flight requests finish, unless on-marked-down shutdown-sessions', { timeout: 30_000 }, async (t) => {
  const { createServer } = await import('node:http');
  let healthy = true;
  const srv = createServer((req, res) => {
    if (req.url === '/health') { res.statusCode = healthy ? 200 : 503; res.end(); return; }
    setTimeout(() => res.end('slow'), 1500);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const sport = (srv.address() as import('node:net').AddressInfo).port;
  t.teardown(async () => { srv.closeAllConnections(); await new Promise((r) => srv.close(r)); });
  for (const kill of [false, true]) {
    healthy = true;
    const port = await freePort();
    const lb = await startLb(`defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
frontend f
    bind 127.0.0.1:${port}
    default_backend b
backend b
    option httpchk GET /health
    server s 127.0.0.1:${sport} check inter 100 fall 1${kill ? ' on-marked-down shutdown-sessions' : ''}
`, port);
    const pending = request(`http://127.0.0.1:${port}/slow`).then(async (r) => ({ status: r.statusCode, body: await r.body.text() }));
    await new Promise((r) => setTimeout(r, 200));
    healthy = false;
    const res = await pending;
    t.match(lb.stderr, /Server b\/s is DOWN, reason: Layer7 wrong status, code: 503, info: "Service Unavailable"/);
    if (kill) t.equal(res.status, 502, 'shutdown-sessions: the client gets a 502');
    else t.same(res, { status: 200, body: 'slow' }, 'default: the in-flight request completes');
    await lb.stop();
  }
});
