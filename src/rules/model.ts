/**
 * What the rules of a proxy are, as data: ACL definitions, conditions,
 * http-request/http-response/tcp-request rules, use_backend, redirects.
 * (skeleton — filled by the rules work)
 */
export interface ProxyRules {
  acls: unknown[];
  useBackends: Array<{ name: string; file: string; line: number }>;
}

export function initRules(): ProxyRules {
  return { acls: [], useBackends: [] };
}
