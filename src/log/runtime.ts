/**
 * Logging at run time: the senders of the global section, one ProxyLogger
 * per logging frontend (its targets, its log-format compiled once, its
 * options), and the routing of process events (server up/down, proxy
 * stopped) to stderr and to the syslog targets, as HAProxy does.
 *
 * A frontend without any log target has no ProxyLogger at all: the data
 * plane then skips every logging step (one `undefined` test per session).
 */
import pino, { type Logger } from 'pino';
import type { Model, Proxy } from '../config/model.js';
import { LogSender, HOSTNAME, type LineMeta } from './sender.js';
import { compileFormat, type CompiledFormat, type FormatEnv } from './compile.js';
import { effectiveLogFormat } from './format.js';
import { Cause, LogRec, Phase } from './record.js';
import { onProcessEvent, stderrLine, INFO, ERR, type ProcessEvent } from './events.js';
import { levelPrefix } from '../config/diag.js';

export const DEFAULT_TAG = 'haproxy';

export class LogRuntime {
  /** senders of the global `log` lines, shared by every `log global` proxy */
  readonly global: LogSender[];
  readonly globalMeta: LineMeta;
  private readonly byProxy = new Map<string, ProxyLogger>();
  private readonly targetsByProxy = new Map<string, LogSender[]>();
  /** -d: the process's own debug trace (pino, JSON on stderr) */
  readonly debug: Logger | undefined;
  private unsubscribe: (() => void) | undefined;
  /** what the log formats use that lb cannot evaluate (said once at start-up) */
  readonly notes: string[] = [];

  constructor(readonly model: Model, opts: { debug?: boolean } = {}) {
    const g = model.global;
    this.global = g.logs.map((t) => new LogSender(t));
    this.globalMeta = { tag: g.logTag ?? DEFAULT_TAG, host: hostOf(g.logSendHostname), sd: '' };
    this.debug = opts.debug ? pino({ level: 'debug', base: { pid: process.pid } }, pino.destination({ fd: 2, sync: true })) : undefined;
    for (const px of model.proxies) {
      if (px.disabled) continue;
      const own = px.log.targets.map((t) => new LogSender(t));
      const targets = px.log.global ? [...own, ...this.global] : own;
      this.targetsByProxy.set(px.name, targets);
      if (px.cap.fe && (targets.length > 0 || this.debug)) this.byProxy.set(px.name, new ProxyLogger(px, targets, this));
      if (px.cap.fe && px.log.errorFormat !== undefined) {
        this.notes.push(`error-log-format of ${px.kind === 'listen' ? 'proxy' : px.kind} '${px.name}' is never used: lb has no connection-level errors (TLS handshakes) to log.`);
      }
      for (const o of own) if (o.unavailable !== undefined) this.notes.push(o.unavailable);
    }
    for (const o of this.global) if (o.unavailable !== undefined) this.notes.push(o.unavailable);
  }

  /** The logger of a frontend, or undefined when it logs nowhere. */
  forFrontend(name: string): ProxyLogger | undefined {
    return this.byProxy.get(name);
  }

  /**
   * Route process events to the syslog targets of the proxy concerned (its
   * own and, with `log global`, the global ones), or the global targets;
   * `err` also prints them as HAProxy does in the foreground.
   */
  routeEvents(err?: (line: string) => void): void {
    this.unsubscribe = onProcessEvent((e) => this.event(e, err));
  }

  event(e: ProcessEvent, err?: (line: string) => void): void {
    if (err) err(stderrLine(e));
    const targets = e.proxy !== undefined ? this.targetsByProxy.get(e.proxy) ?? this.global : this.global;
    const tagged = e.proxy !== undefined ? this.model.proxies.find((p) => p.name === e.proxy)?.log.tag : undefined;
    const meta = tagged === undefined ? this.globalMeta : { ...this.globalMeta, tag: tagged };
    for (const s of targets) s.send(e.severity, e.text, meta);
  }

