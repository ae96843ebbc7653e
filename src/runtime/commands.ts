/**
 * The runtime API commands (reference §5): HAProxy 2.6's syntax, replies,
 * error texts and levels. `runCommand(words, level, view)` is a pure
 * function of the command, the session level and the process view; the
 * transport (cli-server.ts) splits lines, keeps the session mode and writes
 * replies. Every reply ends with its blank line, except the few 2.6 messages
 * that do not (kept as observed).
 */
import type { BackendRuntime } from '../backend/backend.js';
import type { ServerRuntime } from '../backend/server-runtime.js';
import type { FrontendRuntime } from '../proxy/frontend.js';
import { parseIp } from '../proxy/address.js';
import { parseRuntimeServer } from '../backend/server.js';
import { statRows, renderCsv, renderTyped, renderJson, type StatFilter } from '../stats/fields.js';
import { infoValues, renderInfo, renderInfoTyped, renderInfoJson, INFO_VERSION } from '../stats/info.js';
import { clearAll, clearMax } from '../stats/counters.js';
import { emitProcessEvent, WARNING, INFO } from '../log/events.js';
import { usageText, HELP_ROWS } from './help.js';
import { enterMaint, enterDrain, setReady, forceHealth, forceAgent, forcedMaint, uncheckedHealth, setUncheckedHealth } from './server-admin.js';
import { LEVEL_RANK, statsView, type Level, type RuntimeView } from './view.js';

export interface CommandResult {
  /** the bytes to send back (already with their blank line) */
  text: string;
  /** the session level after the command (`user`, `operator`) */
  level?: Level;
  /** toggle interactive mode */
  prompt?: boolean;
  /** close the session */
  quit?: boolean;
  /** `set timeout cli`: new idle timeout in ms */
  timeout?: number;
  /** a change is under way (frontend pause...): reply once it is done */
  wait?: Promise<unknown>;
}

const ok = (text = ''): CommandResult => ({ text: text + '\n' });
const DENIED = 'Permission denied\n';

/**
 * Split a line into commands and words as HAProxy's CLI does: `;` ends a
 * command, spaces and tabs separate words, `\` escapes the next character.
 */
export function splitLine(line: string): string[][] {
  const cmds: string[][] = [];
  let words: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\' && i + 1 < line.length) { cur += line[++i]; inWord = true; continue; }
    if (c === ' ' || c === '\t') { if (inWord) { words.push(cur); cur = ''; inWord = false; } continue; }
    if (c === ';') {
      if (inWord) { words.push(cur); cur = ''; inWord = false; }
      cmds.push(words);
      words = [];
      continue;
    }
    cur += c;
    inWord = true;
  }
  if (inWord) words.push(cur);
  cmds.push(words);
  return cmds;
}

/** HAProxy lists these in `help` but lb does not run them: said plainly. */
function notInLb(words: readonly string[]): CommandResult {
  return ok(`'${words.join(' ')}' is not supported by lb.\n`);
}

function need(level: Level, min: Level): boolean {
  return LEVEL_RANK[level] >= LEVEL_RANK[min];
}


// --- lookups --------------------------------------------------------------

function findBackend(v: RuntimeView, name: string): BackendRuntime | undefined {
  if (name.startsWith('#')) {
    const id = Number(name.slice(1));
    for (const p of v.proxies) if (p.be && p.conf.iid === id) return p.be;
    return undefined;
  }
  return v.backends.get(name);
}

function findFrontend(v: RuntimeView, name: string): FrontendRuntime | undefined {
  if (name.startsWith('#')) {
    const id = Number(name.slice(1));
    return v.frontends.find((f) => f.conf.iid === id);
  }
  return v.frontends.find((f) => f.name === name);
}

type Found = { be: BackendRuntime; srv: ServerRuntime } | { err: string };

