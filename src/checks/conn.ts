/**
 * One check connection: connect, send, wait for bytes, all bounded by the
 * check's deadlines on the check clock (reference §2.7 "Check timeouts"):
 *  - without `timeout check` the whole check must end within `inter`;
 *  - with it, the connect phase is bounded by min(timeout connect, inter),
 *    and once connected the deadline moves to now + timeout check if that is
 *    later (observed on 2.6: connect 1s / check 300ms gives a 1000 ms L7TOUT,
 *    connect 300ms / check 1500ms gives 1500 ms).
 * A fresh TCP connection per check; nothing is kept alive.
 */
import { connect as netConnect, type Socket } from 'node:net';
import type { Clock } from './clock.js';

export interface Target {
  host?: string;
  port?: number;
  /** unix socket path (abns with a leading NUL) */
  path?: string;
}

export interface Deadlines {
  /** ms allowed for the connect phase */
  connect: number;
  /** ms after a successful connect when `timeout check` is set (0: none) */
  check: number;
}

export type WaitResult = 'data' | 'eof' | 'timeout' | 'error';

const ERRNO: Record<string, string> = {
  ECONNREFUSED: 'Connection refused',
  ECONNRESET: 'Connection reset by peer',
  EHOSTUNREACH: 'No route to host',
  ENETUNREACH: 'Network is unreachable',
  ETIMEDOUT: 'Connection timed out',
  EADDRNOTAVAIL: 'Cannot assign requested address',
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  EPIPE: 'Broken pipe',
};

export function osError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  return ERRNO[code] ?? (e as Error).message ?? String(e);
}

const PROXY_V2_LOCAL = Buffer.from('0d0a0d0a000d0a515549540a20000000', 'hex');

export class CheckConn {
  private sock: Socket | undefined;
  buf: Buffer = Buffer.alloc(0);
  eof = false;
  error: string | undefined;
  timedOut = false;
  private timer: unknown;
  private deadline = 0;
  private waiter: ((r: WaitResult) => void) | undefined;

  constructor(private readonly clock: Clock, private readonly target: Target, private readonly limits: Deadlines,
    private readonly live?: Set<CheckConn>) {
    live?.add(this);
  }

  /** Resolves 'ok', 'timeout' or an OS error text. */
  connect(): Promise<'ok' | 'timeout' | { error: string }> {
    return new Promise((resolve) => {
      const t = this.target;
      let sock: Socket;
      try {
        sock = t.path !== undefined ? netConnect({ path: t.path }) : netConnect({ host: t.host!, port: t.port! });
      } catch (e) {
        resolve({ error: osError(e) });
        return;
      }
      this.sock = sock;
      sock.setNoDelay(true);
      let settled = false;
      this.arm(this.limits.connect, () => {
        this.timedOut = true;
        if (!settled) { settled = true; sock.destroy(); resolve('timeout'); }
        else this.wake('timeout');
      });
      sock.once('connect', () => {
        if (settled) return;
        settled = true;
        if (this.limits.check > 0) {
          const now = this.clock.now();
          if (now + this.limits.check > this.deadline) this.arm(this.limits.check, () => { this.timedOut = true; this.wake('timeout'); });
        }
        resolve('ok');
      });
      sock.on('data', (d: Buffer) => { this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]); this.wake('data'); });
      sock.on('end', () => { this.eof = true; this.wake('eof'); });
      sock.on('error', (e) => {
        this.error = osError(e);
        if (!settled) { settled = true; this.disarm(); resolve({ error: this.error }); return; }
        this.wake('error');
      });
      sock.on('close', () => { this.eof = true; this.wake('eof'); });
    });
  }

  private arm(ms: number, fn: () => void): void {
    this.disarm();
    this.deadline = this.clock.now() + ms;
    this.timer = this.clock.set(fn, ms);
  }

  private disarm(): void {
    if (this.timer !== undefined) this.clock.clear(this.timer);
    this.timer = undefined;
  }

  private wake(r: WaitResult): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.(r);
  }

  /**
   * The PROXY header of a check connection: v1 names the connection's own
   * ends; v2 (server with send-proxy-v2) is the bare LOCAL command, as
   * 2.6.12 sends it.
   */
  proxyHeader(v2 = false): string | Buffer {
    if (v2) return PROXY_V2_LOCAL;
    const s = this.sock;
    if (!s || !s.localAddress || !s.remoteAddress) return 'PROXY UNKNOWN\r\n';
    const v6 = s.remoteFamily === 'IPv6';
    return `PROXY ${v6 ? 'TCP6' : 'TCP4'} ${s.localAddress} ${s.remoteAddress} ${s.localPort} ${s.remotePort}\r\n`;
  }

  write(data: Buffer | string): void {
    if (this.sock && !this.sock.destroyed) this.sock.write(data);
  }

  /** Wait for more bytes (or the end, an error, the deadline). */
  more(): Promise<WaitResult> {
    if (this.timedOut) return Promise.resolve('timeout');
    if (this.error !== undefined) return Promise.resolve('error');
    if (this.eof) return Promise.resolve('eof');
    return new Promise((r) => { this.waiter = r; });
  }

  /** Abort at once (the process stops): no more callbacks, the socket is destroyed. */
  abort(): void {
    this.timedOut = true;
    this.wake('timeout');
    this.close();
    this.sock?.destroy();
  }

  /** Close the connection; what was written still leaves unless the check failed. */
  close(): void {
    this.live?.delete(this);
    this.disarm();
    this.waiter = undefined;
    this.sock?.removeAllListeners('data');
    this.sock?.on('error', () => {});
    // what was written (a PROXY header, a QUIT) still leaves before the close
    if (this.timedOut || this.error !== undefined) this.sock?.destroy(); else this.sock?.destroySoon();
  }
}
