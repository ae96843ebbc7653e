/**
 * A backend at run time: its servers, the balancer, the backend queue and
 * the connection logic with HAProxy's retries and redispatch (reference
 * §2.8 retries/redispatch, §2.9 timeouts, §2.10 maxconn and queueing).
 *
 * Invariants: a server's `served` is incremented when a request/connection
 * is assigned to it and decremented exactly once by `release()`; a waiter in
 * the queue is answered exactly once (server, or queue timeout).
 */
import { StatsService } from '../stats/service.js';
import { connect as netConnect, type Socket } from 'node:net';
import { ServerRuntime } from './server-runtime.js';
import { upstreamOnread } from '../proxy/reader.js';
import { proxyHeader } from '../proxy/proxy-protocol.js';
import { initServerParams } from './server.js';
import { newCounters, type Counters } from '../stats/counters.js';
import { createBalancer, isFull, type Balancer, type PickContext } from '../lb/index.js';
import type { Proxy } from '../config/model.js';
import { compileForwardFor, type ForwardFor } from '../proxy/headers.js';
import { ProxyRuleSet } from '../proxy/ruleset.js';

export type AssignFailure = 'no-server' | 'queue-timeout' | 'queue-full';
/** why connecting failed after the retries: refused/reset, or `timeout connect` expired (logs: SC / sC) */
export type ConnectFailure = 'connect' | 'connect-timeout';

export interface Waiter {
  ctx: PickContext;
  cb: (srv: ServerRuntime | undefined, why?: AssignFailure) => void;
  timer: NodeJS.Timeout | undefined;
  done: boolean;
  /** the server whose queue holds it; undefined: the backend queue */
  srv: ServerRuntime | undefined;
  /** arrival order across all queues of the backend */
  since: number;
}

/** A server's slots are all taken (its own queue aside). */
function isFullServed(s: ServerRuntime): boolean {
  return s.maxconn > 0 && s.served >= s.maxconn;
}

export interface ConnectOutcome {
  srv: ServerRuntime;
  sock: Socket;
  /** the connection came from the idle pool */
  reused: boolean;
  /** retries spent (for logs: +N when redispatched) */
  retries: number;
  redispatched: boolean;
}

/** Keep a connection in its server's set while it lives (shutdown-sessions). */
function track(srv: ServerRuntime, sock: Socket): void {
  const set = srv.sockets!;
  if (set.has(sock)) return;
  set.add(sock);
  sock.once('close', () => set.delete(sock));
}

/**
 * Server ids (stats sid) as HAProxy 2.6 assigns them: explicit ids are
 * reserved; walking the servers in order, a counter advances for every
 * server and one without id takes the first free id from the counter on.
 */
export function serverIds(servers: ReadonlyArray<{ id?: number }>): number[] {
  const used = new Set<number>();
  for (const s of servers) if (s.id !== undefined) used.add(s.id);
  let next = 1;
  return servers.map((s) => {
    let id = s.id;
    if (id === undefined) {
      while (used.has(next)) next++;
      id = next;
      used.add(id);
    }
    next++;
    return id;
  });
}

export class BackendRuntime {
  readonly name: string;
  readonly conf: Proxy;
  readonly servers: ServerRuntime[];
  readonly counters: Counters = newCounters();
  readonly balancer: Balancer;
  private readonly queue: Waiter[] = [];
  private seq = 0;
  readonly timeoutConnect: number;
  readonly timeoutServer: number;
  readonly timeoutQueue: number;
  readonly timeoutTunnel: number;
  readonly retries: number;
  /** option redispatch interval: undefined = off, -1 = last retry only */
  readonly redispatch: number | undefined;
  /** `option http-server-close` or `httpclose`: no server keep-alive */
  readonly serverClose: boolean;
  /** `option httpclose`: close the client connection after the response */
  readonly httpClose: boolean;
  readonly forwardfor: ForwardFor | undefined;
  /** the backend's own rules (http-request after use_backend, http-response first) */
  readonly rules: ProxyRuleSet;
  /** the stats page of a `backend` section with `stats enable` (reached through use_backend) */
  readonly stats: StatsService | undefined;
  /**
   * `dispatch <addr>`: every connection goes to this address, servers and
   * balancing aside (as HAProxy, where dispatch turns load balancing off).
   * Not a server of the backend: no stats row, no checks.
   */
  readonly dispatchSrv: ServerRuntime | undefined;
  /** requests/connections handed to this backend, served or not (HAProxy's cumulated BE conns) */
  cumConn = 0;
  /** where the last request that had to wait was queued (logs: %sq / %bq) */
  lastQueuedSrv: ServerRuntime | undefined;
  lastQueuePos = 0;
  /** last UP/DOWN change of the backend, its DOWN transitions, and time spent DOWN (stats) */
  lastChange = Date.now();
  chkdown = 0;
  downtime = 0;
  downSince = 0;

