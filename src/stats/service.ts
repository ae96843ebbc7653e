/**
 * The stats page service of a proxy with `stats enable` (reference §2.13,
 * §8): which requests it takes (`stats uri` prefix), Basic authentication
 * against `stats auth` (HAProxy's 401 with the realm), `stats admin if`,
 * the display options in the URI (`;csv`, `;json`, `;typed`,
 * `;json-schema`, `;up`, `;no-maint`, `;norefresh`, `;st=`, `;scope=` /
 * `?scope=`), `stats scope`, and the admin form's POST, applied through the
 * same server operations as the runtime API (runtime/server-admin.ts).
 *
 * Only requests to the stats URI reach this module; the HTTP engine asks
 * `matches()` (one startsWith) and nothing else on the hot path.
 */
import { compileCondition, type HttpReqCtx, type Pred } from '../rules/eval.js';
import { renderVerdict } from '../rules/reply.js';
import type { Proxy } from '../config/model.js';
import type { ProcessGroup, RuntimeView } from '../runtime/view.js';
import type { BackendRuntime } from '../backend/backend.js';
import type { ServerRuntime } from '../backend/server-runtime.js';
import { enterDrain, enterMaint, forceAgent, forceHealth, forcedMaint, setReady } from '../runtime/server-admin.js';
import { CSV_HEADER, F, csvLine, renderJson, renderTyped, statRows, serverStatus, type StatRow, type StatsView } from './fields.js';
import { INFO_FIELDS, infoValues, INFO_VERSION } from './info.js';
import { LB_DATE } from '../core/version.js';
import { renderPage, type PageOpts, type PageProxy } from './html.js';
import { STATS_JSON_SCHEMA } from './html-assets.js';
import type { StatsConf } from './config.js';

/** A complete response: bytes (latin1 string) and status for the counters. */
export interface LocalResponse {
  readonly bytes: string;
  readonly status: number;
}

/** The request as the service sees it. */
export interface StatsRequest {
  readonly method: string;
  readonly target: string;
  readonly version: 10 | 11;
  readonly ctx: HttpReqCtx;
  /** the client asked to close (or HTTP/1.0) */
  readonly close: boolean;
}

/** A service lb answers itself (the stats page, the Prometheus exporter). */
export interface LocalService {
  /** the request's body must be read before `handle` (POST to the stats page) */
  wantsBody(method: string): boolean;
  /**
   * `body`: the complete body, or why it was not read (chunked: IVAL, too
   * large: EXCD). With several workers the answer waits for the group's
   * counters (a promise); alone, it is immediate.
   */
  handle(req: StatsRequest, body: Buffer | 'IVAL' | 'EXCD' | undefined): LocalResponse | Promise<LocalResponse>;
}

/** Largest admin form body accepted (HAProxy answers EXCD beyond its buffer). */
export const STATS_POST_MAX = 16384;

const HIDDEN_WITHOUT_LEGENDS = [F['addr']!, F['cookie']!, F['algo']!];

function header(ctx: HttpReqCtx, name: string): string | undefined {
  const h = ctx.rawHeaders;
  for (let i = 0; i < h.length; i += 2) if (h[i] === name) return h[i + 1];
  return undefined;
}

function urlDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

export class StatsService implements LocalService {
  readonly uri: string;
  private readonly conf: StatsConf;
  private readonly admin: Pred<HttpReqCtx> | undefined;
  private view: RuntimeView | undefined;

  constructor(private readonly proxy: Proxy, unsupported: string[]) {
    this.conf = proxy.stats;
    this.uri = this.conf.uri;
    const env = { unsupported };
    if (this.conf.admin.length > 0) {
      const preds = this.conf.admin.map((a) => {
        const p = compileCondition<HttpReqCtx>(a.cond, proxy.rules.acls, env, { file: a.file, line: a.line });
        return p;
      });
      this.admin = (ctx) => preds.some((p) => p(ctx));
    }
    for (const r of this.conf.httpRequest) {
      unsupported.push(`${r.file}:${r.line}: 'stats http-request ${r.words[0] ?? ''}' is not executed by lb yet`);
    }
  }

  /** Give the service the running process to read and act on (set once the runtime is built). */
  attach(view: RuntimeView): void {
    this.view = view;
  }

