/**
 * Several workers, one process group (master-worker, `nbthread 2`): the
 * stats socket shows the sum of every worker's counters, admin commands
 * reach every worker (and the next generation after a reload), and each
 * server is health-checked once: one DOWN line, no traffic from any worker.
 */
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type Socket } from 'node:net';
import { freePort, httpBackend } from '../e2e/harness.js';
import { spawnLb, cliCommand, HTTP_DEFAULTS } from './helpers.js';

function cfg(port: number, b1: number, b2: number, sock: string, sport: number): string {
  return `global
    nbthread 2
    stats socket ${sock} level admin
${HTTP_DEFAULTS}frontend fe
    bind 127.0.0.1:${port}
    default_backend be
backend be
    balance roundrobin
    server s1 127.0.0.1:${b1} check inter 200 fall 2 rise 2
    server s2 127.0.0.1:${b2} check inter 200 fall 2 rise 2
listen stats
    bind 127.0.0.1:${sport}
    stats enable
    stats uri /stats
    stats admin if TRUE
    http-request use-service prometheus-exporter if { path /metrics }
`;
}

/** One HTTP/1.1 request on a fresh connection (each may land on either worker); the response as text. */
function fetchText(port: number, req: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let buf = '';
    s.setEncoding('latin1');
    s.on('data', (d: string) => { buf += d; });
    s.on('close', () => resolve(buf));
    s.on('error', reject);
    s.write(req);
  });
}
const get = (path: string): string => `GET ${path} HTTP/1.1\r\nhost: lb\r\nconnection: close\r\n\r\n`;

/** One connection sending `n` requests one after the other (keep-alive), the last one with close. */
async function client(port: number, n: number, body: string): Promise<{ sent: number; bodies: string[] }> {
  const s: Socket = connect(port, '127.0.0.1');
  await new Promise<void>((r, j) => { s.once('connect', () => r()); s.once('error', j); });
  s.setEncoding('latin1');
  let buf = '';
  let wake: (() => void) | undefined;
  s.on('data', (d: string) => { buf += d; wake?.(); });
  s.on('close', () => wake?.());
  let sent = 0;
  const bodies: string[] = [];
  for (let i = 0; i < n; i++) {
    const req = `POST /r${i} HTTP/1.1\r\nhost: lb\r\ncontent-length: ${body.length}\r\n${i === n - 1 ? 'connection: close\r\n' : ''}\r\n${body}`;
    s.write(req, 'latin1');
    sent += req.length;
    const deadline = Date.now() + 5000;
    for (;;) {
      const end = buf.indexOf('\r\n\r\n');
      const m = /content-length: *(\d+)/i.exec(buf);
      if (end >= 0 && m && buf.length >= end + 4 + Number(m[1])) {
        bodies.push(buf.slice(end + 4, end + 4 + Number(m[1])));
        buf = buf.slice(end + 4 + Number(m[1]));
        break;
      }
      if (s.destroyed || Date.now() > deadline) throw new Error(`no complete response: ${JSON.stringify(buf)}`);
      await new Promise<void>((r) => { wake = r; setTimeout(r, 200); });
    }
  }
  s.destroy();
  return { sent, bodies };
}

