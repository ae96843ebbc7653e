/**
 * Bounded client load for reload and stop tests: keep-alive clients,
 * connection-close clients, 2 s slow requests and WebSocket-style upgraded
 * tunnels, all on raw sockets so that every failure is seen and classified
 * (refused, reset/closed early, wrong status, broken tunnel). A backend
 * answering "/" at once, "/slow" after a delay, and echoing upgraded
 * connections goes with it.
 */
import { createServer, type Server, type IncomingMessage } from 'node:http';
import { connect, type Socket, type AddressInfo } from 'node:net';

export interface LoadBackend {
  port: number;
  close(): Promise<void>;
}

export async function loadBackend(slowMs = 2000): Promise<LoadBackend> {
  const socks = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    const body = req.url?.startsWith('/slow') ? 'slow\n' : 'ok\n';
    const delay = req.url?.startsWith('/slow') ? slowMs : 0;
    const send = (): void => { res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length }); res.end(body); };
    if (delay) setTimeout(send, delay); else send();
  });
  server.keepAliveTimeout = 30000;
  server.on('connection', (s) => { socks.add(s); s.once('close', () => socks.delete(s)); });
  server.on('upgrade', (req: IncomingMessage, sock: Socket, head: Buffer) => {
    sock.write('HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\n');
    if (head.length > 0) sock.write(head);
    sock.on('data', (d) => sock.write(d)); // echo
    sock.on('error', () => sock.destroy());
    sock.on('end', () => sock.end());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((r) => { for (const s of socks) s.destroy(); server.close(() => r()); }),
  };
}

export interface LoadCounts {
  ok: number;
  slowOk: number;
  slowStarted: number;
  wsSessions: number;
  wsEchoes: number;
  refused: number;
  /**
   * reset while connecting, or reset with no response byte on a fresh
   * connection: queued by the kernel on a listening socket that then closed
   */
  resetBeforeAccept: number;
  failed: number;
  badStatus: number;
  connections: number;
  /** first few failure descriptions */
  errors: string[];
}

export interface Load {
  counts: LoadCounts;
  /** stop starting new work; resolves when every client has finished what it began */
  stop(): Promise<void>;
}

const REQ_KA = 'GET / HTTP/1.1\r\nhost: t\r\n\r\n';
const REQ_CLOSE = 'GET / HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n';
const REQ_SLOW = 'GET /slow HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n';

/** One response on a socket: resolves with status and whether the server said close. */
function readResponse(sock: Socket, state: { buf: Buffer }): Promise<{ status: number; close: boolean } | string> {
  return new Promise((resolve) => {
    const tryParse = (): boolean => {
      const b = state.buf;
      const end = b.indexOf('\r\n\r\n');
      if (end < 0) return false;
      const head = b.subarray(0, end).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
      const cl = /\r\ncontent-length: *(\d+)/i.exec(head);
      const len = cl ? Number(cl[1]) : 0;
      if (b.length < end + 4 + len) return false;
      state.buf = b.subarray(end + 4 + len);
      resolve({ status: m ? Number(m[1]) : 0, close: /\r\nconnection: *close/i.test(head) });
      return true;
    };
    const onData = (d: Buffer): void => { state.buf = state.buf.length ? Buffer.concat([state.buf, d]) : d; if (tryParse()) cleanup(); };
    const onClose = (): void => { cleanup(); resolve(state.buf.length ? 'closed mid-response' : 'closed before response'); };
    const onError = (e: NodeJS.ErrnoException): void => { cleanup(); resolve(e.code ?? 'error'); };
    const cleanup = (): void => { sock.off('data', onData); sock.off('close', onClose); sock.off('error', onError); };
    sock.on('data', onData);
    sock.on('close', onClose);
    sock.on('error', onError);
    if (tryParse()) cleanup();
  });
}

function open(port: number): Promise<Socket | string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => { s.removeAllListeners('error'); resolve(s); });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
  });
}

export interface LoadShape {
  keepAlive: number;
  close: number;
  slow: number;
  ws: number;
}

/**
 * Run clients against `port` until stop(). Every client loops: a failure is
 * counted and the client goes on (with a short pause), so that one broken
 * moment shows as a count, not as a hung test.
 */
