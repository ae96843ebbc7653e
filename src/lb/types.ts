/**
 * The load-balancing family: the server view every algorithm works on, the
 * one `Balancer` interface they all implement, and the few numeric rules they
 * share (weight scaling, saturation). Independent of the config model: the
 * data plane builds `LbServer`s from whatever it keeps per server.
 */
import type { Balance, HashType } from '../config/proxy.js';

/** User weights are 0..256; dynamic algorithms scale them by 16 (HAProxy's BE_WEIGHT_SCALE). */
export const WEIGHT_SCALE = 16;
export const UWEIGHT_RANGE = 256;
/** Largest effective weight: 256 × 16. Also the consistent-hash node id stride. */
export const EWEIGHT_MAX = UWEIGHT_RANGE * WEIGHT_SCALE;

/** What a balancer needs to know about one server. The caller owns every field
 * except `served`, which `take()`/`release()` maintain. */
export interface LbServer {
  /** sid: declaration order from 1 unless `id` was set; keys `first` and the hash ring */
  readonly id: number;
  readonly name: string;
  /** current user weight 0..256 (0 = never picked by LB) */
  weight: number;
  /** optional effective weight 0..4096 for slowstart (see slowstartEweight); default weight × 16 */
  eweight?: number;
  backup: boolean;
  /** the caller decides (UP, or DRAIN excluded, ...); false = not eligible */
  usable: boolean;
  /** current connections/requests on the server; maintained by take()/release() */
  served: number;
  /** requests waiting in this server's queue */
  queued: number;
  /** current (dynamic) maxconn; 0 = unlimited */
  maxconn: number;
}

/** Per-request inputs. The caller reuses one object per stream (no allocation per pick). */
export interface PickContext {
  /** client address as the socket reports it ('10.0.0.1', '::1'; '::ffff:10.0.0.1' from an
   * IPv6 socket hashes as IPv6, as with haproxy's `bind :::80 v4v6`); '' = not IP */
  src: string;
  /** request URI as received (path + query, or absolute form), one char per byte */
  uri: string;
  /** first value of a request header (Node's lower-cased names), undefined when absent */
  header(name: string): string | undefined;
  /** key for `balance hash <expr>` / `rdp-cookie`, evaluated by the caller; undefined = not found */
  key?: string | undefined;
  /** uniform in [0, 1); used by `random` */
  random(): number;
  /** server to avoid when redispatching (HAProxy's srvtoavoid); picked only if nothing else */
  avoid?: LbServer | undefined;
}

/** One balance algorithm on one backend's server list. */
export interface Balancer {
  readonly algo: string;
  /** The server for a new request, or undefined: either nothing is usable
   * (hasServers() is false → 503) or every candidate is saturated (→ backend
   * queue). As in HAProxy, a returned server may itself be full (`isFull`)
   * when the choice is not free: a hash result, or the single first backup;
   * the caller then queues the request on that server. */
  pick(ctx: PickContext): LbServer | undefined;
  /** Must be called after any change of usable/weight/eweight/backup, or after
   * servers were appended to the list. Call it once per change to reproduce
   * HAProxy's order exactly (changes are applied in declaration order). */
  update(): void;
  /** A connection/request was assigned to `s`: served++ and reposition. */
  take(s: LbServer): void;
  /** It ended: served-- and reposition. */
  release(s: LbServer): void;
  /** At least one server is eligible (active, or backup when no active is). */
  hasServers(): boolean;
}

/** What the config produces for one backend (ProxyCore.balance, hashType, option allbackups, mode). */
export interface BalanceConf {
  balance: Balance;
  hashType: HashType;
  allbackups: boolean;
  mode: 'tcp' | 'http';
  /** hash-balance-factor (0 or absent = off) */
  hashBalanceFactor?: number;
}

/** Effective weight on the ×16 scale used by roundrobin, leastconn, consistent hash and random. */
export function eweightOf(s: LbServer): number {
  return s.eweight ?? s.weight * WEIGHT_SCALE;
}

/** roundrobin/static-rr/random rule: full when anything is queued or served reached maxconn. */
export function rrFull(s: LbServer): boolean {
  return s.maxconn > 0 && (s.queued > 0 || s.served >= s.maxconn);
}

/** What the caller checks on a picked server before connecting (queue on it when true). */
export function isFull(s: LbServer): boolean {
  return s.maxconn > 0 && (s.queued > 0 || s.served >= s.maxconn);
}

/** leastconn/first rule: full when served + queued reached maxconn. */
export function lcFull(s: LbServer): boolean {
  return s.maxconn > 0 && s.served + s.queued >= s.maxconn;
}

/**
 * Effective weight of a server `elapsedMs` after it came back with `slowstart`:
 * ramps from 1/16 of its weight to the full weight (HAProxy's step), never on
 * static algorithms. Feed the result into `LbServer.eweight` and call update().
 */
export function slowstartEweight(weight: number, elapsedMs: number, slowstartMs: number): number {
  if (slowstartMs <= 0 || elapsedMs >= slowstartMs || elapsedMs < 0) return weight * WEIGHT_SCALE;
  const sec = Math.floor(elapsedMs / 1000), ss = Math.max(1, Math.ceil(slowstartMs / 1000));
  const w = Math.floor((WEIGHT_SCALE * sec + ss) / ss);
  return weight * Math.min(w, WEIGHT_SCALE);
}