  constructor(conf: Proxy, defaults?: Proxy) {
    this.name = conf.name;
    this.conf = conf;
    this.servers = serverIds(conf.servers).map((id, i) => new ServerRuntime(id, conf.servers[i]!, (srv) => this.serverChanged(srv)));
    const t = conf.timeouts;
    this.timeoutConnect = t.connect ?? 0;
    this.timeoutServer = t.server ?? 0;
    this.timeoutQueue = t.queue ?? t.connect ?? 0;
    this.timeoutTunnel = t.tunnel ?? 0;
    this.retries = conf.retries;
    this.redispatch = conf.redispatch;
    this.serverClose = conf.httpConnMode === 'http-server-close' || conf.httpConnMode === 'httpclose';
    this.httpClose = conf.httpConnMode === 'httpclose';
    this.forwardfor = compileForwardFor(conf.forwardfor);
    this.rules = new ProxyRuleSet(conf, defaults);
    this.stats = conf.kind === 'backend' && conf.mode === 'http' && conf.stats.enabled ? new StatsService(conf, this.rules.unsupported) : undefined;
    this.dispatchSrv = conf.dispatchAddr && conf.dispatch !== undefined
      ? new ServerRuntime(0, { ...initServerParams(), name: conf.dispatch, where: conf.where, addr: conf.dispatch, address: conf.dispatchAddr }, () => undefined)
      : undefined;
    this.balancer = createBalancer({
      balance: conf.balance ?? { algo: 'roundrobin' },
      hashType: conf.hashType,
      allbackups: !!conf.flags['allbackups'],
      mode: conf.mode,
      hashBalanceFactor: conf.hashBalanceFactor,
    }, this.servers);
  }

  /** Called by the server operations after any state/weight change. */
  private serverChanged(srv: ServerRuntime): void {
    this.balancer.update();
    this.trackUpDown();
    if (!srv.usable) this.requeue(srv);
    this.drainQueue(srv);
  }

  /** Requests waiting in the backend queue. */
  queueLength(): number {
    return this.queue.length;
  }

  /**
   * `add server`: a new server, in forced maintenance, with the lowest free
   * id (or its `id`), appended to the list the balancer walks.
   */
  addServer(conf: ServerRuntime['conf']): ServerRuntime {
    const used = new Set(this.servers.map((s) => s.id));
    let id = 1;
    while (used.has(id)) id++;
    const srv = new ServerRuntime(conf.id ?? id, conf, (s) => this.serverChanged(s));
    srv.setAdmin('MAINT');
    this.servers.push(srv);
    this.balancer.update();
    return srv;
  }

  /** `del server`: remove a server (in maintenance) from the list. */
  removeServer(srv: ServerRuntime): void {
    const i = this.servers.indexOf(srv);
    if (i < 0) return;
    this.servers.splice(i, 1);
    srv.closeIdle();
    this.balancer.update();
  }

  /** Backend UP/DOWN bookkeeping for the stats (chkdown, lastchg, downtime). */
  private trackUpDown(): void {
    if (this.servers.length === 0) return;
    const up = this.servers.some((s) => s.usable);
    const now = Date.now();
    if (!up && this.downSince === 0) {
      this.downSince = now;
      this.chkdown++;
      this.lastChange = now;
    } else if (up && this.downSince > 0) {
      this.downtime += now - this.downSince;
      this.downSince = 0;
      this.lastChange = now;
    }
  }

  /** Number of usable servers (nbsrv()). */
  nbsrv(): number {
    let n = 0;
    for (const s of this.servers) if (s.usable && !s.backup) n++;
    return n;
  }

