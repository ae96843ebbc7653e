/**
 * The stats data behind show stat after real traffic: HAProxy credits an
 * exchange's bytes to the frontend, the backend and the server alike, and
 * counts requests and statuses on each.
 */
import t from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startLb } from '../e2e/harness.js';
import { socat, slowBackend, get } from './helpers.js';
import { CSV_HEADER } from '../../src/stats/fields.js';

/** `show stat` once, read as v('be/a', 'bin'). */
async function statReader(sock: string): Promise<(row: string, col: string) => number> {
  const out = await socat(`unix-connect:${sock}`, 'show stat');
  const h = CSV_HEADER.slice(2).split(',');
  const rows = new Map(out.split('\n').slice(1).filter(Boolean).map((l) => { const f = l.split(','); return [`${f[0]}/${f[1]}`, f]; }));
  return (row, col) => Number(rows.get(row)![h.indexOf(col)]);
}

t.test('bytes, requests and statuses agree between frontend, backend and servers', async (t) => {
  const a = await slowBackend('a');
  const b = await slowBackend('b');
  const port = await freePort();
  const sock = join(mkdtempSync(join(tmpdir(), 'lb-cli-')), 'a.sock');
  const lb = await startLb(`global
    stats socket ${sock}
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 2s
frontend fe
    bind 127.0.0.1:${port}
    default_backend be
backend be
    server a 127.0.0.1:${a.port}
    server b 127.0.0.1:${b.port}
`, port);
  t.teardown(async () => { await lb.stop(); await a.close(); await b.close(); });
  for (let i = 0; i < 6; i++) t.equal((await get(port, `/x${i}`)).status, 200);
  const v = await statReader(sock);
  t.ok(v('fe/FRONTEND', 'bin') > 0);
  for (const col of ['bin', 'bout']) {
    t.equal(v('be/BACKEND', col), v('fe/FRONTEND', col), `backend ${col} = frontend ${col}`);
    t.equal(v('be/a', col) + v('be/b', col), v('be/BACKEND', col), `servers ${col} add up to the backend's`);
  }
  t.equal(v('fe/FRONTEND', 'req_tot'), 6);
  t.equal(v('be/BACKEND', 'req_tot'), 6);
  t.equal(v('be/a', 'req_tot') + v('be/b', 'req_tot'), 6);
  t.equal(v('be/a', 'req_tot'), 3, 'roundrobin');
  for (const r of ['fe/FRONTEND', 'be/BACKEND']) t.equal(v(r, 'hrsp_2xx'), 6);
  t.equal(v('fe/FRONTEND', 'conn_tot'), 7, 'six requests and the harness probe that waited for the port');
  t.equal(v('be/BACKEND', 'lbtot'), 6);
  t.ok(v('fe/FRONTEND', 'rate') >= 1 && v('fe/FRONTEND', 'rate') <= 7, 'a rate over the last second');
  t.ok(v('fe/FRONTEND', 'rate_max') >= v('fe/FRONTEND', 'rate'));
  t.ok(v('be/a', 'lastsess') >= 0 && v('be/a', 'lastsess') <= 5);
  t.equal(v('be/a', 'connect') + v('be/a', 'reuse'), 3, 'each request used a new or a pooled connection');
});

t.test('queue, connect, response and total times (qtime..ttime and their maxima)', async (t) => {
  const a = await slowBackend('a');
  const port = await freePort();
  const sock = join(mkdtempSync(join(tmpdir(), 'lb-cli-')), 'a.sock');
  const lb = await startLb(`global
    stats socket ${sock}
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 2s
frontend fe
    bind 127.0.0.1:${port}
    default_backend be
backend be
    server a 127.0.0.1:${a.port} maxconn 1
`, port);
  t.teardown(async () => { await lb.stop(); await a.close(); });
  // two at once on a maxconn 1 server: the second waits ~150 ms in the queue
  const res = await Promise.all([get(port, '/?ms=150'), get(port, '/?ms=150')]);
  t.same(res.map((r) => r.status), [200, 200]);
  const v = await statReader(sock);
  for (const row of ['be/a', 'be/BACKEND']) {
    t.ok(v(row, 'rtime_max') >= 140 && v(row, 'rtime_max') < 1000, `${row}: rtime_max ${v(row, 'rtime_max')} ms, the server's 150 ms`);
    t.ok(v(row, 'qtime_max') >= 100 && v(row, 'qtime_max') < 1000, `${row}: qtime_max ${v(row, 'qtime_max')} ms, the second request's wait`);
    t.ok(v(row, 'ttime_max') >= v(row, 'rtime_max') + v(row, 'qtime_max') - 5, `${row}: ttime_max ${v(row, 'ttime_max')} covers queue and response`);
    t.ok(v(row, 'ctime_max') >= 0 && v(row, 'ctime_max') < 100, `${row}: ctime_max ${v(row, 'ctime_max')} ms on loopback`);
    t.ok(v(row, 'rtime') > 0 && v(row, 'ttime') > 0, `${row}: averages over the last requests (rtime ${v(row, 'rtime')}, ttime ${v(row, 'ttime')})`);
  }
});
