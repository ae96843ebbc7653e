/**
 * `show sess` lists streams as HAProxy 2.6.12 does (probed on the binary):
 * a mode tcp session with its backend and server; an HTTP connection only
 * while a transaction is in progress (an idle keep-alive connection, or one
 * that has sent nothing yet, has no stream); `shutdown session` ends one.
 */
import t from 'tap';
import { connect, type Socket } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startLb } from '../e2e/harness.js';
import { socat, slowBackend } from './helpers.js';

t.test('show sess: tcp sessions and HTTP transactions in progress, with backend and server', async (t) => {
  const be = await slowBackend('s1');
  t.teardown(() => be.close());
  const port = await freePort();
  const tport = await freePort();
  const sock = join(mkdtempSync(join(tmpdir(), 'lb-sess-')), 'admin.sock');
  const lb = await startLb(`global
    stats socket ${sock} level admin
defaults
    mode http
    timeout client 30s
    timeout server 30s
    timeout connect 2s
frontend fe
    bind 127.0.0.1:${port}
    default_backend be
backend be
    server s1 127.0.0.1:${be.port}
listen tcpx
    mode tcp
    bind 127.0.0.1:${tport}
    server t1 127.0.0.1:${be.port}
`, port);
  t.teardown(() => lb.stop());
  const open: Socket[] = [];
  t.teardown(() => { for (const s of open) s.destroy(); });
  const client = async (p: number, req?: string): Promise<{ s: Socket; got: () => string }> => {
    const s = connect(p, '127.0.0.1');
    open.push(s);
    let buf = '';
    s.on('data', (d) => { buf += d.toString('latin1'); });
    s.on('error', () => undefined);
    await new Promise<void>((r) => s.once('connect', () => r()));
    if (req) s.write(req);
    return { s, got: () => buf };
  };
  // an idle keep-alive connection (its response received), a connection that sent nothing,
  // a request waiting 3 s for its response, a tcp session
  const idle = await client(port, 'GET /?ms=0 HTTP/1.1\r\nhost: a\r\n\r\n');
  for (let i = 0; i < 100 && !idle.got().includes('s1'); i++) await new Promise((r) => setTimeout(r, 20));
  await client(port);
  const slow = await client(port, 'GET /?ms=3000 HTTP/1.1\r\nhost: a\r\n\r\n');
  await client(tport);
  await new Promise((r) => setTimeout(r, 300));
  const out = await socat(`unix-connect:${sock}`, 'show sess');
  const lines = out.split('\n').filter(Boolean);
  t.equal(lines.filter((l) => / fe=fe /.test(l)).length, 1, 'one HTTP stream: the request in progress');
  t.match(out, new RegExp(`^0x[0-9a-f]+: proto=tcpv4 src=127\\.0\\.0\\.1:${slow.s.localPort} fe=fe be=be srv=s1 age=\\d+s$`, 'm'));
  t.match(out, /^0x[0-9a-f]+: proto=tcpv4 src=127\.0\.0\.1:\d+ fe=tcpx be=tcpx srv=t1 age=\d+s$/m, 'the tcp session');
  const id = new RegExp(`^(0x[0-9a-f]+): proto=tcpv4 src=127\\.0\\.0\\.1:${slow.s.localPort} `, 'm').exec(out)![1]!;
  t.equal(await socat(`unix-connect:${sock}`, `shutdown session ${id}`), '\n');
  await new Promise((r) => setTimeout(r, 200));
  t.ok(slow.s.destroyed || slow.s.readableEnded, 'shutdown session ended it');
  t.notOk((await socat(`unix-connect:${sock}`, 'show sess')).includes(id), 'and it is gone from the list');
});
