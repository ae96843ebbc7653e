/**
 * The Prometheus exporter (`http-request use-service prometheus-exporter`):
 * HAProxy 2.6's metric names, HELP and TYPE lines, labels and value
 * formats, read from the same stat rows as `show stat` and the same values
 * as `show info`. Layout compared with the 2.6.12 binary's output
 * (test/stats/fixtures/haproxy-2.6.12-metrics.txt):
 *
 * - one HELP/TYPE block per metric, then one line per object: process
 *   metrics, then frontends, listeners (`option socket-stats`), backends,
 *   servers (proxies in declaration order); responses by code: code first;
 * - empty fields print `NaN`; times kept in milliseconds print in seconds
 *   with six decimals;
 * - metrics that only exist in HTTP (responses by code, compression, cache,
 *   intercepted requests) are left out for TCP proxies; check metrics are left
 *   out for servers without checks; aggregated server metrics for backends
 *   without servers.
 */
import { F, FIELDS, serverStatus, statRows, type StatRow, type StatsView } from './fields.js';
import { INFO_FIELDS, infoValues } from './info.js';
import type { RuntimeView } from '../runtime/view.js';
import type { LocalResponse, LocalService, StatsRequest } from './service.js';

type Kind = 'gauge' | 'counter';

/** [metric name suffix, type, stat field or info field, HELP when it is not the field's description] */
type Def = readonly [string, Kind, string, string?];

