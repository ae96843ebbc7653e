/**
 * The rules of one proxy, compiled once at start-up for the engine:
 * tcp-request (connection, content), http-request + legacy redirects,
 * http-response, monitor-uri. Everything lb would not execute is collected
 * in `unsupported`, and the process refuses to start rather than skip it.
 */
import { compileHttpRequestRules, compileHttpResponseRules, compileRedirectRules, type RuleRunner } from '../rules/http-actions-run.js';
import { compileTcpRequestRules } from '../rules/tcp-actions-run.js';
import { compileMonitorFail, type HttpReqCtx, type HttpResCtx, type TcpCtx, type Pred } from '../rules/eval.js';
import type { Verdict } from '../rules/reply.js';
import type { Proxy } from '../config/model.js';

export class ProxyRuleSet {
  readonly unsupported: string[] = [];
  readonly tcpConnection: RuleRunner<TcpCtx> | undefined;
  readonly tcpContent: RuleRunner<TcpCtx> | undefined;
  private readonly httpRequest: RuleRunner<HttpReqCtx> | undefined;
  private readonly redirects: RuleRunner<HttpReqCtx> | undefined;
  readonly httpResponse: RuleRunner<HttpResCtx> | undefined;
  /** monitor-uri path (matched against the path when it starts with '/') */
  readonly monitorUri: string | undefined;
  readonly monitorFail: Pred<HttpReqCtx> | undefined;
  /** the rules read or write variables: each request needs its own map */
  readonly needsVars: boolean;

  /** the named defaults section's own rules, run before this proxy's (HAProxy 2.6) */
  private readonly inherited: ProxyRuleSet | undefined;

  constructor(p: Proxy, defaults?: Proxy) {
    const r = p.rules;
    this.inherited = defaults && hasRules(defaults) ? new ProxyRuleSet({ ...defaults, mode: p.mode, cap: p.cap } as Proxy) : undefined;
    if (this.inherited) this.unsupported.push(...this.inherited.unsupported);
    const opts = { proxy: p.name, unsupported: this.unsupported };
    const http = p.mode === 'http';
    this.tcpConnection = r.tcpRequestConnection.length ? compileTcpRequestRules(r.tcpRequestConnection, r.acls, 'connection', opts) : undefined;
    this.tcpContent = r.tcpRequestContent.length ? compileTcpRequestRules(r.tcpRequestContent, r.acls, 'content', opts) : undefined;
    this.httpRequest = http && r.httpRequest.length ? compileHttpRequestRules(r.httpRequest, r.acls, opts) : undefined;
    this.redirects = http && r.redirects.length ? compileRedirectRules(r.redirects, r.acls, opts) : undefined;
    this.httpResponse = http && r.httpResponse.length ? compileHttpResponseRules(r.httpResponse, r.acls, opts) : undefined;
    this.monitorUri = http ? p.monitorUri : undefined;
    this.monitorFail = r.monitorFail.length ? compileMonitorFail(r.monitorFail, r.acls, { unsupported: this.unsupported }) : undefined;
    const where = (x: { where: { file: string; line: number } }): string => `${x.where.file}:${x.where.line}`;
    for (const x of r.httpAfterResponse) this.unsupported.push(`${where(x)}: 'http-after-response' is not executed by lb yet`);
    for (const x of r.tcpRequestSession) this.unsupported.push(`${where(x)}: 'tcp-request session' is not executed by lb yet`);
    for (const x of r.tcpResponseContent) this.unsupported.push(`${where(x)}: 'tcp-response content' is not executed by lb yet`);
    for (const x of r.useServers) this.unsupported.push(`${where(x)}: 'use-server' is not executed by lb yet`);
    if (p.cookie && p.cap.be) this.unsupported.push(`${p.where.file}:${p.where.line}: cookie persistence ('cookie ${p.cookie.name}') is not implemented by lb yet`);
    const algo = p.cap.be ? p.balance?.algo : undefined;
    if (algo === 'hash' || algo === 'rdp-cookie') {
      this.unsupported.push(`${p.where.file}:${p.where.line}: 'balance ${algo}' (a key from a sample expression) is not executed by lb yet`);
    }
    this.needsVars = JSON.stringify(r).includes('var');
  }

  /** http-request rules (the named defaults' first) then legacy redirects, in HAProxy's order. */
  request(ctx: HttpReqCtx): Verdict | undefined {
    return this.inherited?.request(ctx) ?? this.httpRequest?.(ctx) ?? this.redirects?.(ctx);
  }

  /** http-response rules, the named defaults' first. */
  response(ctx: HttpResCtx): Verdict | undefined {
    return this.inherited?.response(ctx) ?? this.httpResponse?.(ctx);
  }

  /** tcp-request connection then content rules at accept time. */
  tcpAccept(ctx: TcpCtx): Verdict | undefined {
    return this.inherited?.tcpAccept(ctx) ?? this.tcpConnection?.(ctx) ?? this.tcpContent?.(ctx);
  }

  get hasResponseRules(): boolean {
    return this.httpResponse !== undefined || this.inherited?.hasResponseRules === true;
  }

  get hasTcpRules(): boolean {
    return this.tcpConnection !== undefined || this.tcpContent !== undefined || this.inherited?.hasTcpRules === true;
  }
}

function hasRules(d: Proxy): boolean {
  const r = d.rules;
  return r.httpRequest.length + r.httpResponse.length + r.tcpRequestConnection.length + r.tcpRequestContent.length +
    r.httpAfterResponse.length + r.tcpRequestSession.length + r.tcpResponseContent.length > 0;
}
