/**
 * mode http: lb's HTTP/1.1 engine on raw sockets (reference §2.8, §2.9, §3).
 * One HttpSession per client connection; requests are handled one at a
 * time, in order (pipelined requests wait in the input buffer). Heads are
 * parsed by http1.ts, bodies streamed as they arrive (never buffered
 * whole), server connections kept alive and pooled per server.
 *
 * Hot path (STYLE rule 4): no closure is created per request; per-connection
 * handlers are bound once; heads are serialised in one Buffer.
 */
import type { Socket } from 'node:net';
import {
  parseRequestHead, parseResponseHead, ChunkedDecoder, chunkHeader, lastChunk,
  requestHeadText, writeResponseHead, responseHeadText, headLimits, CONNECTION_CLOSE, CONNECTION_KEEP_ALIVE, TE_CHUNKED,
  type HeadLimits, type RequestHead, type ResponseHead,
} from './http1.js';
import { readInto, setReader } from './reader.js';
import { forwardHeaders, forwardedForLine, clientAddress } from './headers.js';
import { httpError, rawHttpError } from './errors.js';
import type { FrontendRuntime } from './frontend.js';
import type { Listener } from './listener.js';
import type { BackendRuntime, AssignFailure, ConnectFailure, ConnectOutcome } from '../backend/backend.js';
import type { ServerRuntime } from '../backend/server-runtime.js';
import type { HttpReqCtx, HttpResCtx } from '../rules/eval.js';
import { monitorReply, httpReason } from '../rules/reply.js';
import type { PickContext } from '../lb/index.js';
import type { SessionPlace } from '../runtime/view.js';
import { countStatus, recordTimes, sessionEnd, sessionStart } from '../stats/counters.js';
import { LogRec, Cause, Phase, proc, htxHeadBytes, htxBytes, htxTrailerBytes } from '../log/record.js';
import { STATS_POST_MAX, type LocalService } from '../stats/service.js';
import type { Verdict } from '../rules/reply.js';

const EMPTY = Buffer.alloc(0);
/** request bytes buffered while the server connection is being set up (tune.bufsize-like bound) */
const PENDING_MAX = 65536;
/** responses up to this size are copied next to their head and sent in one buffer */
const SMALL_BODY = 4096;
/** shared, never written: for frontends whose rules use no variables */
const NO_VARS: Map<string, unknown> = new Map();

const enum St {
  /** waiting for (the rest of) a request head */
  Head,
  /** request dispatched: waiting for a server connection */
  Connecting,
  /** request sent (body may still flow), waiting for / relaying the response */
  Exchange,
  /** upgraded: raw tunnel both ways */
  Tunnel,
  /** reading the body of a request lb answers itself (stats admin form) */
  Body,
  /** waiting for the answer of one of lb's services (several workers: the group's counters) */
  Local,
  Closed,
}

let limitsCache: { key: string; limits: HeadLimits } | undefined;
function limitsFor(fe: FrontendRuntime): HeadLimits {
  const g = fe.runtimeGlobal;
  const key = `${g.bufsize}/${g.maxrewrite}/${g.httpMaxhdr}`;
  if (!limitsCache || limitsCache.key !== key) limitsCache = { key, limits: headLimits(g.bufsize, g.maxrewrite, g.httpMaxhdr) };
  return limitsCache.limits;
}

/** The path part of a request target (origin or absolute form). */
function pathOf(target: string): string {
  let start = 0;
  if (target.charCodeAt(0) !== 47 /* '/' */) {
    const scheme = target.indexOf('://');
    if (scheme > 0) { const slash = target.indexOf('/', scheme + 3); start = slash < 0 ? target.length : slash; }
  }
  const q = target.indexOf('?', start);
  return q < 0 ? target.slice(start) : target.slice(start, q);
}

export function httpSession(fe: FrontendRuntime, cli: Socket, l: Listener): () => SessionPlace {
  const s = new HttpSession(fe, cli, l);
  return () => s.place();
}

/** What a pooled server connection reports to the session currently using it. */
interface UpOwner {
  /** bytes from the server; true when they may still be referenced afterwards */
  upData(d: Buffer): boolean;
  upEnd(): void;
  upFailed(): void;
  upTimeout(): void;
  upDrain(): void;
}

type UpSocket = Socket & { lbOwner?: UpOwner | undefined; lbHttp?: true; lbTimeout?: number };
/** soft stop: a client connection waiting for its next request (closed after the stop grace) */
type CliSocket = Socket & { lbIdle?: boolean };

/**
 * Server connections carry their listeners for life and forward events to
 * their current owner: a pooled connection changes hands without adding or
 * removing listeners per request. Events while idle (the server closing,
 * stray bytes) just end the connection; the pool skips destroyed sockets.
 */
function attachUpstream(up: UpSocket, owner: UpOwner): void {
  up.lbOwner = owner;
  if (up.lbHttp) return;
  up.lbHttp = true;
  setReader(up, (d) => { if (up.lbOwner) return up.lbOwner.upData(d); up.destroy(); return false; });
  up.on('end', () => { if (up.lbOwner) up.lbOwner.upEnd(); else up.destroy(); });
  up.on('error', () => { if (up.lbOwner) up.lbOwner.upFailed(); else up.destroy(); });
  up.on('close', () => up.lbOwner?.upFailed());
  up.on('drain', () => up.lbOwner?.upDrain());
  // while pooled, `timeout server` bounds how long an idle connection is kept
  up.on('timeout', () => { if (up.lbOwner) up.lbOwner.upTimeout(); else up.destroy(); });
}

