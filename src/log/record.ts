/**
 * What the data plane records about a session or an HTTP transaction for
 * its log line (reference §7.4-§7.6). One LogRec per client connection,
 * allocated only when the frontend logs, reset between transactions; the
 * sessions write a few numbers into it and the compiled log-format reads
 * them once, at the end.
 *
 * Times are ms since the epoch (Date.now()); -1 = the phase was never reached.
 */
import type { Counters } from '../stats/counters.js';
import type { HttpReqCtx } from '../rules/eval.js';

/** Termination causes (1st char of %ts), HAProxy's letters. */
export const enum Cause {
  None = 45, // '-'
  ClientAbort = 67, // 'C'
  ServerAbort = 83, // 'S'
  Proxy = 80, // 'P'
  Local = 76, // 'L'
  Resource = 82, // 'R'
  Internal = 73, // 'I'
  Down = 68, // 'D' killed: server marked down (on-marked-down shutdown-sessions)
  Up = 85, // 'U' killed on a backup: an active server came up (shutdown-backup-sessions)
  Killed = 75, // 'K'
  ClientTimeout = 99, // 'c'
  ServerTimeout = 115, // 's'
}

/** Session state when it ended (2nd char of %ts). */
export const enum Phase {
  Request = 82, // 'R' waiting for / reading the request
  Queue = 81, // 'Q'
  Connect = 67, // 'C'
  Headers = 72, // 'H' waiting for response headers
  Data = 68, // 'D'
  Last = 76, // 'L' server done, still sending to the client
  Tarpit = 84, // 'T'
  None = 45, // '-'
}

export class LogRec {
  /** client address as logged, and the ports */
  ci = '';
  cp = 0;
  fi = '';
  fp = 0;
  /** the connection is TLS (%ft adds '~') */
  ssl = false;
  /** backend / server names; '' = none (frontend name / <NOSRV>) */
  be = '';
  srv = '';
  /** the server address used (%si %sp) */
  si = '';
  sp = 0;
  feCounters: Counters | undefined;
  beCounters: Counters | undefined;
  srvCounters: Counters | undefined;
  /** %t: accept date (for keep-alive follow-ups: end of the previous transaction) */
  tAccept = 0;
  /** first byte of the request (%tr); -1 = none */
  tRx = -1;
  /** request headers complete */
  tHead = -1;
  /** out of the queue with a server assigned */
  tQueue = -1;
  /** server connection established */
  tConn = -1;
  /** full response headers received */
  tRes = -1;
  /** end of the transaction/session (or log time with logasap) */
  tEnd = -1;
  /** HTTP status sent, -1 = none */
  status = -1;
  /** bytes read from the client before this transaction (cli.bytesRead snapshot) */
  inBase = 0;
  /**
   * %B as HAProxy 2.6 counts it: the HTX size of the response (start line
   * and headers as stored, not as written) plus the body bytes. outFixed >= 0:
   * a reply lb produced itself, of that size; else, with a server response,
   * outHead plus what the client socket took after the head (from outBody).
   */
  outFixed = -1;
  outHead = 0;
  outBody = 0;
  /** chunk framing written to the client (not counted by HAProxy) */
  outFrame = 0;
  /** bytes to / from the client in this transaction */
  bytesOut = 0;
  bytesIn = 0;
  cause: Cause = Cause.None;
  phase: Phase = Phase.None;
  retries = 0;
  redispatched = false;
  srvQueue = 0;
  beQueue = 0;
  /** request line pieces; method '' = no valid request (<BADREQ>) */
  method = '';
  uri = '';
  version = 11;
  /** the request context the rules saw (headers, variables) for %[...] and captures */
  ctx: HttpReqCtx | undefined;
  resHeaders: readonly string[] | undefined;
  /** unique id, computed once per transaction when used */
  uniqueId: string | undefined;
  /** %rt: the process-wide request counter value of this transaction */
  reqId = 0;
  /** logged early (option logasap): Ta/Tt/B get a '+' */
  asap = false;
  /** transactions logged on this connection */
  logged = 0;

