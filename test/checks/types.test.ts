/**
 * Every check type against a real loopback server speaking that protocol.
 * Expected bytes and words are what HAProxy 2.6.12 sent and printed in the
 * same situation (captured with a recording listener and `haproxy -db`).
 */
import t from 'tap';
import { fake, replyAfter, rig, nodur, received, type Fake } from './harness.js';
import { mysqlBytes, pgsqlBytes, LDAP_BIND } from '../../src/checks/protocols.js';

const HEAD = `defaults
  mode http
  timeout connect 1s
  timeout client 5s
  timeout server 5s
`;

/** One backend `b` with one server `s` on `port`, check options `srvOpts`, backend lines `be`. */
const one = (port: number, be: string, srvOpts = 'check inter 1s fall 1', extra = '') =>
  `${HEAD}${extra}backend b\n${be}\n  server s 127.0.0.1:${port} ${srvOpts}\n`;

async function firstCheck(cfg: string) {
  const r = await rig(cfg);
  await r.step(0);
  r.stop();
  const srv = r.backends[0]!.servers[0]!;
  return { r, srv, st: srv.check!, lines: r.lines().map(nodur) };
}

const closeAll = (...f: Fake[]) => Promise.all(f.map((x) => x.close()));

t.test('plain check: TCP connect', { timeout: 20000 }, async (t) => {
  const up = await fake(() => undefined);
  const a = await firstCheck(one(up.port, ''));
  t.equal(a.st.status, 'L4OK');
  t.equal(a.srv.op, 'UP');
  t.equal(up.got[0]!.length, 0, 'a plain check sends nothing');
  await up.close();
  const b = await firstCheck(one(up.port, ''));
  t.equal(b.st.status, 'L4CON');
  t.equal(b.st.info, 'Connection refused');
  t.equal(b.srv.op, 'DOWN');
  t.same(b.lines, [
    'Server b/s is DOWN, reason: Layer4 connection problem, info: "Connection refused", check duration: Nms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
    'backend b has no server available!',
  ]);
  t.equal(b.r.events[1]!.stderrText, "backend 'b' has no server available!");
});

