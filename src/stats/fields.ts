/**
 * HAProxy 2.6's stat rows (reference §5.4): one row per frontend, listener
 * (`option socket-stats`), server and backend, built from the runtime
 * objects, with every field of the 2.6.12 CSV in order, and the three
 * renderings that read them: CSV (`show stat`, the page's `;csv`), typed
 * (`show stat typed`) and JSON (`show stat json`, the page's `;json`).
 *
 * A row is an array of 127 values indexed by field position: a number, a
 * string, or undefined for a field that does not apply (empty in CSV,
 * omitted in typed and JSON output). Renderings on top (HTML page,
 * Prometheus) read the same rows and FIELDS metadata.
 */
import { timeAvg, type Counters } from './counters.js';
import type { CheckState, ServerRuntime } from '../backend/server-runtime.js';
import type { BackendRuntime } from '../backend/backend.js';
import type { FrontendRuntime } from '../proxy/frontend.js';
import type { Listener } from '../proxy/listener.js';
import type { Proxy } from '../config/model.js';
import type { SockAddr } from '../proxy/address.js';

export type FieldType = 'u32' | 's32' | 'u64' | 's64' | 'str' | 'flt';

export interface FieldMeta {
  readonly pos: number;
  readonly name: string;
  /** origin, nature, scope letters as `show stat typed` prints them (e.g. `MCP`) */
  readonly tags: string;
  readonly type: FieldType;
  /** the text `show stat desc` prints */
  readonly desc: string;
}

/**
 * Every field of 2.6.12 in order: 0..102 are HAProxy's static fields, 103..126
 * the ssl, h2 and h1 module counters (the CSV header puts a `-` column
 * between the two groups; it has no position).
 */