  /** "Proxy fe stopped (cumulated conns: FE: 1, BE: 0)." for each proxy, at stop. */
  proxyStopped(name: string, fe: number, be: number, err: (line: string) => void): void {
    const text = `Proxy ${name} stopped (cumulated conns: FE: ${fe}, BE: ${be}).`;
    err(levelPrefix('WARNING', process.pid) + text);
    this.event({ severity: 4, text, proxy: name });
  }

  /** Stop routing events and close every target once its pending lines have left (bounded). */
  async close(): Promise<void> {
    this.unsubscribe?.();
    const all = new Set<LogSender>(this.global);
    for (const t of this.targetsByProxy.values()) for (const s of t) all.add(s);
    await Promise.all([...all].map((s) => s.close()));
  }
}

function hostOf(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  return v === '' ? HOSTNAME : v;
}

/** The access logger of one frontend. */
export class ProxyLogger {
  readonly name: string;
  readonly http: boolean;
  private readonly targets: LogSender[];
  private readonly meta: LineMeta;
  /** the compiled access line; undefined = HAProxy's default "Connect from" line */
  readonly format: CompiledFormat | undefined;
  private readonly sd: CompiledFormat | undefined;
  /** `option jsonlog`: pino builds the line */
  private readonly json: Logger | undefined;
  private jsonLine = '';
  readonly dontlognull: boolean;
  readonly logasap: boolean;
  private readonly separateErrors: boolean;
  private readonly dontlogNormal: boolean;
  private readonly debug: Logger | undefined;
  private count = 0;
  /** HAProxy's "Connect from" line at accept (no log format, no jsonlog) */
  readonly connectLine: boolean;

  constructor(px: Proxy, targets: LogSender[], rt: LogRuntime) {
    this.name = px.name;
    this.http = px.mode === 'http';
    this.targets = targets;
    const tag = px.log.tag ?? rt.globalMeta.tag;
    this.meta = { tag, host: rt.globalMeta.host, sd: '' };
    const unsupported: string[] = [];
    const env: FormatEnv = {
      fe: px.name,
      captures: px.log.captures,
      logCount: () => this.count,
      unsupported,
    };
    const where = px.log.formatWhere ?? px.where;
    if (px.log.uniqueIdFormat !== undefined) env.uniqueId = compileFormat(px.log.uniqueIdFormat, env, px.log.uniqueIdWhere ?? px.where);
    const fmt = effectiveLogFormat(px.log);
    this.format = fmt === undefined ? undefined : compileFormat(fmt, env, where);
    this.sd = px.log.formatSd !== undefined && targets.some((t) => t.target.format === 'rfc5424') ? compileFormat(px.log.formatSd, env, where) : undefined;
    if (px.flags['jsonlog']) {
      this.json = pino({ base: null, timestamp: false, messageKey: 'msg' }, { write: (s: string) => { this.jsonLine = s.endsWith('\n') ? s.slice(0, -1) : s; } });
    }
    this.connectLine = this.format === undefined && this.json === undefined;
    for (const u of unsupported) rt.notes.push(`log format of ${px.kind === 'listen' ? 'proxy' : px.kind} '${px.name}': ${u} (not implemented in lb: logged as '-').`);
    this.dontlognull = px.flags['dontlognull'] === true;
    this.logasap = px.flags['logasap'] === true;
    this.separateErrors = px.flags['log-separate-errors'] === true;
    this.dontlogNormal = px.flags['dontlog-normal'] === true;
    this.debug = rt.debug?.child({ frontend: px.name });
  }

  /** HAProxy's default line, at accept, for proxies without a log format. */
  connect(ci: string, cp: number, fi: string, fp: number): void {
    const msg = `Connect from ${ci}:${cp} to ${fi}:${fp} (${this.name}/${this.http ? 'HTTP' : 'TCP'})`;
    this.debug?.debug({ ci, cp, fi, fp }, 'accept');
    this.send(INFO, msg);
  }