/** `<backend>/<server>` with names or `#<id>`; HAProxy's three errors. */
function findServer(v: RuntimeView, arg: string | undefined): Found {
  const slash = arg ? arg.indexOf('/') : -1;
  if (!arg || slash < 0) return { err: `Require 'backend/server'.\n` };
  const be = findBackend(v, arg.slice(0, slash));
  if (!be) return { err: 'No such backend.\n' };
  const sname = arg.slice(slash + 1);
  const srv = sname.startsWith('#') ? be.servers.find((s) => s.id === Number(sname.slice(1))) : be.servers.find((s) => s.name === sname);
  if (!srv) return { err: 'No such server.\n' };
  return { be, srv };
}

// --- show ---------------------------------------------------------------

function showStat(w: readonly string[], v: RuntimeView): CommandResult {
  let i = 2;
  if (w[i] === 'domain') {
    if (w[i + 1] === 'dns') return notInLb(['show', 'stat', 'domain', 'dns']);
    i += 2;
  }
  let filter: StatFilter | undefined;
  if (w[i] && w[i + 1] && w[i + 2]) {
    let iid = parseInt(w[i]!, 10) || 0;
    if (!iid) {
      const p = v.proxies.find((x) => x.conf.name === w[i]);
      if (!p) return ok('No such proxy.\n');
      iid = p.conf.iid;
    }
    const sid = parseInt(w[i + 2]!, 10) || 0;
    filter = { iid: iid === 0 ? -1 : iid, types: parseInt(w[i + 1]!, 10) || 0, sid: sid === 0 ? -1 : sid };
    i += 3;
  }
  let form: 'csv' | 'typed' | 'json' = 'csv';
  let desc = false;
  for (; i < w.length; i++) {
    const a = w[i]!;
    if (a === 'typed') form = 'typed';
    else if (a === 'json') form = 'json';
    else if (a === 'desc') desc = true;
    else if (a === 'up') (filter ??= { iid: -1, types: -1, sid: -1 }).up = true;
    else if (a === 'no-maint') (filter ??= { iid: -1, types: -1, sid: -1 }).noMaint = true;
  }
  const rows = statRows(statsView(v), filter);
  if (form === 'typed') return { text: renderTyped(rows, desc) };
  if (form === 'json') return { text: renderJson(rows, desc) };
  return { text: renderCsv(rows) };
}

function showInfo(w: readonly string[], v: RuntimeView): CommandResult {
  const values = infoValues(v.info());
  const opts = new Set(w.slice(2));
  if (opts.has('typed')) return { text: renderInfoTyped(values, opts.has('desc')) };
  if (opts.has('json')) return { text: renderInfoJson(values) };
  return { text: renderInfo(values, opts.has('desc')) };
}

/** Numeric check status of reference §4.3 and its result class. */
const CHECK_NUM: Readonly<Record<string, number>> = {
  UNK: 0, INI: 1, CHECKED: 3, HANA: 4, SOCKERR: 5, L4OK: 6, L4TOUT: 7, L4CON: 8, L6OK: 9, L6TOUT: 10, L6RSP: 11,
  L7TOUT: 12, L7RSP: 13, L7OK: 15, L7OKC: 16, L7STS: 17, PROCERR: 18, PROCTOUT: 19, PROCOK: 20,
};
function checkResult(status: string): number {
  if (status === 'UNK' || status === 'INI') return 0;
  if (status === 'CHECKED') return 1;
  if (status === 'L4OK' || status === 'L6OK' || status === 'L7OK' || status === 'PROCOK') return 3;
  if (status === 'L7OKC') return 4;
  return 2;
}

const OP_NUM = { DOWN: 0, STARTING: 1, UP: 2, STOPPING: 3 } as const;

/** srv_admin_state: FMAINT 0x01, CMAINT 0x04 (`disabled`, kept for life), FDRAIN 0x08, RMAINT 0x20. */
function adminBits(srv: ServerRuntime): number {
  let bits = srv.conf.disabled ? 0x04 : 0;
  if (srv.admin === 'DRAIN') bits |= 0x08;
  if (srv.admin === 'MAINT') bits |= srv.conf.maintResolution && !forcedMaint.has(srv) ? 0x20 : 0x01;
  return bits;
}

