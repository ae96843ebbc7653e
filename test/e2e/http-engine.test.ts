/**
 * The HTTP engine end to end: routing with ACLs, rules answered by lb,
 * response rules, monitor-uri, mode tcp, and HAProxy's error verdicts for
 * the failures a backend can cause (502, 503, 504) and a slow client (408).
 */
import t from 'tap';
import { createServer as createNet, createConnection as netConnect, type Socket } from 'node:net';
import { request } from 'undici';
import { freePort, httpBackend, rawExchange, startLb } from './harness.js';

t.test('routing, rules and errors', async (t) => {
  const api = await httpBackend('api');
  const web = await httpBackend('web');
  const silentPort = await freePort();
  const badPort = await freePort();
  const deadPort = await freePort();
  // a server that accepts and never answers, and one that answers garbage
  const held: Socket[] = [];
  const silent = createNet((s) => { held.push(s); s.resume(); }).listen(silentPort, '127.0.0.1');
  const bad = createNet((s) => s.once('data', () => s.end('NOT HTTP\r\n\r\n'))).listen(badPort, '127.0.0.1');
  // a server that dies on every request before answering (a container going away)
  const dyingPort = await freePort();
  const dying = createNet((s) => s.once('data', () => s.destroy())).listen(dyingPort, '127.0.0.1');
  const port = await freePort();
  const tcpPort = await freePort();
  const cfg = `defaults
    mode http
    timeout connect 200ms
    timeout client 2s
    timeout server 500ms
    timeout http-request 300ms
    retries 1

frontend fe
    bind 127.0.0.1:${port}
    monitor-uri /healthz
    acl is_api path_beg /api
    acl blocked hdr(x-block) -m found
    http-request deny if blocked
    http-request return status 200 content-type text/plain string "pong\\n" if { path /ping }
    http-request redirect prefix /new code 301 if { path_beg /old }
    use_backend api if is_api
    use_backend silent if { path_beg /slow }
    use_backend bad if { path_beg /bad }
    use_backend dead if { path_beg /dead }
    use_backend flaky if { path_beg /flaky }
    default_backend web

backend api
    http-response set-header x-served-by api
    server a 127.0.0.1:${api.port}
backend web
    server w 127.0.0.1:${web.port}
backend silent
    server s 127.0.0.1:${silentPort}
backend bad
    server b 127.0.0.1:${badPort}
backend dead
    server d 127.0.0.1:${deadPort}
backend flaky
    server dying 127.0.0.1:${dyingPort}
    server w 127.0.0.1:${web.port}

listen raw
    mode tcp
    bind 127.0.0.1:${tcpPort}
    server w 127.0.0.1:${web.port}
`;
  let lb: Awaited<ReturnType<typeof startLb>> | undefined;
  t.teardown(async () => {
    await lb?.stop(); await api.stop(); await web.stop();
    for (const s of held) s.destroy();
    silent.close(); bad.close(); dying.close();
  });
  lb = await startLb(cfg, port);
  const get = async (path: string, headers: Record<string, string> = {}) => {
    const r = await request(`http://127.0.0.1:${port}${path}`, { headers });
    return { status: r.statusCode, headers: r.headers, body: await r.body.text() };
  };

  t.same((await get('/api/users')).body, 'api\n', 'use_backend with a named ACL');
  t.equal((await get('/api/users')).headers['x-served-by'], 'api', 'http-response set-header of the backend');
  t.same((await get('/index.html')).body, 'web\n', 'default_backend');
  const denied = await get('/api', { 'x-block': '1' });
  t.equal(denied.status, 403);
  t.equal(denied.body, '<html><body><h1>403 Forbidden</h1>\nRequest forbidden by administrative rules.\n</body></html>\n');
  t.same(await get('/ping').then((r) => [r.status, r.body]), [200, 'pong\n'], 'http-request return');
  const moved = await get('/old/page?q=1');
  t.same([moved.status, moved.headers['location']], [301, '/new/old/page?q=1'], 'redirect prefix keeps path and query');
  const mon = await get('/healthz');
  t.same([mon.status, mon.body], [200, '<html><body><h1>200 OK</h1>\nService ready.\n</body></html>\n'], 'monitor-uri');

  const timeout = await get('/slow');
  t.equal(timeout.status, 504, 'timeout server before the response head: 504');
  t.match(timeout.body, /The server didn't respond in time/);
  t.equal((await get('/bad')).status, 502, 'an invalid response: 502');
  const dead = await get('/dead');
  t.equal(dead.status, 503, 'connection refused after retries: 503');
  t.match(dead.body, /No server is available to handle this request/);

  const replayed = await Promise.all([1, 2, 3, 4].map(() => get('/flaky')));
  t.same(replayed.map((r) => [r.status, r.body]), [[200, 'web\n'], [200, 'web\n'], [200, 'web\n'], [200, 'web\n']],
    'a safe request is replayed on another server when one dies before answering');

  const slow = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n', 2000);
  t.match(slow, /^HTTP\/1\.1 408 Request Time-out\r\n/, 'an incomplete request times out with 408');
  const garbage = await rawExchange(port, 'GET / HTTP/1.1\r\nBad Header\r\n\r\n', 2000);
  t.match(garbage, /^HTTP\/1\.1 400 Bad request\r\n/, 'an invalid request gets HAProxy 400 page');

  const pipelined = await rawExchange(port, 'GET /p1 HTTP/1.1\r\nHost: x\r\n\r\nGET /api/p2 HTTP/1.1\r\nHost: x\r\n\r\nGET /p3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 3000);
  t.same([...pipelined.matchAll(/\r\n\r\n(\w+)\n/g)].map((m) => m[1]), ['web', 'api', 'web'], 'pipelined requests are answered in order');
  t.match(pipelined, /connection: close\r\n\r\nweb\n$/, 'the last one closes as asked');

  const tunnel = await rawExchange(tcpPort, 'GET /via-tcp HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 2000);
  t.match(tunnel, /\r\n\r\nweb\n$/, 'mode tcp tunnels the bytes unchanged');
});

t.test('rules of a named defaults section run first, as in HAProxy 2.6', async (t) => {
  const port = await freePort();
  const cfg = `defaults base
    mode http
    timeout connect 1s
    timeout client 2s
    timeout server 2s
    http-request return status 200 content-type text/plain string "from-defaults\\n" if { path /d }
frontend fe from base
    bind 127.0.0.1:${port}
    http-request return status 200 content-type text/plain string "from-frontend\\n" if { path /f }
    http-request return status 200 content-type text/plain string "fe-d\\n" if { path /d }
`;
  let lb: Awaited<ReturnType<typeof startLb>> | undefined;
  t.teardown(async () => { await lb?.stop(); });
  lb = await startLb(cfg, port);
  const body = async (p: string) => (await request(`http://127.0.0.1:${port}${p}`)).body.text();
  t.equal(await body('/d'), 'from-defaults\n');
  t.equal(await body('/f'), 'from-frontend\n');
});

t.test('frontend maxconn holds extra connections until a slot frees', async (t) => {
  const web = await httpBackend('web');
  const port = await freePort();
  const cfg = `defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
frontend fe
    bind 127.0.0.1:${port}
    maxconn 1
    default_backend be
backend be
    server w 127.0.0.1:${web.port}
`;
  let lb: Awaited<ReturnType<typeof startLb>> | undefined;
  t.teardown(async () => { await lb?.stop(); await web.stop(); });
  lb = await startLb(cfg, port);
  await new Promise((r) => setTimeout(r, 100)); // the harness's probe connection has gone
  const first = netConnect(port, '127.0.0.1');
  await new Promise((r) => first.once('connect', r));
  first.write('GET /one HTTP/1.1\r\nHost: x\r\n\r\n');
  await new Promise((r) => first.once('data', r));
  // the first connection stays open (keep-alive): a second one must wait
  let secondAnswered = 0;
  const second = rawExchange(port, 'GET /two HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 3000)
    .then((out) => { secondAnswered = Date.now(); return out; });
  await new Promise((r) => setTimeout(r, 400));
  t.equal(secondAnswered, 0, 'held while the only slot is busy');
  const released = Date.now();
  first.end();
  const out = await second;
  t.match(out, /^HTTP\/1\.1 200 /, 'answered once the slot is free');
  t.ok(secondAnswered >= released, 'and not before');
});

t.test('mode tcp: timeout client-fin bounds a half-closed client', async (t) => {
  const port = await freePort();
  const srvPort = await freePort();
  // a server that never closes and never answers
  const held: Socket[] = [];
  const srv = createNet({ allowHalfOpen: true }, (s) => { held.push(s); s.resume(); }).listen(srvPort, '127.0.0.1');
  const cfg = `defaults
    mode tcp
    timeout connect 1s
    timeout client 10s
    timeout server 10s
    timeout client-fin 300ms
listen l
    bind 127.0.0.1:${port}
    server s 127.0.0.1:${srvPort}
`;
  let lb: Awaited<ReturnType<typeof startLb>> | undefined;
  t.teardown(async () => { await lb?.stop(); for (const s of held) s.destroy(); srv.close(); });
  lb = await startLb(cfg, port);
  const c = netConnect({ port, host: '127.0.0.1', allowHalfOpen: true });
  await new Promise((r) => c.once('connect', r));
  c.write('hello');
  const t0 = Date.now();
  c.end(); // half-close: the client has nothing more to send
  await new Promise((r) => c.once('close', r));
  const took = Date.now() - t0;
  t.ok(took >= 250 && took < 3000, `closed after client-fin, not after timeout client (${took} ms)`);
});

t.test('server maxqueue: a hashed request waits on its server, beyond maxqueue it gets 503', async (t) => {
  const { createServer } = await import('node:http');
  const ports = [await freePort(), await freePort()];
  const served: string[] = [];
  const servers = ports.map((p, i) => createServer((q, r) => { served.push(`s${i + 1}`); setTimeout(() => r.end('ok\n'), 400); }).listen(p, '127.0.0.1'));
  const port = await freePort();
  const cfg = `defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
    timeout queue 3s
    option redispatch
frontend fe
    bind 127.0.0.1:${port}
    default_backend be
backend be
    balance uri
    server s1 127.0.0.1:${ports[0]} maxconn 1 maxqueue 1
    server s2 127.0.0.1:${ports[1]} maxconn 1 maxqueue 1
`;
  let lb: Awaited<ReturnType<typeof startLb>> | undefined;
  t.teardown(async () => { await lb?.stop(); for (const s of servers) { s.closeAllConnections(); s.close(); } });
  lb = await startLb(cfg, port);
  const started = Date.now();
  const results = await Promise.all([0, 1, 2].map(async (i) => {
    await new Promise((r) => setTimeout(r, i * 50));
    const out = await rawExchange(port, 'GET /same HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 4000);
    return { status: out.slice(9, 12), at: Date.now() - started };
  }));
  t.same(results.map((r) => r.status), ['200', '200', '503'], 'one served, one queued on the same server, the third refused (even with option redispatch, as HAProxy)');
  t.ok(results[2]!.at < 300, `the refusal is immediate (${results[2]!.at} ms)`);
  t.ok(results[1]!.at >= 750, `the queued request waited for the slot (${results[1]!.at} ms)`);
  t.equal(new Set(served).size, 1, 'both served requests went to the hashed server');
});

t.test('dispatch sends every connection to its address, servers aside (as HAProxy)', async (t) => {
  const disp = await httpBackend('disp');
  const srv = await httpBackend('srv');
  const port = await freePort();
  const tcpPort = await freePort();
  const cfg = `defaults
    timeout connect 1s
    timeout client 5s
    timeout server 5s
listen h
    mode http
    bind 127.0.0.1:${port}
    dispatch 127.0.0.1:${disp.port}
    server s 127.0.0.1:${srv.port}
listen t
    mode tcp
    bind 127.0.0.1:${tcpPort}
    dispatch 127.0.0.1:${disp.port}
`;
  let lb: Awaited<ReturnType<typeof startLb>> | undefined;
  t.teardown(async () => { await lb?.stop(); await disp.stop(); await srv.stop(); });
  lb = await startLb(cfg, port);
  for (const p of [port, port, tcpPort]) {
    const out = await rawExchange(p, 'GET /d HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 3000);
    t.match(out, /^HTTP\/1\.1 200 [^]*\r\n\r\ndisp\n$/, `port ${p === port ? 'http' : 'tcp'}: answered by the dispatch address`);
  }
  t.equal(disp.seen.length, 3);
  t.equal(srv.seen.length, 0, 'the server line is not used');
});

t.test('mode http: an upgraded tunnel half-closed by the client is bounded by client-fin', async (t) => {
  const port = await freePort();
  const srvPort = await freePort();
  // a server that accepts the upgrade and then never closes
  const held: Socket[] = [];
  const srv = createNet({ allowHalfOpen: true }, (s) => {
    held.push(s);
    s.once('data', () => s.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'));
  }).listen(srvPort, '127.0.0.1');
  const cfg = `defaults
    mode http
    timeout connect 1s
    timeout client 10s
    timeout server 10s
    timeout tunnel 10s
    timeout client-fin 300ms
listen l
    bind 127.0.0.1:${port}
    server s 127.0.0.1:${srvPort}
`;
  let lb: Awaited<ReturnType<typeof startLb>> | undefined;
  t.teardown(async () => { await lb?.stop(); for (const s of held) s.destroy(); srv.close(); });
  lb = await startLb(cfg, port);
  const c = netConnect({ port, host: '127.0.0.1', allowHalfOpen: true });
  await new Promise((r) => c.once('connect', r));
  c.write('GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
  const head = await new Promise<string>((r) => c.once('data', (d: Buffer) => r(d.toString('latin1'))));
  t.match(head, /^HTTP\/1\.1 101 /, 'upgraded');
  const t0 = Date.now();
  c.end();
  c.resume();
  await new Promise((r) => c.once('close', r));
  const took = Date.now() - t0;
  t.ok(took >= 250 && took < 3000, `closed after client-fin, not after timeout tunnel (${took} ms)`);
});
