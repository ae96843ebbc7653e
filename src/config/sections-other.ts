/**
 * Sections other than global and proxies: resolvers, userlist, peers,
 * http-errors, program, mailers, cache, ring, log-forward, fcgi-app.
 * Each is parsed into plain data; what lb does not implement is reported
 * where it is used (e.g. `server ... resolvers`), not silently ignored.
 */
import { ConfigError } from '../core/errors.js';
import type { Where } from './diag.js';
import type { SectionKind } from './keywords.js';

export const OTHER_SECTIONS = [
  'resolvers', 'userlist', 'peers', 'http-errors', 'program', 'mailers', 'cache', 'ring',
  'log-forward', 'fcgi-app',
] as const satisfies readonly SectionKind[];
export type OtherKind = (typeof OTHER_SECTIONS)[number];

export interface OtherSectionDraft {
  readonly kind: OtherKind;
  readonly name: string;
  readonly where: Where;
  /** the section's statements as parsed by its rows (keyword → values) */
  entries: Array<{ kw: string; args: string[]; where: Where }>;
}

export type OtherSections = Record<OtherKind, OtherSectionDraft[]>;

export function initOthers(): OtherSections {
  const o = {} as OtherSections;
  for (const k of OTHER_SECTIONS) o[k] = [];
  return o;
}

/** Start a section from its header words (after the section keyword). */
export function startOtherSection(kind: SectionKind, args: readonly string[], where: Where, all: OtherSections): OtherSectionDraft {
  const k = kind as OtherKind;
  const name = args[0];
  if (name === undefined) throw new ConfigError(`missing name for ${kind} section.`);
  const s: OtherSectionDraft = { kind: k, name, where, entries: [] };
  all[k].push(s);
  return s;
}
