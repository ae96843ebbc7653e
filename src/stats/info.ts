/**
 * `show info` (reference §5.3): the process-wide fields of HAProxy 2.6.12 in
 * order, built from the running process, and their typed and JSON forms.
 * Fields without a value (`description` when unset, the zlib ones lb is not
 * built with) are omitted, as HAProxy omits them.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { HAPROXY_COMPAT, LB_VERSION, LB_DATE } from '../core/version.js';
import { jsonTags, type FieldType } from './fields.js';

export interface InfoMeta {
  readonly pos: number;
  readonly name: string;
  readonly tags: string;
  readonly type: FieldType;
  readonly desc: string;
}

const RAW: ReadonlyArray<readonly [string, string, FieldType]> = [
  ['Name', 'POS', 'str'], ['Version', 'POS', 'str'], ['Release_date', 'POS', 'str'], ['Nbthread', 'CGS', 'u32'],
  ['Nbproc', 'CGS', 'u32'], ['Process_num', 'KGP', 'u32'], ['Pid', 'SGP', 'u32'], ['Uptime', 'MDP', 'str'],
  ['Uptime_sec', 'MDP', 'u32'], ['Memmax_MB', 'CLP', 'u32'], ['PoolAlloc_MB', 'MGP', 'u32'], ['PoolUsed_MB', 'MGP', 'u32'],
  ['PoolFailed', 'MCP', 'u32'], ['Ulimit-n', 'CLP', 'u32'], ['Maxsock', 'CLP', 'u32'], ['Maxconn', 'CLP', 'u32'],
  ['Hard_maxconn', 'CLP', 'u32'], ['CurrConns', 'MGP', 'u32'], ['CumConns', 'MCP', 'u32'], ['CumReq', 'MCP', 'u32'],
  ['MaxSslConns', 'MMP', 'u32'], ['CurrSslConns', 'MGP', 'u32'], ['CumSslConns', 'MCP', 'u32'], ['Maxpipes', 'CLP', 'u32'],
  ['PipesUsed', 'MGP', 'u32'], ['PipesFree', 'MGP', 'u32'], ['ConnRate', 'MRP', 'u32'], ['ConnRateLimit', 'CLP', 'u32'],
  ['MaxConnRate', 'MMP', 'u32'], ['SessRate', 'MRP', 'u32'], ['SessRateLimit', 'CLP', 'u32'], ['MaxSessRate', 'MRP', 'u32'],
  ['SslRate', 'MRP', 'u32'], ['SslRateLimit', 'CLP', 'u32'], ['MaxSslRate', 'MMP', 'u32'], ['SslFrontendKeyRate', 'MGP', 'u32'],
  ['SslFrontendMaxKeyRate', 'MMP', 'u32'], ['SslFrontendSessionReuse_pct', 'MGP', 'u32'], ['SslBackendKeyRate', 'MRP', 'u32'],
  ['SslBackendMaxKeyRate', 'MMP', 'u32'], ['SslCacheLookups', 'MCP', 'u32'], ['SslCacheMisses', 'MCP', 'u32'],
  ['CompressBpsIn', 'MRP', 'u32'], ['CompressBpsOut', 'MRP', 'u32'], ['CompressBpsRateLim', 'CLP', 'u32'],
  ['ZlibMemUsage', 'MGP', 'u32'], ['MaxZlibMemUsage', 'CLP', 'u32'], ['Tasks', 'MGP', 'u32'], ['Run_queue', 'MGP', 'u32'],
  ['Idle_pct', 'MaP', 'u32'], ['node', 'COS', 'str'], ['description', 'COS', 'str'], ['Stopping', 'MGP', 'u32'],
  ['Jobs', 'MGP', 'u32'], ['Unstoppable Jobs', 'MGP', 'u32'], ['Listeners', 'MGP', 'u32'], ['ActivePeers', 'MGP', 'u32'],
  ['ConnectedPeers', 'MGP', 'u32'], ['DroppedLogs', 'MGP', 'u32'], ['BusyPolling', 'MGP', 'u32'], ['FailedResolutions', 'MGP', 'u32'],
  ['TotalBytesOut', 'MGP', 'u64'], ['TotalSplicdedBytesOut', 'MGP', 'u64'], ['BytesOutRate', 'MRP', 'u64'],
  ['DebugCommandsIssued', 'MGP', 'u32'], ['CumRecvLogs', 'MCP', 'u32'], ['Build info', 'POS', 'str'],
  ['Memmax_bytes', 'CLP', 'u32'], ['PoolAlloc_bytes', 'MGP', 'u64'], ['PoolUsed_bytes', 'MGP', 'u64'],
  ['Start_time_sec', 'MDP', 'u32'], ['Tainted', 'SGP', 'str'],
];

/** The text `show info desc` prints after each value. */
const DESC: Readonly<Record<string, string>> = {
  "Name": "Product name",
  "Version": "Product version",
  "Release_date": "Date of latest source code update",
  "Nbthread": "Number of started threads (global.nbthread)",
  "Nbproc": "Number of started worker processes (historical, always 1)",
  "Process_num": "Relative worker process number (1)",
  "Pid": "This worker process identifier for the system",
  "Uptime": "How long ago this worker process was started (days+hours+minutes+seconds)",
  "Uptime_sec": "How long ago this worker process was started (seconds)",
  "Memmax_MB": "Worker process's hard limit on memory usage in MB (-m on command line)",
  "PoolAlloc_MB": "Amount of memory allocated in pools (in MB)",
  "PoolUsed_MB": "Amount of pool memory currently used (in MB)",
  "PoolFailed": "Number of failed pool allocations since this worker was started",
  "Ulimit-n": "Hard limit on the number of per-process file descriptors",
  "Maxsock": "Hard limit on the number of per-process sockets",
  "Maxconn": "Hard limit on the number of per-process connections (configured or imposed by Ulimit-n)",
  "Hard_maxconn": "Hard limit on the number of per-process connections (imposed by Memmax_MB or Ulimit-n)",
  "CurrConns": "Current number of connections on this worker process",
  "CumConns": "Total number of connections on this worker process since started",
  "CumReq": "Total number of requests on this worker process since started",
  "MaxSslConns": "Hard limit on the number of per-process SSL endpoints (front+back), 0=unlimited",
  "CurrSslConns": "Current number of SSL endpoints on this worker process (front+back)",
  "CumSslConns": "Total number of SSL endpoints on this worker process since started (front+back)",
  "Maxpipes": "Hard limit on the number of pipes for splicing, 0=unlimited",
  "PipesUsed": "Current number of pipes in use in this worker process",
  "PipesFree": "Current number of allocated and available pipes in this worker process",
  "ConnRate": "Number of front connections created on this worker process over the last second",
  "ConnRateLimit": "Hard limit for ConnRate (global.maxconnrate)",
  "MaxConnRate": "Highest ConnRate reached on this worker process since started (in connections per second)",
  "SessRate": "Number of sessions created on this worker process over the last second",
  "SessRateLimit": "Hard limit for SessRate (global.maxsessrate)",
  "MaxSessRate": "Highest SessRate reached on this worker process since started (in sessions per second)",
  "SslRate": "Number of SSL connections created on this worker process over the last second",
  "SslRateLimit": "Hard limit for SslRate (global.maxsslrate)",
  "MaxSslRate": "Highest SslRate reached on this worker process since started (in connections per second)",
  "SslFrontendKeyRate": "Number of SSL keys created on frontends in this worker process over the last second",
  "SslFrontendMaxKeyRate": "Highest SslFrontendKeyRate reached on this worker process since started (in SSL keys per second)",
  "SslFrontendSessionReuse_pct": "Percent of frontend SSL connections which did not require a new key",
  "SslBackendKeyRate": "Number of SSL keys created on backends in this worker process over the last second",
  "SslBackendMaxKeyRate": "Highest SslBackendKeyRate reached on this worker process since started (in SSL keys per second)",
  "SslCacheLookups": "Total number of SSL session ID lookups in the SSL session cache on this worker since started",
  "SslCacheMisses": "Total number of SSL session ID lookups that didn't find a session in the SSL session cache on this worker since started",
  "CompressBpsIn": "Number of bytes submitted to the HTTP compressor in this worker process over the last second",
  "CompressBpsOut": "Number of bytes emitted by the HTTP compressor in this worker process over the last second",
  "CompressBpsRateLim": "Limit of CompressBpsOut beyond which HTTP compression is automatically disabled",
  "Tasks": "Total number of tasks in the current worker process (active + sleeping)",
  "Run_queue": "Total number of active tasks+tasklets in the current worker process",
  "Idle_pct": "Percentage of last second spent waiting in the current worker thread",
  "node": "Node name (global.node)",
  "Stopping": "1 if the worker process is currently stopping, otherwise zero",
  "Jobs": "Current number of active jobs on the current worker process (frontend connections, master connections, listeners)",
  "Unstoppable Jobs": "Current number of unstoppable jobs on the current worker process (master connections)",
  "Listeners": "Current number of active listeners on the current worker process",
  "ActivePeers": "Current number of verified active peers connections on the current worker process",
  "ConnectedPeers": "Current number of peers having passed the connection step on the current worker process",
  "DroppedLogs": "Total number of dropped logs for current worker process since started",
  "BusyPolling": "1 if busy-polling is currently in use on the worker process, otherwise zero (config.busy-polling)",
  "FailedResolutions": "Total number of failed DNS resolutions in current worker process since started",
  "TotalBytesOut": "Total number of bytes emitted by current worker process since started",
  "TotalSplicdedBytesOut": "Total number of bytes emitted by current worker process through a kernel pipe since started",
  "BytesOutRate": "Number of bytes emitted by current worker process over the last second",
  "DebugCommandsIssued": "Number of debug commands issued on this process (anything > 0 is unsafe)",
  "CumRecvLogs": "Total number of log messages received by log-forwarding listeners on this worker process since started",
  "Build info": "Build info",
  "Memmax_bytes": "Worker process's hard limit on memory usage in byes (-m on command line)",
  "PoolAlloc_bytes": "Amount of memory allocated in pools (in bytes)",
  "PoolUsed_bytes": "Amount of pool memory currently used (in bytes)",
  "Start_time_sec": "Start time in seconds",
  "Tainted": "Experimental features used",
  "ZlibMemUsage": "Zlib memory usage in bytes",
  "MaxZlibMemUsage": "Configured maximum zlib memory usage in bytes",
  "description": "Node description (global.description)",
};