  /** GET, HEAD and POST to the stats uri prefix; other methods go to the backend as HAProxy's do. */
  matches(method: string, target: string): boolean {
    return target.startsWith(this.uri) && (method === 'GET' || method === 'HEAD' || method === 'POST');
  }

  /** The request needs its body read first (the admin form). */
  wantsBody(method: string): boolean {
    return method === 'POST';
  }

  /** Answer a request whose target matched; `body` is the complete POST body (or undefined). */
  handle(req: StatsRequest, body: Buffer | 'IVAL' | 'EXCD' | undefined): LocalResponse | Promise<LocalResponse> {
    if (this.conf.auths.length > 0 && !this.authorized(req.ctx)) {
      return { bytes: renderVerdict({ kind: 'auth', realm: this.conf.realm }, { close: req.close }), status: 401 };
    }
    const view = this.view;
    if (!view) return { bytes: renderVerdict({ kind: 'deny', status: 503, headers: [] }, { close: req.close }), status: 503 };
    const g = view.group;
    if (g === undefined) return this.respond(view, req, body);
    return this.respondInGroup(view, g, req, body);
  }

  /**
   * Several workers: the page shows the group's counters, as `show stat`
   * does, and an admin action is applied here and then, as the stats socket's
   * command that does the same, in every other worker.
   */
  private async respondInGroup(view: RuntimeView, g: ProcessGroup, req: StatsRequest, body: Buffer | 'IVAL' | 'EXCD' | undefined): Promise<LocalResponse> {
    if (req.method === 'POST') {
      const commands: string[][] = [];
      const res = this.respond(view, req, body, commands);
      for (const words of commands) await g.fanout(words, 'admin').catch(() => undefined);
      return res;
    }
    return this.respond(await g.aggregate().catch(() => view), req, body);
  }

  private respond(view: RuntimeView, req: StatsRequest, body: Buffer | 'IVAL' | 'EXCD' | undefined, commands?: string[][]): LocalResponse {
    const close = req.close ? 'connection: close\r\n' : '';
    const rest = req.target.slice(this.uri.length);
    const flag = (f: string): boolean => rest.includes(f);
    const isAdmin = this.admin?.(req.ctx) === true;
    const hideDown = flag(';up');
    const noRefresh = flag(';norefresh');
    const scopeM = /[?&;]scope=([^;&]*)/.exec(rest);
    const scope = scopeM ? urlDecode(scopeM[1]!).slice(0, 20) : '';
    if (req.method === 'POST') {
      let st: string;
      if (!isAdmin) st = 'DENY';
      else if (body === undefined || body === 'IVAL') st = 'IVAL';
      else if (body === 'EXCD' || body.length > STATS_POST_MAX) st = 'EXCD';
      else st = this.adminPost(view, body.toString('latin1'), commands);
      const loc = `${this.uri};st=${st}${hideDown ? ';up' : ''}${noRefresh ? ';norefresh' : ''}${scope ? `?scope=${scope}` : ''}`;
      return {
        bytes: `HTTP/1.1 303 See Other\r\ncache-control: no-cache\r\ncontent-type: text/plain\r\ncontent-length: 0\r\nlocation: ${loc}\r\n${close}\r\n`,
        status: 303,
      };
    }
    const refresh = this.conf.refresh > 0 && !noRefresh ? `refresh: ${this.conf.refresh}\r\n` : '';
    const proxies = this.pageProxies(view, scope, hideDown, flag(';no-maint'));
    let ctype: string;
    let payload: string;
    if (flag(';json-schema')) {
      ctype = 'application/json';
      payload = STATS_JSON_SCHEMA;
    } else if (flag(';csv')) {
      ctype = 'text/plain';
      payload = CSV_HEADER + '\n';
      for (const p of proxies) for (const r of p.rows) payload += csvLine(this.legendsCut(r)) + '\n';
    } else if (flag(';json')) {
      ctype = 'application/json';
      payload = renderJson(proxies.flatMap((p) => p.rows.map((r) => this.legendsCut(r)))).slice(0, -1);
    } else if (flag(';typed')) {
      ctype = 'text/plain';
      payload = renderTyped(proxies.flatMap((p) => p.rows.map((r) => this.legendsCut(r)))).slice(0, -1);
    } else {
      ctype = 'text/html';
      const stM = /;st=([A-Z]+)/.exec(rest);
      const opts: PageOpts = {
        uri: this.uri, refresh: this.conf.refresh, noRefresh, hideDown, scope, admin: isAdmin,
        legends: this.conf.showLegends, ...(stM ? { status: stM[1]! } : {}),
      };
      payload = renderPage(this.pageInfo(view), proxies, opts);
    }
    const head = `HTTP/1.1 200 OK\r\ncache-control: no-cache\r\ncontent-type: ${ctype}\r\n${refresh}`;
    const bytes = Buffer.from(payload, 'utf8').toString('latin1');
    if (req.method === 'HEAD') return { bytes: `${head}${close}\r\n`, status: 200 };
    if (req.version === 10) return { bytes: `${head}connection: close\r\ncontent-length: ${bytes.length}\r\n\r\n${bytes}`, status: 200 };
    return { bytes: `${head}transfer-encoding: chunked\r\n${close}\r\n${bytes.length.toString(16)}\r\n${bytes}\r\n0\r\n\r\n`, status: 200 };
  }