export const SERVERS_STATE_HEADER = '# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port';

/** One `show servers state` line (reference §5.5). */
export function serverStateLine(iid: number, be: BackendRuntime, srv: ServerRuntime, now = Date.now()): string {
  const c = srv.check;
  const a = srv.agent;
  // configured (2), enabled (4), paused (8), running (1); a `check` the checker has not started yet is configured only
  const chkState = c ? (c.running ? 1 : 0) | 2 | (c.paused && srv.admin !== 'MAINT' ? 0 : 4) | (c.paused ? 8 : 0) : srv.conf.check ? 2 : 0;
  const agtState = a ? (a.running ? 1 : 0) | 2 | (a.paused && srv.admin !== 'MAINT' ? 0 : 4) | (a.paused ? 8 : 0) | 0x10 : 0;
  const dash = (x: string | undefined): string => (x === undefined || x === '' ? '-' : x);
  return [
    iid, be.name, srv.id, srv.name, dash(srv.host), srv.admin === 'MAINT' ? 0 : OP_NUM[srv.op], adminBits(srv), srv.weight,
    srv.initialWeight, Math.max(0, Math.floor((now - srv.lastChange) / 1000)),
    c ? CHECK_NUM[c.status] ?? 0 : 1, c ? checkResult(c.status) : 0, c ? c.health : uncheckedHealth(srv), chkState, agtState,
    be.conf.id !== undefined ? 1 : 0, srv.conf.id !== undefined ? 1 : 0, dash(srv.address.fqdn), srv.address.port,
    '-', srv.conf.ssl ? 1 : 0, srv.checkPort ?? 0, dash(srv.conf.checkAddr), dash(srv.conf.agentAddr), srv.conf.agentPort ?? 0,
  ].join(' ');
}

function showServersState(w: readonly string[], v: RuntimeView): CommandResult {
  let only: BackendRuntime | undefined;
  if (w[3]) {
    only = findBackend(v, w[3]);
    if (!only) return ok(`Can't find backend.\n`);
  }
  let out = `1\n${SERVERS_STATE_HEADER}\n`;
  const now = Date.now();
  for (const p of v.proxies) {
    if (!p.be || (only && p.be !== only)) continue;
    for (const s of p.be.servers) out += serverStateLine(p.conf.iid, p.be, s, now) + '\n';
  }
  return ok(out);
}

/** `show servers conn [<backend>]`: the connection pools (one thread in lb). */
function showServersConn(w: readonly string[], v: RuntimeView): CommandResult {
  let only: BackendRuntime | undefined;
  if (w[3]) {
    only = findBackend(v, w[3]);
    if (!only) return ok(`Can't find backend.\n`);
  }
  let out = '# bkname/svname bkid/svid addr port - purge_delay used_cur used_max need_est unsafe_nb safe_nb idle_lim idle_cur idle_per_thr[1]\n';
  for (const p of v.proxies) {
    if (!p.be || (only && p.be !== only)) continue;
    for (const s of p.be.servers) {
      const idle = s.idle.length;
      const used = Math.max(0, s.conns.size - idle);
      out += `${p.be.name}/${s.name} ${p.conf.iid}/${s.id} ${s.host ?? '-'} ${s.address.port} - ${s.conf.poolPurgeDelay} ${used} ${s.usedMax} 0 ${idle} 0 ${s.conf.poolMaxConn} ${idle} ${idle}\n`;
    }
  }
  return ok(out);
}

