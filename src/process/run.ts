/**
 * Running a configuration: build the runtime objects from the Model (one
 * BackendRuntime per proxy with backend capability, one FrontendRuntime per
 * proxy with frontend capability), bind every listener, then serve until a
 * signal stops the process (reference §6.3: SIGINT/SIGTERM hard stop,
 * SIGUSR1 soft stop). Bind failures print HAProxy's alerts and exit 1.
 */
import type { Socket } from 'node:net';
import { BackendRuntime } from '../backend/backend.js';
import { FrontendRuntime, l4Context } from '../proxy/frontend.js';
import { listen, listenHandle, listenerKey, addrLabel, type Listener, type BoundHandle } from '../proxy/listener.js';
import type { Exposed } from './xfer.js';
import type { Bind } from '../proxy/bind.js';
import type { SockAddr } from '../proxy/address.js';
import { loadServerStates } from './server-state.js';
import { tcpSession } from '../proxy/tcp.js';
import { httpSession } from '../proxy/http.js';
import { levelPrefix } from '../config/diag.js';
import { errnoText } from '../config/reader.js';
import type { Model, Proxy } from '../config/model.js';
import { CheckScheduler, unsupportedChecks } from '../checks/scheduler.js';
import { hostname } from 'node:os';
import { LogRuntime } from '../log/runtime.js';
import { proc } from '../log/record.js';
import { sessionStart, sessionEnd } from '../stats/counters.js';
import { Rates } from '../stats/rates.js';
import { PrometheusService } from '../stats/prometheus.js';
import { fdLimit } from '../stats/info.js';
import { setTrackLookup, fullconn, type ProxyView } from '../stats/fields.js';
import { startCli, type CliServer } from '../runtime/cli-server.js';
import type { RuntimeView, SessionInfo } from '../runtime/view.js';
import { applyServerStates, type ServerState } from './group.js';

export interface Runtime {
  readonly model: Model;
  readonly frontends: FrontendRuntime[];
  readonly backends: Map<string, BackendRuntime>;
  /** health and agent checks of every backend */
  readonly checks: CheckScheduler;
  /** what the runtime API (and the stats renderings) read and change */
  readonly view: RuntimeView;
  /** the stats sockets, when configured */
  readonly cli: CliServer | undefined;
  /** the listening sockets, as handed to a process replacing this one (xfer.ts) */
  exposed(): Exposed[];
  /**
   * Soft stop (reference §6.3): stop accepting, let in-flight requests and
   * tunnels finish; responses from now on carry `connection: close`; idle
   * keep-alive connections are closed after `idleGraceMs` (a client that
   * sends a request within the grace gets its answer and a close, rather
   * than racing a close). Resolves when the last connection has ended.
   */
  softStop(idleGraceMs?: number): Promise<void>;
  /** close everything now */
  hardStop(): void;
  /** SIGTTOU: stop listening (connections in progress continue) */
  pause(): Promise<void>;
  /** SIGTTIN: listen again after pause(); false if a listener cannot be bound again */
  resume(): Promise<boolean>;
  /** client connections open now */
  readonly connections: number;
  /** log targets, access loggers, process events */
  readonly logs: LogRuntime;
  /** HAProxy's "Proxy x stopped (cumulated conns: ...)" messages (softStop prints them as it starts) */
  stopped(err: (line: string) => void): void;
}

export interface RunIo {
  err(line: string): void;
}