class HttpSession implements PickContext, UpOwner {
  // PickContext for the balancer
  src: string;
  /** client address as HAProxy writes it (IPv4-mapped shown as IPv4) */
  private readonly clientIp: string;
  uri = '';
  avoid: undefined;
  private st = St.Head;
  /** unparsed client bytes */
  private inBuf: Buffer = EMPTY;
  private req: RequestHead | undefined;
  private ctx: HttpReqCtx | undefined;
  private be: BackendRuntime | undefined;
  private srv: ServerRuntime | undefined;
  private up: Socket | undefined;
  private upReused = false;
  private upBuf: Buffer = EMPTY;
  private res: ResponseHead | undefined;
  /** request body bytes still expected from the client (framing 'length') */
  private reqLeft = 0;
  private reqChunked = false;
  private reqDone = true;
  private resLeft = 0;
  private resDone = false;
  private readonly reqDec = new ChunkedDecoder();
  private readonly resDec = new ChunkedDecoder();
  /** client connection closes after the current response */
  private closeAfter = false;
  /** bytes of the current exchange from the client and to it, credited to server and backend at its end */
  private xIn = 0;
  private xOut = 0;
  /** the server connection must not be reused */
  private upClose = false;
  private requests = 0;
  private readonly limits: HeadLimits;
  private readonly onAssigned: (srv: ServerRuntime | undefined, why?: AssignFailure) => void;
  private readonly onConnected: (err: AssignFailure | ConnectFailure | undefined, out?: ConnectOutcome) => void;
  private readonly onCliDrain: () => void;

  constructor(private readonly fe: FrontendRuntime, private readonly cli: Socket, private readonly l: Listener) {
    this.src = cli.remoteAddress ?? '';
    this.clientIp = clientAddress(this.src);
    this.limits = limitsFor(fe);
    sessionStart(fe.counters, Date.now());
    this.onAssigned = (srv, why) => this.assigned(srv, why);
    this.onConnected = (err, out) => this.connected(err, out);
    this.onCliDrain = () => { if (this.up && this.st !== St.Closed) this.up.resume(); };
    (cli as CliSocket).lbIdle = true; // soft stop
    readInto(cli, (d) => { this.cliData(d); return this.keeps(d); });
    cli.on('end', () => this.cliEnd());
    cli.on('error', () => this.cliGone());
    cli.on('close', () => this.cliGone());
    cli.on('drain', this.onCliDrain);
    cli.setTimeout(fe.timeoutHttpRequest, () => this.cliTimeout());
    this.cliTimeoutMs = fe.timeoutHttpRequest;
    if (fe.log !== undefined) this.logStart();
  }

  /**
   * After a read: whether its bytes may still be referenced (kept as a
   * partial head, pipelined input or early body, or queued in a write), in
   * which case the socket reads into a new buffer next (reader.ts).
   */
  private keeps(d: Buffer): boolean {
    const b = d.buffer;
    return this.inBuf.buffer === b || this.upBuf.buffer === b || this.pendingBody.buffer === b
      || this.cli.writableLength > 0 || (this.up !== undefined && this.up.writableLength > 0);
  }

  header(name: string): string | undefined {
    const h = this.ctx?.rawHeaders;
    if (!h) return undefined;
    for (let i = 0; i < h.length; i += 2) if (h[i] === name) return h[i + 1];
    return undefined;
  }

  random(): number {
    return Math.random();
  }

  // ---------------------------------------------------------------- client side

  private cliData(d: Buffer): void {
    switch (this.st) {
      case St.Head:
        if (this.lr !== undefined && this.lr.tRx < 0) this.lr.tRx = Date.now();
        (this.cli as CliSocket).lbIdle = false; // soft stop
        this.inBuf = this.inBuf.length === 0 ? d : Buffer.concat([this.inBuf, d]);
        this.parseHead();
        return;
      case St.Body:
        this.fe.counters.bin += d.length;
        this.collectBody(d);
        return;
      case St.Tunnel:
        this.fe.counters.bin += d.length;
        this.xIn += d.length;
        if (this.up && !this.up.write(d)) this.cli.pause();
        return;
      case St.Connecting:
      case St.Exchange:
        if (!this.reqDone) { this.reqBody(d, 0); return; }
        // pipelined data: keep it for later, stop reading until this exchange ends
        this.inBuf = this.inBuf.length === 0 ? d : Buffer.concat([this.inBuf, d]);
        this.cli.pause();
        return;
      default:
    }
  }

  private cliEnd(): void {
    if (this.st === St.Head) {
      this.clientEnded = true;
      // nothing pending: close; a partial request: 400 (HAProxy's CR)
      if (this.inBuf.length === 0) this.close(); else this.parseHead();
      return;
    }
    if (this.st === St.Tunnel) {
      // the client only receives now: its side is bounded by client-fin when set
      this.up?.end();
      const fin = this.fe.conf.timeouts['client-fin'];
      if (fin !== undefined) this.armClient(fin);
      return;
    }
    if (!this.reqDone) { this.close(); return; }
    // half-closed after complete request(s): answer them, then close
    this.clientEnded = true;
  }

  /** the client shut its sending side */
  private clientEnded = false;

  private cliTimeout(): void {
    if (this.st === St.Head) {
      if (this.inBuf.length === 0 && this.requests > 0) { this.close(); return; } // keep-alive idle: silent
      this.term(Cause.ClientTimeout);
      this.fail(408);
      return;
    }
    if (this.st === St.Tunnel || !this.reqDone) { this.term(Cause.ClientTimeout); this.close(); }
  }

  /** the client connection closed or failed */
  private cliGone(): void {
    if (this.st !== St.Closed) this.term(Cause.ClientAbort);
    this.close();
  }