const PROCESS: readonly Def[] = [
  ['nbthread', 'gauge', 'Nbthread', 'Number of started threads (global.nbthread)'],
  ['nbproc', 'gauge', 'Nbproc', 'Number of started worker processes (historical, always 1)'],
  ['relative_process_id', 'gauge', 'Process_num', 'Relative worker process number (1)'],
  ['uptime_seconds', 'gauge', 'Uptime_sec', 'How long ago this worker process was started (seconds)'],
  ['pool_failures_total', 'counter', 'PoolFailed', 'Number of failed pool allocations since this worker was started'],
  ['max_fds', 'gauge', 'Ulimit-n', 'Hard limit on the number of per-process file descriptors'],
  ['max_sockets', 'gauge', 'Maxsock', 'Hard limit on the number of per-process sockets'],
  ['max_connections', 'gauge', 'Maxconn', 'Hard limit on the number of per-process connections (configured or imposed by Ulimit-n)'],
  ['hard_max_connections', 'gauge', 'Hard_maxconn', 'Hard limit on the number of per-process connections (imposed by Memmax_MB or Ulimit-n)'],
  ['current_connections', 'gauge', 'CurrConns', 'Current number of connections on this worker process'],
  ['connections_total', 'counter', 'CumConns', 'Total number of connections on this worker process since started'],
  ['requests_total', 'counter', 'CumReq', 'Total number of requests on this worker process since started'],
  ['max_ssl_connections', 'gauge', 'MaxSslConns', 'Hard limit on the number of per-process SSL endpoints (front+back), 0=unlimited'],
  ['current_ssl_connections', 'gauge', 'CurrSslConns', 'Current number of SSL endpoints on this worker process (front+back)'],
  ['ssl_connections_total', 'counter', 'CumSslConns', 'Total number of SSL endpoints on this worker process since started (front+back)'],
  ['max_pipes', 'gauge', 'Maxpipes', 'Hard limit on the number of pipes for splicing, 0=unlimited'],
  ['pipes_used_total', 'counter', 'PipesUsed', 'Current number of pipes in use in this worker process'],
  ['pipes_free_total', 'counter', 'PipesFree', 'Current number of allocated and available pipes in this worker process'],
  ['current_connection_rate', 'gauge', 'ConnRate', 'Number of front connections created on this worker process over the last second'],
  ['limit_connection_rate', 'gauge', 'ConnRateLimit', 'Hard limit for ConnRate (global.maxconnrate)'],
  ['max_connection_rate', 'gauge', 'MaxConnRate', 'Highest ConnRate reached on this worker process since started (in connections per second)'],
  ['current_session_rate', 'gauge', 'SessRate', 'Number of sessions created on this worker process over the last second'],
  ['limit_session_rate', 'gauge', 'SessRateLimit', 'Hard limit for SessRate (global.maxsessrate)'],
  ['max_session_rate', 'gauge', 'MaxSessRate', 'Highest SessRate reached on this worker process since started (in sessions per second)'],
  ['current_ssl_rate', 'gauge', 'SslRate', 'Number of SSL connections created on this worker process over the last second'],
  ['limit_ssl_rate', 'gauge', 'SslRateLimit', 'Hard limit for SslRate (global.maxsslrate)'],
  ['max_ssl_rate', 'gauge', 'MaxSslRate', 'Highest SslRate reached on this worker process since started (in connections per second)'],
  ['current_frontend_ssl_key_rate', 'gauge', 'SslFrontendKeyRate', 'Number of SSL keys created on frontends in this worker process over the last second'],
  ['max_frontend_ssl_key_rate', 'gauge', 'SslFrontendMaxKeyRate', 'Highest SslFrontendKeyRate reached on this worker process since started (in SSL keys per second)'],
  ['frontend_ssl_reuse', 'gauge', 'SslFrontendSessionReuse_pct', 'Percent of frontend SSL connections which did not require a new key'],
  ['current_backend_ssl_key_rate', 'gauge', 'SslBackendKeyRate', 'Number of SSL keys created on backends in this worker process over the last second'],
  ['max_backend_ssl_key_rate', 'gauge', 'SslBackendMaxKeyRate', 'Highest SslBackendKeyRate reached on this worker process since started (in SSL keys per second)'],
  ['ssl_cache_lookups_total', 'counter', 'SslCacheLookups', 'Total number of SSL session ID lookups in the SSL session cache on this worker since started'],
  ['ssl_cache_misses_total', 'counter', 'SslCacheMisses', "Total number of SSL session ID lookups that didn't find a session in the SSL session cache on this worker since started"],
  ['http_comp_bytes_in_total', 'counter', 'CompressBpsIn', 'Number of bytes submitted to the HTTP compressor in this worker process over the last second'],
  ['http_comp_bytes_out_total', 'counter', 'CompressBpsOut', 'Number of bytes emitted by the HTTP compressor in this worker process over the last second'],
  ['limit_http_comp', 'gauge', 'CompressBpsRateLim', 'Limit of CompressBpsOut beyond which HTTP compression is automatically disabled'],
  ['current_zlib_memory', 'gauge', 'ZlibMemUsage', 'Amount of memory currently used by HTTP compression on the current worker process (in bytes)'],
  ['max_zlib_memory', 'gauge', 'MaxZlibMemUsage', 'Limit on the amount of memory used by HTTP compression above which it is automatically disabled (in bytes, see global.maxzlibmem)'],
  ['current_tasks', 'gauge', 'Tasks', 'Total number of tasks in the current worker process (active + sleeping)'],
  ['current_run_queue', 'gauge', 'Run_queue', 'Total number of active tasks+tasklets in the current worker process'],
  ['idle_time_percent', 'gauge', 'Idle_pct', 'Percentage of last second spent waiting in the current worker thread'],
  ['stopping', 'gauge', 'Stopping', '1 if the worker process is currently stopping, otherwise zero'],
  ['jobs', 'gauge', 'Jobs', 'Current number of active jobs on the current worker process (frontend connections, master connections, listeners)'],
  ['unstoppable_jobs', 'gauge', 'Unstoppable Jobs', 'Current number of unstoppable jobs on the current worker process (master connections)'],
  ['listeners', 'gauge', 'Listeners', 'Current number of active listeners on the current worker process'],
  ['active_peers', 'gauge', 'ActivePeers', 'Current number of verified active peers connections on the current worker process'],
  ['connected_peers', 'gauge', 'ConnectedPeers', 'Current number of peers having passed the connection step on the current worker process'],
  ['dropped_logs_total', 'counter', 'DroppedLogs', 'Total number of dropped logs for current worker process since started'],
  ['busy_polling_enabled', 'gauge', 'BusyPolling', '1 if busy-polling is currently in use on the worker process, otherwise zero (config.busy-polling)'],
  ['failed_resolutions', 'counter', 'FailedResolutions', 'Total number of failed DNS resolutions in current worker process since started'],
  ['bytes_out_total', 'counter', 'TotalBytesOut', 'Total number of bytes emitted by current worker process since started'],
  ['spliced_bytes_out_total', 'counter', 'TotalSplicdedBytesOut', 'Total number of bytes emitted by current worker process through a kernel pipe since started'],
  ['bytes_out_rate', 'gauge', 'BytesOutRate', 'Number of bytes emitted by current worker process over the last second'],
  ['recv_logs_total', 'counter', 'CumRecvLogs', 'Total number of log messages received by log-forwarding listeners on this worker process since started'],
  ['build_info', 'gauge', 'Build info', 'Build info'],
  ['max_memory_bytes', 'gauge', 'Memmax_bytes', "Worker process's hard limit on memory usage in byes (-m on command line)"],
  ['pool_allocated_bytes', 'gauge', 'PoolAlloc_bytes', 'Amount of memory allocated in pools (in bytes)'],
  ['pool_used_bytes', 'gauge', 'PoolUsed_bytes', 'Amount of pool memory currently used (in bytes)'],
  ['start_time_seconds', 'gauge', 'Start_time_sec', 'Start time in seconds'],
];

