/**
 * The scheduler on a driven clock: spreading, intervals, timeouts, the
 * words of every transition (compared with haproxy 2.6.12's own lines in
 * the same scenario), and what state changes do to traffic.
 */
import t from 'tap';
import { fake, replyAfter, rig, nodur, type Fake } from './harness.js';
import { slowstartEweight } from '../../src/lb/index.js';

const HEAD = `defaults
  mode http
  timeout connect 1s
  timeout client 5s
  timeout server 5s
`;

/** An HTTP server whose answer the test switches. */
async function switchable() {
  const st = { code: 200 };
  const f = await fake(replyAfter(() => st.code === 200 ? 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n' : 'HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n'));
  return Object.assign(f, { st });
}

t.test('first checks are spread over the smallest interval', async (t) => {
  const f = await fake(() => undefined);
  t.teardown(() => f.close());
  const r = await rig(`${HEAD}backend b\n${[1, 2, 3, 4].map((i) => `  server s${i} 127.0.0.1:${f.port} check inter 2s\n`).join('')}backend c\n  server x 127.0.0.1:${f.port} check inter 4s\n`);
  t.teardown(() => r.stop());
  // 5 tasks, smallest interval 2 s: 0, 400, 800, 1200, 1600 ms
  t.same(r.clock.pending(), [0, 400, 800, 1200, 1600]);
});

t.test('inter, fastinter, downinter follow the health', async (t) => {
  const s = await switchable();
  t.teardown(() => s.close());
  const r = await rig(`${HEAD}backend b\n  option httpchk\n  server s 127.0.0.1:${s.port} check inter 1000 fastinter 300 downinter 5000 rise 2 fall 2\n`);
  t.teardown(() => r.stop());
  const task = r.sched.tasks[0]!;
  t.equal(r.sched.interval(task), 300, 'not checked yet (health = rise): fastinter');
  await r.step(0);
  t.equal(r.sched.interval(task), 1000, 'fully UP: inter');
  t.same(r.clock.pending(), [1000]);
  s.st.code = 500;
  await r.step(1000);
  t.equal(r.sched.interval(task), 300, 'UP 1/2: fastinter');
  t.same(r.clock.pending(), [300]);
  await r.step(300);
  t.equal(r.backends[0]!.servers[0]!.op, 'DOWN');
  t.equal(r.sched.interval(task), 5000, 'fully DOWN: downinter');
  t.same(r.clock.pending(), [5000]);
  s.st.code = 200;
  await r.step(5000);
  t.equal(r.sched.interval(task), 300, 'DOWN 1/2: fastinter');
  await r.step(300);
  t.equal(r.backends[0]!.servers[0]!.op, 'UP');
});

t.test('spread-checks adds up to ±P % to each interval', async (t) => {
  const f = await fake(() => undefined);
  t.teardown(() => f.close());
  for (const [rnd, want] of [[0, 1100], [0.5, 1000], [0.9999, 901]] as const) {
    const r = await rig(`${HEAD}backend b\n  server s 127.0.0.1:${f.port} check inter 1000 rise 1 fall 1\n`, { spread: 10, random: () => rnd });
    await r.step(0);
    t.same(r.clock.pending(), [want], `random ${rnd}`);
    r.stop();
  }
});

t.test('check timeouts', async (t) => {
  const hang = await fake(() => undefined);
  t.teardown(() => hang.close());
  const cases: Array<[string, number]> = [
    ['', 1000], // no timeout check: inter
    ['  timeout connect 300ms\n  timeout check 1500ms\n', 1500], // observed 1502 ms
    ['  timeout connect 1s\n  timeout check 300ms\n', 1000], // observed 1000 ms
  ];
  for (const [tm, want] of cases) {
    const r = await rig(`${HEAD}backend b\n${tm}  option httpchk GET /\n  server s 127.0.0.1:${hang.port} check inter 1000 fall 1\n`);
    r.clock.advance(0);
    await new Promise((res) => setTimeout(res, 50));
    r.clock.advance(want - 1);
    await new Promise((res) => setTimeout(res, 20));
    const st = r.backends[0]!.servers[0]!.check!;
    t.equal(st.status, 'INI', `${tm || 'no timeout check'}: still running at ${want - 1} ms`);
    await r.step(1);
    t.equal(st.status, 'L7TOUT');
    t.equal(st.duration, want);
    r.stop();
  }
});

t.test('transitions, word for word as haproxy 2.6.12 printed them', async (t) => {
  const s = await switchable();
  t.teardown(() => s.close());
  const r = await rig(`${HEAD}backend b1\n  option log-health-checks\n  option httpchk GET /\n  server s 127.0.0.1:${s.port} check inter 500 rise 2 fall 2\n  server bk 127.0.0.1:${s.port} check inter 500 rise 2 fall 2 backup\n`);
  t.teardown(() => r.stop());
  // the two tasks run 250 ms apart; step through 500 ms periods
  await r.step(0); await r.step(250);
  s.st.code = 500;
  await r.step(250); await r.step(250); await r.step(250); await r.step(250);
  s.st.code = 200;
  await r.step(250); await r.step(250); await r.step(250); await r.step(250);
  t.same(r.lines().map(nodur), [
    'Health check for server b1/s succeeded, reason: Layer7 check passed, code: 200, check duration: Nms, status: 2/2 UP.',
    'Health check for backup server b1/bk succeeded, reason: Layer7 check passed, code: 200, check duration: Nms, status: 2/2 UP.',
    'Health check for server b1/s failed, reason: Layer7 wrong status, code: 500, info: "Internal Server Error", check duration: Nms, status: 1/2 UP.',
    'Health check for backup server b1/bk failed, reason: Layer7 wrong status, code: 500, info: "Internal Server Error", check duration: Nms, status: 1/2 UP.',
    'Health check for server b1/s failed, reason: Layer7 wrong status, code: 500, info: "Internal Server Error", check duration: Nms, status: 0/2 DOWN.',
    'Server b1/s is DOWN. 0 active and 1 backup servers left. Running on backup. 0 sessions active, 0 requeued, 0 remaining in queue.',
    'Health check for backup server b1/bk failed, reason: Layer7 wrong status, code: 500, info: "Internal Server Error", check duration: Nms, status: 0/2 DOWN.',
    'Backup Server b1/bk is DOWN. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
    'backend b1 has no server available!',
    'Health check for server b1/s succeeded, reason: Layer7 check passed, code: 200, check duration: Nms, status: 1/2 DOWN.',
    'Health check for backup server b1/bk succeeded, reason: Layer7 check passed, code: 200, check duration: Nms, status: 1/2 DOWN.',
    'Health check for server b1/s succeeded, reason: Layer7 check passed, code: 200, check duration: Nms, status: 2/2 UP.',
    'Server b1/s is UP. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.',
    'Health check for backup server b1/bk succeeded, reason: Layer7 check passed, code: 200, check duration: Nms, status: 2/2 UP.',
    'Backup Server b1/bk is UP. 1 active and 1 backup servers online. 0 sessions requeued, 0 total in queue.',
  ]);
  const sev = r.events.map((e) => e.severity);
  t.equal(sev[5], 1, 'DOWN is an alert');
  t.equal(sev[8], 0, '"no server available" is emerg');
  t.equal(sev[12], 5, 'UP is a notice');
  t.equal(r.backends[0]!.servers[0]!.chkfail, 2);
  t.equal(r.backends[0]!.servers[0]!.chkdown, 1);
});

t.test('without log-health-checks the DOWN/UP lines carry the reason', async (t) => {
  const s = await switchable();
  t.teardown(() => s.close());
  const r = await rig(`${HEAD}backend be_web\n  option httpchk GET /\n  server web2 127.0.0.1:${s.port} check inter 500 rise 1 fall 1\n  server web1 127.0.0.1:${s.port} check inter 500 rise 1 fall 1 weight 0\n  server bk 127.0.0.1:9 backup\n`);
  t.teardown(() => r.stop());
  s.st.code = 500;
  await r.step(0);
  s.st.code = 200;
  await r.step(500);
  t.same(r.lines().map(nodur).slice(0, 1), [
    'Server be_web/web2 is DOWN, reason: Layer7 wrong status, code: 500, info: "Internal Server Error", check duration: Nms. 0 active and 1 backup servers left. Running on backup. 0 sessions active, 0 requeued, 0 remaining in queue.',
  ]);
  t.ok(r.lines().map(nodur).includes('Server be_web/web2 is UP, reason: Layer7 check passed, code: 200, check duration: Nms. 1 active and 1 backup servers online. 0 sessions requeued, 0 total in queue.'));
});

t.test('flapping with rise 2 fall 3 never changes state', async (t) => {
  const s = await switchable();
  t.teardown(() => s.close());
  const r = await rig(`${HEAD}backend b\n  option httpchk\n  server s 127.0.0.1:${s.port} check inter 100 rise 2 fall 3\n`);
  t.teardown(() => r.stop());
  await r.step(0);
  const srv = r.backends[0]!.servers[0]!;
  for (let i = 0; i < 30; i++) {
    s.st.code = i % 2 === 0 ? 500 : 200;
    await r.step(100);
    t.equal(srv.op, 'UP');
  }
  t.same(r.lines(), [], 'no state change, no message');
  t.equal(srv.chkdown, 0);
});

t.test('on-marked-down shutdown-sessions kills the server\'s connections; default keeps them', async (t) => {
  const s = await switchable();
  t.teardown(() => s.close());
  for (const kill of [true, false]) {
    const r = await rig(`${HEAD}backend b\n  option httpchk\n  server s 127.0.0.1:${s.port} check inter 500 fall 1${kill ? ' on-marked-down shutdown-sessions' : ''}\n`);
    const be = r.backends[0]!;
    const srv = be.servers[0]!;
    const sock = await new Promise<import('node:net').Socket>((res, rej) => be.connect(srv, { src: '', uri: '', header: () => undefined, random: Math.random }, 80, false, (err, out) => err ? rej(new Error(err)) : res(out!.sock)));
    s.st.code = 500;
    await r.step(0);
    t.equal(srv.op, 'DOWN');
    await new Promise((res) => setTimeout(res, 20));
    t.equal(sock.destroyed, kill, kill ? 'killed' : 'in-flight connection continues');
    sock.destroy();
    s.st.code = 200;
    r.stop();
  }
});

t.test('slowstart ramps the effective weight, then UP', async (t) => {
  const s = await switchable();
  t.teardown(() => s.close());
  const r = await rig(`${HEAD}backend b\n  option httpchk\n  server s 127.0.0.1:${s.port} check inter 1000 rise 1 fall 1 weight 100 slowstart 10s\n`);
  t.teardown(() => r.stop());
  const srv = r.backends[0]!.servers[0]!;
  await r.step(0);
  t.equal(srv.op, 'UP', 'never a ramp at start-up');
  t.equal(srv.eweight, undefined);
  s.st.code = 500;
  await r.step(1000);
  t.equal(srv.op, 'DOWN');
  s.st.code = 200;
  await r.step(1000);
  t.equal(srv.op, 'STARTING');
  t.equal(srv.usable, true);
  const seen: number[] = [srv.eweight!];
  for (let i = 1; i <= 10; i++) { await r.step(1000); seen.push(srv.eweight ?? -1); }
  t.same(seen.slice(0, 10), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((sec) => slowstartEweight(100, sec * 1000, 10000)));
  t.equal(srv.op, 'UP');
  t.equal(seen[10], -1, 'ramp over: weight × 16 again');
});

t.test('observe layer4 + error-limit + on-error', async (t) => {
  const s = await switchable();
  t.teardown(() => s.close());
  for (const mode of ['mark-down', 'sudden-death', 'fail-check', 'fastinter'] as const) {
    const r = await rig(`${HEAD}backend b\n  option log-health-checks\n  option httpchk\n  server s 127.0.0.1:${s.port} check inter 2000 fastinter 200 rise 2 fall 3 observe layer4 error-limit 3 on-error ${mode}\n`);
    const srv = r.backends[0]!.servers[0]!;
    await r.step(0);
    t.equal(srv.check!.health, 4);
    for (let i = 0; i < 3; i++) srv.observe!('L4 unsuccessful connection');
    const h = srv.check!.health;
    if (mode === 'mark-down') {
      t.equal(srv.op, 'DOWN');
      t.equal(srv.check!.status, 'HANA');
      t.match(r.lines().map(nodur).slice(1), [/Health check for server b\/s failed, reason: Health analyze, info: "Detected 3 consecutive errors, last one was: L4 unsuccessful connection", check duration: Nms, status: 0\/2 DOWN\./]);
      // passing checks bring it back (haproxy#1234)
      await r.step(200); await r.step(200);
      t.equal(srv.op, 'UP', 'active checks bring a passively marked-down server back');
    } else if (mode === 'sudden-death') {
      t.equal(h, 2, 'one failure left');
      t.equal(srv.op, 'UP');
    } else if (mode === 'fail-check') {
      t.equal(h, 3, 'one failed check');
    } else {
      t.equal(h, 4, 'health unchanged');
    }
    if (mode !== 'mark-down') t.same(r.clock.pending(), [200], 'next check at fastinter');
    // successes reset the count
    srv.observe!('x'); srv.observe!('x'); srv.observe!(undefined); srv.observe!('x'); srv.observe!('x');
    t.equal(srv.check!.health, mode === 'mark-down' ? 4 : h, 'no action without error-limit consecutive errors');
    r.stop();
  }
});

t.test('observe layer7 counts bad statuses from live traffic', async (t) => {
  const r = await rig(`${HEAD}backend b\n  server s 127.0.0.1:9 check inter 2000 observe layer7 error-limit 2 on-error mark-down\n`);
  t.teardown(() => r.stop());
  const srv = r.backends[0]!.servers[0]!;
  t.equal(srv.observeL7, true);
  srv.observe!('Wrong http response');
  srv.observe!('Wrong http response');
  t.equal(srv.op, 'DOWN');
});

t.test('MAINT pauses health checks', async (t) => {
  const s = await switchable();
  t.teardown(() => s.close());
  const r = await rig(`${HEAD}backend b\n  option httpchk\n  server s 127.0.0.1:${s.port} check inter 500 disabled\n`);
  t.teardown(() => r.stop());
  await r.step(0); await r.step(500);
  t.equal(s.conns, 0, 'no check while in MAINT');
  t.equal(r.backends[0]!.servers[0]!.check!.status, 'INI');
});

t.test('stop() ends every timer', async (t) => {
  const f: Fake = await fake(() => undefined);
  t.teardown(() => f.close());
  const r = await rig(`${HEAD}backend b\n  server s 127.0.0.1:${f.port} check inter 500\n`);
  r.stop();
  t.same(r.clock.pending(), []);
});

t.test('track: followers take the tracked server\'s state, as haproxy 2.6.12 words it', async (t) => {
  const s = await switchable();
  t.teardown(() => s.close());
  const r = await rig(`${HEAD}backend b1\n  option httpchk GET /\n  server s 127.0.0.1:${s.port} check inter 300 rise 2 fall 2\nbackend b2\n  server t 127.0.0.1:${s.port} track b1/s\n  server u 127.0.0.1:${s.port} track b1/s slowstart 2s\n`);
  t.teardown(() => r.stop());
  await r.step(0);
  s.st.code = 500;
  await r.step(300); await r.step(300);
  s.st.code = 200;
  await r.step(300); await r.step(300);
  t.same(r.lines().map(nodur), [
    'Server b1/s is DOWN, reason: Layer7 wrong status, code: 500, info: "Internal Server Error", check duration: Nms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
    'backend b1 has no server available!',
    'Server b2/u is DOWN via b1/s. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
    'Server b2/t is DOWN via b1/s. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
    'backend b2 has no server available!',
    'Server b1/s is UP, reason: Layer7 check passed, code: 200, check duration: Nms. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.',
    'Server b2/u is UP via b1/s. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.',
    'Server b2/t is UP via b1/s. 2 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.',
  ]);
  const [tt, u] = r.backends[1]!.servers;
  t.equal(tt!.op, 'UP');
  t.equal(u!.op, 'STARTING', 'a follower with slowstart ramps');
});

t.test('the balancer follows the slowstart ramp', async (t) => {
  const s = await switchable();
  const other = await switchable();
  t.teardown(() => Promise.all([s.close(), other.close()]));
  const r = await rig(`${HEAD}backend b\n  balance roundrobin\n  option httpchk\n  server a 127.0.0.1:${other.port} check inter 1000 rise 1 fall 1 weight 100\n  server s 127.0.0.1:${s.port} check inter 1000 rise 1 fall 1 weight 100 slowstart 10s\n`);
  t.teardown(() => r.stop());
  const be = r.backends[0]!;
  await r.step(0); await r.step(500);
  s.st.code = 500;
  await r.step(500); await r.step(500);
  s.st.code = 200;
  await r.step(500); await r.step(500);
  const srv = be.servers[1]!;
  t.equal(srv.op, 'STARTING');
  const share = (): number => {
    let n = 0;
    const ctx = { src: '', uri: '/', header: () => undefined, random: Math.random };
    for (let i = 0; i < 1100; i++) be.assign(ctx, (x) => { if (x === srv) n++; if (x) be.release(x); });
    return n;
  };
  const early = share();
  t.ok(early > 50 && early < 150, `at 1/10 of its weight it gets about 1/11 of the picks (${early}/1100)`);
  for (let i = 0; i < 12; i++) await r.step(1000);
  t.equal(srv.op, 'UP');
  const late = share();
  t.ok(late > 500 && late < 600, `ramp over: half of the picks (${late}/1100)`);
});

t.test('disable-on-404: stopping, then UP again, as haproxy 2.6.12 words it', async (t) => {
  let code = 404;
  const f = await fake(replyAfter(() => code === 404 ? 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n' : 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
  t.teardown(() => f.close());
  const r = await rig(`${HEAD}backend b1\n  option httpchk GET /\n  http-check disable-on-404\n  server s 127.0.0.1:${f.port} check inter 500\n`);
  t.teardown(() => r.stop());
  await r.step(0);
  t.equal(r.backends[0]!.servers[0]!.op, 'STOPPING');
  code = 200;
  await r.step(500);
  t.equal(r.backends[0]!.servers[0]!.op, 'UP');
  t.same(r.lines().map(nodur), [
    'Server b1/s is stopping, reason: Layer7 check conditionally passed, code: 404, check duration: Nms. 0 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.',
    'backend b1 has no server available!',
    'Server b1/s is UP, reason: Layer7 check passed, code: 200, check duration: Nms. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.',
  ]);
});