  private parseHead(): void {
    const buf = this.inBuf;
    const r = parseRequestHead(buf, 0, buf.length, this.limits);
    if (r === null) {
      if (this.clientEnded) { if (buf.length > 0) { this.term(Cause.ClientAbort); this.fail(400); } else this.endClient(); }
      return;
    }
    if (r.kind === 'error') {
      this.fe.counters.ereq++;
      this.term(Cause.Proxy);
      this.fail(r.status);
      return;
    }
    this.startRequest(r, buf.subarray(r.headBytes));
  }

  /** `show sess`: a stream exists while a transaction is in progress */
  place(): SessionPlace {
    return { active: this.req !== undefined && this.st !== St.Closed, be: this.be?.name ?? this.fe.name, srv: this.srv?.name, since: this.tReq };
  }

  private startRequest(req: RequestHead, rest: Buffer): void {
    this.tReq = Date.now();
    this.tRes = 0;
    const fe = this.fe;
    this.requests++;
    this.replays = 0;
    fe.counters.reqTot++;
    fe.counters.bin += req.headBytes;
    this.xIn = req.headBytes;
    this.xOut = 0;
    this.req = req;
    this.inBuf = EMPTY;
    this.uri = req.target;
    this.armClient(fe.timeoutClient);
    const ctx: HttpReqCtx = {
      method: req.method, target: req.target, version: req.version === 10 ? 10 : 11, rawHeaders: req.rawHeaders,
      src: this.src, srcPort: this.cli.remotePort ?? 0, dst: this.cli.localAddress ?? '', dstPort: this.cli.localPort ?? 0,
      frontend: fe.name, nbsrv: fe.nbsrv, vars: fe.needsVars ? new Map() : NO_VARS,
    };
    this.ctx = ctx;
    if (this.lr !== undefined) this.logRequest(req, ctx);
    this.closeAfter = req.connClose || (req.version === 10 && !req.connKeepAlive) || fe.httpClose || this.closeAfter || fe.stopLevel !== 0;
    this.reqDone = req.framing !== 'length' && req.framing !== 'chunked';
    this.reqChunked = req.framing === 'chunked';
    this.reqLeft = req.framing === 'length' ? req.length : 0;
    if (this.reqChunked) this.reqDec.reset();
    const mon = fe.rules.monitorUri;
    if (mon !== undefined && (mon.startsWith('/') ? pathOf(req.target) === mon : req.target === mon)) {
      // answered before any http-request rule, never logged (reference §2.15)
      this.cli.pause();
      if (this.lr !== undefined) this.lr.tEnd = 0; // never logged
      this.localReply(monitorReply(fe.rules.monitorFail?.(ctx) === true, this.closeAfter || !this.reqDone), 200);
      return;
    }
    const verdict = fe.requestRules(ctx);
    if (verdict !== undefined) {
      this.cli.pause();
      this.intercept(verdict);
      return;
    }
    const stats = fe.stats;
    if (stats !== undefined && stats.matches(ctx.method, ctx.target)) {
      // a listen's stats requests pass through its own backend, as HAProxy's (its "Last" column)
      if (fe.defaultBackend?.conf === fe.conf) fe.defaultBackend.counters.lastSess = Date.now();
      this.localService(stats, rest);
      return;
    }
    const be = fe.route(ctx);
    if (!be) { this.fail(503); return; }
    this.be = be;
    be.counters.reqTot++;
    ctx.backend = be.name;
    if (this.lr !== undefined) { this.lr.be = be.name; this.lr.beCounters = be.counters; }
    if (be.conf !== fe.conf) {
      const bv = be.rules.request(ctx);
      if (bv !== undefined) { this.cli.pause(); this.intercept(bv); return; }
      if (be.stats !== undefined && be.stats.matches(ctx.method, ctx.target)) { this.be = undefined; this.localService(be.stats, rest); return; }
    }
    this.st = St.Connecting;
    // the client is not paused: pipelined bytes and early body are buffered (bounded)
    this.pendingBody = rest;
    be.assign(this, this.onAssigned);
    // still waiting: HAProxy logs the queue length with this request in it
    if (this.lr !== undefined && this.srv === undefined && this.st === St.Connecting) {
      if (be.lastQueuedSrv) this.lr.srvQueue = be.lastQueuePos; else this.lr.beQueue = be.lastQueuePos;
    }
  }

  /** request body bytes received before the server connection was ready */
  private pendingBody: Buffer = EMPTY;

  private assigned(srv: ServerRuntime | undefined, why?: AssignFailure): void {
    if (this.st === St.Closed) { if (srv) this.be!.release(srv); return; }
    if (!srv) {
      // no usable server: HAProxy logs SC with no queue time; a queue timeout is sQ
      if (why === 'no-server') this.term(Cause.ServerAbort, Phase.Connect);
      else { if (this.lr !== undefined) this.lr.tQueue = Date.now(); this.term(Cause.ServerTimeout); }
      this.fail(503, why);
      return;
    }
    this.tAsg = Date.now();
    if (this.lr !== undefined) this.lr.tQueue = this.tAsg;
    this.srv = srv;
    // reuse an idle connection only when the request can be replayed
    const safe = this.reqDone;
    this.be!.connect(srv, this, this.cli, safe, this.onConnected);
  }

  private connected(err: AssignFailure | ConnectFailure | undefined, out?: ConnectOutcome): void {
    if (err || !out) {
      if (this.lr !== undefined) this.logConnectFailed(err);
      this.srv = undefined;
      this.fail(503, err);
      return;
    }
    this.srv = out.srv;
    if (this.lr !== undefined) this.logConnected(out);
    if (this.st === St.Closed) { out.sock.destroy(); this.be!.release(out.srv); this.srv = undefined; return; }
    const up = out.sock;
    this.up = up;
    this.upReused = out.reused;
    attachUpstream(up as UpSocket, this);
    const t = this.be!.timeoutServer;
    if ((up as UpSocket).lbTimeout !== t) { (up as UpSocket).lbTimeout = t; up.setTimeout(t); }
    const now = Date.now();
    this.tCon = now;
    sessionStart(out.srv.counters, now);
    sessionStart(this.be!.counters, now);
    this.sendHead();
  }

