/**
 * A server at run time: its address, state, weight, connection counts, idle
 * upstream connections and counters. The server operations below are the
 * only writers of a server's state (house plan): checks, the runtime API and
 * reloads all go through them, and the backend is told to rebalance.
 */
import type { Socket } from 'node:net';
import type { ServerConf } from './server.js';
import type { Waiter } from './backend.js';
import type { SockAddr } from '../proxy/address.js';
import { newCounters, type Counters } from '../stats/counters.js';

/**
 * Operational state (HAProxy's srv_op_state 0..3): DOWN (stopped), STARTING
 * (slowstart ramp after coming back), UP (running), STOPPING (NOLB: up but
 * no new LB traffic, e.g. 404 with disable-on-404 or agent 'stopping').
 */
export type OpState = 'DOWN' | 'STARTING' | 'UP' | 'STOPPING';

/**
 * Health-check state of a server (reference §4): written by checks/, read by
 * stats (CSV check_* and agent_* columns, `show servers state`) and logs.
 */
export interface CheckState {
  /** result code name (reference §4.3): INI, L4OK, L4TOUT, L4CON, L7OK, L7STS... */
  status: string;
  /** a check is in progress (CSV shows the previous status prefixed with '* ') */
  running: boolean;
  /** HTTP status (L7 results) or undefined */
  code: number | undefined;
  /** duration of the last check in ms, undefined when none completed */
  duration: number | undefined;
  /** last_chk / last_agt text: reason phrase, OS error, agent words */
  info: string;
  /** check_desc text of the status */
  desc: string;
  health: number;
  rise: number;
  fall: number;
  /** checks paused (MAINT) or disabled at run time */
  paused: boolean;
}
/** Administrative state: READY, DRAIN (no new LB traffic), MAINT (no traffic). */
export type AdminState = 'READY' | 'DRAIN' | 'MAINT';

/**
 * Told of every change made by the server operations (state, admin state,
 * weight, slowstart ramp, address). Master-worker with several workers: the
 * worker that runs the health checks relays its changes to the others.
 */
let stateHook: ((s: ServerRuntime) => void) | undefined;
export function setServerStateHook(h: ((s: ServerRuntime) => void) | undefined): void { stateHook = h; }

export class ServerRuntime {
  readonly id: number;
  readonly name: string;
  readonly conf: ServerConf;
  /** current user weight (0..256) */
  weight: number;
  readonly initialWeight: number;
  backup: boolean;
  maxconn: number;
  maxqueue: number;
  op: OpState = 'UP';
  admin: AdminState;
  /** requests (HTTP) or connections (TCP) currently served */
  served = 0;
  /** requests waiting for this server (its own queue: hash affinity, persistence) */
  queued = 0;
  /** that queue, oldest first (managed by the backend) */
  readonly pending: Waiter[] = [];
  /** eligible for load balancing: UP, READY, weight > 0 */
  usable = true;
  readonly counters: Counters = newCounters();
  /** idle keep-alive connections to this server, most recent last */
  readonly idle: Socket[] = [];
  /** every open connection to this server (in use or idle), for `shutdown sessions server` */
  readonly conns = new Set<Socket>();
  /** most connections in use at once (show servers conn used_max) */
  usedMax = 0;
  address: SockAddr;
  /** IP to connect to (resolved fqdn or literal); undefined: no address */
  host: string | undefined;
  lastChange = Date.now();
  /** active health check (`check`), undefined for `no check` servers */
  check: CheckState | undefined;
  /** agent check (`agent-check`), undefined when not configured */
  agent: CheckState | undefined;
  /** failed checks, and transitions to DOWN (CSV chkfail, chkdown) */
  chkfail = 0;
  chkdown = 0;
  /** failed passive checks (observe) */
  hanafail = 0;
  /** port health checks connect to (`port`, or `set server ... check-port`); undefined: the server's */
  checkPort: number | undefined;
  /** total ms spent DOWN before the current state, and when the current DOWN began (0: not down) */
  downtime = 0;
  downSince = 0;
  /** effective weight during a slowstart ramp (0..weight×16); undefined: weight×16 */
  eweight: number | undefined;
  /**
   * Upstream connections in use, kept only when the backend needs to kill
   * them (on-marked-down shutdown-sessions, on-marked-up
   * shutdown-backup-sessions); undefined otherwise, so the hot path pays one
   * property test.
   */
  sockets: Set<Socket> | undefined;
  /**
   * Passive health (observe layer4|layer7): called with an error description
   * on a failed connect or a bad response status, with undefined on a good
   * one. Undefined when the server does not observe traffic.
   */
  observe: ((error: string | undefined) => void) | undefined;
  /** observe layer7: HTTP statuses count too */
  observeL7 = false;