function showBackend(v: RuntimeView): CommandResult {
  let out = '# name\n';
  for (const p of v.proxies) if (p.be) out += p.conf.name + '\n';
  return ok(out);
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number): string => String(n).padStart(2, '0');
/** `[23/Nov/2026:16:25:38.077]` in local time. */
function logDate(d: Date): string {
  return `${p2(d.getDate())}/${MONTHS[d.getMonth()]}/${d.getFullYear()}:${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

function showSess(v: RuntimeView): CommandResult {
  const now = Date.now();
  let out = '';
  for (const s of v.sessions()) {
    // HAProxy lists streams: an HTTP connection between transactions has none
    const p = s.place?.();
    if (p && !p.active) continue;
    out += `0x${s.id.toString(16)}: proto=${s.proto} src=${s.src} fe=${s.fe} be=${p?.be ?? '<NONE>'} srv=${p?.srv ?? '<none>'} age=${Math.floor((now - (p?.since ?? s.start)) / 1000)}s\n`;
  }
  return ok(out);
}

function showEnv(w: readonly string[], v: RuntimeView): CommandResult {
  if (w[2] !== undefined) {
    const val = v.env[w[2]];
    return ok(val === undefined ? 'Variable not found\n' : `${w[2]}=${val}\n`);
  }
  let out = '';
  for (const [k, val] of Object.entries(v.env)) if (val !== undefined) out += `${k}=${val}\n`;
  return ok(out);
}

// --- servers ---------------------------------------------------------------

/** HAProxy's weight parser: absolute 0..256, or `N%` of the initial weight. */
function parseWeight(be: BackendRuntime, srv: ServerRuntime, arg: string | undefined): number | string {
  if (!arg) return `Require <weight> or <weight%>.\n\n`;
  const m = /^(-?\d+)(.*)$/.exec(arg);
  if (!m) return 'Empty weight string empty or preceded by garbage\n';
  let w = Number(m[1]);
  if (m[2] === '%') {
    if (w < 0) return 'Relative weight must be positive.\n\n';
    w = Math.floor((srv.initialWeight * w) / 100);
    if (w > 256) w = 256;
  } else if (m[2] !== '') {
    return 'Trailing garbage in weight string\n';
  } else if (w < 0 || w > 256) {
    return 'Absolute weight can only be between 0 and 256 inclusive.\n\n';
  }
  const algo = be.conf.balance?.algo ?? 'roundrobin';
  if (w !== 0 && w !== srv.initialWeight && (algo === 'static-rr' || (be.conf.hashType.method === 'map-based' && ['source', 'uri', 'url_param', 'hdr', 'rdp-cookie', 'hash'].includes(algo)))) {
    return `Backend is using a static LB algorithm and only accepts weights '0%' and '100%'.\n\n`;
  }
  return w;
}

function setWeight(be: BackendRuntime, srv: ServerRuntime, arg: string | undefined, v?: RuntimeView): CommandResult {
  if (v && v.frontends.some((f) => f.name === be.name && f.state === 'STOP')) return ok('Proxy is disabled.\n');
  const w = parseWeight(be, srv, arg);
  if (typeof w === 'string') return { text: w };
  srv.setWeight(w);
  return ok();
}

const BY = ` by 'stats socket command'`;

function setAddr(srv: ServerRuntime, w: readonly string[]): CommandResult {
  const addr = w[4];
  if (!addr) return ok('set server <b>/<s> addr requires an address and optionally a port.\n');
  const ip = parseIp(addr);
  if (!ip || ip.host === '') return ok(`Invalid addr '${addr}'${BY}\n`);
  let portText: string | undefined;
  let port: number | undefined;
  let portErr = false;
  if (w[5] === 'port') {
    portText = w[6] ?? '';
    if (/^\d+$/.test(portText) && Number(portText) <= 65535) port = Number(portText);
    else portErr = true;
  }
  const oldHost = srv.host ?? '';
  const oldPort = srv.address.port;
  const parts: string[] = [];
  parts.push(oldHost === ip.host ? 'no need to change the addr' : `IP changed from '${oldHost}' to '${ip.host}'`);
  if (portErr) parts.push(`problem converting port '${portText}' to an int`);
  else if (port !== undefined) parts.push(port === oldPort ? 'no need to change the port' : `port changed from '${oldPort}' to '${port}'`);
  if (oldHost !== ip.host || (port !== undefined && port !== oldPort)) {
    srv.setAddress(ip.host, port !== undefined && port !== oldPort ? port : undefined);
  }
  return ok(parts.join(', ') + BY + '\n');
}

function setServer(w: readonly string[], level: Level, v: RuntimeView): CommandResult {
  if (!need(level, 'admin')) return ok(DENIED);
  const f = findServer(v, w[2]);
  if ('err' in f) return ok(f.err);
  const { be, srv } = f;
  const what = w[3];
  switch (what) {
    case 'state':
      if (w[4] === 'ready') { const from = srv.admin; setReady(be, srv); if (from === 'MAINT') v.checkNow(srv); }
      else if (w[4] === 'drain') enterDrain(be, srv);
      else if (w[4] === 'maint') { forcedMaint.add(srv); enterMaint(be, srv); }
      else return ok(`'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n`);
      return ok();
    case 'weight':
      return setWeight(be, srv, w[4], v);
    case 'health':
      if (srv.conf.track) return ok('cannot change health on a tracking server.\n');
      if (w[4] !== 'up' && w[4] !== 'stopping' && w[4] !== 'down') return ok(`'set server <srv> health' expects 'up', 'stopping', or 'down'.\n`);
      forceHealth(be, srv, w[4]);
      return ok();
    case 'agent':
      if (!srv.agent) return ok('agent checks are not enabled on this server.\n');
      if (w[4] !== 'up' && w[4] !== 'down') return ok(`'set server <srv> agent' expects 'up' or 'down'.\n`);
      forceAgent(be, srv, w[4]);
      return ok();
    case 'addr':
      return setAddr(srv, w);
    case 'check-port': {
      if (!w[4]) return ok('set server <b>/<s> check-port requires a port.\n');
      if (!srv.check) return { text: 'health checks are not enabled on this server\n' };
      const p = /^\d+$/.test(w[4]) ? Number(w[4]) : -1;
      if (p <= 0 || p > 65535) return { text: 'provided port is invalid\n' };
      srv.checkPort = p;
      return ok();
    }
    case 'agent-addr': case 'agent-port': case 'agent-send': case 'check-addr': case 'fqdn': case 'ssl':
      return notInLb(['set', 'server', what]);
    default:
      return ok('usage: set server <backend>/<server> addr | agent | agent-addr | agent-port | agent-send | check-addr | check-port | fqdn | health | ssl | state | weight\n');
  }
}