  /** Start a new transaction on the same connection (keep-alive). */
  nextTxn(now: number): void {
    this.tAccept = now;
    this.tRx = -1;
    this.tHead = -1;
    this.tQueue = -1;
    this.tConn = -1;
    this.tRes = -1;
    this.tEnd = -1;
    this.status = -1;
    this.outFixed = -1;
    this.outHead = 0;
    this.outBody = 0;
    this.outFrame = 0;
    this.be = '';
    this.srv = '';
    this.si = '';
    this.sp = 0;
    this.beCounters = undefined;
    this.srvCounters = undefined;
    this.cause = Cause.None;
    this.phase = Phase.None;
    this.retries = 0;
    this.redispatched = false;
    this.srvQueue = 0;
    this.beQueue = 0;
    this.method = '';
    this.uri = '';
    this.version = 11;
    this.ctx = undefined;
    this.resHeaders = undefined;
    this.uniqueId = undefined;
    this.asap = false;
  }

  /** Record why the session ends, keeping the first reason seen (HAProxy keeps the first error). */
  end(cause: Cause, phase: Phase): void {
    if (this.cause === Cause.None) { this.cause = cause; this.phase = phase; }
  }
}

/** HTX overhead: the start-line block header (20) and the end-of-headers block (1). */
const HTX_SL = 20, HTX_EOH = 1;

/** A `connection` header HAProxy's H1 parser drops (only close/keep-alive tokens). */
function droppedConnection(name: string, value: string): boolean {
  if (name.length !== 10 || name.toLowerCase() !== 'connection') return false;
  return /^\s*(close|keep-alive)(\s*,\s*(close|keep-alive))*\s*$/i.test(value);
}

/** HTX size of a response head: `reason` and [name, value, ...] as parsed. */
export function htxHeadBytes(reason: string, rawHeaders: readonly string[]): number {
  let n = HTX_SL + 8 + 3 + reason.length + HTX_EOH;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!, value = rawHeaders[i + 1]!;
    if (!droppedConnection(name, value)) n += name.length + value.length;
  }
  return n;
}

/** HTX size of the end of a chunked body: trailers (name + value) and the end-of-trailers block (1). */
export function htxTrailerBytes(trailers: readonly string[] | null): number {
  let n = 1;
  if (trailers !== null) for (let i = 0; i < trailers.length; i++) n += trailers[i]!.length;
  return n;
}

const htxCache = new WeakMap<object, number>();

/** HTX size of a whole response lb wrote itself (error page, redirect, return). */
export function htxBytes(raw: string | Buffer): number {
  if (typeof raw !== 'string') {
    const hit = htxCache.get(raw);
    if (hit !== undefined) return hit;
  }
  const s = typeof raw === 'string' ? raw : raw.toString('latin1');
  const end = s.indexOf('\r\n\r\n');
  if (end < 0) return s.length;
  const lines = s.slice(0, end).split('\r\n');
  const sl = lines[0]!;
  const sp1 = sl.indexOf(' ');
  const sp2 = sl.indexOf(' ', sp1 + 1);
  const reason = sp2 < 0 ? '' : sl.slice(sp2 + 1);
  const hdrs: string[] = [];
  for (let i = 1; i < lines.length; i++) {
    const c = lines[i]!.indexOf(':');
    if (c > 0) hdrs.push(lines[i]!.slice(0, c), lines[i]!.slice(c + 1).trim());
  }
  const n = htxHeadBytes(reason, hdrs) + (s.length - end - 4);
  if (typeof raw !== 'string') htxCache.set(raw, n);
  return n;
}

/** Process-wide values the log lines show (%ac, %rt). */
export const proc = {
  /** current connections of the process (actconn) */
  actconn: 0,
  /** request/session counter (%rt) */
  reqSeq: 0,
};