  /**
   * Assign a server to a request (reference §2.10): the balancer's pick; when
   * the pick is a server at its maxconn (a hash result, the single first
   * backup), the request waits in that server's queue, bounded by its
   * `maxqueue` (beyond it: 503 at once, as HAProxy answers even with
   * `option redispatch`); when every candidate is saturated, it waits in the backend queue.
   * Both waits are bounded by `timeout queue`. `exclude` is skipped
   * (redispatch).
   */
  assign(ctx: PickContext, cb: Waiter['cb'], exclude?: ServerRuntime): void {
    if (exclude === undefined) this.cumConn++;
    const d = this.dispatchSrv;
    if (d) { d.served++; cb(d); return; }
    ctx.avoid = exclude;
    const srv = this.balancer.pick(ctx) as ServerRuntime | undefined;
    ctx.avoid = undefined;
    if (srv && !isFull(srv)) { this.take(srv); cb(srv); return; }
    if (!this.balancer.hasServers()) { cb(undefined, 'no-server'); return; }
    // a full server queue answers 503 at once, even with option redispatch (observed)
    const onServer = srv;
    if (onServer && onServer.maxqueue > 0 && onServer.pending.length >= onServer.maxqueue) { cb(undefined, 'queue-full'); return; }
    const w: Waiter = { ctx, cb, timer: undefined, done: false, srv: onServer, since: this.seq++ };
    if (this.timeoutQueue > 0) w.timer = setTimeout(() => this.expire(w), this.timeoutQueue);
    if (onServer) {
      onServer.pending.push(w);
      onServer.queued = onServer.pending.length;
      const c = onServer.counters;
      c.qcur = onServer.queued;
      if (c.qcur > c.qmax) c.qmax = c.qcur;
    } else {
      this.queue.push(w);
      const c = this.counters;
      c.qcur = this.queue.length;
      if (c.qcur > c.qmax) c.qmax = c.qcur;
    }
    this.lastQueuedSrv = onServer;
    this.lastQueuePos = onServer ? onServer.queued : this.queue.length;
  }

  private take(srv: ServerRuntime): void {
    this.balancer.take(srv);
    srv.counters.lbtot++;
    this.counters.lbtot++;
  }

  /** Remove a waiter from the queue it is in. */
  private unqueue(w: Waiter): void {
    const q = w.srv ? w.srv.pending : this.queue;
    const i = q.indexOf(w);
    if (i >= 0) q.splice(i, 1);
    if (w.srv) { w.srv.queued = q.length; w.srv.counters.qcur = q.length; } else this.counters.qcur = q.length;
  }

  private settle(w: Waiter, srv: ServerRuntime | undefined, why?: AssignFailure): void {
    w.done = true;
    if (w.timer) clearTimeout(w.timer);
    w.cb(srv, why);
  }

  private expire(w: Waiter): void {
    if (w.done) return;
    this.unqueue(w);
    w.done = true;
    w.cb(undefined, 'queue-timeout');
  }

  /** A request/connection on `srv` ended: free its slot, serve the queues. */
  release(srv: ServerRuntime): void {
    if (srv === this.dispatchSrv) { srv.served--; return; }
    this.balancer.release(srv);
    this.drainQueue(srv);
  }

  /**
   * Give free slots to waiters: the released server takes the older of its
   * own queue's head and the backend queue's head (HAProxy serves whichever
   * waited longer); then the backend queue goes to whatever the balancer picks.
   */
  private drainQueue(freed?: ServerRuntime): void {
    if (freed && freed.pending.length > 0) {
      if (!freed.usable) this.requeue(freed);
      else {
        while (freed.pending.length > 0 && !isFullServed(freed)) {
          const head = freed.pending[0]!;
          const bq = this.queue[0];
          if (bq && bq.since < head.since) break;
          freed.pending.shift();
          freed.queued = freed.pending.length;
          freed.counters.qcur = freed.queued;
          this.take(freed);
          this.settle(head, freed);
        }
      }
    }
    while (this.queue.length > 0) {
      const w = this.queue[0]!;
      const srv = this.balancer.pick(w.ctx) as ServerRuntime | undefined;
      if (!srv || isFull(srv)) {
        if (!this.balancer.hasServers()) {
          this.queue.shift();
          this.counters.qcur = this.queue.length;
          this.settle(w, undefined, 'no-server');
          continue;
        }
        return;
      }
      this.queue.shift();
      this.counters.qcur = this.queue.length;
      this.take(srv);
      this.settle(w, srv);
    }
  }

  /**
   * A server left service with requests queued on it: with `option
   * redispatch` they move to the backend queue (HAProxy's "requeued"),
   * otherwise they wait for it until `timeout queue`.
   */
  private requeue(srv: ServerRuntime): void {
    if (this.redispatch === undefined) return;
    for (const w of srv.pending.splice(0)) { w.srv = undefined; this.queue.push(w); }
    this.queue.sort((a, b) => a.since - b.since);
    srv.queued = 0;
    srv.counters.qcur = 0;
    this.counters.qcur = this.queue.length;
    if (this.counters.qcur > this.counters.qmax) this.counters.qmax = this.counters.qcur;
  }

  /** An idle pooled connection to `srv`, if one is still open. */
  takeIdle(srv: ServerRuntime): Socket | undefined {
    const idle = srv.idle;
    while (idle.length > 0) {
      const s = idle.pop()!;
      if (!s.destroyed && s.readyState === 'open') return s;
      s.destroy();
    }
    return undefined;
  }

