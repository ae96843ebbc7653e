/**
 * Several workers, one process group (master-worker with `nbthread N`):
 * what the stats socket shows and changes is the group's, not one worker's.
 *
 * - A worker's snapshot (takeSnapshot) is plain data for the IPC: every
 *   counters object of its frontends, listeners, backends and servers, their
 *   rates, and its show info values, keyed by proxy and server names.
 * - aggregateView() turns the snapshots of every current worker into a
 *   RuntimeView the unchanged renderings (stats/fields.ts, stats/info.ts)
 *   read: the worker's own runtime objects with summed counters in place of
 *   theirs (totals and current values add up; maxima are the largest of the
 *   workers', a lower bound of the group's true maximum).
 * - fansOut() tells the write commands the serving worker forwards to every
 *   other worker of its generation (state, weights, maxconn, add/del server...).
 * - serverStates() / applyServerStates(): the admin states and weights a new
 *   generation takes over from the running one at a reload.
 */
import type { Counters } from '../stats/counters.js';
import { newCounters, TIME_STATS_SAMPLES } from '../stats/counters.js';
import type { RateReader, ProxyView } from '../stats/fields.js';
import type { InfoSource } from '../stats/info.js';
import type { AdminState, OpState, ServerRuntime } from '../backend/server-runtime.js';
import type { BackendRuntime } from '../backend/backend.js';
import type { RuntimeView } from '../runtime/view.js';

/** rate, rate_max, conn_rate, conn_rate_max, req_rate, req_rate_max */
type Rates6 = [number, number, number, number, number, number];
interface Part { c: Counters; r: Rates6 }
interface SrvPart extends Part { served: number; queued: number }
export interface ProxySnap {
  fe?: Part & { l: Part[] };
  be?: Part & { srv: Record<string, SrvPart> };
}
export interface Snapshot {
  proxies: Record<string, ProxySnap>;
  info: InfoSource;
}

const part = (c: Counters, r: RateReader): Part => ({
  c, r: [r.rate(c), r.rateMax(c), r.connRate(c), r.connRateMax(c), r.reqRate(c), r.reqRateMax(c)],
});

/** This worker's counters, as plain data. */
export function takeSnapshot(v: RuntimeView): Snapshot {
  const proxies: Record<string, ProxySnap> = {};
  for (const p of v.proxies) {
    const s: ProxySnap = {};
    if (p.fe) s.fe = { ...part(p.fe.counters, v.rates), l: p.fe.listeners.map((l) => part(l.counters, v.rates)) };
    if (p.be) {
      const srv: Record<string, SrvPart> = {};
      for (const sv of p.be.servers) srv[sv.name] = { ...part(sv.counters, v.rates), served: sv.served, queued: sv.queued };
      s.be = { ...part(p.be.counters, v.rates), srv };
    }
    proxies[p.conf.name] = s;
  }
  return { proxies, info: v.info() };
}

const MAXED = new Set<keyof Counters>(['smax', 'qmax', 'qtimeMax', 'ctimeMax', 'rtimeMax', 'ttimeMax', 'lastSess']);
/** sliding sums of times: the average of the workers', weighted by their requests */
const AVERAGED = new Set<keyof Counters>(['qtime', 'ctime', 'rtime', 'ttime']);

export function sumCounters(cs: readonly Counters[]): Counters {
  const out = newCounters();
  const lbtot = cs.reduce((n, c) => n + c.lbtot, 0);
  for (const k of Object.keys(out) as Array<keyof Counters>) {
    if (k === 'hrsp') {
      for (const c of cs) for (let i = 0; i < out.hrsp.length; i++) out.hrsp[i] += c.hrsp[i] ?? 0;
    } else if (MAXED.has(k)) {
      let m = 0;
      for (const c of cs) if ((c[k] as number) > m) m = c[k] as number;
      (out[k] as number) = m;
    } else if (AVERAGED.has(k)) {
      // the fields hold sliding sums over min(lbtot, 512) requests: the group's average is
      // the workers' averages weighted by their requests, stored back as such a sum
      const avg = lbtot === 0 ? 0 : cs.reduce((n, c) => n + (c.lbtot === 0 ? 0 : (c[k] as number) / Math.min(c.lbtot, TIME_STATS_SAMPLES)) * c.lbtot, 0) / lbtot;
      (out[k] as number) = Math.round(avg * Math.min(lbtot, TIME_STATS_SAMPLES));
    } else {
      (out[k] as number) = cs.reduce((n, c) => n + (c[k] as number), 0);
    }
  }
  if (out.smax < out.scur) out.smax = out.scur;
  if (out.qmax < out.qcur) out.qmax = out.qcur;
  return out;
}

/** Summed rates; a maximum is the largest worker's, and never below the summed current rate. */
function sumRates(rs: readonly Rates6[]): Rates6 {
  const o: Rates6 = [0, 0, 0, 0, 0, 0];
  for (const r of rs) {
    for (const i of [0, 2, 4]) o[i]! += r[i]!;
    for (const i of [1, 3, 5]) if (r[i]! > o[i]!) o[i] = r[i]!;
  }
  for (const i of [0, 2, 4]) if (o[i]! > o[i + 1]!) o[i + 1] = o[i]!;
  return o;
}

