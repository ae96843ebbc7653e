/**
 * The Model: what a configuration means, as plain data. Built once by
 * config/parse.ts, defaults inheritance already applied, then deep-frozen.
 * Later code (runtime, data plane, stats) reads only this; no config text
 * reaches the data plane.
 *
 * Each concept owns its part of a proxy: the listener its `binds`, the
 * backend its `servers`, the rules their `rules`, checks, stats and logs
 * theirs. The parts' types live beside the code that owns them.
 */
import type { Where } from './diag.js';
import type { ProxyKind } from './keywords.js';
import type { GlobalConf } from './global.js';
import type { ProxyCore } from './proxy.js';
import type { Bind } from '../proxy/bind.js';
import type { ServerConf, ServerParams } from '../backend/server.js';
import type { ProxyRules } from '../rules/model.js';
import type { CheckConf } from '../checks/config.js';
import type { StatsConf } from '../stats/config.js';
import type { LogConf } from '../log/config.js';
import type { OtherSections, OtherSectionDraft } from './sections-other.js';

export type { OtherSections, OtherSectionDraft };

export interface LoadOptions {
  /** environment used for "${VAR}" and defined() */
  env: Record<string, string | undefined>;
  /** -dr: ignore server address resolution failures */
  ignoreResolveFailures?: boolean;
  /** -dW / zero-warning */
  zeroWarning?: boolean;
  /** -dD diagnostic mode */
  diagMode?: boolean;
  /** -c: check only (nothing is bound or started) */
  checkOnly?: boolean;
}

/** A proxy under construction; frozen into `Proxy` at the end of parsing. */
export interface ProxyDraft extends ProxyCore {
  readonly kind: ProxyKind;
  readonly name: string;
  readonly where: Where;
  /** for defaults: their own name ('' when anonymous) */
  /** name of the defaults section it inherited from ('' = anonymous, undefined = none) */
  from?: string;
  cap: { fe: boolean; be: boolean };
  /**
   * The proxy id shown as `iid` in stats: the explicit `id`, else the next
   * free number in declaration order, starting at 2 when a stats socket adds
   * HAProxy's internal GLOBAL proxy (reference §1.1). 0 in defaults.
   */
  iid: number;
  binds: Bind[];
  servers: ServerConf[];
  defaultServer: ServerParams;
  rules: ProxyRules;
  check: CheckConf;
  stats: StatsConf;
  log: LogConf;
}

export type Proxy = Readonly<ProxyDraft>;

export interface Model {
  readonly files: readonly string[];
  readonly global: GlobalConf;
  /** frontends, backends and listens in declaration order */
  readonly proxies: readonly Proxy[];
  /** named defaults sections, for reference only */
  readonly defaults: readonly Proxy[];
  readonly others: OtherSections;
}

/** Deep-freeze a plain data tree (no cycles expected). */
export function deepFreeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    if (v instanceof RegExp) return v;
    Object.freeze(v);
    for (const k of Object.keys(v)) deepFreeze((v as Record<string, unknown>)[k]);
  }
  return v;
}