function enableDisable(w: readonly string[], level: Level, v: RuntimeView): CommandResult {
  const on = w[0] === 'enable';
  const what = w[1];
  if (what === 'frontend') return frontendOnOff(w, level, v, on);
  if (what === 'dynamic-cookie') return need(level, 'admin') ? notInLb(w.slice(0, 2)) : ok(DENIED);
  if (what !== 'server' && what !== 'health' && what !== 'agent') return { text: usageText(w, false) };
  if (!need(level, 'admin')) return ok(DENIED);
  const f = findServer(v, w[2]);
  if ('err' in f) return ok(f.err);
  const { be, srv } = f;
  if (what === 'server') {
    if (on) { const from = srv.admin; setReady(be, srv); if (from === 'MAINT') v.checkNow(srv); }
    else { forcedMaint.add(srv); enterMaint(be, srv); }
    return ok();
  }
  const cs = what === 'health' ? srv.check : srv.agent;
  if (!cs) {
    if (what === 'agent' && !on) return ok();
    return ok(`${what === 'health' ? 'Health check' : 'Agent'} was not configured on this server, cannot ${on ? 'enable' : 'disable'}.\n`);
  }
  // checks are the health checker's: paused outside maintenance means disabled
  const was = cs.paused;
  cs.paused = !on;
  if (on && was) v.checkNow(srv);
  return ok();
}