  private authorized(ctx: HttpReqCtx): boolean {
    const h = header(ctx, 'authorization');
    if (!h) return false;
    const m = /^basic\s+(\S+)/i.exec(h);
    if (!m) return false;
    const cred = Buffer.from(m[1]!, 'base64').toString('latin1');
    const colon = cred.indexOf(':');
    if (colon < 0) return false;
    const user = cred.slice(0, colon), pass = cred.slice(colon + 1);
    return this.conf.auths.some((a) => a.user === user && a.password === pass && a.password !== '');
  }

  /** Without `stats show-legends`, addresses, cookies and algorithms stay hidden. */
  private legendsCut(r: StatRow): StatRow {
    if (this.conf.showLegends) return r;
    const values = r.values.slice();
    for (const i of HIDDEN_WITHOUT_LEGENDS) values[i] = undefined;
    return { ...r, values };
  }

  private pageProxies(view: RuntimeView, scope: string, hideDown: boolean, noMaint: boolean): PageProxy[] {
    const sv: StatsView = { proxies: view.proxies, globalMaxconn: view.globalMaxconn(), rates: view.rates };
    const allowed = this.conf.scopes.map((s) => (s === '.' ? this.proxy.name : s));
    const out: PageProxy[] = [];
    const lower = scope.toLowerCase();
    for (const pv of view.proxies) {
      if (allowed.length > 0 && !allowed.includes(pv.conf.name)) continue;
      if (lower && !pv.conf.name.toLowerCase().includes(lower)) continue;
      let rows = statRows(sv, { iid: pv.conf.iid, types: -1, sid: -1 }).filter((r) => r.values[0] === pv.conf.name);
      if (pv.be && (hideDown || noMaint)) {
        const be = pv.be;
        const hidden = new Set<number>();
        for (const s of be.servers) {
          if (noMaint && s.admin === 'MAINT') hidden.add(s.id);
          if (hideDown && (s.admin === 'MAINT' || /^DOWN/.test(serverStatus(s, be)))) hidden.add(s.id);
        }
        rows = rows.filter((r) => r.type !== 'S' || !hidden.has(r.sid));
      }
      out.push({ view: pv, rows });
    }
    return out;
  }

  private pageInfo(view: RuntimeView): Parameters<typeof renderPage>[0] {
    const vals = infoValues(view.info());
    const get = (name: string): number => {
      const f = INFO_FIELDS.find((x) => x.name === name)!;
      const x = vals[f.pos];
      return typeof x === 'number' ? x : Number(x ?? 0);
    };
    const g = view.model.global;
    const node = this.conf.showNode === undefined ? undefined : this.conf.showNode === true ? String(vals[INFO_FIELDS.find((x) => x.name === 'node')!.pos] ?? '') : this.conf.showNode;
    const desc = this.conf.showDesc === undefined ? undefined : this.conf.showDesc === true ? g.description ?? '' : this.conf.showDesc;
    return {
      pid: process.pid, nbthread: get('Nbthread'), uptimeSec: get('Uptime_sec'), ulimitN: get('Ulimit-n'), maxsock: get('Maxsock'),
      maxconn: get('Maxconn'), currConns: get('CurrConns'), connRate: get('ConnRate'), bytesOutRate: get('BytesOutRate'),
      runQueue: get('Run_queue'), tasks: get('Tasks'), idlePct: get('Idle_pct'),
      ...(this.conf.hideVersion ? {} : { version: `${INFO_VERSION}, released ${LB_DATE}` }),
      ...(node !== undefined ? { node } : {}),
      ...(desc !== undefined ? { desc } : {}),
    };
  }