  private sendHead(): void {
    const req = this.req!;
    const ctx = this.ctx!;
    const be = this.be!;
    let extra = '';
    // content-length travels in rawHeaders; transfer-encoding is re-framed here
    if (req.framing === 'chunked') extra += TE_CHUNKED;
    if (be.httpClose) this.closeAfter = true;
    if (req.upgrade) extra += 'connection: upgrade\r\n';
    else if (this.fe.serverClose || be.serverClose) {
      // HTTP/1.0 closes by default: HAProxy writes no connection header then
      if (req.version !== 10) extra += CONNECTION_CLOSE;
      this.upClose = true;
    }
    else if (req.version === 10) extra += CONNECTION_KEEP_ALIVE; // HTTP/1.0 kept alive to the server, as HAProxy does
    const ff = this.fe.forwardfor ?? be.forwardfor;
    const headers = forwardHeaders(ctx.rawHeaders, req.upgrade);
    if (ff) extra += forwardedForLine(headers, this.clientIp, ff);
    const head = requestHeadText(ctx.method, ctx.target, req.version, headers, extra);
    this.st = St.Exchange;
    this.resDone = false;
    this.res = undefined;
    this.upBuf = EMPTY;
    const up = this.up!;
    const pending = this.pendingBody;
    this.pendingBody = EMPTY;
    if (this.reqDone) {
      up.write(head, 'latin1');
      if (pending.length > 0) {
        this.inBuf = pending; // pipelined request(s), parsed once this exchange ends
        this.cli.pause();
      }
      return;
    }
    // head and whatever body is already here leave in one write (writev)
    up.cork();
    up.write(head, 'latin1');
    if (pending.length > 0) this.reqBody(pending, 0);
    if (!this.reqDone) this.cli.resume();
    up.uncork();
  }

  /** Relay request body bytes d[from..] to the server. */
  private reqBody(d: Buffer, from: number): void {
    if (this.st === St.Connecting) {
      this.pendingBody = this.pendingBody.length === 0 ? d.subarray(from) : Buffer.concat([this.pendingBody, d.subarray(from)]);
      if (this.pendingBody.length >= PENDING_MAX) this.cli.pause(); // resumed once the server is connected
      return;
    }
    const up = this.up!;
    let rest: Buffer = EMPTY;
    if (!this.reqChunked) {
      const n = Math.min(this.reqLeft, d.length - from);
      if (n > 0) { up.write(d.subarray(from, from + n)); this.fe.counters.bin += n; this.xIn += n; }
      this.reqLeft -= n;
      if (this.reqLeft === 0) { this.reqDone = true; rest = d.subarray(from + n); }
    } else {
      const dec = this.reqDec;
      let pos = from;
      while (pos < d.length) {
        pos = dec.advance(d, pos, d.length);
        if (dec.error) { this.fe.counters.ereq++; this.fail(400); return; }
        if (dec.dataEnd > dec.dataStart) {
          up.write(chunkHeader(dec.dataEnd - dec.dataStart));
          up.write(d.subarray(dec.dataStart, dec.dataEnd));
          up.write('\r\n');
        }
        if (dec.done) { up.write(lastChunk(dec.trailers)); this.reqDone = true; break; }
      }
      this.fe.counters.bin += pos - from;
      this.xIn += pos - from;
      if (this.reqDone) rest = d.subarray(pos);
    }
    if (this.reqDone) {
      if (rest.length > 0) { this.inBuf = rest; this.cli.pause(); }
      if (this.resDone) this.finishExchange();
    } else if (up.writableNeedDrain) {
      this.cli.pause();
    }
  }

  // ---------------------------------------------------------------- server side

  upData(d: Buffer): boolean {
    if (this.st === St.Tunnel) {
      this.fe.counters.bout += d.length;
      this.xOut += d.length;
      if (!this.cli.write(d)) this.up!.pause();
    } else if (this.st === St.Exchange) {
      if (this.res === undefined) {
        this.upBuf = this.upBuf.length === 0 ? d : Buffer.concat([this.upBuf, d]);
        this.parseResponse();
      } else {
        this.resBody(d, 0);
      }
    }
    return this.keeps(d);
  }

  private parseResponse(): void {
    for (;;) {
      const buf = this.upBuf;
      const r = parseResponseHead(buf, 0, buf.length, this.req!.method, this.limits);
      if (r === null) return;
      if (r.kind === 'error') {
        if (this.srv!.observeL7) this.srv!.observe!('Invalid http response (headers)');
        this.srv!.counters.eresp++;
        this.be!.counters.eresp++;
        this.term(Cause.Proxy);
        this.upClose = true;
        this.fail(502);
        return;
      }
      this.upReused = false; // a response arrived: failures are no longer a stale reuse
      if (r.status >= 100 && r.status < 200 && r.status !== 101) {
        // interim response: forward and wait for the final one
        this.cli.write(writeResponseHead(11, r.status, r.reason, forwardHeaders(r.rawHeaders, false)));
        this.upBuf = buf.subarray(r.headBytes);
        if (this.upBuf.length === 0) return;
        continue;
      }
      this.startResponse(r, buf.subarray(r.headBytes));
      return;
    }
  }