export const INFO_FIELDS: readonly InfoMeta[] = RAW.map(([name, tags, type], pos) => ({ pos, name, tags, type, desc: DESC[name] ?? '' }));

/** The version string lb reports where HAProxy reports its own. */
export const INFO_VERSION = `${HAPROXY_COMPAT}-lb${LB_VERSION}`;

/** What `show info` reads from the running process. */
export interface InfoSource {
  readonly startTime: number;
  readonly nbthread: number;
  readonly ulimitN: number;
  readonly maxsock: number;
  readonly maxconn: number;
  readonly hardMaxconn: number;
  readonly currConns: number;
  readonly cumConns: number;
  readonly cumReq: number;
  readonly connRate: number;
  readonly connRateLimit: number;
  readonly maxConnRate: number;
  readonly sessRate: number;
  readonly sessRateLimit: number;
  readonly maxSessRate: number;
  readonly stopping: boolean;
  readonly jobs: number;
  readonly listeners: number;
  readonly totalBytesOut: number;
  readonly bytesOutRate: number;
  readonly node?: string;
  readonly description?: string;
  readonly now?: number;
}

/** `%dd %dh%02dm%02ds` as HAProxy formats uptimes: `0d 0h00m15s`. */
export function uptimeText(secs: number): string {
  const d = Math.floor(secs / 86400), h = Math.floor(secs / 3600) % 24, m = Math.floor(secs / 60) % 60, s = secs % 60;
  return `${d}d ${h}h${String(m).padStart(2, '0')}m${String(s).padStart(2, '0')}s`;
}