/** `show stat` CSV → rows by "pxname/svname", each a field map */
function stat(csv: string): Map<string, Record<string, string>> {
  const lines = csv.split('\n').filter(Boolean);
  const head = lines[0]!.replace(/^# /, '').split(',');
  const rows = new Map<string, Record<string, string>>();
  for (const l of lines.slice(1)) {
    const v = l.split(',');
    const r: Record<string, string> = {};
    head.forEach((h, i) => { r[h] = v[i] ?? ''; });
    rows.set(`${r.pxname}/${r.svname}`, r);
  }
  return rows;
}

t.test('nbthread 2: one stats view, admin everywhere, one check per server', async (t) => {
  const b1 = await httpBackend('s1');
  const b2 = await httpBackend('s2');
  t.teardown(async () => { await b1.stop(); await b2.stop(); });
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'lb-group-'));
  const file = join(dir, 'haproxy.cfg');
  const sock = join(dir, 'stats.sock');
  const msock = join(dir, 'master.sock');
  const sport = await freePort();
  writeFileSync(file, cfg(port, b1.port, b2.port, sock, sport));
  const lb = spawnLb(['-W', '-f', file, '-S', msock]);
  t.teardown(() => lb.kill('SIGKILL'));
  await lb.waitFor(/Loading success\./);

  // 40 connections: 20 keep-alive ones with 5 requests each, 20 with one request
  const jobs: Array<Promise<{ sent: number; bodies: string[] }>> = [];
  for (let i = 0; i < 40; i++) jobs.push(client(port, i < 20 ? 5 : 1, 'x'.repeat(i + 1)));
  const res = await Promise.all(jobs);
  const conns = res.length;
  const reqs = res.reduce((n, r) => n + r.bodies.length, 0);
  const bytes = res.reduce((n, r) => n + r.sent, 0);
  t.equal(reqs, 120);
  t.ok(res.every((r) => r.bodies.every((b) => b === 's1\n' || b === 's2\n')), 'every request answered by a server');

  const all = stat(await cliCommand(sock, 'show stat'));
  const fe = all.get('fe/FRONTEND')!;
  t.equal(Number(fe.stot), conns, 'frontend stot: every connection of every worker');
  t.equal(Number(fe.req_tot), reqs, 'frontend req_tot');
  t.equal(Number(fe.hrsp_2xx), reqs, 'frontend hrsp_2xx');
  t.equal(Number(fe.bin), bytes, 'frontend bin: the bytes the clients sent');
  t.equal(Number(all.get('be/BACKEND')!.hrsp_2xx), reqs, 'backend hrsp_2xx');
  t.equal(Number(all.get('be/s1')!.stot) + Number(all.get('be/s2')!.stot), reqs, 'servers stot');
  t.equal(Number(fe.scur), 0);
  // each worker's own share, through the master CLI: the view is their sum
  const w1 = stat(await cliCommand(msock, '@1 show stat')).get('fe/FRONTEND')!;
  const w2 = stat(await cliCommand(msock, '@2 show stat')).get('fe/FRONTEND')!;
  t.equal(Number(w1.req_tot) + Number(w2.req_tot), reqs, 'the sum of the two workers');
  t.comment(`worker 1 served ${w1.req_tot} requests, worker 2 ${w2.req_tot}`);
  const info = await cliCommand(sock, 'show info');
  t.match(info, new RegExp(`\\nCumConns: ${conns}\\n`), 'show info CumConns over the group');
  t.match(info, new RegExp(`\\nCumReq: ${reqs}\\n`), 'show info CumReq over the group');

  // the stats page and the Prometheus exporter show the group too, whichever worker answers
  for (let i = 0; i < 6; i++) {
    const page = await fetchText(sport, get('/stats;csv'));
    const row = stat(page.slice(page.indexOf('# pxname'))).get('fe/FRONTEND');
    t.equal(Number(row?.req_tot), reqs, `stats page ${i + 1}: frontend req_tot over the group`);
    const metrics = await fetchText(sport, get('/metrics'));
    t.match(metrics, new RegExp(`\nhaproxy_frontend_http_requests_total\\{proxy="fe"\\} ${reqs}\n`), `Prometheus ${i + 1}: over the group`);
  }
  // an admin action of the stats page reaches both workers
  const form = 's=s1&action=maint&b=be';
  const posted = await fetchText(sport, `POST /stats HTTP/1.1\r\nhost: lb\r\ncontent-length: ${form.length}\r\ncontent-type: application/x-www-form-urlencoded\r\nconnection: close\r\n\r\n${form}`);
  t.match(posted, /^HTTP\/1\.1 303 See Other\r\n[\s\S]*location: \/stats;st=DONE\r\n/, 'stats page: DONE');
  const seen0 = b1.seen.length;
  await Promise.all(Array.from({ length: 30 }, () => client(port, 2, '')));
  t.equal(b1.seen.length, seen0, 'maint from the stats page: no traffic from either worker');
  t.match(stat(await cliCommand(msock, '@1 show stat')).get('be/s1')!.status, /MAINT/, 'worker 1 has it in maintenance');
  t.match(stat(await cliCommand(msock, '@2 show stat')).get('be/s1')!.status, /MAINT/, 'worker 2 has it in maintenance');
  const ready = 's=s1&action=ready&b=be';
  await fetchText(sport, `POST /stats HTTP/1.1\r\nhost: lb\r\ncontent-length: ${ready.length}\r\nconnection: close\r\n\r\n${ready}`);
  t.notMatch(stat(await cliCommand(msock, '@2 show stat')).get('be/s1')!.status, /MAINT/, 'ready from the stats page: out of maintenance in worker 2');

  // an admin command reaches both workers
  t.equal(await cliCommand(sock, 'disable server be/s1'), '\n');
  const before = b1.seen.length;
  const after = await Promise.all(Array.from({ length: 30 }, () => client(port, 2, '')));
  t.equal(b1.seen.length, before, 'a server in maintenance gets no traffic from either worker');
  t.ok(after.every((r) => r.bodies.every((b) => b === 's2\n')));
  t.match(stat(await cliCommand(msock, '@2 show stat')).get('be/s1')!.status, /MAINT/, 'worker 2 has it in maintenance');

  // the next generation keeps the run-time admin state
  lb.proc.kill('SIGUSR2');
  await lb.waitFor(/Loading success\./, 2);
  const before2 = b1.seen.length;
  await Promise.all(Array.from({ length: 20 }, () => client(port, 1, '')));
  t.equal(b1.seen.length, before2, 'after a reload s1 is still in maintenance in every new worker');
  t.match(stat(await cliCommand(sock, 'show stat')).get('be/s1')!.status, /MAINT/);
  t.equal(await cliCommand(sock, 'enable server be/s1'), '\n');

  // a server that stops is checked once: one DOWN line, no traffic from any worker
  await b2.stop();
  await lb.waitFor(/Server be\/s2 is DOWN/);
  // a few more check intervals: a second checker would have said it too
  await new Promise((r) => setTimeout(r, 1200));
  t.equal((lb.stderr.match(/Server be\/s2 is DOWN/g) ?? []).length, 1, 'one DOWN line for the whole group');
  const down = await Promise.all(Array.from({ length: 30 }, () => client(port, 2, '')));
  t.ok(down.every((r) => r.bodies.every((b) => b === 's1\n')), 'the DOWN server gets no traffic from either worker');
  t.match(stat(await cliCommand(msock, '@2 show stat')).get('be/s2')!.status, /DOWN/, 'worker 2 took the state change');
  await b2.start();
  await lb.waitFor(/Server be\/s2 is UP/);
  await new Promise((r) => setTimeout(r, 600));
  t.equal((lb.stderr.match(/Server be\/s2 is UP/g) ?? []).length, 1, 'one UP line');
  lb.kill('SIGTERM');
  await lb.exited;
});