const STATUS_HELP = 'Current status of the service, per state label value.';

/** Metrics shown only for HTTP proxies. */
const HTTP_ONLY = new Set([
  'http_responses_total', 'http_requests_rate_max', 'http_requests_total', 'http_comp_bytes_in_total', 'http_comp_bytes_out_total',
  'http_comp_bytes_bypassed_total', 'http_comp_responses_total', 'intercepted_requests_total', 'http_cache_lookups_total',
  'http_cache_hits_total',
]);

const FRONTEND: readonly Def[] = [
  ['current_sessions', 'gauge', 'scur'], ['max_sessions', 'gauge', 'smax'], ['limit_sessions', 'gauge', 'slim'],
  ['sessions_total', 'counter', 'stot'], ['bytes_in_total', 'counter', 'bin'], ['bytes_out_total', 'counter', 'bout'],
  ['requests_denied_total', 'counter', 'dreq'], ['responses_denied_total', 'counter', 'dresp'],
  ['request_errors_total', 'counter', 'ereq'], ['status', 'gauge', 'status', STATUS_HELP],
  ['limit_session_rate', 'gauge', 'rate_lim'], ['max_session_rate', 'gauge', 'rate_max'],
  ['http_responses_total', 'counter', 'hrsp_1xx'], ['http_requests_rate_max', 'gauge', 'req_rate_max'],
  ['http_requests_total', 'counter', 'req_tot'], ['http_comp_bytes_in_total', 'counter', 'comp_in'],
  ['http_comp_bytes_out_total', 'counter', 'comp_out'], ['http_comp_bytes_bypassed_total', 'counter', 'comp_byp'],
  ['http_comp_responses_total', 'counter', 'comp_rsp'], ['connections_rate_max', 'gauge', 'conn_rate_max'],
  ['connections_total', 'counter', 'conn_tot'], ['intercepted_requests_total', 'counter', 'intercepted'],
  ['denied_connections_total', 'counter', 'dcon'], ['denied_sessions_total', 'counter', 'dses'],
  ['failed_header_rewriting_total', 'counter', 'wrew'], ['http_cache_lookups_total', 'counter', 'cache_lookups'],
  ['http_cache_hits_total', 'counter', 'cache_hits'], ['internal_errors_total', 'counter', 'eint'],
];

const LISTENER: readonly Def[] = [
  ['current_sessions', 'gauge', 'scur'], ['max_sessions', 'gauge', 'smax'], ['limit_sessions', 'gauge', 'slim'],
  ['sessions_total', 'counter', 'stot'], ['bytes_in_total', 'counter', 'bin'], ['bytes_out_total', 'counter', 'bout'],
  ['requests_denied_total', 'counter', 'dreq'], ['responses_denied_total', 'counter', 'dresp'],
  ['request_errors_total', 'counter', 'ereq'], ['status', 'gauge', 'status', STATUS_HELP],
  ['denied_connections_total', 'counter', 'dcon'], ['denied_sessions_total', 'counter', 'dses'],
  ['failed_header_rewriting_total', 'counter', 'wrew'], ['internal_errors_total', 'counter', 'eint'],
];

const TIMES: readonly Def[] = [
  ['queue_time_average_seconds', 'gauge', 'qtime', 'Avg. queue time for last 1024 successful connections.'],
  ['connect_time_average_seconds', 'gauge', 'ctime', 'Avg. connect time for last 1024 successful connections.'],
  ['response_time_average_seconds', 'gauge', 'rtime', 'Avg. response time for last 1024 successful connections.'],
  ['total_time_average_seconds', 'gauge', 'ttime', 'Avg. total time for last 1024 successful connections.'],
];
const MAX_TIMES: readonly Def[] = [
  ['max_queue_time_seconds', 'gauge', 'qtime_max', 'Maximum observed time spent in the queue'],
  ['max_connect_time_seconds', 'gauge', 'ctime_max', 'Maximum observed time spent waiting for a connection to complete'],
  ['max_response_time_seconds', 'gauge', 'rtime_max', 'Maximum observed time spent waiting for a server response'],
  ['max_total_time_seconds', 'gauge', 'ttime_max', 'Maximum observed total request+response time (request+queue+connect+response+processing)'],
];