/** show info over the group: counts and rates add up, the rest is the serving worker's. */
function sumInfo(own: InfoSource, all: readonly InfoSource[]): InfoSource {
  const sum = (k: 'currConns' | 'cumConns' | 'cumReq' | 'connRate' | 'sessRate' | 'jobs' | 'totalBytesOut' | 'bytesOutRate'): number =>
    all.reduce((n, i) => n + i[k], 0);
  return {
    ...own,
    currConns: sum('currConns'), cumConns: sum('cumConns'), cumReq: sum('cumReq'), connRate: sum('connRate'),
    sessRate: sum('sessRate'), jobs: sum('jobs'), totalBytesOut: sum('totalBytesOut'), bytesOutRate: sum('bytesOutRate'),
    maxConnRate: Math.max(sum('connRate'), ...all.map((i) => i.maxConnRate)),
    maxSessRate: Math.max(sum('sessRate'), ...all.map((i) => i.maxSessRate)),
  };
}

/**
 * The view of the whole group: the serving worker's own objects (names,
 * states, weights, checks, configuration) seen through wrappers whose
 * counters are the sums of every worker's. Read-only: commands that change
 * something run on the worker's own view.
 */
export function aggregateView(v: RuntimeView, snaps: readonly Snapshot[]): RuntimeView {
  const rateOf = new Map<Counters, Rates6>();
  const merged = (parts: ReadonlyArray<Part | undefined>): Counters => {
    const ps = parts.filter((x): x is Part => x !== undefined);
    const c = sumCounters(ps.map((x) => x.c));
    rateOf.set(c, sumRates(ps.map((x) => x.r)));
    return c;
  };
  const proxies: ProxyView[] = v.proxies.map((p) => {
    const parts = snaps.map((s) => s.proxies[p.conf.name]);
    let fe = p.fe;
    if (fe) {
      const fes = parts.map((x) => x?.fe);
      const listeners = fe.listeners.map((l, i) => Object.create(l, { counters: { value: merged(fes.map((f) => f?.l[i])) } }) as typeof l);
      fe = Object.create(fe, { counters: { value: merged(fes) }, listeners: { value: listeners } }) as typeof fe;
    }
    let be = p.be;
    if (be) {
      const bes = parts.map((x) => x?.be);
      const servers = be.servers.map((sv) => {
        const ss = bes.map((b) => b?.srv[sv.name]);
        return Object.create(sv, {
          counters: { value: merged(ss) },
          served: { value: ss.reduce((n, x) => n + (x?.served ?? 0), 0) },
          queued: { value: ss.reduce((n, x) => n + (x?.queued ?? 0), 0) },
        }) as ServerRuntime;
      });
      be = Object.create(be, { counters: { value: merged(bes) }, servers: { value: servers } }) as BackendRuntime;
    }
    return { conf: p.conf, fe, be };
  });
  const get = (c: Counters, i: number, f: (c: Counters) => number): number => rateOf.get(c)?.[i] ?? f(c);
  const r = v.rates;
  const rates: RateReader = {
    rate: (c) => get(c, 0, (x) => r.rate(x)), rateMax: (c) => get(c, 1, (x) => r.rateMax(x)),
    connRate: (c) => get(c, 2, (x) => r.connRate(x)), connRateMax: (c) => get(c, 3, (x) => r.connRateMax(x)),
    reqRate: (c) => get(c, 4, (x) => r.reqRate(x)), reqRateMax: (c) => get(c, 5, (x) => r.reqRateMax(x)),
  };
  const info = sumInfo(v.info(), snaps.map((s) => s.info));
  return Object.create(v, {
    proxies: { value: proxies },
    rates: { value: rates },
    info: { value: () => info },
  }) as RuntimeView;
}

/** Read commands answered over the whole group. */
export function aggregated(w: readonly string[]): boolean {
  return w[0] === 'show' && (w[1] === 'stat' || w[1] === 'info');
}

/** Commands that change the process: every worker of the group runs them. */
export function fansOut(w: readonly string[]): boolean {
  const [a, b] = w;
  switch (a) {
    case 'set': return b !== 'timeout' && b !== 'severity-output';
    case 'enable': case 'disable': case 'add': case 'del': case 'clear': return true;
    // `shutdown session <id>`: ids are the worker's own
    case 'shutdown': return b === 'sessions' || b === 'frontend';
    default: return false;
  }
}

/** One server's state as a worker relays it (health checks run in one worker only). */
export interface ServerState {
  be: string;
  srv: string;
  op: OpState;
  admin: AdminState;
  weight: number;
  eweight: number | undefined;
  /** the configuration's weight and admin state, to tell run-time changes at a reload */
  cfgWeight: number;
  cfgAdmin: AdminState;
}

export function serverState(be: string, s: ServerRuntime): ServerState {
  return {
    be, srv: s.name, op: s.op, admin: s.admin, weight: s.weight, eweight: s.eweight,
    cfgWeight: s.initialWeight, cfgAdmin: s.conf.disabled ? 'MAINT' : 'READY',
  };
}

export function serverStates(backends: ReadonlyMap<string, BackendRuntime>): ServerState[] {
  const out: ServerState[] = [];
  for (const be of backends.values()) for (const s of be.servers) out.push(serverState(be.name, s));
  return out;
}

/**
 * A new generation takes over the admin states and weights set at run time
 * (the configuration wins where it changed them, as server-state-file does).
 */
export function applyServerStates(backends: ReadonlyMap<string, BackendRuntime>, states: readonly ServerState[]): void {
  for (const st of states) {
    const s = backends.get(st.be)?.servers.find((x) => x.name === st.srv);
    if (!s) continue;
    if (st.cfgWeight === s.initialWeight) s.setWeight(st.weight);
    if (st.cfgAdmin === (s.conf.disabled ? 'MAINT' : 'READY')) s.setAdmin(st.admin);
  }
}