const RAW: ReadonlyArray<readonly [string, string, FieldType, string]> = [
  ['pxname', 'KNS', 'str', 'Proxy name'],
  ['svname', 'KNS', 'str', 'Server name'],
  ['qcur', 'MGP', 'u32', 'Number of current queued connections'],
  ['qmax', 'MMP', 'u32', 'Highest value of queued connections encountered since process started'],
  ['scur', 'MGP', 'u32', 'Number of current sessions on the frontend, backend or server'],
  ['smax', 'MMP', 'u32', 'Highest value of current sessions encountered since process started'],
  ['slim', 'CLP', 'u32', "Frontend/listener/server's maxconn, backend's fullconn"],
  ['stot', 'MCP', 'u64', 'Total number of sessions since process started'],
  ['bin', 'MCP', 'u64', 'Total number of request bytes since process started'],
  ['bout', 'MCP', 'u64', 'Total number of response bytes since process started'],
  ['dreq', 'MCP', 'u64', 'Total number of denied requests since process started'],
  ['dresp', 'MCP', 'u64', 'Total number of denied responses since process started'],
  ['ereq', 'MCP', 'u64', 'Total number of invalid requests since process started'],
  ['econ', 'MCP', 'u64', 'Total number of failed connections to server since the worker process started'],
  ['eresp', 'MCP', 'u64', 'Total number of invalid responses since the worker process started'],
  ['wretr', 'MCP', 'u64', 'Total number of server connection retries since the worker process started'],
  ['wredis', 'MCP', 'u64', 'Total number of server redispatches due to connection failures since the worker process started'],
  ['status', 'SGP', 'str', 'Frontend/listen status: OPEN/WAITING/FULL/STOP; backend: UP/DOWN; server: last check status'],
  ['weight', 'MaP', 'u32', "Server's effective weight, or sum of active servers' effective weights for a backend"],
  ['act', 'SGP', 'u32', 'Total number of active UP servers with a non-zero weight'],
  ['bck', 'SGP', 'u32', 'Total number of backup UP servers with a non-zero weight'],
  ['chkfail', 'MCP', 'u64', 'Total number of failed individual health checks per server/backend, since the worker process started'],
  ['chkdown', 'MCP', 'u64', 'Total number of failed checks causing UP to DOWN server transitions, per server/backend, since the worker process started'],
  ['lastchg', 'MAP', 'u32', 'How long ago the last server state changed, in seconds'],
  ['downtime', 'MCP', 'u32', 'Total time spent in DOWN state, for server or backend'],
  ['qlimit', 'CGS', 'u32', 'Limit on the number of connections in queue, for servers only (maxqueue argument)'],
  ['pid', 'KGP', 'u32', 'Relative worker process number (1)'],
  ['iid', 'KGS', 'u32', "Frontend or Backend numeric identifier ('id' setting)"],
  ['sid', 'KGS', 'u32', "Server numeric identifier ('id' setting)"],
  ['throttle', 'MaP', 'u32', "Throttling ratio applied to a server's maxconn and weight during the slowstart period (0 to 100%)"],
  ['lbtot', 'MCP', 'u64', 'Total number of requests routed by load balancing since the worker process started (ignores queue pop and stickiness)'],
  ['tracked', 'CNS', 'str', 'Name of the other server this server tracks for its state'],
  ['type', 'CGS', 'u32', 'Type of the object (Listener, Frontend, Backend, Server)'],
  ['rate', 'MRP', 'u32', 'Total number of sessions processed by this object over the last second (sessions for listeners/frontends, requests for backends/servers)'],
  ['rate_lim', 'CLP', 'u32', "Limit on the number of sessions accepted in a second (frontend only, 'rate-limit sessions' setting)"],
  ['rate_max', 'MMP', 'u32', 'Highest value of sessions per second observed since the worker process started'],
  ['check_status', 'MOP', 'str', "Status report of the server's latest health check, prefixed with '*' if a check is currently in progress"],
  ['check_code', 'MOP', 'u32', 'HTTP/SMTP/LDAP status code reported by the latest server health check'],
  ['check_duration', 'MDP', 'u64', 'Total duration of the latest server health check, in milliseconds'],
  ['hrsp_1xx', 'MCP', 'u64', 'Total number of HTTP responses with status 100-199 returned by this object since the worker process started'],
  ['hrsp_2xx', 'MCP', 'u64', 'Total number of HTTP responses with status 200-299 returned by this object since the worker process started'],
  ['hrsp_3xx', 'MCP', 'u64', 'Total number of HTTP responses with status 300-399 returned by this object since the worker process started'],
  ['hrsp_4xx', 'MCP', 'u64', 'Total number of HTTP responses with status 400-499 returned by this object since the worker process started'],
  ['hrsp_5xx', 'MCP', 'u64', 'Total number of HTTP responses with status 500-599 returned by this object since the worker process started'],
  ['hrsp_other', 'MCP', 'u64', 'Total number of HTTP responses with status <100, >599 returned by this object since the worker process started (error -1 included)'],
  ['hanafail', 'MCP', 'u64', "Total number of failed checks caused by an 'on-error' directive after an 'observe' condition matched"],
  ['req_rate', 'MRP', 'u32', 'Number of HTTP requests processed over the last second on this object'],
  ['req_rate_max', 'MMP', 'u32', 'Highest value of http requests observed since the worker process started'],
  ['req_tot', 'MCP', 'u64', 'Total number of HTTP requests processed by this object since the worker process started'],
  ['cli_abrt', 'MCP', 'u64', 'Total number of requests or connections aborted by the client since the worker process started'],
  ['srv_abrt', 'MCP', 'u64', 'Total number of requests or connections aborted by the server since the worker process started'],
  ['comp_in', 'MCP', 'u64', 'Total number of bytes submitted to the HTTP compressor for this object since the worker process started'],
  ['comp_out', 'MCP', 'u64', 'Total number of bytes emitted by the HTTP compressor for this object since the worker process started'],
  ['comp_byp', 'MCP', 'u64', 'Total number of bytes that bypassed HTTP compression for this object since the worker process started (CPU/memory/bandwidth limitation)'],
  ['comp_rsp', 'MCP', 'u64', 'Total number of HTTP responses that were compressed for this object since the worker process started'],
  ['lastsess', 'MAP', 's32', 'How long ago some traffic was seen on this object on this worker process, in seconds'],
  ['last_chk', 'MOP', 'str', 'Short description of the latest health check report for this server (see also check_desc)'],
  ['last_agt', 'MOP', 'str', 'Short description of the latest agent check report for this server (see also agent_desc)'],
  ['qtime', 'MaP', 'u32', 'Time spent in the queue, in milliseconds, averaged over the 1024 last requests (backend/server)'],
  ['ctime', 'MaP', 'u32', 'Time spent waiting for a connection to complete, in milliseconds, averaged over the 1024 last requests (backend/server)'],
  ['rtime', 'MaP', 'u32', 'Time spent waiting for a server response, in milliseconds, averaged over the 1024 last requests (backend/server)'],
  ['ttime', 'MaP', 'u32', 'Total request+response time (request+queue+connect+response+processing), in milliseconds, averaged over the 1024 last requests (backend/server)'],
  ['agent_status', 'MOP', 'str', "Status report of the server's latest agent check, prefixed with '*' if a check is currently in progress"],
  ['agent_code', 'MOP', 'u32', 'Status code reported by the latest server agent check'],
  ['agent_duration', 'MDP', 'u64', 'Total duration of the latest server agent check, in milliseconds'],
  ['check_desc', 'MOP', 'str', 'Textual description of the latest health check report for this server'],
  ['agent_desc', 'MOP', 'str', 'Textual description of the latest agent check report for this server'],
  ['check_rise', 'CGS', 'u32', "Number of successful health checks before declaring a server UP (server 'rise' setting)"],
  ['check_fall', 'CGS', 'u32', "Number of failed health checks before declaring a server DOWN (server 'fall' setting)"],
  ['check_health', 'CGS', 'u32', 'Current server health check level (0..fall-1=DOWN, fall..rise-1=UP)'],
  ['agent_rise', 'CGS', 'u32', "Number of successful agent checks before declaring a server UP (server 'rise' setting)"],
  ['agent_fall', 'CGS', 'u32', "Number of failed agent checks before declaring a server DOWN (server 'fall' setting)"],
  ['agent_health', 'CGS', 'u32', 'Current server agent check level (0..fall-1=DOWN, fall..rise-1=UP)'],
  ['addr', 'CGS', 'str', "Server's address:port, shown only if show-legends is set, or at levels oper/admin for the CLI"],
  ['cookie', 'CNS', 'str', "Backend's cookie name or Server's cookie value, shown only if show-legends is set, or at levels oper/admin for the CLI"],
  ['mode', 'CGS', 'str', "'mode' setting (tcp/http/health/cli)"],
  ['algo', 'CGS', 'str', "Backend's load balancing algorithm, shown only if show-legends is set, or at levels oper/admin for the CLI"],
  ['conn_rate', 'MRP', 'u32', 'Number of new connections accepted over the last second on the frontend for this worker process'],
  ['conn_rate_max', 'MMP', 'u32', 'Highest value of connections per second observed since the worker process started'],
  ['conn_tot', 'MCP', 'u64', 'Total number of new connections accepted on this frontend since the worker process started'],
  ['intercepted', 'MCP', 'u64', 'Total number of HTTP requests intercepted on the frontend (redirects/stats/services) since the worker process started'],
  ['dcon', 'MCP', 'u64', 'Total number of incoming connections blocked on a listener/frontend by a tcp-request connection rule since the worker process started'],
  ['dses', 'MCP', 'u64', 'Total number of incoming sessions blocked on a listener/frontend by a tcp-request connection rule since the worker process started'],
  ['wrew', 'MCP', 'u64', 'Total number of failed HTTP header rewrites since the worker process started'],
  ['connect', 'MCP', 'u64', 'Total number of outgoing connection attempts on this backend/server since the worker process started'],
  ['reuse', 'MCP', 'u64', 'Total number of reused connection on this backend/server since the worker process started'],
  ['cache_lookups', 'MCP', 'u64', 'Total number of HTTP requests looked up in the cache on this frontend/backend since the worker process started'],
  ['cache_hits', 'MCP', 'u64', 'Total number of HTTP requests not found in the cache on this frontend/backend since the worker process started'],
  ['srv_icur', 'MGP', 'u32', 'Current number of idle connections available for reuse on this server'],
  ['src_ilim', 'CLP', 'u32', "Limit on the number of available idle connections on this server (server 'pool_max_conn' directive)"],
  ['qtime_max', 'MMP', 'u32', 'Maximum observed time spent in the queue, in milliseconds (backend/server)'],
  ['ctime_max', 'MMP', 'u32', 'Maximum observed time spent waiting for a connection to complete, in milliseconds (backend/server)'],
  ['rtime_max', 'MMP', 'u32', 'Maximum observed time spent waiting for a server response, in milliseconds (backend/server)'],
  ['ttime_max', 'MMP', 'u32', 'Maximum observed total request+response time (request+queue+connect+response+processing), in milliseconds (backend/server)'],
  ['eint', 'MCP', 'u64', 'Total number of internal errors since process started'],
  ['idle_conn_cur', 'MGP', 'u32', 'Current number of unsafe idle connections'],
  ['safe_conn_cur', 'MGP', 'u32', 'Current number of safe idle connections'],
  ['used_conn_cur', 'MGP', 'u32', 'Current number of connections in use'],
  ['need_conn_est', 'MGP', 'u32', 'Estimated needed number of connections'],
  ['uweight', 'MaP', 'u32', "Server's user weight, or sum of active servers' user weights for a backend"],
  ['agg_server_status', 'MGP', 'u32', "Backend's aggregated gauge of servers' status"],
  ['agg_server_check_status', 'MGP', 'u32', "Backend's aggregated gauge of servers' state check status"],
  ['agg_check_status', 'MGP', 'u32', "Backend's aggregated gauge of servers' state check status"],
  ['ssl_sess', 'MCP', 'u64', 'Total number of ssl sessions established'],
  ['ssl_reused_sess', 'MCP', 'u64', 'Total number of ssl sessions reused'],
  ['ssl_failed_handshake', 'MCP', 'u64', 'Total number of failed handshake'],
  ['h2_headers_rcvd', 'MCP', 'u64', 'Total number of received HEADERS frames'],
  ['h2_data_rcvd', 'MCP', 'u64', 'Total number of received DATA frames'],
  ['h2_settings_rcvd', 'MCP', 'u64', 'Total number of received SETTINGS frames'],
  ['h2_rst_stream_rcvd', 'MCP', 'u64', 'Total number of received RST_STREAM frames'],
  ['h2_goaway_rcvd', 'MCP', 'u64', 'Total number of received GOAWAY frames'],
  ['h2_detected_conn_protocol_errors', 'MCP', 'u64', 'Total number of connection protocol errors'],
  ['h2_detected_strm_protocol_errors', 'MCP', 'u64', 'Total number of stream protocol errors'],
  ['h2_rst_stream_resp', 'MCP', 'u64', 'Total number of RST_STREAM sent on detected error'],
  ['h2_goaway_resp', 'MCP', 'u64', 'Total number of GOAWAY sent on detected error'],
  ['h2_open_connections', 'MGP', 'u64', 'Count of currently open connections'],
  ['h2_backend_open_streams', 'MGP', 'u64', 'Count of currently open streams'],
  ['h2_total_connections', 'MCP', 'u64', 'Total number of connections'],
  ['h2_backend_total_streams', 'MCP', 'u64', 'Total number of streams'],
  ['h1_open_connections', 'MGP', 'u64', 'Count of currently open connections'],
  ['h1_open_streams', 'MGP', 'u64', 'Count of currently open streams'],
  ['h1_total_connections', 'MCP', 'u64', 'Total number of connections'],
  ['h1_total_streams', 'MCP', 'u64', 'Total number of streams'],
  ['h1_bytes_in', 'MCP', 'u64', 'Total number of bytes received'],
  ['h1_bytes_out', 'MCP', 'u64', 'Total number of bytes send'],
  ['h1_spliced_bytes_in', 'MCP', 'u64', 'Total number of bytes received using kernel splicing'],
  ['h1_spliced_bytes_out', 'MCP', 'u64', 'Total number of bytes sendusing kernel splicing'],
];