  /** Apply the admin form: `s=<srv>...&action=<a>&b=<backend|#iid>`; HAProxy's result code. */
  private adminPost(view: RuntimeView, body: string, commands?: string[][]): string {
    let action = '';
    let bname = '';
    const names: string[] = [];
    for (const part of body.split('&')) {
      if (!part) continue;
      const eq = part.indexOf('=');
      const k = urlDecode(eq < 0 ? part : part.slice(0, eq));
      const val = urlDecode(eq < 0 ? '' : part.slice(eq + 1));
      if (k === 'action') action = val;
      else if (k === 'b') bname = val;
      else if (k === 's') names.push(val);
    }
    let be: BackendRuntime | undefined;
    if (bname.startsWith('#')) be = view.proxies.find((p) => p.be && p.conf.iid === Number(bname.slice(1)))?.be;
    else be = view.backends.get(bname);
    // a missing action or backend changes nothing; an unknown one is an error
    if (!action || !bname) return 'NONE';
    if (!be || !ACTIONS.has(action)) return 'ERRP';
    let total = 0, altered = 0;
    for (const name of names) {
      total++;
      const srv = be.servers.find((s) => s.name === name);
      if (!srv) continue;
      if (applyAction(view, be, srv, action)) {
        altered++;
        commands?.push(ACTIONS.get(action)!(`${be.name}/${srv.name}`));
      }
    }
    if (total === 0) return 'NONE';
    if (altered === 0) return 'ERRP';
    return altered === total ? 'DONE' : 'PART';
  }
}

/** The admin form's actions, each with the stats socket command that does the same (for the other workers). */
const ACTIONS = new Map<string, (srv: string) => string[]>([
  ['ready', (s) => ['set', 'server', s, 'state', 'ready']],
  ['drain', (s) => ['set', 'server', s, 'state', 'drain']],
  ['maint', (s) => ['set', 'server', s, 'state', 'maint']],
  ['dhlth', (s) => ['disable', 'health', s]],
  ['ehlth', (s) => ['enable', 'health', s]],
  ['hrunn', (s) => ['set', 'server', s, 'health', 'up']],
  ['hnolb', (s) => ['set', 'server', s, 'health', 'stopping']],
  ['hdown', (s) => ['set', 'server', s, 'health', 'down']],
  ['dagent', (s) => ['disable', 'agent', s]],
  ['eagent', (s) => ['enable', 'agent', s]],
  ['arunn', (s) => ['set', 'server', s, 'agent', 'up']],
  ['adown', (s) => ['set', 'server', s, 'agent', 'down']],
  ['shutdown', (s) => ['shutdown', 'sessions', 'server', s]],
]);

/** One admin action on one server; false when it does not apply (no check configured...). */
function applyAction(view: RuntimeView, be: BackendRuntime, srv: ServerRuntime, action: string): boolean {
  switch (action) {
    case 'ready': setReady(be, srv); return true;
    case 'drain': enterDrain(be, srv); return true;
    case 'maint': forcedMaint.add(srv); enterMaint(be, srv); return true;
    case 'dhlth': case 'ehlth':
      if (!srv.check) return false;
      srv.check.paused = action === 'dhlth';
      return true;
    case 'hrunn': case 'hnolb': case 'hdown':
      if (!srv.check || srv.conf.track) return false;
      forceHealth(be, srv, action === 'hrunn' ? 'up' : action === 'hnolb' ? 'stopping' : 'down');
      return true;
    case 'dagent': case 'eagent':
      if (!srv.agent) return false;
      srv.agent.paused = action === 'dagent';
      return true;
    case 'arunn': case 'adown':
      if (!srv.agent) return false;
      forceAgent(be, srv, action === 'arunn' ? 'up' : 'down');
      return true;
    case 'shutdown':
      view.shutdownSessions(srv);
      return true;
    default:
      return false;
  }
}