  private startResponse(res: ResponseHead, rest: Buffer): void {
    this.res = res;
    this.upBuf = EMPTY;
    this.tRes = Date.now();
    if (this.lr !== undefined) { this.lr.tRes = this.tRes; this.lr.status = res.status; this.lr.resHeaders = res.rawHeaders; }
    const srv = this.srv!;
    if (srv.observeL7) {
      // observe layer7: 100-499, 501 and 505 are good answers (reference §4.5)
      const st = res.status;
      srv.observe!((st < 500 || st === 501 || st === 505) && st >= 100 ? undefined : 'Wrong http response');
    }
    countStatus(srv.counters, res.status);
    srv.counters.reqTot++;
    countStatus(this.be!.counters, res.status);
    countStatus(this.fe.counters, res.status);
    if (res.connClose || res.version === 10 && !res.connKeepAlive) this.upClose = true;
    let extra = '';
    if (res.status === 101 && this.req!.upgrade) {
      extra = 'connection: upgrade\r\n';
      this.cli.write(writeResponseHead(11, res.status, res.reason, forwardHeaders(res.rawHeaders, true), extra));
      this.st = St.Tunnel;
      this.upClose = true;
      const tunnel = this.be!.timeoutTunnel;
      if (tunnel) { this.armClient(tunnel); this.up!.setTimeout(tunnel); }
      if (rest.length > 0) this.cli.write(rest);
      const pending = this.inBuf;
      this.inBuf = EMPTY;
      if (pending.length > 0) this.up!.write(pending);
      this.cli.resume();
      return;
    }
    let resHeaders = res.rawHeaders;
    const beRules = this.be!.rules;
    const feRules = this.be!.conf !== this.fe.conf ? this.fe.rules : undefined;
    if (beRules.hasResponseRules || feRules?.hasResponseRules) {
      // backend rules first, then the frontend's (reference §2.4)
      const rctx = this.ctx as HttpResCtx;
      rctx.status = res.status;
      rctx.resHeaders = res.rawHeaders;
      const v = beRules.response(rctx) ?? feRules?.response(rctx);
      if (v !== undefined) { this.upClose = true; this.res = undefined; this.intercept(v); return; }
      resHeaders = rctx.resHeaders;
      if (rctx.status !== res.status) { res.status = rctx.status; res.reason = rctx.reason ?? httpReason(rctx.status); }
    }
    this.resLeft = res.framing === 'length' ? res.length : 0;
    if (this.fe.stopLevel !== 0) this.closeAfter = true; // soft stop: the last response on this connection
    if (res.framing === 'chunked') { this.resDec.reset(); extra += TE_CHUNKED; }
    else if (res.framing === 'close') this.closeAfter = true;
    if (this.closeAfter) extra += CONNECTION_CLOSE;
    else if (res.version === 10) extra += CONNECTION_KEEP_ALIVE;
    const text = responseHeadText(res.version, res.status, res.reason, forwardHeaders(resHeaders, false), extra);
    const cli = this.cli;
    if (this.lr !== undefined) this.logResponse(res, resHeaders, text.length, res.framing === 'length' ? Math.min(res.length, rest.length) : res.framing === 'none' ? 0 : rest.length);
    this.fe.counters.bout += text.length; // latin1: one byte per character
    this.xOut += text.length;
    if (res.framing === 'none') { cli.write(text, 'latin1'); this.resDone = true; this.responseComplete(rest); return; }
    if (res.framing === 'length' && rest.length > 0 && rest.length <= SMALL_BODY) {
      // a small response already complete in hand: one buffer, one send() (no writev)
      const n = Math.min(this.resLeft, rest.length);
      const out = Buffer.allocUnsafe(text.length + n);
      out.write(text, 0, 'latin1');
      rest.copy(out, text.length, 0, n);
      cli.write(out);
      this.fe.counters.bout += n;
      this.xOut += n;
      this.resLeft -= n;
      if (this.resLeft === 0) { this.resDone = true; this.responseComplete(rest.subarray(n)); }
      return;
    }
    cli.cork();
    cli.write(text, 'latin1');
    if (rest.length > 0) this.resBody(rest, 0);
    cli.uncork();
  }

  private resBody(d: Buffer, from: number): void {
    const res = this.res!;
    const cli = this.cli;
    let rest: Buffer = EMPTY;
    if (res.framing === 'close') {
      cli.write(from === 0 ? d : d.subarray(from));
      this.fe.counters.bout += d.length - from;
      this.xOut += d.length - from;
    } else if (res.framing === 'length') {
      const n = Math.min(this.resLeft, d.length - from);
      if (n > 0) cli.write(from === 0 && n === d.length ? d : d.subarray(from, from + n));
      this.fe.counters.bout += n;
      this.xOut += n;
      this.resLeft -= n;
      if (this.resLeft === 0) { this.resDone = true; rest = d.subarray(from + n); }
    } else {
      const dec = this.resDec;
      let pos = from;
      while (pos < d.length) {
        pos = dec.advance(d, pos, d.length);
        if (dec.error) { this.upClose = true; this.term(Cause.Proxy); this.close(); return; }
        if (dec.dataEnd > dec.dataStart) {
          const h = chunkHeader(dec.dataEnd - dec.dataStart);
          cli.write(h);
          cli.write(d.subarray(dec.dataStart, dec.dataEnd));
          cli.write('\r\n');
          if (this.lr !== undefined) this.lr.outFrame += h.length + 2; // %B counts data, not framing
        }
        if (dec.done) {
          const last = lastChunk(dec.trailers);
          cli.write(last);
          if (this.lr !== undefined) this.lr.outFrame += last.length - htxTrailerBytes(dec.trailers);
          this.resDone = true;
          break;
        }
      }
      this.fe.counters.bout += pos - from;
      this.xOut += pos - from;
      if (this.resDone) rest = d.subarray(pos);
    }
    if (this.resDone) this.responseComplete(rest);
    else if (cli.writableNeedDrain) this.up!.pause();
  }