let lastElu = performance.eventLoopUtilization();
/** Idle share of the event loop since the previous call, in percent. */
function idlePct(): number {
  const now = performance.eventLoopUtilization();
  const d = performance.eventLoopUtilization(now, lastElu);
  lastElu = now;
  return Math.max(0, Math.min(100, Math.round(100 - d.utilization * 100)));
}

/** The soft limit of open files, as the process sees it (Linux /proc). */
export function fdLimit(): number {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (m) return Number(m[1]);
  } catch { /* not Linux */ }
  return 1024;
}

/** Values in INFO_FIELDS order; undefined = omitted. */
export function infoValues(src: InfoSource): Array<number | string | undefined> {
  const now = src.now ?? Date.now();
  const up = Math.max(0, Math.floor((now - src.startTime) / 1000));
  const mem = process.memoryUsage();
  const active = (process as unknown as { getActiveResourcesInfo?: () => string[] }).getActiveResourcesInfo?.().length ?? 0;
  const v: Record<string, number | string | undefined> = {
    Name: 'HAProxy', Version: INFO_VERSION, Release_date: LB_DATE, Nbthread: src.nbthread, Nbproc: 1, Process_num: 1,
    Pid: process.pid, Uptime: uptimeText(up), Uptime_sec: up, Memmax_MB: 0,
    PoolAlloc_MB: Math.floor(mem.heapTotal / 1048576), PoolUsed_MB: Math.floor(mem.heapUsed / 1048576), PoolFailed: 0,
    'Ulimit-n': src.ulimitN, Maxsock: src.maxsock, Maxconn: src.maxconn, Hard_maxconn: src.hardMaxconn,
    CurrConns: src.currConns, CumConns: src.cumConns, CumReq: src.cumReq, MaxSslConns: 0, CurrSslConns: 0, CumSslConns: 0,
    Maxpipes: 0, PipesUsed: 0, PipesFree: 0, ConnRate: src.connRate, ConnRateLimit: src.connRateLimit, MaxConnRate: src.maxConnRate,
    SessRate: src.sessRate, SessRateLimit: src.sessRateLimit, MaxSessRate: src.maxSessRate, SslRate: 0, SslRateLimit: 0,
    MaxSslRate: 0, SslFrontendKeyRate: 0, SslFrontendMaxKeyRate: 0, SslFrontendSessionReuse_pct: 0, SslBackendKeyRate: 0,
    SslBackendMaxKeyRate: 0, SslCacheLookups: 0, SslCacheMisses: 0, CompressBpsIn: 0, CompressBpsOut: 0, CompressBpsRateLim: 0,
    Tasks: active, Run_queue: 0, Idle_pct: idlePct(), node: src.node ?? hostname(), description: src.description,
    Stopping: src.stopping ? 1 : 0, Jobs: src.jobs, 'Unstoppable Jobs': 0, Listeners: src.listeners, ActivePeers: 0,
    ConnectedPeers: 0, DroppedLogs: 0, BusyPolling: 0, FailedResolutions: 0, TotalBytesOut: src.totalBytesOut,
    TotalSplicdedBytesOut: 0, BytesOutRate: src.bytesOutRate, DebugCommandsIssued: 0, CumRecvLogs: 0,
    'Build info': INFO_VERSION, Memmax_bytes: 0, PoolAlloc_bytes: mem.heapTotal, PoolUsed_bytes: mem.heapUsed,
    Start_time_sec: Math.floor(src.startTime / 1000), Tainted: '0',
  };
  return INFO_FIELDS.map((f) => v[f.name]);
}

