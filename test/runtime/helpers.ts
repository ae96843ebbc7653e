/**
 * Talking to lb's stats socket as users do: socat (`echo cmd | socat stdio
 * unix-connect:path`) and node's net module for the interactive mode.
 */
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** `printf '<line>\n' | socat stdio <addr>`: everything until lb closes. */
export function socat(addr: string, line: string, ms = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn('socat', ['stdio', addr], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const t = setTimeout(() => { p.kill('SIGKILL'); reject(new Error(`socat timed out: ${out}${err}`)); }, ms);
    p.stdout.on('data', (d) => { out += d.toString('latin1'); });
    p.stderr.on('data', (d) => { err += d; });
    p.on('exit', () => { clearTimeout(t); resolve(out); });
    // socat may exit before reading (nothing listens yet): not an error of the test
    p.stdin.on('error', () => undefined);
    p.stdin.end(line + '\n');
  });
}

/** A raw connection with a reader that waits for a given ending (the prompt). */
export interface RawCli {
  sock: Socket;
  /** send a line, resolve with the bytes received up to and including `until` */
  send(line: string, until?: string): Promise<string>;
  /** resolve when lb closes the connection, with what came before */
  closed(): Promise<string>;
}

export function rawCli(opts: { path: string } | { port: number }): Promise<RawCli> {
  return new Promise((resolve, reject) => {
    const sock = 'path' in opts ? connect(opts.path) : connect(opts.port, '127.0.0.1');
    let buf = '';
    let waiter: { until: string; cb: (s: string) => void } | undefined;
    let ended = false;
    const endWaiters: Array<(s: string) => void> = [];
    const check = (): void => {
      if (waiter) {
        const i = buf.indexOf(waiter.until);
        if (i >= 0) {
          const out = buf.slice(0, i + waiter.until.length);
          buf = buf.slice(i + waiter.until.length);
          const w = waiter;
          waiter = undefined;
          w.cb(out);
        }
      }
    };
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => { buf += d; check(); });
    sock.on('close', () => { ended = true; for (const w of endWaiters.splice(0)) w(buf); if (waiter) waiter.cb(buf); });
    sock.once('error', reject);
    sock.once('connect', () => resolve({
      sock,
      send(line, until = '> ') {
        return new Promise((r) => { waiter = { until, cb: r }; sock.write(line + '\n'); check(); });
      },
      closed() {
        return new Promise((r) => { if (ended) r(buf); else endWaiters.push(r); });
      },
    }));
  });
}

/** An HTTP server answering its name; `?ms=N` delays the answer by N ms. */
export interface SlowBackend {
  readonly name: string;
  readonly port: number;
  hits: number;
  close(): Promise<void>;
}

export async function slowBackend(name: string): Promise<SlowBackend> {
  const b = { name, port: 0, hits: 0 } as SlowBackend & { server: Server };
  const server = createServer((req, res) => {
    b.hits++;
    const ms = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('ms') ?? 0);
    req.resume();
    setTimeout(() => res.end(`${name}\n`), ms);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  b.port = (server.address() as AddressInfo).port;
  b.close = () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); });
  return b;
}

/** One GET through lb on a fresh connection: resolves with status and body. */
export function get(port: number, path: string, ms = 10_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, headers: { connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.setTimeout(ms, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}