t.test('option httpchk: request bytes', { timeout: 20000 }, async (t) => {
  const s = await fake(replyAfter('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
  t.teardown(() => s.close());
  const cases: Array<[string, string]> = [
    ['  option httpchk', 'OPTIONS / HTTP/1.0\r\n\r\n'],
    ['  option httpchk GET /health', 'GET /health HTTP/1.0\r\n\r\n'],
    ['  option httpchk GET /h HTTP/1.1\\r\\nHost:\\ x', 'GET /h HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n'],
    ['  option httpchk GET /h HTTP/1.1\n  http-check send hdr Host www.example.com', 'GET /h HTTP/1.1\r\nhost: www.example.com\r\nconnection: close\r\n\r\n'],
    ['  option httpchk\n  http-check send meth HEAD uri /status ver HTTP/1.1 hdr Host example.org hdr X-Check yes',
      'HEAD /status HTTP/1.1\r\nhost: example.org\r\nx-check: yes\r\nconnection: close\r\n\r\n'],
    ['  option httpchk\n  http-check send meth GET uri /x ver HTTP/1.1 hdr Host a body hello', 'GET /x HTTP/1.1\r\nhost: a\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello'],
    ['  option httpchk\n  http-check send meth GET uri /x ver HTTP/1.0', 'GET /x HTTP/1.0\r\n\r\n'],
    ['  option httpchk GET /\n  http-check send-state\n  http-check send hdr X-Y z ver HTTP/1.0',
      `GET / HTTP/1.0\r\nx-y: z\r\nx-haproxy-server-state: UP; address=127.0.0.1; port=${s.port}; name=b/s; node=vm; weight=1/1; scur=0/0; qcur=0\r\n\r\n`],
  ];
  for (const [be, bytes] of cases) {
    const n = s.got.length;
    const a = await firstCheck(one(s.port, be));
    t.equal(s.got[n]!.toString('latin1'), bytes, be);
    t.equal(a.st.status, 'L7OK');
    t.equal(a.st.code, 200);
  }
});

t.test('option httpchk: verdicts and words', { timeout: 20000 }, async (t) => {
  const mk = (reply: string) => fake(replyAfter(reply));
  const ok = await mk('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: foo\r\n\r\nhello');
  const e500 = await mk('HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n');
  const e404 = await mk('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
  const r302 = await mk('HTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n');
  const junk = await mk('garbage\r\n');
  const shut = await fake((s) => s.on('data', () => s.end()));
  t.teardown(() => closeAll(ok, e500, e404, r302, junk, shut));
  const lhc = '  option log-health-checks\n';
  const cases: Array<[Fake, string, string, number | undefined, string, string[]]> = [
    [ok, '  option httpchk GET /', 'L7OK', 200, '', []],
    [r302, '  option httpchk GET /', 'L7OK', 302, '', []],
    [e500, '  option httpchk GET /', 'L7STS', 500, 'Internal Server Error', [
      'Server b/s is DOWN, reason: Layer7 wrong status, code: 500, info: "Internal Server Error", check duration: Nms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
      'backend b has no server available!']],
    [ok, `${lhc}  option httpchk GET /\n  http-check expect status 201`, 'L7STS', 200, 'OK', [
      'Health check for server b/s failed, reason: Layer7 wrong status, code: 200, info: "OK", check duration: Nms, status: 0/2 DOWN.',
      'Server b/s is DOWN. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
      'backend b has no server available!']],
    [ok, `${lhc}  option httpchk GET /\n  http-check expect string nothere`, 'L7RSP', 200, 'HTTP content check did not match', [
      'Health check for server b/s failed, reason: Layer7 invalid response, info: "HTTP content check did not match", check duration: Nms, status: 0/2 DOWN.',
      'Server b/s is DOWN. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
      'backend b has no server available!']],
    [ok, `${lhc}  option httpchk GET /\n  http-check expect rstring ^he.lo$`, 'L7OK', 200, '', [
      'Health check for server b/s succeeded, reason: Layer7 check passed, code: 200, check duration: Nms, status: 1/1 UP.']],
    [ok, `${lhc}  option httpchk GET /\n  http-check expect string hello`, 'L7OK', 200, '', [
      'Health check for server b/s succeeded, reason: Layer7 check passed, code: 200, check duration: Nms, status: 1/1 UP.']],
    [ok, `  option httpchk GET /\n  http-check expect hdr name x-a value bar`, 'L7STS', 200, 'OK', []],
    [ok, `  option httpchk GET /\n  http-check expect hdr name X-A value foo`, 'L7OK', 200, '', []],
    [ok, `  option httpchk GET /\n  http-check expect ! status 200`, 'L7STS', 200, 'OK', []],
    [ok, `  option httpchk GET /\n  http-check expect status 200-299,304\n  http-check expect string hello`, 'L7OK', 200, '', []],
    [ok, `  option httpchk GET /\n  http-check expect rstatus ^2`, 'L7OK', 200, '', []],
    [e404, `${lhc}  option httpchk GET /\n  http-check disable-on-404`, 'L7OKC', 404, '', [
      'Health check for server b/s conditionally succeeded, reason: Layer7 check conditionally passed, code: 404, check duration: Nms, status: 1/1 UP.',
      'Server b/s is stopping. 0 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.',
      'backend b has no server available!']],
    [junk, `${lhc}  option httpchk GET /`, 'L7RSP', undefined, '', [
      'Health check for server b/s failed, reason: Layer7 invalid response, check duration: Nms, status: 0/2 DOWN.',
      'Server b/s is DOWN. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
      'backend b has no server available!']],
    [shut, '  option httpchk GET /', 'L7RSP', undefined, '', []],
  ];
  for (const [srv, be, status, code, info, lines] of cases) {
    const a = await firstCheck(one(srv.port, be));
    t.equal(a.st.status, status, be);
    t.equal(a.st.code, code, `${be}: code`);
    t.equal(a.st.info, info, `${be}: info`);
    if (lines.length > 0 || status.startsWith('L7OK')) t.same(a.lines.filter((l) => !l.startsWith('Health check') || lines.length > 0), lines, `${be}: words`);
  }
  // disable-on-404: the server stops taking new traffic (NOLB); words as 2.6.12
  const a = await firstCheck(one(e404.port, '  option httpchk GET /\n  http-check disable-on-404'));
  t.equal(a.srv.op, 'STOPPING');
  t.equal(a.srv.usable, false);
  t.same(a.lines, [
    'Server b/s is stopping, reason: Layer7 check conditionally passed, code: 404, check duration: Nms. 0 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.',
    'backend b has no server available!',
  ]);
});

t.test('option tcp-check: rules', { timeout: 20000 }, async (t) => {
  const hello = await fake((s) => { s.end('hello world\n'); });
  const pong = await fake(replyAfter('+PONG\r\n', false, true));
  const echo = await fake(replyAfter((g) => g, false, true));
  t.teardown(() => closeAll(hello, pong, echo));
  const lhc = '  option log-health-checks\n  option tcp-check\n';
  const a = await firstCheck(one(hello.port, `${lhc}  tcp-check send hi\\r\\n\n  tcp-check expect string nope`));
  t.equal(hello.got[0]!.toString(), 'hi\r\n', 'send sends exactly the unescaped string');
  t.same(a.lines.slice(0, 1), [`Health check for server b/s failed, reason: Layer7 invalid response, info: "TCPCHK did not match content 'nope' at step 2", check duration: Nms, status: 0/2 DOWN.`]);
  const b = await firstCheck(one(hello.port, `${lhc}  tcp-check send hi\\r\\n\n  tcp-check expect rstring ^hello`));
  t.same(b.lines, [`Health check for server b/s succeeded, reason: Layer7 check passed, code: 0, info: "(tcp-check)", check duration: Nms, status: 1/1 UP.`]);
  const c = await firstCheck(one(hello.port, `${lhc}  tcp-check expect binary 68656c6c6f`));
  t.equal(c.st.status, 'L7OK');
  const d = await firstCheck(one(hello.port, `${lhc}  tcp-check expect ! string hello`));
  t.equal(d.st.status, 'L7RSP');
  const e = await firstCheck(one(echo.port, `${lhc}  tcp-check send-binary 00ff0a\n  tcp-check expect binary 00ff0a`));
  t.same(echo.got[0], Buffer.from([0, 0xff, 0x0a]), 'send-binary sends the bytes');
  t.equal(e.st.status, 'L7OK');
  // the peer stays silent after a partial answer: the check times out after inter
  const f = await rig(one(echo.port, `${lhc}  tcp-check send abc\n  tcp-check expect string abcd min-recv 3`));
  f.clock.advance(0);
  await new Promise((r) => setTimeout(r, 100));
  await f.step(1000);
  f.stop();
  const fst = f.backends[0]!.servers[0]!.check!;
  t.equal(fst.status, 'L7TOUT');
  t.equal(fst.duration, 1000);
  t.same(f.lines().map(nodur)[0], `Health check for server b/s failed, reason: Layer7 timeout, info: " at step 2 of tcp-check (expect string 'abcd')", check duration: Nms, status: 0/2 DOWN.`);
  // a second connect to another port, as HAProxy's multi-step scripts do
  const g = await firstCheck(one(hello.port, `${lhc}  tcp-check connect\n  tcp-check send hi\\r\\n\n  tcp-check expect string hello\n  tcp-check connect port ${pong.port}\n  tcp-check send PING\\r\\n\n  tcp-check expect string +PONG`));
  t.equal(g.st.status, 'L7OK');
  t.equal(pong.got[pong.got.length - 1]!.toString(), 'PING\r\n');
  // the words of each failure, as 2.6.12 printed them against the same server
  const dead = await fake(() => undefined);
  await dead.close();
  const words: Array<[string, string]> = [
    ['  tcp-check expect rstring ^bye', 'Layer7 invalid response, info: "TCPCHK did not match content (regex) at step 1"'],
    ['  tcp-check expect binary 0000', 'Layer7 invalid response, info: "TCPCHK did not match content (binary) at step 1"'],
    ['  tcp-check expect ! string hello', `Layer7 invalid response, info: "TCPCHK matched unwanted content 'hello' at step 1"`],
    ['  tcp-check expect rbinary ^00', 'Layer7 invalid response, info: "TCPCHK did not match content (binary regex) at step 1"'],
    ['  tcp-check expect ! rstring ^hel', 'Layer7 invalid response, info: "TCPCHK matched unwanted content (regex) at step 1"'],
    [`  tcp-check connect\n  tcp-check expect string hello\n  tcp-check connect port ${dead.port}`, `Layer4 connection problem, info: "Connection refused at step 3 of tcp-check (connect port ${dead.port})"`],
  ];
  for (const [rules, want] of words) {
    const w = await firstCheck(one(hello.port, `${lhc}${rules}`));
    t.equal(w.lines[0], `Health check for server b/s failed, reason: ${want}, check duration: Nms, status: 0/2 DOWN.`, rules);
  }
  const ok = await firstCheck(one(hello.port, `${lhc}  tcp-check expect ! string nothere`));
  t.equal(ok.lines[0], 'Health check for server b/s succeeded, reason: Layer7 check passed, code: 0, info: "(tcp-check)", check duration: Nms, status: 1/1 UP.');
  // only connect rules: a layer-4 result
  const h = await firstCheck(one(hello.port, `  option tcp-check\n  tcp-check connect`));
  t.equal(h.st.status, 'L4OK');
});

t.test('protocol checks send HAProxy\'s bytes and read real answers', { timeout: 20000 }, async (t) => {
  const redisOk = await fake(replyAfter('+PONG\r\n', true, true));
  const redisErr = await fake(replyAfter('-ERR nope\r\n', true, true));
  t.teardown(() => closeAll(redisOk, redisErr));
  const lhc = '  option log-health-checks\n';
  let a = await firstCheck(one(redisOk.port, `${lhc}  option redis-check`));
  t.equal(redisOk.got[0]!.toString(), '*1\r\n$4\r\nPING\r\n');
  t.same(a.lines, ['Health check for server b/s succeeded, reason: Layer7 check passed, code: 0, info: "Redis server is ok", check duration: Nms, status: 1/1 UP.']);
  a = await firstCheck(one(redisErr.port, `${lhc}  option redis-check`));
  t.same(a.lines[0], 'Health check for server b/s failed, reason: Layer7 wrong status, code: 0, info: "-ERR nope", check duration: Nms, status: 0/2 DOWN.');

  // SMTP: greeting, HELO, QUIT; the last reply names the result
  const smtp = await fake((s) => {
    s.write('220 mail.example ESMTP ready\r\n');
    s.on('data', (d) => { if (/^(HELO|EHLO)/.test(d.toString())) s.write('250 mail.example Hello\r\n'); else if (/^QUIT/.test(d.toString())) s.end('221 bye\r\n'); });
  });
  const smtpBad = await fake((s) => { s.write('554 go away\r\n'); });
  t.teardown(() => closeAll(smtp, smtpBad));
  a = await firstCheck(one(smtp.port, `${lhc}  option smtpchk`));
  t.equal(smtp.got[0]!.toString(), 'HELO localhost\r\nQUIT\r\n');
  t.same(a.lines, ['Health check for server b/s succeeded, reason: Layer7 check passed, code: 221, info: "bye", check duration: Nms, status: 1/1 UP.']);
  a = await firstCheck(one(smtpBad.port, `${lhc}  option smtpchk EHLO me.local`));
  t.same(a.lines[0], 'Health check for server b/s failed, reason: Layer7 wrong status, code: 554, info: "go away", check duration: Nms, status: 0/2 DOWN.');
  a = await firstCheck(one(smtp.port, `  option smtpchk EHLO me.local`));
  t.equal(smtp.got[smtp.got.length - 1]!.toString().split('\r\n')[0], 'EHLO me.local');

  // PostgreSQL: StartupMessage, AuthenticationOk
  const pg = await fake(replyAfter(Buffer.from('520000000800000000', 'hex'), true, true));
  const pgErr = await fake(replyAfter(Buffer.concat([Buffer.from('450000001a', 'hex'), Buffer.from('SFATAL\0no such user\0\0')]), true, true));
  t.teardown(() => closeAll(pg, pgErr));
  a = await firstCheck(one(pg.port, `  option pgsql-check user pguser`));
  t.equal(pg.got[0]!.toString('hex'), '000000150003000075736572007067757365720000', 'captured from haproxy 2.6.12');
  t.same(pgsqlBytes('pguser').toString('hex'), '000000150003000075736572007067757365720000');
  t.equal(a.st.status, 'L7OK');
  t.equal(a.st.info, 'PostgreSQL server is ok');
  a = await firstCheck(one(pgErr.port, `${lhc}  option pgsql-check user pguser`));
  t.equal(a.lines[0], 'Health check for server b/s failed, reason: Layer7 invalid response, info: "FATAL", check duration: Nms, status: 0/2 DOWN.');
  const pgMd5 = await fake(replyAfter(Buffer.from('520000000c00000005aabbccdd', 'hex'), true, true));
  t.teardown(() => pgMd5.close());
  a = await firstCheck(one(pgMd5.port, `${lhc}  option pgsql-check user pguser`));
  t.equal(a.lines[0], 'Health check for server b/s succeeded, reason: Layer7 check passed, code: 0, info: "PostgreSQL server is ok", check duration: Nms, status: 1/1 UP.', 'an md5 request is a live server too');

  // MySQL: client auth for `user` then QUIT; greeting then OK packet
  const greet = Buffer.concat([Buffer.from([0x0a]), Buffer.from('5.7.42\0'), Buffer.alloc(20)]);
  const pkt = (seq: number, p: Buffer) => Buffer.concat([Buffer.from([p.length & 0xff, p.length >> 8, 0, seq]), p]);
  const my = await fake((s) => { s.write(pkt(0, greet)); s.on('data', () => s.end(pkt(2, Buffer.from([0, 0, 0, 2, 0, 0, 0])))); });
  const myErr = await fake((s) => { s.end(pkt(0, Buffer.concat([Buffer.from([0xff, 0x15, 0x04]), Buffer.from('#28000Access denied')]))); });
  t.teardown(() => closeAll(my, myErr));
  a = await firstCheck(one(my.port, `  option mysql-check user haproxy`));
  t.equal(my.got[0]!.toString('hex'), '290000010082000000800001210000000000000000000000000000000000000000000000686170726f787900000100000001', 'captured from haproxy 2.6.12');
  t.equal(mysqlBytes('haproxy').toString('hex'), '290000010082000000800001210000000000000000000000000000000000000000000000686170726f787900000100000001');
  t.equal(a.st.status, 'L7OK');
  t.equal(a.st.info, '5.7.42');
  a = await firstCheck(one(myErr.port, `${lhc}  option mysql-check user haproxy post-41`));
  t.equal(a.lines[0], 'Health check for server b/s failed, reason: Layer7 wrong status, code: 1045, info: "#28000Access denied", check duration: Nms, status: 0/2 DOWN.');
  a = await firstCheck(one(my.port, `${lhc}  option mysql-check`));
  t.equal(a.lines[0], 'Health check for server b/s succeeded, reason: Layer7 check passed, code: 0, info: "5.7.42", check duration: Nms, status: 1/1 UP.');
  t.equal(my.got[my.got.length - 1]!.length, 0, 'without user: only the greeting is read');
  t.equal(mysqlBytes('bob').toString('hex'), '250000010082000000800001210000000000000000000000000000000000000000000000626f6200000100000001', 'captured for user bob');

  // LDAP: anonymous bind, bindResponse success
  const ldap = await fake(replyAfter(Buffer.from('300c02010161070a010004000400', 'hex'), true, true));
  const ldapBad = await fake(replyAfter(Buffer.from('300c02010161070a013104000400', 'hex'), true, true));
  t.teardown(() => closeAll(ldap, ldapBad));
  a = await firstCheck(one(ldap.port, `  option ldap-check`));
  t.same(ldap.got[0], LDAP_BIND);
  t.equal(ldap.got[0]!.toString('hex'), '300c020101600702010304008000', 'captured from haproxy 2.6.12');
  t.equal(a.st.status, 'L7OK');
  t.equal(a.st.info, 'Success');
  a = await firstCheck(one(ldapBad.port, `${lhc}  option ldap-check`));
  t.equal(a.lines[0], 'Health check for server b/s failed, reason: Layer7 wrong status, code: 49, info: "See RFC: http://tools.ietf.org/html/rfc4511#section-4.1.9", check duration: Nms, status: 0/2 DOWN.');
  a = await firstCheck(one(ldap.port, `${lhc}  option ldap-check`));
  t.equal(a.lines[0], 'Health check for server b/s succeeded, reason: Layer7 check passed, code: 0, info: "Success", check duration: Nms, status: 1/1 UP.');

  // SSL hello: the ClientHello of 2.6.12 (bytes 11..14 are the time), a handshake answer
  const ssl = await fake(replyAfter(Buffer.from('160300004a020000460300', 'hex'), true, true));
  t.teardown(() => ssl.close());
  a = await firstCheck(one(ssl.port, `  option ssl-hello-chk`));
  const hello = Buffer.from(ssl.got[0]!);
  hello.fill(0, 11, 15);
  t.equal(hello.toString('hex').slice(0, 60), '1603000079010000750300000000004841'.padEnd(60, '').slice(0, 34) + hello.toString('hex').slice(34, 60));
  t.equal(hello.length, 126);
  t.match(hello.toString('latin1'), /HAPROXYSSLCHK\nHAPROXYSSLCHK\n/);
  t.equal(a.st.status, 'L6OK');
  a = await firstCheck(one(ssl.port, `${lhc}  option ssl-hello-chk`));
  t.equal(a.lines[0], 'Health check for server b/s succeeded, reason: Layer6 check passed, check duration: Nms, status: 1/1 UP.');
});

t.test('agent checks', { timeout: 20000 }, async (t) => {
  const http = await fake(replyAfter('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
  let word = '50%';
  const agent = await fake((s) => { s.on('data', () => s.end(`${word}\n`)); });
  t.teardown(() => closeAll(http, agent));
  const cfg = `${HEAD}backend b\n  option log-health-checks\n  server s 127.0.0.1:${http.port} check inter 1s weight 10 agent-check agent-port ${agent.port} agent-inter 1s agent-send "hello\\n"\n`;
  const r = await rig(cfg);
  t.teardown(() => r.stop());
  const srv = r.backends[0]!.servers[0]!;
  await r.step(0);
  await r.step(500);
  t.equal(agent.got[0]!.toString(), 'hello\n', 'agent-send is sent as written');
  t.equal(srv.weight, 5, '50% of the initial weight 10');
  word = 'down #gone away';
  await r.step(1000);
  t.equal(srv.op, 'DOWN');
  t.equal(srv.agent!.status, 'L7STS');
  t.same(r.lines().map(nodur).filter((l) => l.startsWith('Agent') || l.startsWith('Server')), [
    'Agent check for server b/s failed, reason: Layer7 wrong status, code: 0, info: "via agent : down (gone away)", check duration: Nms, status: 0/1 DOWN.',
    'Server b/s is DOWN. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
  ]);
  word = 'up 100%';
  await r.step(1000);
  t.equal(srv.op, 'UP');
  t.equal(srv.weight, 10);
  t.match(r.lines().map(nodur).slice(-2), [
    'Agent check for server b/s succeeded, reason: Layer7 check passed, code: 0, info: "via agent : up", check duration: Nms, status: 1/1 UP.',
    'Server b/s is UP. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.',
  ]);
  word = 'drain';
  await r.step(1000);
  t.equal(srv.admin, 'DRAIN');
  t.ok(r.lines().includes('Server b/s enters drain state. 0 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.'));
  word = 'ready';
  await r.step(1000);
  t.equal(srv.admin, 'READY');
  t.equal(srv.usable, true);
  // an agent that cannot be reached is not a failure
  await agent.close();
  await r.step(1000);
  t.equal(srv.op, 'UP');
});

t.test('check-send-proxy, port and addr', { timeout: 20000 }, async (t) => {
  const s = await fake(() => undefined);
  const other = await fake(() => undefined);
  t.teardown(() => closeAll(s, other));
  await firstCheck(one(s.port, '', 'check inter 1s check-send-proxy'));
  t.match((await received(s, 0)).toString(), new RegExp(`^PROXY TCP4 127\\.0\\.0\\.1 127\\.0\\.0\\.1 \\d+ ${s.port}\\r\\n$`));
  // send-proxy-v2 servers get the bare LOCAL command on checks (captured from 2.6.12)
  await firstCheck(one(s.port, '', 'check inter 1s send-proxy-v2'));
  t.equal((await received(s, 1)).toString('hex'), '0d0a0d0a000d0a515549540a20000000');
  // per server, even in one backend
  const h = await fake(replyAfter('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
  t.teardown(() => h.close());
  const mixed = await rig(`${HEAD}backend b\n  option httpchk\n  server p 127.0.0.1:${h.port} check inter 1s check-send-proxy\n  server q 127.0.0.1:${h.port} check inter 1s\n`);
  await mixed.step(0); await mixed.step(500);
  mixed.stop();
  t.match((await received(h, 0)).toString(), /^PROXY TCP4 [^\r]*\r\nOPTIONS \/ HTTP\/1\.0\r\n\r\n$/);
  t.equal((await received(h, 1)).toString(), 'OPTIONS / HTTP/1.0\r\n\r\n');
  await firstCheck(one(s.port, '', `check inter 1s port ${other.port}`));
  t.equal(other.conns, 1, 'port sends the check elsewhere');
  await firstCheck(one(9, '', `check inter 1s addr 127.0.0.1 port ${other.port} send-proxy`));
  t.equal(other.got[1]!.length, 0, 'send-proxy is not implied for checks sent to port/addr');
});

t.test('agent words drive drain, maint, down and up, word for word as haproxy 2.6.12', { timeout: 20000 }, async (t) => {
  const srvSock = await fake(() => undefined);
  let word = '';
  const agent = await fake((s) => { s.end(`${word}\n`); });
  t.teardown(() => closeAll(srvSock, agent));
  const r = await rig(`${HEAD}backend b\n  option log-health-checks\n  server s 127.0.0.1:${srvSock.port} check inter 10s weight 10 agent-check agent-port ${agent.port} agent-inter 1s\n`);
  t.teardown(() => r.stop());
  await r.step(0);
  const seen: string[][] = [];
  for (const w of ['50%', 'drain', 'down #gone away', 'up ready', 'maint', 'ready 100%', 'stopped', 'fail #x', 'up']) {
    word = w;
    const n = r.events.length;
    await r.step(r.clock.pending()[0]!);
    await r.step(0);
    seen.push(r.lines().slice(n).map(nodur));
  }
  t.same(seen, [
    [],
    ['Server b/s enters drain state. 0 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.', 'backend b has no server available!'],
    ['Agent check for server b/s failed, reason: Layer7 wrong status, code: 0, info: "via agent : down (gone away)", check duration: Nms, status: 0/1 DOWN.',
      'Server b/s is DOWN. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.',
      'Server b/s remains in forced drain mode.'],
    ['Server b/s is DOWN (leaving forced drain).',
      'Agent check for server b/s succeeded, reason: Layer7 check passed, code: 0, info: "via agent : up", check duration: Nms, status: 1/1 UP.',
      'Server b/s is UP. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.'],
    ['Server b/s is going DOWN for maintenance. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.', 'backend b has no server available!'],
    ['Server b/s is UP/READY (leaving forced maintenance).',
      'Health check for server b/s succeeded, reason: Layer4 check passed, check duration: Nms, status: 3/3 UP.'],
    ['Agent check for server b/s failed, reason: Layer7 wrong status, code: 0, info: "via agent : stopped", check duration: Nms, status: 0/1 DOWN.',
      'Server b/s is DOWN. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.', 'backend b has no server available!'],
    [],
    ['Agent check for server b/s succeeded, reason: Layer7 check passed, code: 0, info: "via agent : up", check duration: Nms, status: 1/1 UP.',
      'Server b/s is UP. 1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.'],
  ]);
});

t.test('a server on a unix socket is checked on that socket', { timeout: 20000 }, async (t) => {
  const { createServer } = await import('node:net');
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const path = join(mkdtempSync(join(tmpdir(), 'lbck-')), 's.sock');
  let got = '';
  const srv = createServer((s) => { s.on('data', (d) => { got += d; s.end('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'); }); });
  await new Promise<void>((r) => srv.listen(path, r));
  t.teardown(() => new Promise<void>((r) => srv.close(() => r())));
  const a = await firstCheck(`${HEAD}backend b\n  option httpchk GET /u\n  server s unix@${path} check inter 1s\n`);
  t.equal(a.st.status, 'L7OK');
  t.equal(got, 'GET /u HTTP/1.0\r\n\r\n');
});
