/**
 * Bytes arrive intact whatever the pace of either side: lb reads each
 * connection into a reused buffer (src/proxy/reader.ts), so a slice kept for
 * later or a write still queued must never see its bytes overwritten by the
 * next read. Large bodies both ways, slow readers on both sides (so writes
 * queue), chunked and length-framed, mode http and mode tcp; every byte is
 * checked with a digest.
 */
import t from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { createServer as createHttp } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { freePort, startLb } from './harness.js';

const BODY = randomBytes(12 * 1024 * 1024 + 4321);
const DIGEST = createHash('sha256').update(BODY).digest('hex');

/** Read a socket slowly: pause after each chunk for a moment, until `bytes` arrived or it closed. */
function slowRead(sock: Socket, until: (got: Buffer) => boolean, ms = 15000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let n = 0;
    const timer = setTimeout(() => { sock.destroy(); reject(new Error(`timeout after ${n} bytes`)); }, ms);
    // not reading at first: the kernel buffers fill and lb's writes queue in user space
    sock.pause();
    setTimeout(() => sock.resume(), 300);
    sock.on('data', (d: Buffer) => {
      parts.push(d);
      n += d.length;
      const all = Buffer.concat(parts);
      if (until(all)) { clearTimeout(timer); sock.destroy(); resolve(all); return; }
      if (parts.length % 8 === 0) { sock.pause(); setTimeout(() => sock.resume(), 5); }
    });
    sock.on('close', () => { clearTimeout(timer); resolve(Buffer.concat(parts)); });
    sock.on('error', () => undefined);
  });
}

t.test('large bodies through a reused read buffer stay intact', async (t) => {
  // the server: GET /big answers BODY (length or chunked); POST /echo digests what it reads, slowly
  const srvPort = await freePort();
  const srv = createHttp((req, res) => {
    if (req.method === 'POST') {
      const h = createHash('sha256');
      let n = 0;
      req.on('data', (d: Buffer) => {
        h.update(d);
        n += d.length;
        if (n === d.length) { req.pause(); setTimeout(() => req.resume(), 300); }
      });
      req.on('end', () => res.end(`${n} ${h.digest('hex')}`));
      return;
    }
    if (req.url === '/a') { res.end('a\n'); return; }
    if (req.url === '/chunked') {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      for (let i = 0; i < BODY.length; i += 100_000) res.write(BODY.subarray(i, i + 100_000));
      res.end();
      return;
    }
    res.writeHead(200, { 'content-length': String(BODY.length) });
    res.end(BODY);
  }).listen(srvPort, '127.0.0.1');
  const port = await freePort();
  const tcpPort = await freePort();
  const cfg = `defaults
    timeout connect 1s
    timeout client 10s
    timeout server 10s
listen h
    mode http
    bind 127.0.0.1:${port}
    server s 127.0.0.1:${srvPort}
listen t
    mode tcp
    bind 127.0.0.1:${tcpPort}
    server s 127.0.0.1:${srvPort}
`;
  let lb: Awaited<ReturnType<typeof startLb>> | undefined;
  t.teardown(async () => { await lb?.stop(); srv.closeAllConnections(); srv.close(); });
  lb = await startLb(cfg, port);

  const bodyOf = (raw: Buffer): Buffer => raw.subarray(raw.indexOf('\r\n\r\n') + 4);
  const dechunk = (b: Buffer): Buffer => {
    const out: Buffer[] = [];
    let pos = 0;
    for (;;) {
      const eol = b.indexOf('\r\n', pos);
      const size = parseInt(b.subarray(pos, eol).toString('latin1'), 16);
      if (!size) break;
      out.push(b.subarray(eol + 2, eol + 2 + size));
      pos = eol + 2 + size + 2;
    }
    return Buffer.concat(out);
  };
  const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

  for (const [label, p] of [['http', port], ['tcp', tcpPort]] as const) {
    // a download read slowly by the client: lb's writes to the client queue up
    const c1 = netConnect(p, '127.0.0.1');
    c1.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\n');
    const got = await slowRead(c1, (b) => b.length >= BODY.length + 60 && bodyOf(b).length >= BODY.length);
    t.equal(sha(bodyOf(got).subarray(0, BODY.length)), DIGEST, `${label}: length-framed download intact`);

    const c2 = netConnect(p, '127.0.0.1');
    c2.write('GET /chunked HTTP/1.1\r\nHost: x\r\n\r\n');
    const got2 = await slowRead(c2, (b) => b.subarray(-5).toString() === '0\r\n\r\n');
    t.equal(sha(dechunk(bodyOf(got2))), DIGEST, `${label}: chunked download intact`);

    // an upload read slowly by the server: lb's writes to the server queue up
    const c3 = netConnect(p, '127.0.0.1');
    c3.write(`POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: ${BODY.length}\r\n\r\n`);
    for (let i = 0; i < BODY.length; i += 65536) c3.write(BODY.subarray(i, i + 65536));
    const got3 = await slowRead(c3, (b) => /\r\n\r\n\d+ [0-9a-f]{64}$/.test(b.toString('latin1')));
    t.equal(bodyOf(got3).toString(), `${BODY.length} ${DIGEST}`, `${label}: upload intact`);
  }

  // pipelined requests split at every possible point of a read
  const reqs = 'GET /a HTTP/1.1\r\nHost: x\r\nX-Pad: ' + 'p'.repeat(3000) + '\r\n\r\n';
  const c4 = netConnect(port, '127.0.0.1');
  const all = Buffer.from(reqs.repeat(3) + 'GET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  for (let i = 0; i < all.length; i += 1000) c4.write(all.subarray(i, i + 1000));
  const got4 = await slowRead(c4, () => false);
  const statuses = got4.toString('latin1').match(/HTTP\/1\.1 \d{3}/g) ?? [];
  t.same(statuses, ['HTTP/1.1 200', 'HTTP/1.1 200', 'HTTP/1.1 200', 'HTTP/1.1 200'], 'four pipelined answers in order');
  t.equal(sha(got4.subarray(got4.length - BODY.length)), DIGEST, 'the last (large) one intact');
});