export const FIELDS: readonly FieldMeta[] = RAW.map(([name, tags, type, desc], pos) => ({ pos, name, tags, type, desc }));
export const NFIELDS = FIELDS.length;
/** position of the first module field (the CSV `-` column comes before it) */
export const FIRST_MODULE_FIELD = 103;

/** Field position by name. */
export const F: Readonly<Record<string, number>> = Object.fromEntries(FIELDS.map((f) => [f.name, f.pos]));

/** `# pxname,...,agg_check_status,-,ssl_sess,...,h1_spliced_bytes_out,` (no newline). */
export const CSV_HEADER = '# ' + FIELDS.map((f) => (f.pos === FIRST_MODULE_FIELD ? `-,${f.name}` : f.name)).join(',') + ',';

/** Backends report some metrics with other tags than servers do (observed on 2.6.12). */
const BACKEND_TAGS: Readonly<Record<number, string>> = { 19: 'MGP', 20: 'MGP', 33: 'MGP', 35: 'MGP' };

export type ObjType = 'F' | 'B' | 'S' | 'L';
export type StatValue = number | string | undefined;

export interface StatRow {
  readonly type: ObjType;
  /** proxy id (iid) */
  readonly iid: number;
  /** server or listener id (0 for FRONTEND and BACKEND rows) */
  readonly sid: number;
  readonly values: StatValue[];
}