// --- frontends -----------------------------------------------------------

function frontendOnOff(w: readonly string[], level: Level, v: RuntimeView, on: boolean): CommandResult {
  if (!need(level, 'admin')) return ok(DENIED);
  if (!w[2]) return ok('A frontend name is expected.\n');
  const fe = findFrontend(v, w[2]);
  if (!fe) return ok('No such frontend.\n');
  if (fe.state === 'STOP') return ok(`Frontend was previously shut down, cannot ${on ? 'enable' : 'disable'}.\n`);
  if (on) {
    if (fe.state === 'OPEN') return ok('All sockets are already enabled.\n');
    const wait = Promise.resolve(v.resumeFrontend(fe)).then(() => {
      emitProcessEvent({ severity: WARNING, text: `Resumed frontend ${fe.name}.`, proxy: fe.name });
    });
    return { text: '\n', wait };
  }
  if (fe.state === 'PAUSED') return ok('All sockets are already disabled.\n');
  const wait = Promise.resolve(v.pauseFrontend(fe)).then(() => {
    emitProcessEvent({ severity: WARNING, text: `Paused frontend ${fe.name}.`, proxy: fe.name });
  });
  return { text: '\n', wait };
}

function shutdown(w: readonly string[], level: Level, v: RuntimeView): CommandResult {
  if (w[1] === 'frontend') {
    if (!need(level, 'admin')) return ok(DENIED);
    if (!w[2]) return ok('A frontend name is expected.\n');
    const fe = findFrontend(v, w[2]);
    if (!fe) return ok('No such frontend.\n');
    if (fe.state === 'STOP') return ok('Frontend was already shut down.\n');
    const wait = Promise.resolve(v.stopFrontend(fe)).then(() => {
      const be = v.backends.get(fe.name);
      emitProcessEvent({ severity: WARNING, text: `Proxy ${fe.name} stopped (cumulated conns: FE: ${fe.counters.stot}, BE: ${be?.cumConn ?? 0}).`, proxy: fe.name });
    });
    return { text: '\n', wait };
  }
  if (w[1] === 'sessions' && w[2] === 'server') {
    if (!need(level, 'admin')) return ok(DENIED);
    const f = findServer(v, w[3]);
    if ('err' in f) return ok(f.err);
    v.shutdownSessions(f.srv);
    return ok();
  }
  if (w[1] === 'session') {
    if (!need(level, 'admin')) return ok(DENIED);
    const m = /^(0x[0-9a-fA-F]+|[1-9]\d*)$/.exec(w[2] ?? '');
    if (!m) return ok(`Session pointer expected (use 'show sess').\n`);
    return ok(v.killSession(Number(m[1])) ? '' : `No such session (use 'show sess').\n`);
  }
  return { text: usageText(w, false) };
}

// --- set maxconn / rate-limit / clear ---------------------------------------------

function setMaxconn(w: readonly string[], level: Level, v: RuntimeView): CommandResult {
  const what = w[2];
  if (what !== 'frontend' && what !== 'server' && what !== 'global') return { text: usageText(w, false) };
  if (!need(level, 'admin')) return ok(DENIED);
  if (what === 'global') {
    if (!w[3]) return ok('Expects an integer value.\n');
    const n = parseInt(w[3], 10) || 0;
    if (n < 0) return ok('Value out of range.\n');
    v.setGlobalMaxconn(n);
    return ok();
  }
  if (what === 'frontend') {
    if (!w[3]) return ok('A frontend name is expected.\n');
    const fe = findFrontend(v, w[3]);
    if (!fe) return ok('No such frontend.\n');
    if (!w[4]) return ok('Integer value expected.\n');
    const n = parseInt(w[4], 10) || 0;
    if (n < 0) return ok('Value out of range.\n');
    fe.maxconn = n;
    return ok();
  }
  const f = findServer(v, w[3]);
  if ('err' in f) return ok(f.err);
  if (!w[4]) return ok('Require <maxconn>.\n');
  const n = parseInt(w[4], 10);
  if (Number.isNaN(n) || n < 0) return ok('Value out of range.\n');
  f.srv.setMaxconn(n);
  return ok();
}