const BACKEND: readonly Def[] = [
  ['current_queue', 'gauge', 'qcur'], ['max_queue', 'gauge', 'qmax'], ['current_sessions', 'gauge', 'scur'],
  ['max_sessions', 'gauge', 'smax'], ['limit_sessions', 'gauge', 'slim'], ['sessions_total', 'counter', 'stot'],
  ['bytes_in_total', 'counter', 'bin'], ['bytes_out_total', 'counter', 'bout'], ['requests_denied_total', 'counter', 'dreq'],
  ['responses_denied_total', 'counter', 'dresp'], ['connection_errors_total', 'counter', 'econ'],
  ['response_errors_total', 'counter', 'eresp'], ['retry_warnings_total', 'counter', 'wretr'],
  ['redispatch_warnings_total', 'counter', 'wredis'], ['status', 'gauge', 'status', STATUS_HELP], ['weight', 'gauge', 'weight'],
  ['active_servers', 'gauge', 'act'], ['backup_servers', 'gauge', 'bck'], ['check_up_down_total', 'counter', 'chkdown'],
  ['check_last_change_seconds', 'gauge', 'lastchg'], ['downtime_seconds_total', 'counter', 'downtime'],
  ['loadbalanced_total', 'counter', 'lbtot'], ['max_session_rate', 'gauge', 'rate_max'],
  ['http_responses_total', 'counter', 'hrsp_1xx'], ['http_requests_total', 'counter', 'req_tot'],
  ['client_aborts_total', 'counter', 'cli_abrt'], ['server_aborts_total', 'counter', 'srv_abrt'],
  ['http_comp_bytes_in_total', 'counter', 'comp_in'], ['http_comp_bytes_out_total', 'counter', 'comp_out'],
  ['http_comp_bytes_bypassed_total', 'counter', 'comp_byp'], ['http_comp_responses_total', 'counter', 'comp_rsp'],
  ['last_session_seconds', 'gauge', 'lastsess'], ...TIMES,
  ['failed_header_rewriting_total', 'counter', 'wrew'], ['connection_attempts_total', 'counter', 'connect'],
  ['connection_reuses_total', 'counter', 'reuse'], ['http_cache_lookups_total', 'counter', 'cache_lookups'],
  ['http_cache_hits_total', 'counter', 'cache_hits'], ...MAX_TIMES, ['internal_errors_total', 'counter', 'eint'],
  ['uweight', 'gauge', 'uweight'], ['agg_server_status', 'gauge', 'agg_server_status'],
  ['agg_server_check_status', 'gauge', 'agg_server_check_status'], ['agg_check_status', 'gauge', 'agg_check_status'],
];

const SERVER: readonly Def[] = [
  ['current_queue', 'gauge', 'qcur'], ['max_queue', 'gauge', 'qmax'], ['current_sessions', 'gauge', 'scur'],
  ['max_sessions', 'gauge', 'smax'], ['limit_sessions', 'gauge', 'slim'], ['sessions_total', 'counter', 'stot'],
  ['bytes_in_total', 'counter', 'bin'], ['bytes_out_total', 'counter', 'bout'], ['responses_denied_total', 'counter', 'dresp'],
  ['connection_errors_total', 'counter', 'econ'], ['response_errors_total', 'counter', 'eresp'],
  ['retry_warnings_total', 'counter', 'wretr'], ['redispatch_warnings_total', 'counter', 'wredis'],
  ['status', 'gauge', 'status', STATUS_HELP], ['weight', 'gauge', 'weight'], ['check_failures_total', 'counter', 'chkfail'],
  ['check_up_down_total', 'counter', 'chkdown'], ['check_last_change_seconds', 'gauge', 'lastchg'],
  ['downtime_seconds_total', 'counter', 'downtime'], ['queue_limit', 'gauge', 'qlimit'], ['current_throttle', 'gauge', 'throttle'],
  ['loadbalanced_total', 'counter', 'lbtot'], ['max_session_rate', 'gauge', 'rate_max'],
  ['check_status', 'gauge', 'check_status', 'Status of last health check, per state label value.'],
  ['check_code', 'gauge', 'check_code', 'layer5-7 code, if available of the last health check.'],
  ['check_duration_seconds', 'gauge', 'check_duration', 'Total duration of the latest server health check, in seconds.'],
  ['http_responses_total', 'counter', 'hrsp_1xx'], ['client_aborts_total', 'counter', 'cli_abrt'],
  ['server_aborts_total', 'counter', 'srv_abrt'], ['last_session_seconds', 'gauge', 'lastsess'], ...TIMES,
  ['failed_header_rewriting_total', 'counter', 'wrew'], ['connection_attempts_total', 'counter', 'connect'],
  ['connection_reuses_total', 'counter', 'reuse'], ['idle_connections_current', 'gauge', 'srv_icur'],
  ['idle_connections_limit', 'gauge', 'src_ilim'], ...MAX_TIMES, ['internal_errors_total', 'counter', 'eint'],
  ['unsafe_idle_connections_current', 'gauge', 'idle_conn_cur'], ['safe_idle_connections_current', 'gauge', 'safe_conn_cur'],
  ['used_connections_current', 'gauge', 'used_conn_cur'], ['need_connections_current', 'gauge', 'need_conn_est'],
  ['uweight', 'gauge', 'uweight'],
];