/** Session/request rates over the last second, and their maxima (stats/rates.ts). */
export interface RateReader {
  /** sessions (frontends, listeners) or connections to it (backends, servers) per second */
  rate(c: Counters): number;
  rateMax(c: Counters): number;
  /** frontend connections per second */
  connRate(c: Counters): number;
  connRateMax(c: Counters): number;
  /** HTTP requests per second (frontends) */
  reqRate(c: Counters): number;
  reqRateMax(c: Counters): number;
  /** `clear counters`: forget the maxima */
  clearMax?(): void;
}

const NO_RATES: RateReader = {
  rate: () => 0, rateMax: () => 0, connRate: () => 0, connRateMax: () => 0, reqRate: () => 0, reqRateMax: () => 0,
};

/** What the rows are built from: the proxies in declaration order and the process-wide values. */
export interface StatsView {
  readonly proxies: readonly ProxyView[];
  /** effective global maxconn: a frontend without maxconn shows it as slim */
  readonly globalMaxconn: number;
  readonly rates?: RateReader;
  /** ms since epoch; defaults to Date.now() */
  readonly now?: number;
}

export interface ProxyView {
  readonly conf: Proxy;
  readonly fe?: FrontendRuntime;
  readonly be?: BackendRuntime;
}

/** Frontend run state as the status column shows it. */
export type FrontendState = 'OPEN' | 'PAUSED' | 'STOP';

const HTTP_RESP = [F['hrsp_1xx']!, F['hrsp_2xx']!, F['hrsp_3xx']!, F['hrsp_4xx']!, F['hrsp_5xx']!, F['hrsp_other']!];

function row(type: ObjType, iid: number, sid: number): StatRow {
  return { type, iid, sid, values: new Array<StatValue>(NFIELDS).fill(undefined) };
}

function set(r: StatRow, fields: Record<string, StatValue>): void {
  for (const k in fields) r.values[F[k]!] = fields[k];
}

/** hrsp_* from counters (HTTP only; hrsp[0] is "other"). */
function httpResponses(r: StatRow, c: Counters): void {
  for (let k = 1; k <= 5; k++) r.values[HTTP_RESP[k - 1]!] = c.hrsp[k];
  r.values[HTTP_RESP[5]!] = c.hrsp[0];
}

function modules(r: StatRow, all: boolean): void {
  // ssl counters exist on every object; h1/h2 mux counters only on proxies
  r.values[103] = 0; r.values[104] = 0; r.values[105] = 0;
  if (all) for (let i = 106; i < NFIELDS; i++) r.values[i] = 0;
}