  constructor(id: number, conf: ServerConf, private readonly onChange: (s: ServerRuntime) => void) {
    this.id = id;
    this.name = conf.name;
    this.conf = conf;
    this.weight = conf.weight;
    this.initialWeight = conf.weight;
    this.backup = conf.backup;
    this.maxconn = conf.maxconn;
    this.maxqueue = conf.maxqueue;
    this.address = conf.address;
    this.host = conf.resolved ?? conf.address.host;
    this.admin = conf.disabled || conf.maintResolution ? 'MAINT' : 'READY';
    this.checkPort = conf.checkPort;
    this.refresh();
  }

  /** Recompute eligibility; called after any state or weight change. */
  private refresh(): void {
    const inet = this.address.family === 'ipv4' || this.address.family === 'ipv6';
    const hasAddress = inet ? this.host !== undefined : this.address.path !== undefined;
    this.usable = (this.op === 'UP' || this.op === 'STARTING') && this.admin === 'READY' && this.weight > 0 && hasAddress;
  }

  private changed(): void {
    this.lastChange = Date.now();
    this.refresh();
    if (!this.usable) this.closeIdle();
    this.onChange(this);
    stateHook?.(this);
  }

  // --- server operations -------------------------------------------------

  setOp(op: OpState): void {
    if (this.op === op) return;
    const now = Date.now();
    if (op === 'DOWN') { this.downSince = now; this.chkdown++; }
    else if (this.op === 'DOWN' && this.downSince > 0) { this.downtime += now - this.downSince; this.downSince = 0; }
    this.op = op;
    this.changed();
  }

  setAdmin(admin: AdminState): void {
    if (this.admin === admin) return;
    this.admin = admin;
    this.changed();
  }

  setWeight(w: number): void {
    if (this.weight === w) return;
    this.weight = w;
    this.changed();
  }

  /** Slowstart ramp: the effective weight the balancers use, or undefined for weight×16. */
  setEweight(ew: number | undefined): void {
    if (this.eweight === ew) return;
    this.eweight = ew;
    this.changed();
  }

  /** Kill every connection in use to this server (shutdown-sessions; 'up': shutdown-backup-sessions, logged U). */
  killSessions(why: 'down' | 'up' = 'down'): number {
    const set = this.sockets;
    if (!set) return 0;
    const n = set.size;
    for (const s of [...set]) {
      // the data plane answers 502 for these instead of replaying the request
      (s as Socket & { lbKilled?: boolean }).lbKilled = true;
      if (why === 'up') (s as Socket & { lbKilledUp?: boolean }).lbKilledUp = true;
      s.destroy();
    }
    set.clear();
    return n;
  }

  /** `set maxconn server`: a new limit; queued work may start at once. */
  setMaxconn(n: number): void {
    if (this.maxconn === n) return;
    this.maxconn = n;
    this.onChange(this);
  }

  setAddress(host: string, port?: number): void {
    this.host = host;
    if (port !== undefined) this.address = { ...this.address, port, portEnd: port };
    this.closeIdle();
    this.changed();
  }

  /** `shutdown sessions server`: abort every connection to this server. */
  shutdownSessions(): void {
    const idle = new Set(this.idle);
    for (const s of [...this.conns]) {
      // connections in use: the data plane answers 502 (HAProxy's K flag) instead of replaying
      if (!idle.has(s)) (s as Socket & { lbKilled?: boolean }).lbKilled = true;
      s.destroy();
    }
    this.idle.length = 0;
  }

  /** Close idle upstream connections (server left service or moved). */
  closeIdle(): void {
    for (const s of this.idle.splice(0)) s.destroy();
  }

  /** Port to connect to for a client that reached `dstPort`. */
  port(dstPort: number): number {
    const a = this.address;
    if (a.portOffset) return dstPort + a.port;
    return a.port === 0 ? dstPort : a.port;
  }

  /** Saturated when maxconn is set and reached. */
  full(): boolean {
    return this.maxconn > 0 && this.served >= this.maxconn;
  }
}