  private responseComplete(rest: Buffer): void {
    if (rest.length > 0) this.upClose = true; // bytes after the response: never reuse
    if (this.reqDone) this.finishExchange();
  }

  upEnd(): void {
    if (this.st === St.Tunnel) {
      // the server only receives now: bounded by server-fin when set
      this.cli.end();
      const fin = this.be!.conf.timeouts['server-fin'];
      if (fin !== undefined) this.up!.setTimeout(fin);
      return;
    }
    if (this.st !== St.Exchange) return;
    if (this.res && this.res.framing === 'close') {
      this.resDone = true;
      this.upClose = true;
      this.closeAfter = true;
      this.finishExchange();
      return;
    }
    this.upFailed();
  }

  upFailed(): void {
    if (this.st === St.Closed || this.up === undefined) return;
    if (this.st === St.Tunnel) { this.close(); return; }
    if (this.res === undefined) {
      // no response byte: a stale pooled connection is retried on a fresh one
      // killed on purpose (on-marked-down shutdown-sessions): 502, as HAProxy
      const killed = (this.up as Socket & { lbKilled?: boolean }).lbKilled === true;
      if (!killed && this.upReused && this.reqDone && this.st === St.Exchange) {
        this.retrying = true;
        this.dropUpstream(false);
        this.retrying = false;
        this.st = St.Connecting;
        this.be!.connect(this.srv!, this, this.cli, false, this.onConnected);
        return;
      }
      const m = this.req!.method;
      if (!killed && this.reqDone && this.replays < this.be!.retries && (m === 'GET' || m === 'HEAD' || m === 'OPTIONS') && this.req!.framing === 'none') {
        // a server that dies before answering a safe request (a container
        // stopping): replay it on another server rather than answer 502
        this.replays++;
        const failed = this.srv!;
        failed.counters.wretr++;
        this.be!.counters.wretr++;
        this.dropUpstream(false);
        this.st = St.Connecting;
        this.be!.assign(this, this.onAssigned, failed);
        return;
      }
      this.srv!.counters.srvAbrt++;
      this.be!.counters.srvAbrt++;
      this.upClose = true;
      this.term(killed ? this.killCause() : Cause.ServerAbort);
      this.fail(502);
      return;
    }
    // response started: cut the client connection, as HAProxy does
    this.upClose = true;
    this.term((this.up as Socket & { lbKilled?: boolean }).lbKilled === true ? this.killCause() : Cause.ServerAbort);
    this.close();
  }

  upDrain(): void {
    if (this.st !== St.Closed) this.cli.resume();
  }

  upTimeout(): void {
    if (this.st === St.Tunnel) { this.close(); return; }
    this.upClose = true;
    this.term(Cause.ServerTimeout);
    if (this.res === undefined) { this.fail(504); return; }
    this.close();
  }

  /** Both the request and the response are complete. */
  private finishExchange(): void {
    const srv = this.srv, be = this.be;
    if (srv !== undefined && be !== undefined && this.tRes > 0) {
      // HAProxy's averages of queue, connect, response and total times (stats qtime..ttime)
      const q = this.tAsg - this.tReq, c = this.tCon - this.tAsg, r = this.tRes - this.tCon, t = Date.now() - this.tReq;
      recordTimes(srv.counters, q, c, r, t);
      recordTimes(be.counters, q, c, r, t);
    }
    this.dropUpstream(!this.upClose);
    if (this.lr !== undefined) this.logTxn();
    this.req = undefined;
    this.res = undefined;
    this.ctx = undefined;
    this.be = undefined;
    if (this.closeAfter) { this.endClient(); return; }
    this.nextRequest();
  }

  /** Wait for (or parse an already buffered) next request on the client connection. */
  private nextRequest(): void {
    // soft stop: past the grace, an idle connection closes at once
    if (this.fe.stopLevel === 2 && this.inBuf.length === 0) { this.endClient(); return; }
    if (this.inBuf.length === 0) (this.cli as CliSocket).lbIdle = true;
    this.st = St.Head;
    this.armClient(this.fe.timeoutHttpKeepAlive);
    if (this.inBuf.length > 0 || this.clientEnded) { this.parseHead(); return; }
    this.cli.resume();
  }

  /** Detach from the server connection: pool it or close it; free the server slot. */
  private dropUpstream(reuse: boolean): void {
    const up = this.up;
    const srv = this.srv;
    const be = this.be;
    this.up = undefined;
    this.upClose = false;
    if (srv && be && (this.xIn > 0 || this.xOut > 0)) {
      // the exchange's bytes, credited to the server and backend when it leaves them (stats bin/bout)
      srv.counters.bin += this.xIn; srv.counters.bout += this.xOut;
      be.counters.bin += this.xIn; be.counters.bout += this.xOut;
      this.xIn = 0;
      this.xOut = 0;
    }
    if (up) {
      (up as UpSocket).lbOwner = undefined;
      if (srv) sessionEnd(srv.counters);
      if (be) sessionEnd(be.counters);
      if (reuse && srv && be) be.putIdle(srv, up);
      else up.destroy();
    }
    if (srv && be && !this.retrying) { this.srv = undefined; be.release(srv); }
  }

  private retrying = false;
  /** when the current request's head arrived, got a server, was connected, got its response head (ms) */
  private tReq = 0;
  private tAsg = 0;
  private tCon = 0;
  private tRes = 0;
  /** the client inactivity timeout currently armed (re-arming costs; skip when unchanged) */
  private cliTimeoutMs = 0;

  private armClient(ms: number): void {
    if (ms === this.cliTimeoutMs) return;
    this.cliTimeoutMs = ms;
    this.cli.setTimeout(ms);
  }
  /** safe requests replayed after a server died before answering */
  private replays = 0;

  // ---------------------------------------------------------------- endings