const secondsSince = (t: number, now: number): number => Math.max(0, Math.floor((now - t) / 1000));

/** `ip:port`, IPv6 in brackets; unix sockets as `unix@path`. */
export function addrText(a: SockAddr, host: string | undefined): string {
  if (a.family === 'unix') return `unix@${a.path ?? ''}`;
  if (a.family === 'abns') return `abns@${a.path ?? ''}`;
  const h = host ?? a.host ?? '';
  const port = a.portOffset ? `+${a.port}` : String(a.port);
  return a.family === 'ipv6' || h.includes(':') ? `[${h}]:${port}` : `${h}:${port}`;
}

/**
 * The FRONTEND row. `maxconn` is the frontend's effective limit (its own,
 * else the global one).
 */
export function frontendRow(fe: FrontendRuntime, iid: number, globalMaxconn: number, rates: RateReader = NO_RATES): StatRow {
  const r = row('F', iid, 0);
  const c = fe.counters;
  const http = fe.conf.mode === 'http';
  set(r, {
    pxname: fe.name, svname: 'FRONTEND', scur: c.scur, smax: c.smax, slim: fe.maxconn || globalMaxconn, stot: c.stot,
    bin: c.bin, bout: c.bout, dreq: c.dreq, dresp: c.dresp, ereq: c.ereq, status: fe.state, pid: 1, iid, sid: 0, type: 0,
    rate: rates.rate(c), rate_lim: fe.rateLimit, rate_max: rates.rateMax(c),
    req_rate: rates.reqRate(c), req_rate_max: rates.reqRateMax(c), req_tot: c.reqTot,
    comp_in: 0, comp_out: 0, comp_byp: 0, comp_rsp: 0, mode: fe.conf.mode,
    conn_rate: rates.connRate(c), conn_rate_max: rates.connRateMax(c), conn_tot: c.connTot,
    dcon: c.dcon, dses: c.dses, wrew: c.wrew, eint: c.eint,
  });
  if (http) {
    httpResponses(r, c);
    set(r, { intercepted: c.intercepted, cache_lookups: 0, cache_hits: 0 });
  }
  modules(r, true);
  return r;
}

/** Listener name: its `name`, else `sock-<id>`. */
export function listenerName(l: Listener, luid: number): string {
  return l.bind.name ?? `sock-${luid}`;
}

/** A listener row (`option socket-stats`); `luid` is its id in the frontend (1, 2...). */
export function listenerRow(fe: FrontendRuntime, l: Listener, iid: number, luid: number): StatRow {
  const r = row('L', iid, luid);
  const c = l.counters;
  const full = l.bind.maxconn > 0 && c.scur >= l.bind.maxconn;
  set(r, {
    pxname: fe.name, svname: listenerName(l, luid), scur: c.scur, smax: c.smax, slim: l.bind.maxconn, stot: c.stot,
    bin: c.bin, bout: c.bout, dreq: c.dreq, dresp: c.dresp, ereq: c.ereq,
    // 2.6.12 keeps showing OPEN for the listeners of a paused frontend
    status: fe.state === 'STOP' ? 'STOP' : full ? 'FULL' : 'OPEN',
    pid: 1, iid, sid: luid, type: 3, addr: addrText(l.addr, undefined), mode: fe.conf.mode,
    dcon: c.dcon, dses: c.dses, wrew: c.wrew, eint: c.eint,
  });
  modules(r, false);
  return r;
}

/** Checks count as enabled unless disabled at run time (paused outside maintenance). */
export function checkEnabled(srv: ServerRuntime, cs: CheckState | undefined): cs is CheckState {
  return cs !== undefined && !(cs.paused && srv.admin !== 'MAINT');
}

/**
 * The status column of a server (reference §4.1): `UP`, `UP 1/3`, `DOWN`,
 * `DOWN 1/2`, `NOLB`, `DRAIN`, `MAINT`, `MAINT (via b/s)`, `no check`...
 */
export function serverStatus(srv: ServerRuntime, be?: BackendRuntime): string {
  const ref = trackedRef(srv, be) ?? srv;
  if (srv.admin === 'MAINT') {
    if (srv.conf.maintResolution) return 'MAINT (resolution)';
    if (ref !== srv && ref.admin === 'MAINT' && !srv.conf.disabled) return `MAINT (via ${srv.conf.track})`;
    return 'MAINT';
  }
  const chk = checkEnabled(ref, ref.check) ? ref.check : undefined;
  const agt = checkEnabled(ref, ref.agent) ? ref.agent : undefined;
  const op = ref === srv ? srv.op : ref.op;
  if (op === 'UP' || op === 'STARTING') {
    let st: string;
    const goingDown = chk !== undefined && chk.health < chk.rise + chk.fall - 1;
    if (srv.admin === 'DRAIN') {
      if (agt) return 'DRAIN (agent)';
      return goingDown ? `DRAIN ${chk!.health - chk!.rise + 1}/${chk!.fall}` : 'DRAIN';
    }
    if (goingDown) st = `UP ${chk!.health - chk!.rise + 1}/${chk!.fall}`;
    else st = chk ? 'UP' : (ref.conf.track ? 'UP' : 'no check');
    return st;
  }
  if (op === 'STOPPING') {
    if (!chk || chk.health === chk.rise + chk.fall - 1) return 'NOLB';
    return `NOLB ${chk.health - chk.rise + 1}/${chk.fall}`;
  }
  if (agt && agt.health === 0) return 'DOWN (agent)';
  if (chk && chk.health === 0) return 'DOWN';
  if (chk) return `DOWN ${chk.health}/${chk.rise}`;
  return 'DOWN';
}

