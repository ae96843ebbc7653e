/**
 * What the rules of a proxy are, as data: ACL definitions, conditions,
 * http-request/http-response/tcp-request rules, use_backend, redirects.
 *
 * Invariants: everything here is plain data (structuredClone-able, no
 * functions, regexes kept as source strings) so that defaults inheritance
 * and deepFreeze work; conditions refer to ACLs by name and the data plane
 * resolves a name to every `acls` entry with that name (they are OR-ed).
 */
import type { Where } from '../config/diag.js';

/** ACL pattern matching methods (`-m`). 'meth' is the implicit one of `method`. */
export type MatchMethod =
  | 'found' | 'bool' | 'int' | 'ip' | 'bin' | 'len' | 'str' | 'sub' | 'reg' | 'beg' | 'end' | 'dir' | 'dom' | 'meth';

/** A converter applied after a fetch: `lower`, `map(/f)`; args kept as written. */
export interface Converter {
  readonly name: string;
  readonly args: readonly string[];
}

/** A sample expression `fetch(args),conv1,conv2(args)`. */
export interface SampleExpr {
  /** canonical fetch name (ACL keyword aliases resolved: `hdr_beg` → `req.hdr`) */
  readonly fetch: string;
  readonly args: readonly string[];
  readonly convs: readonly Converter[];
  /** the expression as written */
  readonly text: string;
}

export interface AclDef {
  /** '' for an anonymous ACL (`{ ... }`) */
  readonly name: string;
  readonly expr: SampleExpr;
  /** the keyword as written before aliases were resolved (`path_beg`) */
  readonly keyword: string;
  readonly match: MatchMethod;
  readonly ignoreCase: boolean;
  /** `-n`: no DNS resolution for IP patterns */
  readonly noDns: boolean;
  /** `-M`: the -f files are maps (only keys are used) */
  readonly mapFiles: boolean;
  /** `-u <id>` */
  readonly uniqueId?: number;
  /**
   * patterns given inline, as written; for int matching an operator word
   * (eq ge gt le lt) is joined to its value: "gt 0"
   */
  readonly patterns: readonly string[];
  /** `-f` pattern files, each read at load time */
  readonly files: ReadonlyArray<{ readonly path: string; readonly patterns: readonly string[] }>;
  readonly where: Where;
}

/** One term of a condition: a named ACL or an anonymous one, maybe negated. */
export interface CondTerm {
  readonly acl?: string;
  readonly anon?: AclDef;
  readonly neg: boolean;
}

/**
 * `if|unless <terms>`: an OR of ANDs. `unless` negates the whole result.
 * An empty `or` list (`if` alone) never matches for `if`.
 */
export interface Condition {
  readonly pol: 'if' | 'unless';
  readonly or: ReadonlyArray<{ readonly and: readonly CondTerm[] }>;
}

/**
 * One http-request/http-response/tcp-request... rule. `params` holds the
 * action's arguments already validated (status codes as numbers, log-format
 * strings as text, sample expressions as SampleExpr).
 */
export interface Rule {
  /** action name as written (`set-var(txn.x)` keeps its argument) */
  readonly action: string;
  readonly params: Readonly<Record<string, unknown>>;
  readonly cond?: Condition;
  readonly where: Where;
}

export interface RedirectRule {
  readonly type: 'location' | 'prefix' | 'scheme';
  /** log-format text */
  readonly target: string;
  readonly code: number;
  readonly dropQuery: boolean;
  readonly appendSlash: boolean;
  readonly ignoreEmpty: boolean;
  readonly setCookie?: string;
  readonly clearCookie?: string;
  readonly cond?: Condition;
  readonly where: Where;
}

export interface ProxyRules {
  /** every ACL definition in order; same name = OR-ed */
  acls: AclDef[];
  /** `use_backend`; name may be a log-format (`%[...]`) */
  useBackends: Array<{ name: string; file: string; line: number; cond?: Condition; dynamic?: boolean }>;
  useServers: Array<{ name: string; cond: Condition; where: Where; dynamic: boolean }>;
  /** legacy `redirect` rules */
  redirects: RedirectRule[];
  httpRequest: Rule[];
  httpResponse: Rule[];
  httpAfterResponse: Rule[];
  tcpRequestConnection: Rule[];
  tcpRequestSession: Rule[];
  tcpRequestContent: Rule[];
  tcpResponseContent: Rule[];
  /** `tcp-request inspect-delay`, ms */
  inspectDelay?: number;
  /** `tcp-response inspect-delay`, ms */
  responseInspectDelay?: number;
  /** `monitor fail` conditions, OR-ed */
  monitorFail: Condition[];
  /** defaults sections only: which kinds of proxies inherited its rules */
  inheritedBy: { fe: boolean; be: boolean };
  /** ACL names refused as not implemented; conditions naming them add no second error */
  refusedAcls: string[];
  /** Referenced objects resolved after parsing (nbsrv(be), http_auth(ul)) */
  argRefs: Array<{ kind: 'backend' | 'frontend' | 'server' | 'userlist' | 'table'; name: string; keyword: string; label?: string; where: Where }>;
  /** `errorfiles <name>` of http replies, checked against http-errors sections */
  errorfilesRefs: Array<{ name: string; where: Where }>;
}

export function initRules(): ProxyRules {
  return {
    acls: [], useBackends: [], useServers: [], redirects: [],
    httpRequest: [], httpResponse: [], httpAfterResponse: [],
    tcpRequestConnection: [], tcpRequestSession: [], tcpRequestContent: [], tcpResponseContent: [],
    monitorFail: [], argRefs: [], errorfilesRefs: [], refusedAcls: [], inheritedBy: { fe: false, be: false },
  };
}