/** `show info`: `Name: value` lines, then the blank line. */
export function renderInfo(values: ReadonlyArray<number | string | undefined>, desc = false): string {
  let out = '';
  for (const f of INFO_FIELDS) {
    const x = values[f.pos];
    if (x !== undefined) out += `${f.name}: ${x}${desc ? `:"${f.desc}"` : ''}\n`;
  }
  return out + '\n';
}

/** `show info typed`: `pos.Name.1:tags:type:value`. */
export function renderInfoTyped(values: ReadonlyArray<number | string | undefined>, desc = false): string {
  let out = '';
  for (const f of INFO_FIELDS) {
    const x = values[f.pos];
    if (x !== undefined) out += `${f.pos}.${f.name}.1:${f.tags}:${f.type}:${x}${desc ? `:"${f.desc}"` : ''}\n`;
  }
  return out + '\n';
}

/** `show info json`: one array of field objects. */
export function renderInfoJson(values: ReadonlyArray<number | string | undefined>): string {
  const parts: string[] = [];
  for (const f of INFO_FIELDS) {
    const x = values[f.pos];
    if (x === undefined) continue;
    const value = typeof x === 'string' ? JSON.stringify(x) : String(x);
    parts.push(`{"field":{"pos":${f.pos},"name":"${f.name}"},"processNum":1,"tags":${jsonTags(f.tags)},"value":{"type":"${f.type}","value":${value}}}`);
  }
  return `[${parts.join(',')}]\n\n`;
}