  /** Answer with one of HAProxy's error pages; 400/408 close the connection. */
  private fail(status: number, _why?: string): void {
    if (this.st === St.Closed) return;
    if (this.up || this.srv) this.dropUpstream(false);
    // unparsable or incomplete requests get the raw canned page and a close
    const raw = status === 400 || status === 408 || status === 422;
    const close = raw || this.closeAfter || !this.reqDone;
    countStatus(this.fe.counters, status);
    const page = raw ? rawHttpError(status) : httpError(status, close);
    this.cli.write(page);
    // HAProxy logs its parse-stage pages (400, 408) with 0 bytes
    if (this.lr !== undefined) { this.lr.status = status; this.lr.outFixed = raw ? 0 : htxBytes(httpError(status)); this.logTxn(); }
    if (close) { this.endClient(); return; }
    this.afterLocalReply();
  }

  /** A response produced by lb itself (deny, return, redirect...). */
  private intercept(v: unknown): void {
    if (this.up || this.srv) this.dropUpstream(false);
    if ((v as Verdict).kind === 'service') {
      const svc = this.fe.services?.get((v as { name: string }).name);
      if (svc !== undefined) { this.localService(svc, EMPTY); return; }
    }
    const out = this.fe.renderVerdict(v, this.closeAfter || !this.reqDone);
    if (this.lr !== undefined) this.logVerdict(v as Verdict);
    if (out === undefined) { this.close(); return; }
    this.fe.counters.intercepted++;
    this.localReply(out.bytes, out.status);
  }

  // ------------------------------------------------------- lb's own services

  /** the service answering the current request once its body is in */
  private svc: LocalService | undefined;
  private svcBody: Buffer = EMPTY;

  /**
   * A request answered by one of lb's services (stats page, Prometheus
   * exporter): read its body when the service wants it (bounded), then
   * answer. Pipelined bytes wait in the input buffer.
   */
  private localService(svc: LocalService, rest: Buffer): void {
    const req = this.req!;
    this.fe.counters.intercepted++;
    if (req.version === 10) this.closeAfter = true;
    if (!this.reqDone && svc.wantsBody(req.method)) {
      if (!this.reqChunked && this.reqLeft > STATS_POST_MAX) { this.cli.pause(); this.answer(svc, 'EXCD'); return; }
      this.svc = svc;
      this.svcBody = EMPTY;
      this.st = St.Body;
      if (rest.length > 0) this.collectBody(rest);
      return;
    }
    this.cli.pause();
    if (this.reqDone && rest.length > 0) this.inBuf = rest;
    this.answer(svc, undefined);
  }

  private collectBody(d: Buffer): void {
    let n: number;
    if (this.reqChunked) {
      const dec = this.reqDec;
      let pos = 0;
      while (pos < d.length && !dec.done) {
        pos = dec.advance(d, pos, d.length);
        if (dec.error) { this.fe.counters.ereq++; this.svc = undefined; this.svcBody = EMPTY; this.fail(400); return; }
        if (dec.dataEnd > dec.dataStart) this.svcBody = Buffer.concat([this.svcBody, d.subarray(dec.dataStart, dec.dataEnd)]);
      }
      n = pos;
      if (this.svcBody.length > STATS_POST_MAX) { this.svc = undefined; this.svcBody = EMPTY; this.cli.pause(); this.answerExcd(); return; }
      if (!dec.done) return;
    } else {
      n = Math.min(this.reqLeft, d.length);
      // copied: read buffers may be reused once this call returns
      this.svcBody = Buffer.concat([this.svcBody, d.subarray(0, n)]);
      this.reqLeft -= n;
      if (this.reqLeft > 0) return;
    }
    this.reqDone = true;
    this.cli.pause();
    if (d.length > n) this.inBuf = d.subarray(n);
    const svc = this.svc!;
    const body = this.svcBody;
    this.svc = undefined;
    this.svcBody = EMPTY;
    this.st = St.Head;
    this.answer(svc, body);
  }

  /** a chunked body grew past the limit: HAProxy's EXCD, and the connection closes */
  private answerExcd(): void {
    const svc = this.fe.stats ?? this.be?.stats;
    if (svc) this.answer(svc, 'EXCD'); else this.fail(400);
  }

  private answer(svc: LocalService, body: Buffer | 'IVAL' | 'EXCD' | undefined): void {
    const req = this.req!;
    const ctx = this.ctx!;
    const out = svc.handle({ method: ctx.method, target: ctx.target, version: req.version === 10 ? 10 : 11, ctx, close: this.closeAfter || !this.reqDone }, body);
    if (!(out instanceof Promise)) { this.localReply(Buffer.from(out.bytes, 'latin1'), out.status); return; }
    // several workers: the answer waits for the group's counters (the client stays paused)
    this.st = St.Local;
    out.then((o) => {
      if (this.st !== St.Local || this.cli.destroyed) return;
      this.st = St.Head;
      this.localReply(Buffer.from(o.bytes, 'latin1'), o.status);
    }, () => { if (this.st === St.Local && !this.cli.destroyed) this.fail(500); });
  }

  private localReply(bytes: string | Buffer, status: number): void {
    this.cli.write(bytes);
    countStatus(this.fe.counters, status);
    if (this.lr !== undefined) { this.lr.status = status; this.lr.outFixed = htxBytes(bytes); this.logTxn(); }
    if (this.closeAfter || !this.reqDone) { this.endClient(); return; }
    this.afterLocalReply();
  }

  private afterLocalReply(): void {
    this.req = undefined;
    this.ctx = undefined;
    this.be = undefined;
    this.nextRequest();
  }

  private endClient(): void {
    this.st = St.Closed;
    this.cli.end();
    this.cli.destroySoon();
    this.finalize();
  }

