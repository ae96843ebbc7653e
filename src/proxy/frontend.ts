/**
 * A frontend at run time: its listeners, counters, timeouts and the
 * backend selection (`use_backend` rules in order, then `default_backend`;
 * a `listen` section is its own backend). Reference §2.4.
 * Conditions are compiled once at start-up (rules/eval.ts).
 */
import type { Socket } from 'node:net';
import { newCounters, type Counters } from '../stats/counters.js';
import { compileCondition, type HttpReqCtx } from '../rules/eval.js';
import { renderVerdict, type Verdict } from '../rules/reply.js';
import { ProxyRuleSet } from './ruleset.js';
import { StatsService, type LocalService } from '../stats/service.js';
import type { GlobalConf } from '../config/global.js';
import { compileForwardFor, type ForwardFor } from './headers.js';
import type { BackendRuntime } from '../backend/backend.js';
import type { Proxy } from '../config/model.js';
import type { Listener } from './listener.js';
import type { ProxyLogger } from '../log/runtime.js';

interface Route {
  /** undefined = unconditional */
  test: ((ctx: HttpReqCtx) => boolean) | undefined;
  backend: BackendRuntime | undefined;
  /** dynamic name (log-format): not resolved by lb yet */
  dynamic?: string;
}

export class FrontendRuntime {
  readonly name: string;
  readonly conf: Proxy;
  readonly counters: Counters = newCounters();
  readonly listeners: Listener[] = [];
  /** frontend maxconn (0 = only the global limit); `set maxconn frontend` changes it */
  maxconn: number;
  /** `rate-limit sessions` (0 = none) */
  rateLimit = 0;
  /** OPEN, PAUSED (`disable frontend`), STOP (`shutdown frontend`, stopping) */
  state: 'OPEN' | 'PAUSED' | 'STOP' = 'OPEN';
  readonly timeoutClient: number;
  readonly timeoutHttpRequest: number;
  readonly timeoutHttpKeepAlive: number;
  private readonly routes: Route[] = [];
  readonly defaultBackend: BackendRuntime | undefined;
  readonly runtimeGlobal: GlobalConf;
  /** `option httpclose`: one request per client connection */
  readonly httpClose: boolean;
  /** `option http-server-close` / `httpclose`: no server keep-alive */
  readonly serverClose: boolean;
  readonly forwardfor: ForwardFor | undefined;
  /** nbsrv(<backend>) for the rules */
  readonly nbsrv: (backend: string) => number;
  /** everything the rules of this frontend use that lb does not execute */
  readonly unsupported: string[];
  readonly rules: ProxyRuleSet;
  /** a request-scoped variable map is needed (these rules or a backend's use variables) */
  readonly needsVars: boolean;
  /** the access logger; undefined when the frontend logs nowhere (sessions then skip logging) */
  log: ProxyLogger | undefined;
  /** the stats page of a stats-enabled proxy: its requests are answered, never forwarded */
  readonly stats: StatsService | undefined;
  /** lb's services by `use-service` name (prometheus-exporter), set once the process runs */
  services: ReadonlyMap<string, LocalService> | undefined;
  /**
   * Soft stop (process/run.ts): 0 serving; 1 stopping: every response
   * carries `connection: close` and idle keep-alive connections get a short
   * grace; 2 idle connections close as soon as they become idle.
   */
  stopLevel: 0 | 1 | 2 = 0;

  constructor(conf: Proxy, backends: ReadonlyMap<string, BackendRuntime>, global: GlobalConf, defaults?: Proxy) {
    this.name = conf.name;
    this.conf = conf;
    this.runtimeGlobal = global;
    this.httpClose = conf.httpConnMode === 'httpclose';
    this.serverClose = conf.httpConnMode === 'http-server-close' || this.httpClose;
    this.forwardfor = compileForwardFor(conf.forwardfor);
    this.nbsrv = (name) => backends.get(name)?.nbsrv() ?? 0;
    this.rules = new ProxyRuleSet(conf, defaults);
    this.unsupported = this.rules.unsupported;
    this.needsVars = this.rules.needsVars || [...backends.values()].some((b) => b.rules.needsVars);
    this.stats = conf.mode === 'http' && conf.stats.enabled ? new StatsService(conf, this.unsupported) : undefined;
    this.maxconn = conf.maxconn ?? 0;
    const t = conf.timeouts;
    this.timeoutClient = t.client ?? 0;
    this.timeoutHttpRequest = t['http-request'] ?? this.timeoutClient;
    this.timeoutHttpKeepAlive = t['http-keep-alive'] ?? this.timeoutHttpRequest;
    for (const u of conf.rules.useBackends) {
      this.routes.push({
        test: u.cond ? compileCondition(u.cond, conf.rules.acls, { unsupported: this.unsupported }) : undefined,
        backend: u.dynamic ? undefined : backends.get(u.name),
        dynamic: u.dynamic ? u.name : undefined,
      });
    }
    this.defaultBackend = conf.cap.be ? backends.get(conf.name) : conf.defaultBackend ? backends.get(conf.defaultBackend.name) : undefined;
  }

  /**
   * http-request rules then legacy redirects (HAProxy's order, §2.4): a
   * verdict means lb answers the request itself.
   */
  requestRules(ctx: HttpReqCtx): Verdict | undefined {
    return this.rules.request(ctx);
  }

  /** Bytes and status of a verdict; undefined for silent-drop/reject (close). */
  renderVerdict(v: unknown, close: boolean): { bytes: string; status: number } | undefined {
    const verdict = v as Verdict;
    if (verdict.kind === 'reject' || verdict.kind === 'silent-drop' || verdict.kind === 'allow' || verdict.kind === 'service') return undefined;
    const status = verdict.kind === 'auth' ? 401 : verdict.status;
    return { bytes: renderVerdict(verdict, { close }), status };
  }

  /** Backend for a request (first matching use_backend, else the default). */
  route(ctx: HttpReqCtx): BackendRuntime | undefined {
    for (const r of this.routes) {
      if (r.test && !r.test(ctx)) continue;
      if (r.backend) return r.backend;
    }
    return this.defaultBackend;
  }

  /** The backend is reachable from this frontend (default_backend, use_backend, or itself). */
  usesBackend(be: BackendRuntime): boolean {
    return this.defaultBackend === be || this.routes.some((r) => r.backend === be);
  }

  /** Backend for a TCP connection: rules see layer-4 fetches only. */
  routeTcp(cli: Socket, _l: Listener): BackendRuntime | undefined {
    if (this.routes.length === 0) return this.defaultBackend;
    return this.route(l4Context(cli, this.name));
  }
}

/** A request context with only layer-4 information (mode tcp). */
export function l4Context(cli: Socket, frontend: string): HttpReqCtx {
  return {
    method: '', target: '', version: 11, rawHeaders: [],
    src: cli.remoteAddress ?? '', srcPort: cli.remotePort ?? 0,
    dst: cli.localAddress ?? '', dstPort: cli.localPort ?? 0,
    frontend, nbsrv: () => 0, vars: new Map(),
  };
}