/** The server a `track` keyword points at, when it lives in `be` (or any backend through `lookup`). */
let trackLookup: ((spec: string) => ServerRuntime | undefined) | undefined;
/** Tell the rows how to find tracked servers (`track be/srv` or `track srv`). */
export function setTrackLookup(fn: ((spec: string) => ServerRuntime | undefined) | undefined): void {
  trackLookup = fn;
}
function trackedRef(srv: ServerRuntime, be?: BackendRuntime): ServerRuntime | undefined {
  const t = srv.conf.track;
  if (!t) return undefined;
  if (!t.includes('/') && be) return be.servers.find((s) => s.name === t);
  return trackLookup?.(t);
}

function checkText(cs: CheckState): string {
  return (cs.running ? '* ' : '') + cs.status;
}

/** A server row. */
export function serverRow(be: BackendRuntime, srv: ServerRuntime, iid: number, rates: RateReader = NO_RATES, now = Date.now()): StatRow {
  const r = row('S', iid, srv.id);
  const c = srv.counters;
  const http = be.conf.mode === 'http';
  const ref = trackedRef(srv, be) ?? srv;
  const chk = checkEnabled(ref, ref.check) && ref === srv ? srv.check : undefined;
  const agt = checkEnabled(srv, srv.agent) ? srv.agent : undefined;
  set(r, {
    pxname: be.name, svname: srv.name, qcur: srv.queued, qmax: c.qmax, scur: c.scur, smax: c.smax,
    slim: srv.maxconn > 0 ? srv.maxconn : undefined, stot: c.stot, bin: c.bin, bout: c.bout, dresp: c.dresp,
    econ: c.econ, eresp: c.eresp, wretr: c.wretr, wredis: c.wredis, status: serverStatus(srv, be),
    weight: srv.weight, act: srv.backup ? 0 : 1, bck: srv.backup ? 1 : 0,
    lastchg: secondsSince(srv.lastChange, now), qlimit: srv.maxqueue > 0 ? srv.maxqueue : undefined,
    pid: 1, iid, sid: srv.id, lbtot: c.lbtot, tracked: srv.conf.track, type: 2,
    rate: rates.rate(c), rate_max: rates.rateMax(c),
    cli_abrt: c.cliAbrt, srv_abrt: c.srvAbrt, lastsess: c.lastSess > 0 ? secondsSince(c.lastSess, now) : -1,
    qtime: timeAvg(c, c.qtime), ctime: timeAvg(c, c.ctime), rtime: timeAvg(c, c.rtime), ttime: timeAvg(c, c.ttime),
    addr: addrText(srv.address, srv.host), cookie: srv.conf.cookie, mode: be.conf.mode,
    wrew: c.wrew, connect: c.connect, reuse: c.reuse, srv_icur: srv.idle.length,
    src_ilim: srv.conf.poolMaxConn >= 0 ? srv.conf.poolMaxConn : undefined,
    qtime_max: c.qtimeMax, ctime_max: c.ctimeMax, rtime_max: c.rtimeMax, ttime_max: c.ttimeMax, eint: c.eint,
    idle_conn_cur: srv.idle.length, safe_conn_cur: 0, used_conn_cur: srv.served, need_conn_est: 0,
    uweight: srv.weight,
  });
  if (http) {
    httpResponses(r, c);
    set(r, { hanafail: srv.conf.observe && srv.conf.observe !== 'none' ? srv.hanafail : undefined, req_tot: c.reqTot });
  } else if (srv.conf.observe && srv.conf.observe !== 'none') {
    set(r, { hanafail: srv.hanafail });
  }
  if (chk) {
    set(r, { chkfail: srv.chkfail, chkdown: srv.chkdown, downtime: Math.floor((srv.downtime + (srv.downSince > 0 ? now - srv.downSince : 0)) / 1000) });
  }
  // checks paused in maintenance: the counters stay, the last result and health go (as 2.6.12)
  if (chk && !chk.paused) {
    const done = chk.status !== 'INI' && chk.status !== 'UNK';
    set(r, {
      check_status: checkText(chk), check_code: chk.code, check_duration: done ? chk.duration ?? 0 : undefined,
      last_chk: chk.info, check_desc: chk.desc, check_rise: chk.rise, check_fall: chk.fall, check_health: chk.health,
    });
  }
  if (agt && !agt.paused) {
    set(r, {
      last_agt: agt.info, agent_status: checkText(agt), agent_code: agt.code, agent_duration: agt.duration ?? 0,
      agent_desc: agt.desc, agent_rise: agt.rise, agent_fall: agt.fall, agent_health: agt.health,
    });
  }
  modules(r, false);
  return r;
}

