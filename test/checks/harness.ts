/**
 * Check tests: a configuration loaded as `lb -c` would, its backends built
 * as at run time, a CheckScheduler on a ManualClock, and tiny servers on
 * loopback that speak just enough of each protocol and record the bytes
 * they got.
 */
import { createServer, type Server, type Socket, type AddressInfo } from 'node:net';
import { load } from '../helpers.js';
import { BackendRuntime } from '../../src/backend/backend.js';
import { CheckScheduler } from '../../src/checks/scheduler.js';
import { ManualClock } from '../../src/checks/clock.js';
import type { ProcessEvent } from '../../src/log/events.js';

export interface Fake {
  port: number;
  /** bytes received, one entry per connection */
  got: Buffer[];
  conns: number;
  close(): Promise<void>;
}

/** A TCP server; `onConn` gets each socket and a function returning what it received so far. */
export async function fake(onConn: (s: Socket, got: () => Buffer) => void, port = 0): Promise<Fake> {
  const socks = new Set<Socket>();
  const f: Fake = { port: 0, got: [], conns: 0, close: async () => undefined };
  const srv: Server = createServer((s) => {
    socks.add(s);
    s.on('close', () => socks.delete(s));
    s.on('error', () => undefined);
    const i = f.got.length;
    f.got.push(Buffer.alloc(0));
    f.conns++;
    s.on('data', (d) => { f.got[i] = Buffer.concat([f.got[i]!, d]); });
    onConn(s, () => f.got[i]!);
  });
  await new Promise<void>((r) => srv.listen(port, '127.0.0.1', r));
  f.port = (srv.address() as AddressInfo).port;
  f.close = () => new Promise<void>((r) => { for (const s of socks) s.destroy(); srv.close(() => r()); });
  return f;
}

/** Answer once the request has arrived (a blank line, or any bytes when `any`). */
export function replyAfter(reply: string | Buffer | ((got: Buffer) => string | Buffer | undefined), end = true, any = false) {
  return (s: Socket, got: () => Buffer): void => {
    s.on('data', () => {
      const g = got();
      if (!any && !g.includes('\r\n\r\n')) return;
      const out = typeof reply === 'function' ? reply(g) : reply;
      if (out === undefined) return;
      if (end) s.end(out); else s.write(out);
    });
  };
}

export interface Rig {
  clock: ManualClock;
  sched: CheckScheduler;
  backends: BackendRuntime[];
  events: ProcessEvent[];
  /** the message texts so far */
  lines(): string[];
  /** advance the clock and wait for the checks it started */
  step(ms: number): Promise<void>;
  stop(): void;
}

export async function rig(cfg: string, opts: { spread?: number; random?: () => number } = {}): Promise<Rig> {
  const r = load(cfg);
  if (!r.model) throw new Error(`bad config: ${r.lines.join('\n')}`);
  const backends = r.model.proxies.filter((p) => p.cap.be).map((p) => new BackendRuntime(p));
  const clock = new ManualClock();
  const events: ProcessEvent[] = [];
  const sched = new CheckScheduler(backends, { clock, emit: (e) => events.push(e), spreadChecks: opts.spread, random: opts.random, node: 'vm' });
  sched.start();
  const rg: Rig = {
    clock, sched, backends, events,
    lines: () => events.map((e) => e.text),
    async step(ms: number) {
      clock.advance(ms);
      // let the sockets talk; a check in progress finishes on real I/O
      await new Promise((res) => setImmediate(res));
      await sched.settled();
    },
    stop: () => sched.stop(),
  };
  return rg;
}

/** Replace the variable check duration ("check duration: 3ms") for comparisons. */
export const nodur = (s: string): string => s.replace(/check duration: \d+ms/g, 'check duration: Nms');

/** Wait (bounded) until `f` has received at least `n` bytes on connection `i`. */
export async function received(f: Fake, i: number, n = 1, ms = 2000): Promise<Buffer> {
  const end = Date.now() + ms;
  while (Date.now() < end && (f.got[i]?.length ?? 0) < n) await new Promise((r) => setTimeout(r, 5));
  return f.got[i] ?? Buffer.alloc(0);
}
