/**
 * Keyword tables: config keywords are data (STYLE rule 2). Each concept
 * declares rows next to the code that uses them; `register()` collects them
 * per section family, and `lookup()` finds the longest matching keyword
 * (`timeout client` before `timeout`). Unknown keywords get HAProxy's
 * did-you-mean; rows marked `unsupported` produce a plain
 * "not implemented in lb" error instead of being ignored.
 */
import type { MsgStyle } from '../core/errors.js';
import type { Diagnostics, Where } from './diag.js';
import type { GlobalConf } from './global.js';
import type { ProxyDraft, OtherSectionDraft, LoadOptions } from './model.js';

export type SectionKind =
  | 'global' | 'defaults' | 'frontend' | 'backend' | 'listen'
  | 'resolvers' | 'userlist' | 'peers' | 'http-errors' | 'program' | 'mailers'
  | 'cache' | 'ring' | 'log-forward' | 'fcgi-app';

export type ProxyKind = 'defaults' | 'frontend' | 'backend' | 'listen';

/** The table a section's keywords are looked up in. */
export type Family = 'global' | 'proxy' | Exclude<SectionKind, 'global' | ProxyKind>;

export interface KwContext {
  readonly where: Where;
  readonly section: SectionKind;
  /** the keyword as matched, e.g. "timeout client" (without a leading "no") */
  readonly kw: string;
  readonly global: GlobalConf;
  readonly opts: LoadOptions;
  readonly diag: Diagnostics;
  /** the proxy (or defaults) being parsed; throws outside proxy sections */
  proxy(): ProxyDraft;
  /** the current non-proxy section (resolvers, userlist, ...); throws elsewhere */
  other(): OtherSectionDraft;
  warn(msg: string, style?: MsgStyle): void;
  notice(msg: string, style?: MsgStyle): void;
  /** a message only shown with -dD */
  diagnostic(msg: string, style?: MsgStyle): void;
}

export interface KeywordRow {
  /** full keyword, one or two words: "bind", "timeout client", "option httplog" */
  readonly name: string;
  /**
   * Proxy rows only: where the keyword is valid, letters of "dfbl"
   * (defaults, frontend, backend, listen). HAProxy's messages follow from it.
   */
  readonly sections?: string;
  /**
   * Proxy rows only: capability needed. Missing capability gives HAProxy's
   * "'x' ignored because backend 'y' has no frontend capability." warning
   * (or an alert when `capAlert`), then the row is not run.
   */
  readonly cap?: 'fe' | 'be';
  readonly capAlert?: boolean;
  /** extra text appended to the capability warning */
  readonly capHint?: string;
  /** in a defaults section, only a named one accepts it (acl, http-request...) */
  readonly namedDefaultsOnly?: boolean;
  /** accepts a leading "no" */
  readonly negatable?: boolean;
  /**
   * 'unsupported': HAProxy has it, lb does not implement it; using it is an
   * error saying exactly that. 'removed': HAProxy itself rejects it (the row
   * parse throws HAProxy's message).
   */
  readonly status?: 'unsupported' | 'removed';
  /** short reason shown with 'unsupported' */
  readonly why?: string;
  parse(args: readonly string[], ctx: KwContext, negated: boolean): void;
}

const tables = new Map<Family, Map<string, KeywordRow>>();

export function register(family: Family, rows: readonly KeywordRow[]): void {
  let t = tables.get(family);
  if (!t) tables.set(family, (t = new Map()));
  for (const r of rows) {
    if (t.has(r.name)) throw new Error(`duplicate keyword row '${r.name}' in ${family}`);
    t.set(r.name, r);
  }
}

export function table(family: Family): ReadonlyMap<string, KeywordRow> {
  return tables.get(family) ?? new Map();
}

export interface Match {
  row: KeywordRow;
  /** number of words the keyword took */
  width: number;
}

/** Longest match of the first words against a family's rows. */
export function lookup(family: Family, words: readonly string[]): Match | undefined {
  const t = tables.get(family);
  if (!t || words.length === 0) return undefined;
  if (words.length >= 2) {
    const two = t.get(`${words[0]} ${words[1]}`);
    if (two) return { row: two, width: 2 };
  }
  const one = t.get(words[0]!);
  if (one) return { row: one, width: 1 };
  // a family may register a '*' row to report unknown keywords in its own words
  const any = t.get('*');
  return any ? { row: any, width: 0 } : undefined;
}

/** First words of every row of a family, for did-you-mean. */
export function firstWords(family: Family): string[] {
  const out = new Set<string>();
  for (const name of table(family).keys()) if (name !== '*') out.add(name.split(' ')[0]!);
  return [...out];
}

/** Second words of the rows starting with `first` ("option" → httplog, ...). */
export function subWords(family: Family, first: string): string[] {
  const out: string[] = [];
  for (const name of table(family).keys()) {
    const [a, b] = name.split(' ');
    if (a === first && b !== undefined) out.push(b);
  }
  return out;
}

/**
 * HAProxy's did-you-mean (tools.c make_word_fingerprint / word_fingerprint_distance):
 * a word is summarised by which character pairs follow each other; the
 * closest candidate wins if close enough.
 */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  const fp = fingerprint(word);
  let best: string | undefined;
  let bestDist = Infinity;
  for (const c of candidates) {
    const d = distance(fp, fingerprint(c));
    if (d < bestDist) { bestDist = d; best = c; }
  }
  if (best === undefined) return undefined;
  // same acceptance rule as HAProxy: not further than twice either word's length
  if (bestDist > 2 * word.length || bestDist > 2 * best.length) return undefined;
  return best;
}

function charIndex(c: number): number {
  if (c >= 0x61 && c <= 0x7a) return c - 0x61 + 1; // a-z
  if (c >= 0x41 && c <= 0x5a) return c - 0x41 + 1; // A-Z
  if (c >= 0x30 && c <= 0x39) return 27; // any digit
  return 28; // anything else, and the word's start/end
}

function fingerprint(word: string): Uint8Array {
  const fp = new Uint8Array(32 * 32);
  let from = 28;
  for (let i = 0; i < word.length; i++) {
    const to = charIndex(word.charCodeAt(i));
    fp[from * 32 + to]!++;
    fp[to]!++; // row 0 counts characters: calibrated on haproxy 2.6's answers
    from = to;
  }
  fp[from * 32 + 28]!++;
  return fp;
}

function distance(a: Uint8Array, b: Uint8Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d += Math.abs(a[i]! - b[i]!);
  return d;
}