  private close(): void {
    if (this.st === St.Closed && this.finalized) return;
    this.st = St.Closed;
    if (this.up || this.srv) this.dropUpstream(false);
    this.cli.destroy();
    this.finalize();
  }

  private finalized = false;

  private finalize(): void {
    if (this.finalized) return;
    this.finalized = true;
    if (this.up || this.srv) this.dropUpstream(false);
    if (this.lr !== undefined) this.logLast();
    sessionEnd(this.fe.counters);
    void this.l;
  }

  // ---------------------------------------------------------------- logging
  // Only when the frontend logs (this.lr set at accept); the hot path above
  // does a few `this.lr !== undefined` tests and Date.now() calls.

  /** the log record of the current transaction; undefined = the frontend does not log */
  private lr: LogRec | undefined;

  private logStart(): void {
    const lr = new LogRec();
    const cli = this.cli;
    lr.ci = this.clientIp;
    lr.cp = cli.remotePort ?? 0;
    lr.fi = clientAddress(cli.localAddress ?? '');
    lr.fp = cli.localPort ?? 0;
    lr.feCounters = this.fe.counters;
    lr.tAccept = Date.now();
    this.lr = lr;
    const lg = this.fe.log!;
    if (lg.connectLine) lg.connect(lr.ci, lr.cp, lr.fi, lr.fp);
  }

  private logRequest(req: RequestHead, ctx: HttpReqCtx): void {
    const lr = this.lr!;
    lr.tHead = Date.now();
    if (lr.tRx < 0) lr.tRx = lr.tHead;
    lr.method = req.method;
    lr.uri = req.target;
    lr.version = req.version;
    lr.ctx = ctx;
    lr.reqId = proc.reqSeq++;
  }

  private logConnectFailed(err: string | undefined): void {
    const lr = this.lr!;
    lr.srv = this.srv?.name ?? '';
    lr.tQueue = lr.tQueue < 0 ? Date.now() : lr.tQueue;
    this.term(err === 'connect-timeout' ? Cause.ServerTimeout : Cause.ServerAbort);
  }

  private logConnected(out: ConnectOutcome): void {
    const lr = this.lr!;
    lr.tConn = Date.now();
    lr.srv = out.srv.name;
    lr.srvCounters = out.srv.counters;
    lr.si = out.srv.host ?? '';
    lr.sp = out.sock.remotePort ?? 0;
    lr.retries = out.retries;
    lr.redispatched = out.redispatched;
  }

  private logVerdict(v: Verdict): void {
    const k = v.kind;
    this.term(k === 'deny' || k === 'tarpit' || k === 'reject' || k === 'silent-drop' ? Cause.Proxy : Cause.Local);
  }

  /** The session state letter HAProxy logs with a termination cause. */
  private phaseNow(): Phase {
    switch (this.st) {
      case St.Head: return Phase.Request;
      case St.Connecting: return this.srv === undefined ? Phase.Queue : Phase.Connect;
      // a request body still flowing is the data phase too
      case St.Exchange: return this.res === undefined ? (this.reqDone ? Phase.Headers : Phase.Data) : this.resDone ? Phase.Last : Phase.Data;
      case St.Tunnel: return Phase.Data;
      default: return this.req === undefined ? Phase.Request : this.res === undefined ? Phase.Headers : Phase.Data;
    }
  }

  /** D (server marked down) or U (backup cut because an active server came up) */
  private killCause(): Cause {
    return (this.up as Socket & { lbKilledUp?: boolean } | undefined)?.lbKilledUp === true ? Cause.Up : Cause.Down;
  }

  private term(c: Cause, phase?: Phase): void {
    const lr = this.lr;
    if (lr !== undefined) lr.end(c, phase ?? this.phaseNow());
  }

  /** Response headers are about to be written (`wire` bytes): count them as HAProxy does; logasap logs now. */
  private logResponse(res: ResponseHead, headers: readonly string[], wire: number, inHand: number): void {
    const lr = this.lr!;
    lr.status = res.status;
    lr.outHead = htxHeadBytes(res.reason, headers);
    lr.outBody = this.cli.bytesWritten + wire;
    if (!this.fe.log!.logasap) return;
    lr.asap = true;
    lr.tEnd = Date.now();
    lr.bytesOut = lr.outHead + inHand; // HAProxy forwards what came with the headers before logging
    lr.bytesIn = this.cli.bytesRead - lr.inBase;
    this.fe.log!.log(lr);
  }

  /** The transaction ended (response sent, error page, local reply): log it, start the next record. */
  private logTxn(): void {
    const lr = this.lr!;
    if (lr.tEnd < 0) {
      lr.tEnd = Date.now();
      lr.bytesOut = lr.outFixed >= 0 ? lr.outFixed : lr.tRes >= 0 ? lr.outHead + Math.max(0, this.cli.bytesWritten - lr.outBody - lr.outFrame) : 0;
      lr.bytesIn = this.cli.bytesRead - lr.inBase;
      if (lr.srvCounters === undefined && this.srv) lr.srvCounters = this.srv.counters;
      lr.logged++;
      this.fe.log!.log(lr);
    }
    lr.nextTxn(Date.now());
    lr.inBase = this.cli.bytesRead;
  }

  /** The connection ends: log the transaction in progress, if any (an idle keep-alive close logs nothing). */
  private logLast(): void {
    const lr = this.lr!;
    if (lr.tEnd >= 0) return;
    if (lr.tRx < 0 && (this.requests > 0 || lr.logged > 0)) return;
    if (lr.tRx < 0 || lr.method === '') {
      // closed before a complete request: HAProxy's <BADREQ> line
      lr.end(Cause.ClientAbort, Phase.Request);
      if (lr.status < 0) lr.status = 400;
    }
    this.logTxn();
  }
}
