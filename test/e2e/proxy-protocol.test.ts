/**
 * `send-proxy` and `send-proxy-v2` on server lines: the PROXY header lb
 * writes first on each server connection, in mode tcp and mode http,
 * compared byte for byte with what HAProxy 2.6 writes for the same client
 * (when haproxy is installed), and with the protocol's layout otherwise.
 */
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, connect, type Socket } from 'node:net';
import { accepts, freePort, startLb } from './harness.js';

const haveHaproxy = spawnSync('haproxy', ['-v']).status === 0;

/** Length of a PROXY header at the start of `b` (0 if none or incomplete). */
function headerLength(b: Buffer): number {
  if (b.subarray(0, 6).toString() === 'PROXY ') { const e = b.indexOf('\r\n'); return e < 0 ? 0 : e + 2; }
  if (b.length >= 16 && b.subarray(0, 12).toString('hex') === '0d0a0d0a000d0a515549540a') return 16 + b.readUInt16BE(14);
  return 0;
}

/** A server that records what each connection sends, and answers an HTTP request with 200. */
function recorder(port: number): { got: Buffer[]; close(): void } {
  const got: Buffer[] = [];
  const socks = new Set<Socket>();
  const srv = createServer((s) => {
    socks.add(s);
    let buf = Buffer.alloc(0);
    let answered = false;
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const body = buf.subarray(headerLength(buf));
      if (!answered && (body.includes('\r\n\r\n') || body.includes('hello\n'))) {
        answered = true;
        got.push(buf);
        s.end(buf.includes('HTTP/1.1') ? 'HTTP/1.1 200 OK\r\ncontent-length: 3\r\nconnection: close\r\n\r\nok\n' : 'bye\n');
      }
    });
    s.on('close', () => socks.delete(s));
    s.on('error', () => undefined);
  }).listen(port, '127.0.0.1');
  return { got, close: () => { for (const s of socks) s.destroy(); srv.close(); } };
}

/** Send `bytes` from a known local port and wait for the answer to end. */
function send(port: number, bytes: string, localPort: number): Promise<void> {
  return new Promise((resolve) => {
    const c = connect({ port, host: '127.0.0.1', localAddress: '127.0.0.1', localPort });
    c.on('connect', () => c.write(bytes));
    c.resume();
    c.on('close', () => resolve());
    c.on('error', () => resolve());
    setTimeout(() => c.destroy(), 3000);
  });
}

/** The header part of a capture with the client port replaced by 'P' (text) or zeroes (binary). */
function masked(b: Buffer, clientPort: number): string {
  if (b.subarray(0, 6).toString() === 'PROXY ') {
    const line = b.subarray(0, b.indexOf('\r\n') + 2).toString('latin1');
    return line.replace(` ${clientPort} `, ' P ');
  }
  const len = 16 + b.readUInt16BE(14);
  const h = Buffer.from(b.subarray(0, len));
  h.writeUInt16BE(0, 24);
  return h.toString('hex');
}

t.test('PROXY headers on server connections', async (t) => {
  const ports = { v1: await freePort(), v2: await freePort(), http: await freePort() };
  const srvPorts = { v1: await freePort(), v2: await freePort(), http: await freePort() };
  const cfg = `defaults
    timeout connect 1s
    timeout client 5s
    timeout server 5s
listen v1
    mode tcp
    bind 127.0.0.1:${ports.v1}
    server s 127.0.0.1:${srvPorts.v1} send-proxy
listen v2
    mode tcp
    bind 127.0.0.1:${ports.v2}
    server s 127.0.0.1:${srvPorts.v2} send-proxy-v2
listen h
    mode http
    bind 127.0.0.1:${ports.http}
    server s 127.0.0.1:${srvPorts.http} send-proxy-v2
`;
  const runs: Record<string, Record<string, string>> = {};
  const clientPorts = [await freePort(), await freePort(), await freePort(), await freePort(), await freePort(), await freePort()];
  for (const who of haveHaproxy ? ['lb', 'haproxy'] : ['lb']) {
    const rec = { v1: recorder(srvPorts.v1), v2: recorder(srvPorts.v2), http: recorder(srvPorts.http) };
    let stop: () => Promise<unknown>;
    if (who === 'lb') {
      const lb = await startLb(cfg, ports.v1);
      stop = () => lb.stop();
    } else {
      const dir = mkdtempSync(join(tmpdir(), 'lb-pp-'));
      writeFileSync(join(dir, 'h.cfg'), cfg);
      const h = spawn('haproxy', ['-db', '-f', join(dir, 'h.cfg')], { stdio: 'ignore' });
      for (let i = 0; i < 100 && !(await accepts(ports.v1)); i++) await new Promise((r) => setTimeout(r, 50));
      stop = () => new Promise((r) => { h.once('exit', r); h.kill('SIGTERM'); });
    }
    const base = who === 'lb' ? 0 : 3;
    await send(ports.v1, 'hello\n', clientPorts[base]!);
    await send(ports.v2, 'hello\n', clientPorts[base + 1]!);
    await send(ports.http, 'GET / HTTP/1.1\r\nhost: x\r\n\r\n', clientPorts[base + 2]!);
    await stop();
    for (const r of Object.values(rec)) r.close();
    t.same([rec.v1.got.length, rec.v2.got.length, rec.http.got.length], [1, 1, 1], `${who}: each server saw one connection`);
    runs[who] = {
      v1: masked(rec.v1.got[0]!, clientPorts[base]!),
      v2: masked(rec.v2.got[0]!, clientPorts[base + 1]!),
      http: masked(rec.http.got[0]!, clientPorts[base + 2]!),
    };
    t.ok(rec.http.got[0]!.includes('GET / HTTP/1.1\r\n'), `${who}: the request follows the header`);
  }
  t.equal(runs['lb']!['v1'], `PROXY TCP4 127.0.0.1 127.0.0.1 P ${ports.v1}\r\n`, 'v1: text line with both addresses and ports');
  const v2 = '0d0a0d0a000d0a515549540a' + '2111000c' + '7f000001' + '7f000001' + '0000';
  t.equal(runs['lb']!['v2'], v2 + ports.v2.toString(16).padStart(4, '0'), 'v2: signature, PROXY/TCP4, 12 address bytes');
  t.equal(runs['lb']!['http'], v2 + ports.http.toString(16).padStart(4, '0'), 'v2 in mode http');
  if (haveHaproxy) t.same(runs['lb'], runs['haproxy'], 'byte for byte as HAProxy 2.6 (client port masked)');
});