  /** Log a finished transaction/session. */
  log(r: LogRec): void {
    // HAProxy's "error" test: redispatch, an abnormal end other than a local
    // reply, retries on a normal end, or an HTTP 5xx
    const err = r.redispatched
      || (r.cause !== Cause.None && r.cause !== Cause.Local)
      || (r.cause === Cause.None && r.retries > 0)
      || (this.http && r.status >= 500);
    if (this.debug) this.debug.debug(debugFields(r), 'end');
    if (!err && this.dontlogNormal) return;
    if (this.dontlognull && r.bytesIn === 0 && !this.connectLine) return;
    this.count++;
    this.lastRec = r;
    const sev = err && this.separateErrors ? ERR : INFO;
    if (this.json) { this.send(sev, this.jsonText(r)); return; }
    if (this.format === undefined) return;
    this.send(sev, this.format.render(r));
  }

  private jsonText(r: LogRec): string {
    const ts = r.cause === Cause.None ? '--' : String.fromCharCode(r.cause, r.phase === Phase.None ? 45 : r.phase);
    const at = new Date(r.tRx >= 0 ? r.tRx : r.tAccept).toISOString();
    const fields: Record<string, unknown> = {
      time: at, client_ip: r.ci, client_port: r.cp, frontend: this.name, backend: r.be || this.name, server: r.srv || '<NOSRV>',
    };
    const pick = (t: number, from: number): number => (t >= 0 && from >= 0 ? t - from : -1);
    if (this.http) {
      fields['TR'] = pick(r.tHead, r.tRx);
    }
    fields['Tw'] = r.tQueue >= 0 ? r.tQueue - (r.tHead >= 0 ? r.tHead : r.tAccept) : -1;
    fields['Tc'] = pick(r.tConn, r.tQueue);
    if (this.http) {
      fields['Tr'] = pick(r.tRes, r.tConn);
      fields['Ta'] = r.tEnd - (r.tRx >= 0 ? r.tRx : r.tAccept);
      fields['status'] = r.status;
    }
    fields['Tt'] = r.tEnd - r.tAccept;
    fields['bytes_read'] = r.bytesOut;
    fields['bytes_uploaded'] = r.bytesIn;
    fields['termination_state'] = this.http ? `${ts}--` : ts;
    fields['fe_conn'] = r.feCounters?.scur ?? 0;
    fields['be_conn'] = r.beCounters?.scur ?? 0;
    fields['srv_conn'] = r.srvCounters?.scur ?? 0;
    fields['retries'] = r.retries;
    fields['redispatched'] = r.redispatched;
    fields['srv_queue'] = r.srvQueue;
    fields['backend_queue'] = r.beQueue;
    if (this.http) {
      fields['method'] = r.method || null;
      fields['uri'] = r.method ? r.uri : null;
      fields['version'] = r.method ? (r.version === 10 ? 'HTTP/1.0' : 'HTTP/1.1') : null;
    }
    if (r.uniqueId !== undefined) fields['unique_id'] = r.uniqueId;
    this.json!.info(fields);
    return this.jsonLine;
  }

  private send(sev: number, msg: string): void {
    const meta = this.sd === undefined ? this.meta : this.metaWithSd();
    for (let i = 0; i < this.targets.length; i++) this.targets[i]!.send(sev, msg, meta);
  }

  private lastRec: LogRec | undefined;
  private metaWithSd(): LineMeta {
    return { tag: this.meta.tag, host: this.meta.host, sd: this.lastRec ? this.sd!.render(this.lastRec) : '' };
  }
}

function debugFields(r: LogRec): Record<string, unknown> {
  return {
    ci: r.ci, cp: r.cp, backend: r.be, server: r.srv, status: r.status, bytes: r.bytesOut,
    ts: r.cause === Cause.None ? '--' : String.fromCharCode(r.cause, r.phase === Phase.None ? 45 : r.phase),
    method: r.method, uri: r.uri,
  };
}