/** Usable weights of a backend as HAProxy sums them (actives, else backups). */
export function backendWeights(be: BackendRuntime): { act: number; bck: number; weight: number; uweight: number } {
  let act = 0, bck = 0, wact = 0, wbck = 0, uact = 0, ubck = 0;
  for (const s of be.servers) {
    if (!s.usable) continue;
    if (s.backup) { bck++; wbck += s.weight; ubck += s.weight; } else { act++; wact += s.weight; uact += s.weight; }
  }
  return act > 0 ? { act, bck, weight: wact, uweight: uact } : { act, bck, weight: wbck, uweight: ubck };
}

/** The BACKEND row; `slim` is the backend's fullconn. */
export function backendRow(be: BackendRuntime, iid: number, slim: number, rates: RateReader = NO_RATES, now = Date.now(), counted = false): StatRow {
  const r = row('B', iid, 0);
  const c = be.counters;
  const http = be.conf.mode === 'http';
  const w = backendWeights(be);
  const hasServers = be.servers.length > 0;
  set(r, {
    pxname: be.name, svname: 'BACKEND', qcur: c.qcur, qmax: c.qmax, scur: c.scur, smax: c.smax, slim, stot: c.stot,
    bin: c.bin, bout: c.bout, dreq: c.dreq, dresp: c.dresp, econ: c.econ, eresp: c.eresp, wretr: c.wretr, wredis: c.wredis,
    status: w.weight > 0 || !hasServers ? 'UP' : 'DOWN', weight: w.weight, act: w.act, bck: w.bck,
    chkdown: be.chkdown, lastchg: secondsSince(be.lastChange, now),
    downtime: hasServers ? Math.floor((be.downtime + (be.downSince > 0 ? now - be.downSince : 0)) / 1000) : undefined,
    pid: 1, iid, sid: 0, lbtot: c.lbtot, type: 1, rate: rates.rate(c), rate_max: rates.rateMax(c),
    cli_abrt: c.cliAbrt, srv_abrt: c.srvAbrt, comp_in: 0, comp_out: 0, comp_byp: 0, comp_rsp: 0,
    lastsess: c.lastSess > 0 ? secondsSince(c.lastSess, now) : -1,
    qtime: timeAvg(c, c.qtime), ctime: timeAvg(c, c.ctime), rtime: timeAvg(c, c.rtime), ttime: timeAvg(c, c.ttime),
    cookie: be.conf.cookie?.name, mode: be.conf.mode, algo: be.conf.balance?.algo ?? 'roundrobin',
    wrew: c.wrew, connect: c.connect, reuse: c.reuse,
    qtime_max: c.qtimeMax, ctime_max: c.ctimeMax, rtime_max: c.rtimeMax, ttime_max: c.ttimeMax, eint: c.eint,
    uweight: w.uweight, agg_server_status: 0, agg_server_check_status: 0, agg_check_status: 0,
  });
  if (http) {
    httpResponses(r, c);
    set(r, { req_tot: c.reqTot, cache_lookups: 0, cache_hits: 0 });
  }
  if (counted) {
    // with `up` / `no-maint`, the status says how many servers are running
    const nbup = be.servers.filter((s) => s.admin !== 'MAINT' && s.op !== 'DOWN').length;
    r.values[F['status']!] = `${r.values[F['status']!]} (${nbup}/${be.servers.length})`;
  }
  modules(r, true);
  return r;
}

/**
 * A backend's fullconn (its BACKEND slim): the configured one, else 10 % of
 * the maxconn of the frontends that can use it, rounded up, at least 1.
 */
const FULLCONN = new WeakMap<BackendRuntime, number>();
export function fullconn(view: StatsView, be: BackendRuntime): number {
  if (be.conf.fullconn) return be.conf.fullconn;
  // computed once, at start-up, as HAProxy does (later maxconn changes do not move it)
  const known = FULLCONN.get(be);
  if (known !== undefined) return known;
  let total = 0;
  for (const p of view.proxies) {
    if (!p.fe) continue;
    if (p.fe.usesBackend(be)) total += p.fe.maxconn || view.globalMaxconn;
  }
  const v = Math.max(1, Math.ceil(total / 10));
  FULLCONN.set(be, v);
  return v;
}

/** Which rows `show stat <iid|proxy> <type> <sid>` keeps. */
export interface StatFilter {
  /** proxy iid, or -1 for all */
  iid: number;
  /** bitmask: 1 frontends, 2 backends, 4 servers, 8 listeners (-1: all) */
  types: number;
  /** server id, or -1 for all */
  sid: number;
  /** `up`: only servers UP or without checks; `no-maint`: hide servers in maintenance */
  up?: boolean;
  noMaint?: boolean;
}

