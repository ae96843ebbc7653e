/**
 * Log targets and process events at run time, on real sockets: a UDP
 * receiver, a TCP collector, and the routing of process events to the
 * targets of the proxy concerned (its own and, with `log global`, the
 * global ones) with their facility, the event's severity and the tag.
 */
import t from 'tap';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { createServer, type AddressInfo } from 'node:net';
import { load } from '../helpers.js';
import { LogRuntime } from '../../src/log/runtime.js';
import { LogSender } from '../../src/log/sender.js';
import { emitProcessEvent, EMERG, ALERT, NOTICE, WARNING } from '../../src/log/events.js';
import { compileFormat } from '../../src/log/compile.js';
import { LogRec, Cause, Phase } from '../../src/log/record.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function udpReceiver(): Promise<{ sock: UdpSocket; port: number; lines: string[] }> {
  const lines: string[] = [];
  const sock = createSocket('udp4');
  sock.on('message', (m) => lines.push(m.toString('latin1')));
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  return { sock, port: (sock.address() as AddressInfo).port, lines };
}

async function until(f: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!f() && Date.now() < end) await sleep(10);
}

t.test('process events reach the proxy targets and the global ones, with severity and tag', async (t) => {
  const g = await udpReceiver();
  const own = await udpReceiver();
  t.teardown(() => { g.sock.close(); own.sock.close(); });
  const r = load(`global\n log 127.0.0.1:${g.port} local0\n log-tag gtag\n` +
    `backend be\n log global\n log 127.0.0.1:${own.port} local3\n log-tag betag\n server s1 127.0.0.1:1\n` +
    `backend other\n server s1 127.0.0.1:1\n`);
  t.ok(r.model, r.lines.join('\n'));
  const rt = new LogRuntime(r.model!);
  const err: string[] = [];
  rt.routeEvents((l) => err.push(l));
  emitProcessEvent({ severity: EMERG, text: 'backend be has no server available!', proxy: 'be' });
  emitProcessEvent({ severity: NOTICE, text: 'Server other/s1 is UP.', proxy: 'other' });
  emitProcessEvent({ severity: WARNING, text: 'a process-wide warning' });
  await until(() => g.lines.length >= 3 && own.lines.length >= 1);
  await rt.close();
  const strip = (l: string) => l.replace(/^(<\d+>)\w{3} [ \d]\d \d\d:\d\d:\d\d /, '$1DATE ').replace(/\[\d+\]/, '[PID]');
  t.same(own.lines.map(strip), ['<152>DATE betag[PID]: backend be has no server available!\n'], 'local3 emerg, the proxy tag');
  t.same(g.lines.map(strip).sort(), [
    '<128>DATE betag[PID]: backend be has no server available!\n',
    '<132>DATE gtag[PID]: a process-wide warning\n',
    // 'other' has no log line (not even log global): HAProxy sends its messages nowhere
  ].sort());
  t.equal(err.length, 3, 'each event is also printed on stderr');
  t.match(err[0], /^\[ALERT\] +\(\d+\) : backend be has no server available!$/);
  // after close, events are no longer routed
  emitProcessEvent({ severity: ALERT, text: 'late' });
  t.equal(err.length, 3);
});

t.test('sample ranges pick the lines by their index', async (t) => {
  const rx = await udpReceiver();
  t.teardown(() => rx.sock.close());
  const r = load(`global\n log 127.0.0.1:${rx.port} format raw sample 1-2,5:5 local0\n`);
  const s = new LogSender(r.model!.global.logs[0]!);
  for (let i = 1; i <= 10; i++) s.send(6, `line ${i}`, { tag: 'x', host: undefined, sd: '' });
  await until(() => rx.lines.length >= 6);
  await sleep(50);
  await s.close();
  t.same(rx.lines.sort(), ['line 1\n', 'line 2\n', 'line 5\n', 'line 6\n', 'line 7\n', 'line 10\n'].sort());
});

