/**
 * Log targets at run time (reference §7.1): one LogSender per `log` line,
 * opened once at start-up. A line is framed in the target's `format`,
 * truncated to its `len` (the trailing newline included, as HAProxy does),
 * filtered by level and `sample`, and written without blocking: a line that
 * cannot be sent at once (socket buffer full, receiver gone) is dropped and
 * counted, never queued, as HAProxy drops it.
 *
 * Transports: UDP (node:dgram), unix datagram sockets (the optional
 * `unix-dgram` module: Node has none in core), file descriptors (stdout and
 * stderr through the process streams so lines from both stay in order,
 * other descriptors written directly), TCP (RFC 6587 octet counting, one
 * connection kept open and re-opened on failure).
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect as tcpConnect, type Socket } from 'node:net';
import { writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname as osHostname } from 'node:os';
import { LEVELS, type LogTarget } from './config.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const p2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);

/** Local-time pieces of the syslog headers, rebuilt at most once per second. */
let clockSec = -1;
let rfc3164Date = '';
let isoPrefix = '';
let isoOffset = '';

function refreshClock(nowMs: number): void {
  const sec = Math.floor(nowMs / 1000);
  if (sec === clockSec) return;
  clockSec = sec;
  const d = new Date(sec * 1000);
  const day = d.getDate();
  rfc3164Date = `${MONTHS[d.getMonth()]} ${day < 10 ? ` ${day}` : day} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())} `;
  isoPrefix = `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(day)}T${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.`;
  const off = -d.getTimezoneOffset();
  const a = Math.abs(off);
  isoOffset = `${off < 0 ? '-' : '+'}${p2(Math.floor(a / 60))}:${p2(a % 60)}`;
}

/** RFC 3339 time with microseconds, as HAProxy writes it in rfc5424/iso/timed. */
function isoTime(): string {
  const now = Date.now();
  refreshClock(now);
  // microseconds from the monotonic clock's fraction (Date has ms only)
  const us = (now % 1000) * 1000 + (Math.floor(performance.now() * 1000) % 1000);
  return isoPrefix + String(us).padStart(6, '0') + isoOffset;
}

/** What HAProxy puts in the header besides the message. */
export interface LineMeta {
  /** syslog tag (log-tag, default "haproxy") */
  tag: string;
  /** `log-send-hostname` value, or undefined when not set */
  host: string | undefined;
  /** rfc5424 structured data (log-format-sd), '' for none */
  sd: string;
}

/** The host name `log-send-hostname` without an argument sends. */
export const HOSTNAME = osHostname();

type UnixDgramSocket = {
  send(buf: Buffer, offset: number, length: number, path: string, cb: (err?: Error) => void): void;
  close(): void;
};
type UnixDgramModule = { createSocket(type: 'unix_dgram'): UnixDgramSocket };

let unixDgram: UnixDgramModule | null | undefined;
/** The optional native module for unix datagram sockets, or null when it is not installed/built. */
export function loadUnixDgram(): UnixDgramModule | null {
  if (unixDgram !== undefined) return unixDgram;
  try {
    unixDgram = createRequire(import.meta.url)('unix-dgram') as UnixDgramModule;
  } catch {
    unixDgram = null;
  }
  return unixDgram;
}

export class LogSender {
  readonly target: LogTarget;
  /** highest severity number sent, and the floor severities are capped to */
  private readonly maxSev: number;
  private readonly minSev: number;
  private sampleIdx = 0;
  /** lines dropped because they could not be sent at once */
  dropped = 0;
  private udp: UdpSocket | undefined;
  /** lines handed over before the UDP socket was connected */
  private udpWaiting: Buffer[] | undefined = [];
  private unix: UnixDgramSocket | undefined;
  /** why this target cannot send (said once at start-up), undefined when it can */
  unavailable: string | undefined;
  private tcp: Socket | undefined;
  private tcpRetryAt = 0;

  constructor(t: LogTarget) {
    this.target = t;
    this.maxSev = LEVELS.indexOf(t.level as (typeof LEVELS)[number]);
    this.minSev = LEVELS.indexOf(t.minLevel as (typeof LEVELS)[number]);
    if (t.transport === 'udp') {
      const u = createSocket(t.host!.includes(':') ? 'udp6' : 'udp4');
      u.on('error', () => { this.dropped++; });
      // connected once: sends then skip the per-datagram address lookup
      u.connect(t.port!, t.host!, () => {
        const w = this.udpWaiting!;
        this.udpWaiting = undefined;
        for (const b of w) u.send(b);
      });
      u.unref();
      this.udp = u;
    } else if (t.transport === 'unix') {
      const m = loadUnixDgram();
      if (m) {
        this.unix = m.createSocket('unix_dgram');
        (this.unix as unknown as { on(ev: string, f: () => void): void }).on('error', () => { this.dropped++; });
      } else {
        // like a missing /dev/log: the target drops its lines, traffic is not affected
        this.unavailable = `log ${t.target}: unix datagram sockets need the optional 'unix-dgram' module, which is not installed (it builds with a C++ compiler during npm install); lines for this target are dropped`;
      }
    }
  }