/** Fields HAProxy keeps in milliseconds and the exporter prints in seconds. */
const MS = new Set(['qtime', 'ctime', 'rtime', 'ttime', 'qtime_max', 'ctime_max', 'rtime_max', 'ttime_max', 'check_duration']);
const CODES = ['1xx', '2xx', '3xx', '4xx', '5xx', 'other'] as const;
const SRV_STATES = ['DOWN', 'UP', 'MAINT', 'DRAIN', 'NOLB'] as const;
const CHECK_STATES = ['HANA', 'SOCKERR', 'L4OK', 'L4TOUT', 'L4CON', 'L6OK', 'L6TOUT', 'L6RSP', 'L7TOUT', 'L7RSP', 'L7OK', 'L7OKC', 'L7STS', 'PROCERR', 'PROCTOUT', 'PROCOK'] as const;

function help(d: Def): string {
  return d[3] ?? FIELDS[F[d[2]]!]!.desc;
}

function num(v: number | string | undefined, field: string): string {
  if (v === undefined || v === '') return 'NaN';
  const x = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(x)) return 'NaN';
  return MS.has(field) ? (x / 1000).toFixed(6) : String(x);
}

const label = (s: string): string => s.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));

/** The server state label of a status text (UP, DOWN, MAINT, DRAIN, NOLB). */
function srvState(status: string): (typeof SRV_STATES)[number] {
  if (status.startsWith('MAINT')) return 'MAINT';
  if (status.startsWith('DRAIN')) return 'DRAIN';
  if (status.startsWith('NOLB')) return 'NOLB';
  if (status.startsWith('DOWN')) return 'DOWN';
  return 'UP';
}

function checkState(r: StatRow): string {
  return String(r.values[F['check_status']!] ?? '').replace(/^\* /, '');
}

