/**
 * Differential check: the same raw bytes go to the real haproxy 2.6 (with a
 * tiny raw-socket backend) and to lb's parser; the verdicts must agree
 * (forwarded, or the same error status). Skipped when haproxy is missing.
 * Every wait is bounded; the haproxy process is killed in teardown.
 */
import t from 'tap';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { parseRequestHead, parseResponseHead, ChunkedDecoder } from '../../src/proxy/http1.js';
import { REQUESTS, RESPONSES, CHUNKED } from './http1-cases.js';

const B = (s: string) => Buffer.from(s, 'latin1');
const OK = 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok';

if (spawnSync('haproxy', ['-v']).status !== 0) {
  t.plan(0, 'haproxy is not installed');
} else {
  let nextResponse = OK;
  const backend = net.createServer((s) => {
    let seen = '';
    s.on('error', () => {});
    s.on('data', (d) => {
      if (seen.includes('\n\r\n') || seen.includes('\n\n')) return;
      seen += d.toString('latin1');
      // answer a little later, so that haproxy has judged a body sent with the head
      if (seen.includes('\n\r\n') || seen.includes('\n\n')) setTimeout(() => s.end(B(nextResponse)), 30);
    });
  });

  const freePort = () => new Promise<number>((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const p = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(p));
    });
  });

  /** Sends raw bytes; resolves with the first complete response, what came before close, or after 1.5 s. */
  const exchange = (port: number, raw: string) => new Promise<string>((resolve) => {
    const c = net.connect(port, '127.0.0.1');
    let got = '';
    const timer = setTimeout(() => { c.destroy(); resolve(got); }, 1500);
    c.on('data', (d) => {
      got += d.toString('latin1');
      const h = parseResponseHead(B(got), 0, got.length, 'GET');
      if (h !== null && h.kind === 'response' && h.framing === 'length' && got.length >= h.headBytes + h.length) {
        clearTimeout(timer);
        c.destroy();
        resolve(got);
      }
    });
    c.on('close', () => { clearTimeout(timer); resolve(got); });
    c.on('error', () => {});
    c.write(B(raw));
  });

  /** 'forwarded' unless haproxy answered with one of its own pages. */
  const verdict = (answer: string): number | string => {
    if (answer === '') return 'nothing';
    if (!answer.includes('<html><body><h1>')) return 200;
    return Number(answer.slice(9, 12));
  };

  let haproxy: ChildProcess | undefined;
  t.teardown(() => {
    haproxy?.kill('SIGKILL');
    backend.close();
  });

  t.test('haproxy and lb agree', async (t) => {
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', () => r()));
    const bePort = (backend.address() as net.AddressInfo).port;
    const fePort = await freePort();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lb-h1diff-'));
    const cfg = path.join(dir, 'h.cfg');
    fs.writeFileSync(cfg, `global\n maxconn 100\ndefaults\n mode http\n timeout client 2s\n timeout server 2s\n timeout connect 1s\n` +
      `frontend fe\n bind 127.0.0.1:${fePort}\n default_backend b\nbackend b\n server s1 127.0.0.1:${bePort}\n`);
    haproxy = spawn('haproxy', ['-f', cfg, '-db'], { stdio: 'ignore' });
    const deadline = Date.now() + 5000;
    for (;;) {
      const up = await new Promise<boolean>((r) => {
        const c = net.connect(fePort, '127.0.0.1', () => { c.destroy(); r(true); });
        c.on('error', () => r(false));
      });
      if (up) break;
      if (Date.now() > deadline) { t.fail('haproxy did not start'); return; }
      await new Promise((r) => setTimeout(r, 50));
    }
    for (const [name, raw, want] of REQUESTS) {
      nextResponse = OK;
      const ours = parseRequestHead(B(raw), 0, raw.length);
      const lb = ours === null ? 'more' : ours.kind === 'error' ? ours.status : 200;
      const hx = verdict(await exchange(fePort, raw));
      t.same([lb, hx], [want, want], `request: ${name}`);
    }
    for (const [name, raw, want] of RESPONSES) {
      nextResponse = raw + 'ok';
      const ours = parseResponseHead(B(raw), 0, raw.length, 'GET');
      const lb = ours === null ? 'more' : ours.kind === 'error' ? ours.status : 200;
      const hx = verdict(await exchange(fePort, 'GET / HTTP/1.1\r\nHost: a\r\n\r\n'));
      t.same([lb, hx], [want, want], `response: ${name}`);
    }
    for (const [name, body, want, alsoSeen] of CHUNKED) {
      nextResponse = OK;
      const d = new ChunkedDecoder();
      const b = B(body);
      let pos = 0;
      while (pos < b.length && !d.error && !d.done) pos = d.advance(b, pos, b.length);
      const lb = d.error ? 400 : 200;
      const hx = verdict(await exchange(fePort, 'POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n' + body));
      t.same([lb, hx === alsoSeen ? want : hx], [want, want], `chunked body: ${name}`);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
}
