/**
 * lb's own logging additions, end to end: `option jsonlog` (one JSON object
 * per access line, built by pino, sent through the usual targets) and `-d`
 * (pino debug trace of sessions on stderr).
 */
import t from 'tap';
import { freePort, httpBackend, startLb, rawExchange } from './harness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

t.test('option jsonlog writes one JSON object per request; -d traces sessions', async (t) => {
  const be = await httpBackend('b1');
  t.teardown(() => be.stop());
  const port = await freePort();
  const lb = await startLb(`global
    log stdout format raw local0
defaults
    mode http
    log global
    timeout connect 1s
    timeout client 3s
    timeout server 3s
frontend fj
    bind 127.0.0.1:${port}
    option jsonlog
    unique-id-format %ci-%rt
    default_backend be
backend be
    server s1 127.0.0.1:${be.port}
`, port, ['-d']);
  t.teardown(() => lb.stop('SIGKILL'));
  await sleep(100);
  const start = lb.stdout.length;
  const res = await rawExchange(port, 'GET /j?x=1 HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n');
  t.match(res, /^HTTP\/1\.1 200/);
  const until = Date.now() + 2000;
  while (!lb.stdout.slice(start).includes('\n') && Date.now() < until) await sleep(20);
  const line = lb.stdout.slice(start).split('\n')[0]!;
  const j = JSON.parse(line) as Record<string, unknown>;
  t.match(j, {
    client_ip: '127.0.0.1', frontend: 'fj', backend: 'be', server: 's1', status: 200,
    termination_state: '----', retries: 0, redispatched: false, method: 'GET', uri: '/j?x=1', version: 'HTTP/1.1',
  });
  for (const k of ['TR', 'Tw', 'Tc', 'Tr', 'Ta', 'Tt', 'bytes_read']) t.type(j[k], 'number', k);
  t.match(String(j['time']), /^\d{4}-\d\d-\d\dT/);
  // -d: pino's JSON debug records on stderr, one at the end of the transaction
  const dbg = lb.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
  t.ok(dbg.some((d) => d['msg'] === 'end' && d['frontend'] === 'fj' && d['status'] === 200), 'a debug record for the request');
});
