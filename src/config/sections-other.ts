/**
 * Sections other than global and proxies: resolvers, userlist, peers,
 * http-errors, program, mailers, cache, ring, log-forward, fcgi-app
 * (reference §1.1). Each is parsed into plain data by its rows
 * (config/sections-misc.ts, config/http-errors.ts).
 *
 * What lb cannot run is refused where it would act, never silently:
 *  - log-forward (binds syslog listeners): the section itself;
 *  - program (starts processes): after parsing, like HAProxy's own checks;
 *  - peers with a local peer (would listen): at post-parse;
 *  - ring servers and `log ring@`: where written.
 * Sections that are declared but unused have no traffic effect and are kept.
 */
import { Codes, ConfigError, NotImplementedError } from '../core/errors.js';
import type { Diagnostics, Where } from './diag.js';
import type { SectionKind } from './keywords.js';
import type { ErrorFile } from './proxy.js';

export const OTHER_SECTIONS = [
  'resolvers', 'userlist', 'peers', 'http-errors', 'program', 'mailers', 'cache', 'ring',
  'log-forward', 'fcgi-app',
] as const satisfies readonly SectionKind[];
export type OtherKind = (typeof OTHER_SECTIONS)[number];

export interface Nameserver {
  name: string;
  transport: 'udp' | 'tcp';
  host: string;
  port: number;
  where: Where;
}

export interface ResolversConf {
  nameservers: Nameserver[];
  parseResolvConf: boolean;
  /** ms per event: nx, other, refused, timeout, valid, obsolete */
  hold: Record<string, number>;
  resolveRetries: number;
  timeoutResolve: number;
  timeoutRetry: number;
  acceptedPayloadSize: number;
}

export interface UserlistConf {
  users: Array<{ name: string; password?: string; insecure: boolean; groups: string[]; where: Where }>;
  groups: Array<{ name: string; users: string[]; where: Where }>;
}

export interface OtherSectionDraft {
  readonly kind: OtherKind;
  readonly name: string;
  readonly where: Where;
  /** the section's statements as written (keyword → values), in order */
  entries: Array<{ kw: string; args: string[]; where: Where }>;
  /** resolvers only */
  resolvers?: ResolversConf;
  /** userlist only */
  userlist?: UserlistConf;
  /** http-errors only: code → response */
  errorfiles?: Record<number, ErrorFile>;
  /** a duplicate HAProxy ignores: parsed, not kept */
  ignored?: boolean;
}

export type OtherSections = Record<OtherKind, OtherSectionDraft[]>;

export function initOthers(): OtherSections {
  const o = {} as OtherSections;
  for (const k of OTHER_SECTIONS) o[k] = [];
  return o;
}

export function initResolvers(): ResolversConf {
  return {
    nameservers: [], parseResolvConf: false,
    hold: { nx: 30_000, other: 30_000, refused: 30_000, timeout: 30_000, valid: 10_000, obsolete: 0 },
    resolveRetries: 3, timeoutResolve: 1000, timeoutRetry: 1000, acceptedPayloadSize: 512,
  };
}

/** HAProxy's "missing name" message per section. */
const MISSING_NAME: Record<OtherKind, [string, 'parsing' | 'parsing:']> = {
  'resolvers': ['missing name for resolvers section.', 'parsing'],
  'userlist': [`'userlist' expects <name> as arguments.`, 'parsing:'],
  'peers': ['missing name for peers section.', 'parsing'],
  'http-errors': ['missing name for http-errors section.', 'parsing'],
  'program': [`'program' expects an <id> argument`, 'parsing'],
  'mailers': ['missing name for mailers section.', 'parsing'],
  'cache': [`'cache' expects a <name> argument`, 'parsing'],
  'ring': ['missing ring name.', 'parsing'],
  'log-forward': ['missing name for ip-forward section.', 'parsing'],
  'fcgi-app': [`'fcgi-app' expects <name> as argument.`, 'parsing:'],
};

/** HAProxy's duplicate-name message per section ('' = not detected while parsing). */
function duplicate(kind: OtherKind, name: string, at: Where, prev: Where): string {
  const here = `${at.file}:${at.line}`;
  const there = `${prev.file}:${prev.line}`;
  switch (kind) {
    case 'resolvers': return `Parsing [${here}]: resolvers '${name}' has same name as another resolvers (declared at ${there}).`;
    case 'peers': case 'mailers': case 'log-forward':
      return `Parsing [${here}]: ${kind} section '${name}' has the same name as another ${kind} section declared at ${there}.`;
    case 'fcgi-app': return `Parsing [${here}]: fcgi-app section '${name}' has the same name as another one declared at ${there}.`;
    default: return '';
  }
}

/** Start a section from its header words (after the section keyword). */
export function startOtherSection(kind: SectionKind, args: readonly string[], where: Where, all: OtherSections, diag?: Diagnostics): OtherSectionDraft {
  const k = kind as OtherKind;
  const name = args[0];
  if (name === undefined || name === '') {
    const [msg, style] = MISSING_NAME[k];
    throw new ConfigError(msg, style);
  }
  const prev = all[k].find((s) => s.name === name && !s.ignored);
  const s: OtherSectionDraft = { kind: k, name, where, entries: [] };
  if (k === 'resolvers') s.resolvers = initResolvers();
  if (k === 'userlist') s.userlist = { users: [], groups: [] };
  if (k === 'http-errors') s.errorfiles = {};
  if (prev) {
    switch (k) {
      case 'userlist':
        diag?.warning(`ignoring duplicated userlist '${name}'.`, where, 'parsing:');
        s.ignored = true;
        return s;
      case 'http-errors':
        throw new ConfigError(`http-errors section '${name}' already exists (declared at ${prev.where.file}:${prev.where.line}).`, 'parsing:');
      case 'program':
        throw new ConfigError(`'${name}' program section already exists in the configuration.`, 'parsing:');
      case 'ring':
        throw new ConfigError(`sink named '${name}' already exists.`);
      case 'cache':
        break; // HAProxy only notices at the end, if ever
      default: {
        diag?.alert(Codes.CFG_INVALID, duplicate(k, name, where, prev.where), where, 'plain');
        if (k === 'resolvers') throw new ConfigError('out of memory.');
        s.ignored = true;
        return s;
      }
    }
  }
  if (k === 'log-forward') {
    throw new NotImplementedError(`'log-forward' sections are not implemented in lb (syslog forwarding); remove it or run this configuration with HAProxy.`);
  }
  all[k].push(s);
  return s;
}