  /** Return a healthy upstream connection to the pool. */
  putIdle(srv: ServerRuntime, sock: Socket): void {
    if (!srv.usable || sock.destroyed || srv.idle.length >= 64 || srv.conf.sendProxy || srv.conf.sendProxyV2) { sock.destroy(); return; }
    srv.idle.push(sock);
  }

  /**
   * Open a connection to an assigned server with HAProxy's retry rules:
   * a failed attempt is retried on the same server after
   * min(timeout connect, 1s); with `option redispatch` the last retry (or
   * every Nth) goes to another server at once. The client connection gives
   * the port for servers without one and the addresses of a PROXY header
   * (`send-proxy`, `send-proxy-v2`: such connections are never shared, so
   * never taken from or given to the idle pool). The callback runs once; on
   * failure `srv` is released.
   */
  connect(srv: ServerRuntime, ctx: PickContext, client: Socket, allowIdle: boolean,
    cb: (err: AssignFailure | ConnectFailure | undefined, out?: ConnectOutcome) => void): void {
    const dstPort = client.localPort ?? 0;
    let retriesLeft = this.retries;
    let retries = 0;
    let redispatched = false;
    const attempt = (s: ServerRuntime): void => {
      const pp = s.conf.sendProxyV2 ? 2 : s.conf.sendProxy ? 1 : 0;
      if (allowIdle && pp === 0) {
        const idle = this.takeIdle(s);
        if (idle) {
          s.counters.reuse++;
          this.counters.reuse++;
          if (s.sockets) track(s, idle);
          cb(undefined, { srv: s, sock: idle, reused: true, retries, redispatched });
          return;
        }
      }
      s.counters.connect++;
      this.counters.connect++;
      this.open(s, dstPort, (sock, timedOut) => {
        if (sock) {
          if (pp !== 0) sock.write(proxyHeader(client, pp === 2));
          if (s.observe && !s.observeL7) s.observe(undefined);
          if (s.sockets) track(s, sock);
          cb(undefined, { srv: s, sock, reused: false, retries, redispatched });
          return;
        }
        if (s.observe) s.observe('L4 unsuccessful connection');
        s.counters.econ++;
        this.counters.econ++;
        if (retriesLeft <= 0) { this.release(s); cb(timedOut ? 'connect-timeout' : 'connect'); return; }
        retriesLeft--;
        retries++;
        s.counters.wretr++;
        this.counters.wretr++;
        const rd = this.redispatch;
        const redispatchNow = rd !== undefined && (rd === -1 ? retriesLeft === 0 : retries % rd === 0);
        if (redispatchNow && this.servers.length > 1) {
          this.release(s);
          this.assign(ctx, (next, why) => {
            if (!next) { cb(why ?? 'no-server'); return; }
            if (next !== s) { redispatched = true; next.counters.wredis++; this.counters.wredis++; }
            attempt(next);
          }, s);
          return;
        }
        setTimeout(() => attempt(s), Math.min(this.timeoutConnect || 1000, 1000));
      });
    };
    attempt(srv);
  }

  /** One TCP connect bounded by `timeout connect`; cb(undefined) on failure. */
  private open(srv: ServerRuntime, dstPort: number, cb: (sock: Socket | undefined, timedOut?: boolean) => void): void {
    const a = srv.address;
    let sock: Socket;
    if (a.family === 'unix' || a.family === 'abns') {
      sock = netConnect({ path: a.family === 'abns' ? `\0${a.path}` : a.path!, allowHalfOpen: true, onread: upstreamOnread() });
    } else if (srv.host !== undefined) {
      sock = netConnect({ host: srv.host, port: srv.port(dstPort), allowHalfOpen: true, onread: upstreamOnread() });
    } else {
      queueMicrotask(() => cb(undefined));
      return;
    }
    let settled = false;
    const done = (ok: boolean, timedOut = false): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      sock.removeListener('error', onError);
      if (ok) {
        sock.setNoDelay(true);
        srv.conns.add(sock);
        const used = srv.conns.size - srv.idle.length;
        if (used > srv.usedMax) srv.usedMax = used;
        sock.once('close', () => srv.conns.delete(sock));
        cb(sock);
      } else { sock.destroy(); cb(undefined, timedOut); }
    };
    const onError = (): void => done(false);
    const timer = this.timeoutConnect > 0 ? setTimeout(() => done(false, true), this.timeoutConnect) : undefined;
    sock.once('connect', () => done(true));
    sock.once('error', onError);
  }
}