/** Every row, in HAProxy's order: per proxy FRONTEND, listeners, servers, BACKEND. */
export function statRows(view: StatsView, filter?: StatFilter): StatRow[] {
  const rows: StatRow[] = [];
  const now = view.now ?? Date.now();
  const rates = view.rates ?? NO_RATES;
  const types = filter ? (filter.types < 0 ? 15 : filter.types) : 15;
  for (const p of view.proxies) {
    const iid = p.conf.iid;
    if (filter && filter.iid !== -1 && filter.iid !== iid) continue;
    if (p.fe) {
      if (types & 1) rows.push(frontendRow(p.fe, iid, view.globalMaxconn, rates));
      if (types & 8 && p.conf.flags['socket-stats']) {
        p.fe.listeners.forEach((l, i) => {
          if (!filter || filter.sid === -1 || filter.sid === i + 1) rows.push(listenerRow(p.fe!, l, iid, i + 1));
        });
      }
    }
    if (p.be) {
      if (types & 4) {
        for (const s of p.be.servers) {
          if (filter && filter.sid !== -1 && filter.sid !== s.id) continue;
          if (filter?.noMaint && s.admin === 'MAINT') continue;
          if (filter?.up && !/^(UP|no check)/.test(serverStatus(s, p.be))) continue;
          rows.push(serverRow(p.be, s, iid, rates, now));
        }
      }
      if (types & 2) rows.push(backendRow(p.be, iid, fullconn(view, p.be), rates, now, !!(filter?.up || filter?.noMaint)));
    }
  }
  return rows;
}

/** CSV quoting: values holding `,` or `"` go in double quotes with `""`. */
function csvValue(v: StatValue): string {
  if (v === undefined) return '';
  const s = String(v);
  return /[,"\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV line with HAProxy's trailing comma (no newline). */
export function csvLine(r: StatRow): string {
  let out = '';
  for (let i = 0; i < NFIELDS; i++) {
    if (i === FIRST_MODULE_FIELD) out += '-,';
    out += csvValue(r.values[i]) + ',';
  }
  return out;
}

/** Header, rows, and the blank line that ends every CLI answer. */
export function renderCsv(rows: readonly StatRow[]): string {
  let out = CSV_HEADER + '\n';
  for (const r of rows) out += csvLine(r) + '\n';
  return out + '\n';
}

function tagsOf(r: StatRow, f: FieldMeta): string {
  return r.type === 'B' ? BACKEND_TAGS[f.pos] ?? f.tags : f.tags;
}

/** `show stat typed`: `T.iid.sid.pos.name.1:tags:type:value` per non-empty field (desc adds `:"text"`). */
export function renderTyped(rows: readonly StatRow[], desc = false): string {
  let out = '';
  for (const r of rows) {
    for (const f of FIELDS) {
      const v = r.values[f.pos];
      if (v === undefined) continue;
      out += `${r.type}.${r.iid}.${r.sid}.${f.pos}.${f.name}.1:${tagsOf(r, f)}:${f.type}:${v}${desc ? `:"${f.desc}"` : ''}\n`;
    }
  }
  return out + '\n';
}

const OBJ: Record<ObjType, string> = { F: 'Frontend', B: 'Backend', S: 'Server', L: 'Listener' };
const ORIGIN: Record<string, string> = { M: 'Metric', S: 'Status', K: 'Key', C: 'Config', P: 'Product' };
const NATURE: Record<string, string> = {
  G: 'Gauge', L: 'Limit', M: 'Max', a: 'Avg', C: 'Counter', D: 'Duration', A: 'Age', T: 'Time', N: 'Name', O: 'Output', R: 'Rate',
};
const SCOPE: Record<string, string> = { P: 'Process', S: 'Service', s: 'System', C: 'Cluster' };

/** The JSON `tags` object of a tag string such as `MCP`. */
export function jsonTags(tags: string): string {
  return `{"origin":"${ORIGIN[tags[0]!]}","nature":"${NATURE[tags[1]!]}","scope":"${SCOPE[tags[2]!]}"}`;
}

/** `show stat json`: an array of rows, each an array of field objects (no spaces). */
export function renderJson(rows: readonly StatRow[], desc = false): string {
  const parts: string[] = [];
  for (const r of rows) {
    const fields: string[] = [];
    for (const f of FIELDS) {
      const v = r.values[f.pos];
      if (v === undefined) continue;
      const value = typeof v === 'string' ? JSON.stringify(v) : String(v);
      fields.push(`{"objType":"${OBJ[r.type]}","proxyId":${r.iid},"id":${r.sid},"field":{"pos":${f.pos},"name":"${f.name}"},"processNum":1,"tags":${jsonTags(tagsOf(r, f))},"value":{"type":"${f.type}","value":${value}}${desc ? `,"desc":${JSON.stringify(f.desc)}` : ''}}`);
    }
    parts.push(`[${fields.join(',')}]`);
  }
  return `[${parts.join(',')}]\n\n`;
}
