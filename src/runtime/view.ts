/**
 * What the runtime API commands see of the running process. Commands are a
 * pure function of (command line, level, this view) → reply text: the
 * socket transport (cli-server.ts) and, later, a master process fanning a
 * command out to several workers, both call them through this interface.
 */
import type { BackendRuntime } from '../backend/backend.js';
import type { ServerRuntime } from '../backend/server-runtime.js';
import type { FrontendRuntime } from '../proxy/frontend.js';
import type { Model } from '../config/model.js';
import type { ProxyView, RateReader, StatsView } from '../stats/fields.js';
import type { InfoSource } from '../stats/info.js';

export type Level = 'user' | 'operator' | 'admin';
export const LEVEL_RANK: Readonly<Record<Level, number>> = { user: 0, operator: 1, admin: 2 };

/** Where a client session is now, for `show sess`. */
export interface SessionPlace {
  /** a stream exists: mode tcp always; mode http while a transaction is in progress */
  active: boolean;
  /** backend (the frontend's name until one is chosen, as HAProxy's stream shows) */
  be: string;
  srv: string | undefined;
  /** start of the stream (the transaction in mode http) */
  since: number;
}

/** A client session seen by `show sess`. */
export interface SessionInfo {
  readonly id: number;
  readonly proto: string;
  readonly src: string;
  readonly fe: string;
  readonly start: number;
  /** set once the session is built */
  place?: () => SessionPlace;
}

export interface RuntimeView {
  readonly model: Model;
  /** proxies in declaration order, with their runtime objects */
  readonly proxies: readonly ProxyView[];
  readonly frontends: readonly FrontendRuntime[];
  readonly backends: ReadonlyMap<string, BackendRuntime>;
  readonly rates: RateReader;
  /** effective global maxconn (`set maxconn global` changes it) */
  globalMaxconn(): number;
  /** `set maxconn global`: 0 restores the start-up value */
  setGlobalMaxconn(v: number): void;
  setRateLimit(which: 'connections' | 'sessions', v: number): void;
  info(): InfoSource;
  sessions(): SessionInfo[];
  /** run a server's health and agent checks at once (leaving maintenance, checks enabled again) */
  checkNow(srv: ServerRuntime): void;
  /** `shutdown session <id>`: close that client connection; false when unknown */
  killSession(id: number): boolean;
  /** close every connection to the server (client side sees the abort) */
  shutdownSessions(srv: ServerRuntime): void;
  /** unbind/rebind a frontend's listeners; stop it for good */
  pauseFrontend(fe: FrontendRuntime): Promise<void> | void;
  resumeFrontend(fe: FrontendRuntime): Promise<void> | void;
  stopFrontend(fe: FrontendRuntime): Promise<void> | void;
  /** `add server` / `del server`: keep the stats' rate tracking in step */
  addServer(be: BackendRuntime, conf: ServerRuntime['conf']): ServerRuntime;
  delServer(be: BackendRuntime, srv: ServerRuntime): void;
  /** the stats sockets: address as HAProxy names it (`unix@/run/x.sock`, `ipv4@127.0.0.1:9999`) and level */
  cliSockets(): Array<{ addr: string; level: Level }>;
  /** process environment for `show env` */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** master-worker with several workers: the rest of the process group */
  group?: ProcessGroup;
}

/**
 * The other workers of this one's generation (process/group.ts): the stats
 * socket reads the group's counters and sends every change to all workers.
 */
export interface ProcessGroup {
  /** a read-only view of the whole group's counters */
  aggregate(): Promise<RuntimeView>;
  /** run a command in every other worker (resolves once each has) */
  fanout(words: readonly string[], level: Level): Promise<void>;
}

/** The stat rows' view of a running process (show stat, and the stats page and Prometheus on top). */
export function statsView(v: RuntimeView): StatsView {
  return { proxies: v.proxies, globalMaxconn: v.globalMaxconn(), rates: v.rates };
}