/** Build and bind. Rejects (after printing HAProxy's alerts) if a listener fails. */
export interface RunOptions {
  /** -d: trace every request on stdout */
  debug?: boolean;
  /** master-worker: sockets bound by the master, by listenerKey(); no bind here */
  handles?: ReadonlyMap<string, object>;
  /**
   * -x: listening sockets taken from the old process, by listenerKey(); a
   * bind finds its socket there, or binds anew. The ones no bind uses are closed.
   */
  inherited?: Map<string, object>;
  /**
   * -sf/-st: processes that may still hold our addresses. A bind refused
   * with EADDRINUSE sends them SIGTTOU (pause) and is retried every 2 ms for
   * 2 s (HAProxy: 10 ms, 200 times; a shorter step shortens the unbound window);
   * on final failure they get SIGTTIN (resume). Reference §6.4.
   */
  oldPids?: readonly number[];
  /** print the server-state-file messages and serve the stats sockets (false in all workers but the first) */
  announce?: boolean;
  /**
   * run the health and agent checks (default). Master-worker with several
   * workers: only the first one does; the others take its server state
   * changes (process/group.ts).
   */
  checks?: boolean;
  /**
   * Without checks here (checks: false): where this worker's passive health
   * results (observe) go: an error each time, and a success only as the first
   * one after errors (it resets the consecutive count), so that steady
   * traffic costs nothing.
   */
  observeRelay?: (be: string, srv: string, error: string | undefined) => void;
  /** admin states and weights taken over from the previous generation (master-worker reload) */
  serverStates?: readonly ServerState[];
}

/** idle keep-alive connections are closed this long after a soft stop begins */
export const DEFAULT_IDLE_GRACE_MS = 1000;

