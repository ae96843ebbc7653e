/**
 * Which sections may inherit from a defaults section that has TCP/HTTP
 * rules (HAProxy 2.6, observed): rules of a named defaults section run
 * before the proxy's own, so a defaults section with rules may serve
 * frontends or backends but not both, never a listen or another defaults,
 * and its connection-level rules only frontends.
 *
 * Called by the section driver when a proxy section starts; the returned
 * message is an ERR_ABORT alert ("parsing [f:l]: ...").
 */
import type { ProxyKind } from '../config/keywords.js';
import type { ProxyDraft } from '../config/model.js';

function hasRules(d: ProxyDraft): boolean {
  const r = d.rules;
  return r.tcpRequestConnection.length + r.tcpRequestSession.length + r.tcpRequestContent.length +
    r.tcpResponseContent.length + r.httpRequest.length + r.httpResponse.length + r.httpAfterResponse.length > 0;
}

/** HAProxy's complaint about `kind` inheriting from `from`, or undefined; records the use. */
export function checkRulesInheritance(kind: ProxyKind, from: ProxyDraft): string | undefined {
  if (!hasRules(from)) return undefined;
  const at = `(defaults section at ${from.where.file}:${from.where.line})`;
  if (kind === 'listen') return 'a listen section cannot inherit from a defaults section defining TCP/HTTP rules.';
  if (kind === 'defaults') return `a defaults section cannot inherit from a defaults section defining TCP/HTTP rules ${at}.`;
  const used = from.rules.inheritedBy;
  if ((kind === 'frontend' && used.be) || (kind === 'backend' && used.fe)) {
    return `frontends and backends cannot inherit from the same defaults section if it defines TCP/HTTP rules ${at}.`;
  }
  const r = from.rules;
  if (kind === 'backend' && r.tcpRequestConnection.length + r.tcpRequestSession.length > 0) {
    return `a backend section cannot inherit from a defaults section defining 'tcp-request connection' or 'tcp-request session' rules ${at}.`;
  }
  if (kind === 'frontend' && r.tcpResponseContent.length > 0) {
    return `a frontend section cannot inherit from a defaults section defining 'tcp-response content' rules ${at}.`;
  }
  if (kind === 'frontend') used.fe = true;
  else used.be = true;
  return undefined;
}