  /** Frame and send one message at syslog severity `sev` (0..7). */
  send(sev: number, msg: string, meta: LineMeta): void {
    const t = this.target;
    if (sev > this.maxSev) return;
    if (sev < this.minSev) sev = this.minSev;
    const s = t.sample;
    if (s !== undefined) {
      this.sampleIdx = this.sampleIdx % s.size + 1;
      let hit = false;
      for (const [lo, hi] of s.ranges) if (this.sampleIdx >= lo && this.sampleIdx <= hi) { hit = true; break; }
      if (!hit) return;
    }
    let line = this.frame(sev, msg, meta);
    if (line.length >= t.maxLen) line = line.slice(0, t.maxLen - 1);
    this.write(line + '\n');
  }

  private frame(sev: number, msg: string, meta: LineMeta): string {
    const t = this.target;
    const pri = t.facilityCode * 8 + sev;
    switch (t.format) {
      case 'raw': return msg;
      case 'short': return `<${sev}>${msg}`;
      case 'priority': return `<${pri}>${msg}`;
      case 'iso': return `${isoTime()} ${msg}`;
      case 'timed': return `<${sev}>${isoTime()} ${msg}`;
      case 'rfc5424':
        return `<${pri}>1 ${isoTime()} ${meta.host ?? '-'} ${meta.tag} ${process.pid} - ${meta.sd === '' ? '-' : meta.sd} ${msg}`;
      default:
        refreshClock(Date.now());
        return `<${pri}>${rfc3164Date}${meta.host === undefined ? '' : `${meta.host} `}${meta.tag}[${process.pid}]: ${msg}`;
    }
  }

  private write(line: string): void {
    const t = this.target;
    switch (t.transport) {
      case 'udp':
        if (this.udpWaiting !== undefined) {
          // still connecting (start-up): keep a bounded number of lines for the connect
          if (this.udpWaiting.length < 1024) this.udpWaiting.push(Buffer.from(line, 'latin1')); else this.dropped++;
          return;
        }
        // no callback: a datagram the kernel takes at once completes synchronously, with
        // no completion callback to schedule (errors come as the socket's 'error' event)
        this.udp!.send(Buffer.from(line, 'latin1'));
        return;
      case 'unix': {
        if (this.unix === undefined) { this.dropped++; return; }
        const b = Buffer.from(line, 'latin1');
        this.inflight++;
        this.unix!.send(b, 0, b.length, t.path!, (err) => { if (err) this.dropped++; this.inflight--; });
        return;
      }
      case 'fd':
        // lines of one event-loop turn leave in one write (same bytes, fewer system calls)
        if (this.fdBatch === '') setImmediate(this.flushFd);
        this.fdBatch += line;
        if (this.fdBatch.length >= 65536) this.flushFd();
        return;
      case 'tcp':
        this.tcpWrite(line);
        return;
      default:
        this.dropped++;
    }
  }

  private tcpWrite(line: string): void {
    if (!this.tcp || this.tcp.destroyed) {
      const now = Date.now();
      if (now < this.tcpRetryAt) { this.dropped++; return; }
      this.tcpRetryAt = now + 1000;
      const s = tcpConnect({ host: this.target.host!, port: this.target.port! });
      s.on('error', () => { this.dropped++; s.destroy(); });
      s.on('data', () => undefined);
      s.unref();
      this.tcp = s;
    }
    const b = Buffer.from(line, 'latin1');
    // a stalled collector must not grow memory without bound
    if (this.tcp.writableLength > 1 << 20) { this.dropped++; return; }
    this.tcp.write(`${b.length} `, 'latin1');
    this.tcp.write(b);
  }

  private fdBatch = '';
  private readonly flushFd = (): void => {
    const b = this.fdBatch;
    if (b === '') return;
    this.fdBatch = '';
    const fd = this.target.fd;
    if (fd === 1) { process.stdout.write(b, 'latin1'); return; }
    if (fd === 2) { process.stderr.write(b, 'latin1'); return; }
    try { writeSync(fd!, b, null, 'latin1'); } catch { this.dropped++; }
  };

  /** unix datagrams handed to the socket and not sent yet */
  private inflight = 0;

  /** Close once the lines already handed over have left (bounded by `ms`). */
  close(ms = 500): Promise<void> {
    this.flushFd();
    const finish = (): void => {
      try { this.udp?.close(); } catch { /* already closed */ }
      this.unix?.close();
      if (this.tcp && this.tcp.writableLength === 0) this.tcp.destroy(); else this.tcp?.end();
    };
    const udpPending = (): number => (this.udpWaiting?.length ?? 0) + (this.udp !== undefined && this.udpWaiting === undefined ? this.udp.getSendQueueCount() : 0);
    if (this.inflight === 0 && udpPending() === 0) { finish(); return Promise.resolve(); }
    return new Promise((resolve) => {
      const done = (): void => { clearTimeout(timer); clearInterval(poll); finish(); resolve(); };
      const timer = setTimeout(done, ms);
      timer.unref();
      // datagrams the kernel could not take at once wait in the socket's send queue
      const poll = setInterval(() => { if (this.inflight === 0 && udpPending() === 0) done(); }, 5);
      poll.unref();
    });
  }
}