t.test('nbthread 2: passive health (observe) counts the errors every worker sees', async (t) => {
  // a server answering 500: every response is an error for observe layer7
  const { createServer } = await import('node:http');
  const bad = createServer((_q, s) => { s.statusCode = 500; s.end('no\n'); });
  await new Promise<void>((r) => bad.listen(0, '127.0.0.1', r));
  t.teardown(() => bad.close());
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'lb-group-'));
  const file = join(dir, 'haproxy.cfg');
  const msock = join(dir, 'master.sock');
  writeFileSync(file, `global
    nbthread 2
${HTTP_DEFAULTS}frontend fe
    bind 127.0.0.1:${port}
    default_backend be
backend be
    server s1 127.0.0.1:${(bad.address() as { port: number }).port} check inter 60s observe layer7 error-limit 12 on-error mark-down
`);
  const lb = spawnLb(['-W', '-f', file, '-S', msock]);
  t.teardown(() => lb.kill('SIGKILL'));
  await lb.waitFor(/Loading success\./);
  // 12 errors on fresh connections, spread over both workers: together they reach the limit
  for (let i = 0; i < 12; i++) await fetchText(port, get(`/e${i}`));
  const w1 = stat(await cliCommand(msock, '@1 show stat')).get('fe/FRONTEND')!;
  const w2 = stat(await cliCommand(msock, '@2 show stat')).get('fe/FRONTEND')!;
  t.comment(`worker 1 saw ${w1.req_tot} errors, worker 2 ${w2.req_tot}`);
  await lb.waitFor(/Server be\/s1 is DOWN, reason: Health analyze, info: "Detected 12 consecutive errors/, 1, 5000);
  t.pass('DOWN once the errors of both workers reach error-limit');
  t.equal((lb.stderr.match(/Server be\/s1 is DOWN/g) ?? []).length, 1, 'one DOWN line');
  lb.kill('SIGTERM');
  await lb.exited;
});