function clearCounters(w: readonly string[], level: Level, v: RuntimeView): CommandResult {
  const all = w[2] === 'all';
  if (!need(level, all ? 'admin' : 'operator')) return ok(DENIED);
  const clear = all ? clearAll : clearMax;
  v.rates.clearMax?.();
  for (const p of v.proxies) {
    if (p.fe) { clear(p.fe.counters); for (const l of p.fe.listeners) clear(l.counters); }
    if (p.be) { clear(p.be.counters); for (const s of p.be.servers) clear(s.counters); }
  }
  return ok();
}

/** Servers added at run time (they cannot be tracked). */
const dynamicServers = new WeakSet<ServerRuntime>();

/** HAProxy 2.6 accepts dynamic servers only with these algorithms (map-based hashes are static). */
function dynamicLb(be: BackendRuntime): boolean {
  const algo = be.conf.balance?.algo ?? 'roundrobin';
  if (algo === 'roundrobin' || algo === 'leastconn' || algo === 'first' || algo === 'random') return true;
  return algo !== 'static-rr' && be.conf.hashType.method === 'consistent';
}

function addServer(w: readonly string[], level: Level, v: RuntimeView): CommandResult {
  if (!need(level, 'admin')) return ok(DENIED);
  const arg = w[2];
  const slash = arg ? arg.indexOf('/') : -1;
  if (!arg || slash < 0) return { text: `Require 'backend/server'.\n` };
  const be = findBackend(v, arg.slice(0, slash));
  if (!be) return { text: 'No such backend.\n' };
  if (!dynamicLb(be)) return { text: 'Backend must use a dynamic load balancing to support dynamic servers.\n' };
  const name = arg.slice(slash + 1);
  const label = `'server ${be.name}/${name}'`;
  if (be.servers.some((s) => s.name === name)) return ok('Already exists a server with the same name in backend.\n');
  const conf = parseRuntimeServer(be.conf, name, w.slice(3), v.model.global);
  if (typeof conf === 'string') return ok(conf + '\n');
  if (conf.track) {
    const t = conf.track.includes('/') ? conf.track : `${be.name}/${conf.track}`;
    const [tb, ts] = t.split('/') as [string, string];
    const target = v.backends.get(tb)?.servers.find((s) => s.name === ts);
    if (!target) return ok(`unable to find required server '${ts}' for tracking.\n`);
    if (dynamicServers.has(target)) return ok(`unable to use ${tb}/${ts} for tracking as it is a dynamic server.\n`);
  }
  const srv = v.addServer(be, conf);
  dynamicServers.add(srv);
  forcedMaint.add(srv);
  setUncheckedHealth(srv, 0);
  // HAProxy prints these as [NOTICE] on stderr, outside the server state messages
  emitProcessEvent({ severity: INFO, text: `${label} : New server registered.`, proxy: be.name, stderrLevel: 'NOTICE' });
  return ok('New server registered.\n');
}

function delServer(w: readonly string[], level: Level, v: RuntimeView): CommandResult {
  if (!need(level, 'admin')) return ok(DENIED);
  // 2.6 ends these replies without the blank line
  const f = findServer(v, w[2]);
  if ('err' in f) return { text: f.err };
  const { be, srv } = f;
  if (srv.admin !== 'MAINT') return { text: 'Only servers in maintenance mode can be deleted.\n' };
  const tracker = [...v.backends.values()].flatMap((b) => b.servers.map((s) => ({ b, s })))
    .find(({ b, s }) => s.conf.track && (s.conf.track === `${be.name}/${srv.name}` || (b === be && s.conf.track === srv.name)));
  if (tracker) return { text: 'Cannot remove a server used as a tracking reference.\n' };
  v.delServer(be, srv);
  emitProcessEvent({ severity: INFO, text: 'Server deleted.', proxy: be.name, stderrLevel: 'NOTICE' });
  return { text: 'Server deleted.\n' };
}