t.test('a TCP collector gets octet-counted frames', async (t) => {
  let got = '';
  const srv = createServer((c) => c.on('data', (d) => { got += d.toString('latin1'); }));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.teardown(() => srv.close());
  const port = (srv.address() as AddressInfo).port;
  const r = load(`global\n log tcp@127.0.0.1:${port} format raw local0\n`);
  const s = new LogSender(r.model!.global.logs[0]!);
  s.send(6, 'hello', { tag: 'x', host: undefined, sd: '' });
  s.send(6, 'world!', { tag: 'x', host: undefined, sd: '' });
  await until(() => got.length >= 17);
  await s.close();
  t.equal(got, '6 hello\n7 world!\n');
});

t.test('log-format rendering: separators, quoting, absent values, hex, escapes', async (t) => {
  const env = { fe: 'fe', captures: { request: [], response: [] }, logCount: () => 7 };
  const where = { file: 't.cfg', line: 1 };
  const r = new LogRec();
  r.ci = '10.1.2.3';
  r.cp = 4660;
  r.tAccept = Date.UTC(2026, 10, 22, 3, 25, 49, 761);
  r.tEnd = r.tAccept + 5;
  r.method = 'GET';
  r.uri = '/a"b#c?x=1';
  r.status = 200;
  r.bytesOut = 255;
  const f = (fmt: string) => compileFormat(fmt, env, where).render(r);
  t.equal(f('%ci   %hr %hs  %ST'), '10.1.2.3 200', 'runs of spaces are one separator; empty captures vanish');
  t.equal(f('%{+Q}o %ci %cp %b %s %CC'), '"10.1.2.3" 4660 "fe" "<NOSRV>" ""', '+Q quotes text, not numbers; absent text is ""');
  t.equal(f('%CC %HV %ID'), '- HTTP/1.1 -', 'absent values print -');
  t.equal(f('%{+X}ci:%{+X}cp %{+X}B'), '0A010203:1234 FF', '+X: addresses, ports and numbers in hex');
  t.equal(f('%r|%HU|%HP|%HQ'), 'GET /a#22b#23c?x=1 HTTP/1.1|/a#22b#23c?x=1|/a#22b#23c|?x=1', 'quotes and # are encoded in URIs');
  t.equal(f('%tsc %ts %lc %%'), '---- -- 7 %');
  r.cause = Cause.ServerTimeout;
  r.phase = Phase.Headers;
  t.equal(f('%tsc %ts'), 'sH-- sH');
  t.equal(f('%trg'), '22/Nov/2026:03:25:49 +0000');
  t.equal(f('%Ts %ms %Tt %Ta %TR %Tw'), `${Math.floor(r.tAccept / 1000)} 761 5 5 -1 -1`);
  r.method = '';
  t.equal(f('%{+Q}r %HM'), '"<BADREQ>" -');
});

t.test('a frontend that logs nowhere gets no logger (its sessions skip logging)', async (t) => {
  const r = load('global\n log 127.0.0.1:9 local0\ndefaults\n mode http\n timeout client 1s\n timeout connect 1s\n timeout server 1s\n' +
    'frontend quiet\n bind 127.0.0.1:1\n option httplog\n default_backend b\n' +
    'frontend nolog\n bind 127.0.0.1:2\n log global\n no log\n default_backend b\n' +
    'frontend loud\n bind 127.0.0.1:3\n log global\n option httplog\n default_backend b\n' +
    'backend b\n server s 127.0.0.1:4\n');
  t.ok(r.model, r.lines.join('\n'));
  const rt = new LogRuntime(r.model!);
  t.teardown(() => rt.close());
  t.equal(rt.forFrontend('quiet'), undefined, 'no log line at all');
  t.equal(rt.forFrontend('nolog'), undefined, 'no log');
  t.ok(rt.forFrontend('loud'), 'log global');
});