export function runLoad(port: number, shape: LoadShape): Load {
  const c: LoadCounts = { ok: 0, slowOk: 0, slowStarted: 0, wsSessions: 0, wsEchoes: 0, refused: 0, resetBeforeAccept: 0, failed: 0, badStatus: 0, connections: 0, errors: [] };
  let running = true;
  const fail = (kind: 'refused' | 'resetBeforeAccept' | 'failed' | 'badStatus', what: string): void => {
    c[kind]++;
    if (c.errors.length < 20) c.errors.push(`${kind}: ${what}`);
  };
  const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  const conn = async (): Promise<Socket | undefined> => {
    const s = await open(port);
    if (typeof s === 'string') { fail(s === 'ECONNREFUSED' ? 'refused' : s === 'ECONNRESET' ? 'resetBeforeAccept' : 'failed', `connect ${s}`); await pause(20); return undefined; }
    c.connections++;
    return s;
  };

  const keepAliveClient = async (): Promise<void> => {
    while (running) {
      const s = await conn();
      if (!s) continue;
      const st = { buf: Buffer.alloc(0) };
      for (let n = 0; running && n < 200; n++) {
        s.write(REQ_KA);
        const r = await readResponse(s, st);
        if (typeof r === 'string') { fail(n === 0 && r === 'ECONNRESET' ? 'resetBeforeAccept' : 'failed', `keep-alive request ${n + 1}: ${r}`); break; }
        if (r.status !== 200) { fail('badStatus', `keep-alive ${r.status}`); break; }
        c.ok++;
        if (r.close) break;
        await pause(25);
      }
      s.destroy();
    }
  };
  const closeClient = async (req: string, slow: boolean): Promise<void> => {
    while (running) {
      const s = await conn();
      if (!s) continue;
      if (slow) c.slowStarted++;
      s.write(req);
      const r = await readResponse(s, { buf: Buffer.alloc(0) });
      s.destroy();
      // a reset with no response byte on a fresh connection: it sat in the kernel's accept queue of a socket that closed
      if (typeof r === 'string') {
        const never = r === 'ECONNRESET';
        if (never && slow) c.slowStarted--; // never accepted: not a slow request that started
        fail(never ? 'resetBeforeAccept' : 'failed', `${slow ? 'slow' : 'close'} request: ${r}`);
        await pause(20);
        continue;
      }
      if (r.status !== 200) { fail('badStatus', `${slow ? 'slow' : 'close'} ${r.status}`); await pause(20); continue; }
      if (slow) c.slowOk++; else c.ok++;
      if (!slow) await pause(50);
    }
  };
  const wsClient = async (): Promise<void> => {
    while (running) {
      const s = await conn();
      if (!s) continue;
      s.write('GET /ws HTTP/1.1\r\nhost: t\r\nconnection: upgrade\r\nupgrade: websocket\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\r\n');
      const st = { buf: Buffer.alloc(0) };
      const r = await readResponse(s, st);
      if (typeof r === 'string' || r.status !== 101) { fail(typeof r === 'string' ? (r === 'ECONNRESET' ? 'resetBeforeAccept' : 'failed') : 'badStatus', `upgrade: ${typeof r === 'string' ? r : r.status}`); s.destroy(); await pause(50); continue; }
      c.wsSessions++;
      // about 1.5 s of echoes per tunnel, then a clean close and a new one
      let broken = false;
      for (let i = 0; i < 15 && !broken; i++) {
        const msg = `m${i}-${Date.now()}\n`;
        const got = await new Promise<string>((resolve) => {
          let acc = st.buf.toString('latin1');
          st.buf = Buffer.alloc(0);
          const t = setTimeout(() => { cleanup(); resolve(`timeout (${acc.length} bytes)`); }, 3000);
          const onData = (d: Buffer): void => { acc += d.toString('latin1'); if (acc.includes(msg)) { cleanup(); resolve('ok'); } };
          const onClose = (): void => { cleanup(); resolve('tunnel closed'); };
          const cleanup = (): void => { clearTimeout(t); s.off('data', onData); s.off('close', onClose); s.off('error', onClose); };
          s.on('data', onData);
          s.on('close', onClose);
          s.on('error', onClose);
          s.write(msg);
        });
        if (got !== 'ok') { fail('failed', `websocket echo ${i}: ${got}`); broken = true; break; }
        c.wsEchoes++;
        await pause(100);
      }
      s.end();
      s.destroy();
    }
  };

  const all: Array<Promise<void>> = [];
  for (let i = 0; i < shape.keepAlive; i++) all.push(keepAliveClient());
  for (let i = 0; i < shape.close; i++) all.push(closeClient(REQ_CLOSE, false));
  for (let i = 0; i < shape.slow; i++) all.push(closeClient(REQ_SLOW, true));
  for (let i = 0; i < shape.ws; i++) all.push(wsClient());
  return {
    counts: c,
    async stop() {
      running = false;
      await Promise.all(all);
    },
  };
}