/** The commands lb runs (first words → handler). */
export function runCommand(w: readonly string[], level: Level, v: RuntimeView): CommandResult {
  const [a, b, c] = w;
  if (w.length === 0 || a === '') return { text: usageText([], false) };
  switch (a) {
    case 'help':
      return { text: usageText(w.slice(1), true) };
    case 'prompt':
      return { text: '', prompt: true };
    case 'quit':
      return { text: '', quit: true };
    case 'user':
      return { text: '\n', level: 'user' };
    case 'operator':
      if (!need(level, 'operator')) return ok(DENIED);
      return { text: '\n', level: 'operator' };
    case 'show':
      switch (b) {
        case 'stat': return showStat(w, v);
        case 'info': return showInfo(w, v);
        case 'servers':
          if (c === 'state') return showServersState(w, v);
          if (c === 'conn') return showServersConn(w, v);
          break;
        case 'backend': return showBackend(v);
        case 'version': return ok(`${INFO_VERSION}\n`);
        case 'cli':
          if (c === 'level') return ok(`${level}\n`);
          if (c === 'sockets') {
            let out = '# socket lvl processes\n';
            for (const s of v.cliSockets()) out += `${s.addr} ${s.level} all\n`;
            return ok(out);
          }
          break;
        case 'env': return need(level, 'operator') ? showEnv(w, v) : ok(DENIED);
        case 'sess': return need(level, 'operator') ? showSess(v) : ok(DENIED);
        case 'errors':
          if (!need(level, 'operator')) return ok(DENIED);
          if (c && c !== 'request' && c !== 'response' && !v.proxies.some((p) => p.conf.name === c || `#${p.conf.iid}` === c)) return ok('No such proxy.\n');
          // lb keeps no capture of invalid requests or responses yet
          return ok(`Total events captured on [${logDate(new Date())}] : 0\n`);
      }
      break;
    case 'get':
      if (b === 'weight') {
        const f = findServer(v, c);
        if ('err' in f) return ok(f.err);
        return ok(`${f.srv.weight} (initial ${f.srv.initialWeight})\n`);
      }
      break;
    case 'set':
      if (b === 'server') return setServer(w, level, v);
      if (b === 'weight') {
        if (!need(level, 'admin')) return ok(DENIED);
        const f = findServer(v, c);
        if ('err' in f) return ok(f.err);
        return setWeight(f.be, f.srv, w[3], v);
      }
      if (b === 'maxconn') return setMaxconn(w, level, v);
      if (b === 'timeout') {
        if (c !== 'cli') return ok(`'set timeout' only supports 'cli'.\n`);
        const secs = Number(w[3]);
        if (!w[3] || !/^\d+$/.test(w[3]) || secs <= 0) return ok('Expects an integer value.\n');
        return { text: '\n', timeout: secs * 1000 };
      }
      break;
    case 'enable':
    case 'disable':
      return enableDisable(w, level, v);
    case 'shutdown':
      return shutdown(w, level, v);
    case 'clear':
      if (b === 'counters') return clearCounters(w, level, v);
      break;
    case 'add':
      if (b === 'server') return addServer(w, level, v);
      break;
    case 'del':
      if (b === 'server') return delServer(w, level, v);
      break;
  }
  // a command of HAProxy's list that lb does not run, or an unknown one
  const known = HELP_ROWS.find((r) => r.words.every((x, i) => w[i] === x));
  if (known) return need(level, 'admin') || known.words[0] === 'show' ? notInLb(known.words) : ok(DENIED);
  return { text: usageText(w, false) };
}