function signalPids(pids: readonly number[], sig: NodeJS.Signals): void {
  for (const p of pids) { try { process.kill(p, sig); } catch { /* gone */ } }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function startRuntime(model: Model, io: RunIo, opts: RunOptions = {}): Promise<Runtime> {
  const backends = new Map<string, BackendRuntime>();
  const defaultsOf = (p: Proxy): Proxy | undefined => (p.from ? model.defaults.find((d) => d.name === p.from) : undefined);
  for (const p of model.proxies) if (p.cap.be && !p.disabled) backends.set(p.name, new BackendRuntime(p, defaultsOf(p)));
  const frontends: FrontendRuntime[] = [];
  for (const p of model.proxies) if (p.cap.fe && !p.disabled) frontends.push(new FrontendRuntime(p, backends, model.global, defaultsOf(p)));
  const unsupported = [...new Set([
    ...frontends.flatMap((fe) => fe.unsupported),
    ...[...backends.values()].flatMap((be) => be.rules.unsupported),
    ...[...backends.values()].flatMap((be) => unsupportedChecks(be.conf)),
  ])];
  if (unsupported.length > 0) {
    // never run a configuration whose rules lb would silently skip
    for (const u of unsupported) io.err(`${levelPrefix('ALERT', process.pid)}config : ${u} (not implemented in lb yet).`);
    throw new Error('unsupported rules');
  }
  let logs: LogRuntime;
  try {
    logs = new LogRuntime(model, { debug: opts.debug });
  } catch (e) {
    io.err(`${levelPrefix('ALERT', process.pid)}config : ${(e as Error).message}.`);
    throw e;
  }
  for (const fe of frontends) fe.log = logs.forFrontend(fe.name);
  if (opts.announce !== false) for (const n of logs.notes) io.err(`${levelPrefix('NOTICE', process.pid)}${n}`);
  // stderr has its own sink (process/serve.ts); the syslog targets get them here
  logs.routeEvents();

  // servers take back their run-time state saved before the reload (server-state-file)
  loadServerStates(model, backends, opts.announce === false ? undefined : io.err);
  if (opts.serverStates) applyServerStates(backends, opts.serverStates);

  const sockets = new Set<Socket>();
  const startTime = Date.now();
  // client sessions for `show sess` and show info (CumConns)
  const sessions = new Map<Socket, SessionInfo>();
  let sessionIds = 0x1000;
  let cumConns = 0;
  // maxconn (global and per frontend): a connection over the limit is held
  // unread, as in HAProxy's listen backlog, and started when a slot frees
  // (`set maxconn global` changes it at run time; 0 restores the start-up value)
  const initialGlobalMax = model.global.maxconn;
  let globalMax = initialGlobalMax;
  let globalActive = 0;
  const waiting: Array<{ fe: FrontendRuntime; sock: Socket; l: Listener }> = [];
  const feActive = new Map<FrontendRuntime, number>();
  const full = (fe: FrontendRuntime): boolean =>
    (globalMax > 0 && globalActive >= globalMax) || (fe.maxconn > 0 && (feActive.get(fe) ?? 0) >= fe.maxconn);
  const start = (fe: FrontendRuntime, sock: Socket, l: Listener): void => {
    globalActive++;
    proc.actconn = globalActive;
    cumConns++;
    fe.counters.connTot++;
    const now = Date.now();
    sessionStart(l.counters, now);
    const info: SessionInfo = {
      id: sessionIds++, proto: sock.remoteFamily === 'IPv6' ? 'tcpv6' : sock.remoteAddress ? 'tcpv4' : 'unix_stream',
      src: sock.remoteAddress ? `${sock.remoteAddress}:${sock.remotePort}` : 'unix', fe: fe.name, start: now,
    };
    sessions.set(sock, info);
    feActive.set(fe, (feActive.get(fe) ?? 0) + 1);
    const r = fe.rules;
    if (r.hasTcpRules) {
      // tcp-request rules run at accept time (no payload inspection yet)
      const v = r.tcpAccept(l4Context(sock, fe.name));
      if (v !== undefined && v.kind !== 'allow') sock.destroy();
    }
    // `show sess` asks the session where it is
    if (!sock.destroyed) info.place = fe.conf.mode === 'http' ? httpSession(fe, sock, l) : tcpSession(fe, sock, l);
    // after the session's own listeners: its last log line still counts this connection (%ac)
    sock.once('close', () => {
      sessionEnd(l.counters);
      sessions.delete(sock);
      globalActive--;
      proc.actconn = globalActive;
      feActive.set(fe, (feActive.get(fe) ?? 1) - 1);
      for (let i = 0; i < waiting.length; i++) {
        const w = waiting[i]!;
        if (w.sock.destroyed) { waiting.splice(i--, 1); continue; }
        if (full(w.fe)) continue;
        waiting.splice(i, 1);
        start(w.fe, w.sock, w.l);
        break;
      }
    });
  };
  const onConnection = (fe: FrontendRuntime) => (sock: Socket, l: Listener): void => {
    sockets.add(sock);
    sock.once('close', () => sockets.delete(sock));
    // accepted paused (pauseOnConnect): a session starts reading when it is ready
    if (full(fe)) {
      sock.on('error', () => sock.destroy());
      waiting.push({ fe, sock, l });
      return;
    }
    start(fe, sock, l);
  };

  const pid = process.pid;
  let failed = false;
  let paused = false;
  const oldPids = opts.oldPids ?? [];
  let ttouSent = false;
  const bindOne = async (fe: FrontendRuntime, b: Bind, a: SockAddr): Promise<Listener> => {
    if (opts.handles) {
      const h = opts.handles.get(listenerKey(b, a));
      if (!h) throw new Error(`no socket received for ${addrLabel(a)}`);
      return listenHandle(b, a, h, onConnection(fe));
    }
    const taken = opts.inherited?.get(listenerKey(b, a));
    if (taken) {
      opts.inherited!.delete(listenerKey(b, a));
      return listenHandle(b, a, taken, onConnection(fe));
    }
    for (let attempt = 0; ; attempt++) {
      try {
        return await listen(b, a, onConnection(fe));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || oldPids.length === 0 || attempt >= 1000) throw e;
        // the old processes still listen without SO_REUSEPORT: ask them to pause
        if (!ttouSent) { ttouSent = true; signalPids(oldPids, 'SIGTTOU'); }
        await sleep(2);
      }
    }
  };
  /** close the old process's sockets not (or not yet) listened on */
  const dropInherited = (): void => {
    if (opts.inherited) { for (const h of opts.inherited.values()) (h as BoundHandle).close(); opts.inherited.clear(); }
  };
  // the stats sockets first, as HAProxy has all its listeners bound before it serves: a
  // script that waits for a frontend's port finds them. Master-worker: one worker serves
  // them (see ARCHITECTURE: one view)
  let cli: CliServer | undefined;
  if (model.global.statsSockets.length > 0 && opts.announce !== false) {
    try {
      cli = await startCli(model.global, opts.handles);
    } catch (e) {
      const s = model.global.statsSockets[0]!;
      io.err(`${levelPrefix('ALERT', pid)}${bindAlert(s.where, 'proxy GLOBAL', e, s.bind.spec)}`);
      io.err(`${levelPrefix('ALERT', pid)}[haproxy.main()] Some protocols failed to start their listeners! Exiting.`);
      dropInherited();
      await logs.close();
      throw new Error('bind failed');
    }
  }
  for (const fe of frontends) {
    for (const b of fe.conf.binds) {
      for (const a of b.addrs) {
        try {
          fe.listeners.push(await bindOne(fe, b, a));
        } catch (e) {
          failed = true;
          io.err(`${levelPrefix('ALERT', pid)}${bindAlert(b.where, bindOwner(fe.conf), e, addrLabel(a))}`);
        }
      }
    }
  }
  const closeListeners = (): Promise<void> => {
    const all: Array<Promise<void>> = [];
    for (const fe of frontends) {
      for (const l of fe.listeners) all.push(new Promise<void>((r) => { if (l.server.listening) l.server.close(() => r()); else r(); }));
      fe.listeners.length = 0;
    }
    return Promise.all(all).then(() => undefined);
  };
  // sockets of the old process that this configuration no longer binds
  dropInherited();
  if (failed) {
    io.err(`${levelPrefix('ALERT', pid)}[haproxy.main()] Some protocols failed to start their listeners! Exiting.`);
    // release our sockets before the old processes take them back (SIGTTIN)
    for (const s of sockets) s.destroy();
    await Promise.race([Promise.all([closeListeners(), cli?.close()]), sleep(1000)]);
    if (ttouSent) signalPids(oldPids, 'SIGTTIN');
    await logs.close();
    throw new Error('bind failed');
  }
  const rates = new Rates();
  const proxies: ProxyView[] = model.proxies.filter((p) => !p.disabled).map((p) => ({
    conf: p, fe: frontends.find((f) => f.conf === p), be: p.cap.be ? backends.get(p.name) : undefined,
  }));
  for (const p of proxies) {
    if (p.fe) { rates.follow(p.fe.counters); for (const l of p.fe.listeners) rates.follow(l.counters); }
    if (p.be) { rates.follow(p.be.counters); for (const sv of p.be.servers) rates.follow(sv.counters); }
  }
  setTrackLookup((spec) => {
    const [b, sname] = spec.split('/');
    return backends.get(b!)?.servers.find((x) => x.name === sname);
  });
  // HAProxy's default maxconn when none is set: about half the file descriptors
  const ulimit = model.global.ulimitN || fdLimit();
  const nListeners = frontends.reduce((n, f) => n + f.listeners.length, 0);
  const derivedMax = Math.max(1, Math.floor((ulimit - 30 - nListeners) / 2));
  const effectiveMax = (): number => globalMax || derivedMax;
  let stopping = false;
  let checks: CheckScheduler | undefined;
  const rebind = async (fe: FrontendRuntime): Promise<void> => {
    const old = fe.listeners.splice(0);
    for (const l of old) {
      try { fe.listeners.push(await listen(l.bind, l.addr, onConnection(fe))); } catch (e) {
        io.err(`${levelPrefix('ALERT', pid)}Resuming frontend ${fe.name}: cannot bind socket (${errnoText(e)}) for [${l.label}]`);
      }
    }
    for (const l of fe.listeners) rates.follow(l.counters);
  };
  const closeFe = (fe: FrontendRuntime): Promise<void> =>
    Promise.all(fe.listeners.map((l) => new Promise<void>((r) => l.server.close(() => r())))).then(() => undefined);
  const view: RuntimeView = {
    model, proxies, frontends, backends, rates,
    env: process.env,
    globalMaxconn: effectiveMax,
    setGlobalMaxconn(v) { globalMax = v === 0 ? initialGlobalMax : v; },
    setRateLimit() { /* not enforced by lb: the command is refused before reaching here */ },
    info() {
      let bytesOut = 0, cumReq = 0;
      for (const f of frontends) { bytesOut += f.counters.bout; cumReq += f.counters.reqTot; }
      const listenersNow = frontends.reduce((n, f) => n + f.listeners.length, 0) + (cli?.listeners.length ?? 0);
      return {
        startTime, nbthread: model.global.nbthread || 1, ulimitN: ulimit, maxsock: ulimit,
        maxconn: effectiveMax(), hardMaxconn: effectiveMax(), currConns: globalActive, cumConns, cumReq,
        connRate: frontends.reduce((n, f) => n + rates.connRate(f.counters), 0), connRateLimit: model.global.maxconnrate,
        maxConnRate: frontends.reduce((n, f) => n + rates.connRateMax(f.counters), 0),
        sessRate: frontends.reduce((n, f) => n + rates.rate(f.counters), 0), sessRateLimit: model.global.maxsessrate,
        maxSessRate: frontends.reduce((n, f) => n + rates.rateMax(f.counters), 0),
        stopping, jobs: listenersNow + globalActive + (cli?.active() ?? 0), listeners: listenersNow,
        totalBytesOut: bytesOut, bytesOutRate: 0, node: model.global.node, description: model.global.description,
      };
    },
    sessions: () => [...sessions.values()],
    checkNow(srv) { checks?.checkNow(srv); },
    cliSockets: () => model.global.statsSockets.flatMap((s) => s.bind.addrs.map((a) => ({
      addr: a.family === 'unix' ? `unix@${a.path}` : a.family === 'abns' ? `abns@${a.path}` : a.family === 'fd' ? `fd@${a.fd}`
        : a.family === 'ipv6' ? `ipv6@[${a.host || '::'}]:${a.port}` : `ipv4@${a.host || '0.0.0.0'}:${a.port}`,
      level: s.bind.level,
    }))),
    killSession(id) {
      for (const [sock, info] of sessions) if (info.id === id) { sock.destroy(); return true; }
      return false;
    },
    addServer(be, conf) { const srv = be.addServer(conf); rates.follow(srv.counters); return srv; },
    delServer(be, srv) { be.removeServer(srv); },
    shutdownSessions(srv) { srv.shutdownSessions(); },
    async pauseFrontend(fe) { fe.state = 'PAUSED'; await closeFe(fe); },
    async resumeFrontend(fe) { await rebind(fe); fe.state = 'OPEN'; },
    async stopFrontend(fe) { fe.state = 'STOP'; await closeFe(fe); },
  };
  // lb's own HTTP services read this view: the stats pages and the Prometheus exporter
  const services = new Map([['prometheus-exporter', new PrometheusService(view)]]);
  for (const fe of frontends) { fe.stats?.attach(view); fe.services = services; }
  for (const be of backends.values()) be.stats?.attach(view);
  // backends' fullconn is fixed at start-up from the frontends' maxconn
  for (const p of proxies) if (p.be) fullconn({ proxies, globalMaxconn: effectiveMax() }, p.be);
  // `expose-fd listeners`: what a new process started with -x takes over
  const exposed = (): Exposed[] => frontends.flatMap((fe) => fe.listeners.flatMap((l) => {
    const handle = (l.server as unknown as { _handle?: object | null })._handle;
    return handle ? [{ key: listenerKey(l.bind, l.addr), handle }] : [];
  }));
  cli?.attach(view, exposed);
  // checks start once the listeners are up, as in HAProxy
  const sched = new CheckScheduler(backends.values(), { spreadChecks: model.global.spreadChecks, node: model.global.node ?? hostname() });
  if (opts.checks !== false) sched.start();
  // passive health (observe) feeds the checks: where they do not run, it is relayed to them
  else {
    const relay = opts.observeRelay;
    for (const be of backends.values()) {
      for (const srv of be.servers) {
        if (srv.observe === undefined) continue;
        if (relay === undefined) { srv.observe = undefined; continue; }
        let failing = false;
        srv.observe = (error) => {
          if (error === undefined) { if (failing) { failing = false; relay(be.name, srv.name, undefined); } return; }
          failing = true;
          relay(be.name, srv.name, error);
        };
      }
    }
  }
  checks = sched;
  const binds = frontends.map((fe) => ({ fe, list: fe.listeners.map((l) => [l.bind, l.addr] as const) }));
  let softStopping = false;
  const drained: Array<() => void> = [];
  const checkDrained = (): void => {
    if (sockets.size !== 0) return;
    for (const d of drained.splice(0)) d();
  };
  const closeIdlePools = (): void => { for (const be of backends.values()) for (const srv of be.servers) srv.closeIdle(); };
  let graceTimer: NodeJS.Timeout | undefined;
  const stopped = (err: (line: string) => void): void => {
    // HAProxy's order: proxies in declaration order, each with its cumulated connections
    for (const p of model.proxies) {
      if (p.disabled) continue;
      const fe = frontends.find((f) => f.conf === p);
      const be = backends.get(p.name);
      logs.proxyStopped(p.name, fe ? fe.counters.stot : 0, be ? be.cumConn : 0, err);
    }
  };
  return {
    model, frontends, backends, checks: sched, logs, view, cli, stopped, exposed,
    get connections() { return sockets.size; },
    async softStop(idleGraceMs = DEFAULT_IDLE_GRACE_MS) {
      if (!softStopping) {
        softStopping = true;
        sched.stop();
        stopping = true;
        for (const fe of frontends) fe.state = 'STOP';
        void cli?.close();
        rates.stop();
        // HAProxy says it as the stop begins (before in-flight work ends)
        stopped(io.err);
        // net.Server.close() calls back only when its connections are gone: do not wait for it
        void closeListeners();
        for (const fe of frontends) fe.stopLevel = 1;
        const closeIdle = (): void => {
          for (const fe of frontends) fe.stopLevel = 2;
          for (const s of sockets) if ((s as Socket & { lbIdle?: boolean }).lbIdle) s.destroy();
        };
        // the close waits for one poll phase: a request that reached the socket while the
        // loop was busy (timers run before reads) is read first, and answered, not reset
        const closeIdleAfterReads = (): void => { setImmediate(closeIdle); };
        if (idleGraceMs > 0) { graceTimer = setTimeout(closeIdleAfterReads, idleGraceMs); graceTimer.unref(); } else closeIdleAfterReads();
        for (const s of sockets) s.once('close', checkDrained);
      }
      await new Promise<void>((r) => { drained.push(r); checkDrained(); });
      if (graceTimer) clearTimeout(graceTimer);
      closeIdlePools();
    },
    hardStop() {
      sched.stop();
      stopping = true;
      softStopping = true;
      if (graceTimer) clearTimeout(graceTimer);
      void cli?.close();
      rates.stop();
      for (const fe of frontends) for (const l of fe.listeners) l.server.close();
      for (const s of sockets) s.destroy();
      closeIdlePools();
      checkDrained();
    },
    async pause() {
      if (paused || softStopping || opts.handles) return;
      paused = true;
      void closeListeners();
      await sleep(0);
    },
    async resume() {
      if (!paused || softStopping) return true;
      paused = false;
      let ok = true;
      for (const { fe, list } of binds) {
        for (const [b, a] of list) {
          // the process that asked us to pause may still be releasing the address
          for (let attempt = 0; ; attempt++) {
            try { const l = await bindOne(fe, b, a); fe.listeners.push(l); rates.follow(l.counters); break; } catch (e) {
              if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 200) { ok = false; break; }
              await sleep(10);
            }
          }
        }
      }
      return ok;
    },
  };
}

/**
 * HAProxy's alert for an address that cannot be bound; `owner` is "frontend fe",
 * "proxy px" (a listen section) or "proxy GLOBAL" (a stats socket).
 */
export function bindAlert(where: { file: string; line: number }, owner: string, e: unknown, label: string): string {
  return `Binding [${where.file}:${where.line}] for ${owner}: cannot bind socket (${errnoText(e)}) for [${label}]`;
}

/** The owner of a proxy's bind lines, as bindAlert names it. */
export const bindOwner = (p: { kind: string; name: string }): string => `${p.kind === 'listen' ? 'proxy' : 'frontend'} ${p.name}`;

/** Errors Node reports with errno codes, as HAProxy words them. */
export { errnoText };