/** The whole exposition text. */
export function renderMetrics(view: RuntimeView): string {
  const sv: StatsView = { proxies: view.proxies, globalMaxconn: view.globalMaxconn(), rates: view.rates };
  const rows = statRows(sv);
  const fe = rows.filter((r) => r.type === 'F');
  const be = rows.filter((r) => r.type === 'B');
  const srv = rows.filter((r) => r.type === 'S');
  const http = (r: StatRow): boolean => r.values[F['mode']!] === 'http';
  const px = (r: StatRow): string => `proxy="${label(String(r.values[0]))}"`;
  const sx = (r: StatRow): string => `${px(r)},server="${label(String(r.values[1]))}"`;
  let out = '';

  const info = infoValues(view.info());
  for (const d of PROCESS) {
    const f = INFO_FIELDS.find((x) => x.name === d[2])!;
    const name = `haproxy_process_${d[0]}`;
    out += `# HELP ${name} ${help0(d)}\n# TYPE ${name} ${d[1]}\n`;
    if (d[2] === 'Build info') out += `${name}{version="${label(String(info[f.pos]))}"} 1\n`;
    else out += `${name} ${num(info[f.pos], '')}\n`;
  }

  // servers without checks have no check metrics; agg metrics need servers
  const hasServers = new Set(srv.map((r) => r.values[0]));
  const block = (kind: string, defs: readonly Def[], list: StatRow[], lab: (r: StatRow) => string): void => {
    for (const d of defs) {
      const name = `haproxy_${kind}_${d[0]}`;
      let lines = '';
      for (const r of list) {
        if (HTTP_ONLY.has(d[0]) && !http(r)) continue;
        const field = d[2];
        if (field === 'hrsp_1xx') continue; // by code, below
        if (field === 'status') {
          const st = String(r.values[F['status']!] ?? '');
          if (kind === 'listener') {
            for (const x of ['WAITING', 'OPEN', 'FULL']) lines += `${name}{${lab(r)},state="${x}"} ${x === st ? 1 : 0}\n`;
          } else if (kind === 'server') {
            const cur = srvState(st);
            for (const s of SRV_STATES) lines += `${name}{${lab(r)},state="${s}"} ${s === cur ? 1 : 0}\n`;
          } else {
            const up = kind === 'frontend' ? st === 'OPEN' || st === 'FULL' : st === 'UP';
            lines += `${name}{${lab(r)},state="DOWN"} ${up ? 0 : 1}\n${name}{${lab(r)},state="UP"} ${up ? 1 : 0}\n`;
          }
          continue;
        }
        if (kind === 'server' && field.startsWith('check_')) {
          const chk = checkState(r);
          if (!chk) continue;
          if (field === 'check_status') {
            for (const s of CHECK_STATES) lines += `${name}{${lab(r)},state="${s}"} ${s === chk ? 1 : 0}\n`;
            continue;
          }
        }
        if (field.startsWith('agg_')) {
          const bname = r.values[0];
          if (!hasServers.has(bname)) continue;
          const mine = srv.filter((x) => x.values[0] === bname);
          if (field === 'agg_check_status') {
            for (const s of CHECK_STATES) lines += `${name}{${lab(r)},state="${s}"} ${mine.filter((x) => checkState(x) === s).length}\n`;
          } else {
            for (const s of SRV_STATES) lines += `${name}{${lab(r)},state="${s}"} ${mine.filter((x) => srvState(String(x.values[F['status']!])) === s).length}\n`;
          }
          continue;
        }
        // a check without an L5-7 code (L4OK...) reports 0 here, while its CSV field is empty
        const val = field === 'check_code' ? r.values[F[field]!] ?? 0 : r.values[F[field]!];
        lines += `${name}{${lab(r)}} ${num(val, field)}\n`;
      }
      if (d[2] === 'hrsp_1xx') {
        // one line per code, then per object
        CODES.forEach((c, i) => {
          for (const r of list) if (http(r)) lines += `${name}{${lab(r)},code="${c}"} ${num(r.values[F['hrsp_1xx']! + i], '')}\n`;
        });
      }
      // a metric no object has is left out, HELP and TYPE included
      if (lines) out += `# HELP ${name} ${help(d)}\n# TYPE ${name} ${d[1]}\n${lines}`;
    }
  };
  block('frontend', FRONTEND, fe, px);
  block('listener', LISTENER, rows.filter((r) => r.type === 'L'), (r) => `${px(r)},listener="${label(String(r.values[1]))}"`);
  block('backend', BACKEND, be, px);
  block('server', SERVER, srv, sx);
  return out;
}

function help0(d: Def): string {
  return d[3] ?? d[2];
}

/** `use-service prometheus-exporter`: answers any request routed to it. */
export class PrometheusService implements LocalService {
  constructor(private readonly view: RuntimeView) {}

  wantsBody(): boolean {
    return false;
  }

  handle(req: StatsRequest): LocalResponse | Promise<LocalResponse> {
    // several workers: the group's counters, as `show stat` shows them
    const g = this.view.group;
    if (g === undefined) return this.respond(this.view, req);
    return g.aggregate().catch(() => this.view).then((v) => this.respond(v, req));
  }

  private respond(view: RuntimeView, req: StatsRequest): LocalResponse {
    const body = renderMetrics(view);
    const head = 'HTTP/1.1 200 OK\r\ncache-control: no-cache\r\ncontent-type: text/plain; version=0.0.4\r\n';
    const close = req.close ? 'connection: close\r\n' : '';
    if (req.method === 'HEAD') return { bytes: `${head}${close}\r\n`, status: 200 };
    if (req.version === 10) return { bytes: `${head}connection: close\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`, status: 200 };
    const bytes = Buffer.from(body, 'utf8').toString('latin1');
    return { bytes: `${head}transfer-encoding: chunked\r\n${close}\r\n${bytes.length.toString(16)}\r\n${bytes}\r\n0\r\n\r\n`, status: 200 };
  }
}

export { serverStatus };
