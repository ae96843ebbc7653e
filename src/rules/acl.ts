/**
 * ACL definitions: `acl <name> <expr> [flags] [patterns...]` → AclDef,
 * with HAProxy 2.6's flag rules, default match methods, pattern checks and
 * messages. Also the predefined ACLs (TRUE, HTTP, METH_GET...).
 *
 * Invariant: an AclDef is plain data; `-f` files are read here, once, at
 * load time, and their patterns stored with the definition.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { NotImplementedError } from '../core/errors.js';
import type { Where } from '../config/diag.js';
import { aclKeywords, canCast, stickTableUser, type OutType } from './fetches.js';
import { resolveHost } from '../proxy/address.js';
import { parseSample, formatAclError, isReadableFile, SampleError, type ArgRef } from './sample.js';
import type { AclDef, MatchMethod } from './model.js';

const METHODS: readonly MatchMethod[] = ['found', 'bool', 'int', 'ip', 'bin', 'len', 'str', 'sub', 'reg', 'beg', 'end', 'dir', 'dom'];
const INT_OPS = ['eq', 'ge', 'gt', 'le', 'lt'];
const NAME_OK = /^[A-Za-z0-9_.:-]$/;

/** An ACL problem; `message` is HAProxy's text ending with '.'. */
export class AclError extends Error {}

/** The sample type each match method works on (HAProxy's pat_match_types). */
const MATCH_INPUT: Record<MatchMethod, OutType> = {
  found: 'any', bool: 'bool', int: 'sint', ip: 'addr', bin: 'bin', len: 'str', str: 'str', sub: 'str',
  reg: 'str', beg: 'str', end: 'str', dir: 'str', dom: 'str', meth: 'meth',
};

const DEFAULT_MATCH: Record<OutType, MatchMethod | undefined> = {
  bool: 'bool', sint: 'int', str: 'str', bin: undefined, ipv4: 'ip', ipv6: 'ip', addr: 'ip', meth: 'meth', any: undefined,
};

export interface ParsedAcl {
  def: AclDef;
  refs: ArgRef[];
  /** usage mask of the fetch */
  use: number;
  /** text of the "no pattern" warning, when HAProxy would print it */
  warning?: string;
}

/** Check an ACL name; throws AclError with HAProxy's text. */
export function checkAclName(name: string | undefined): void {
  if (name === undefined || name === '') throw new AclError(`character '`);
  for (const ch of name) {
    if (!NAME_OK.test(ch)) throw new AclError(`character '${ch}' is not permitted in acl name '${name}'.`);
  }
}

/**
 * Parse an ACL expression and its patterns (`words[0]` is the fetch).
 * Throws AclError (HAProxy's text) or NotImplementedError.
 */
export function parseAcl(name: string, allWords: readonly string[], where: Where): ParsedAcl {
  // as in HAProxy, an empty word ends the arguments
  const end = allWords.indexOf('');
  const words = end < 0 ? allWords : allWords.slice(0, end);
  const text = words[0] ?? '';
  let parsed;
  try {
    parsed = parseSample(text, true);
  } catch (e) {
    if (e instanceof SampleError) {
      const alias = e.part !== 'unknown' && e.part !== 'missing' && isAliasKeyword(text);
      throw new AclError(formatAclError(e, text, alias));
    }
    throw e;
  }
  const stick = stickTableUser(parsed.expr);
  if (stick) throw new NotImplementedError(`${stick} needs stick tables, which are not implemented in lb; remove it or run this configuration with HAProxy.`);
  let match: MatchMethod | undefined = parsed.alias ? parsed.alias.match as MatchMethod : DEFAULT_MATCH[parsed.out];
  let ignoreCase = false;
  let noDns = false;
  let mapFiles = false;
  let uniqueId: number | undefined;
  const files: Array<{ path: string; patterns: string[] }> = [];
  const fileLines: Array<{ path: string; lines: Array<{ v: string; line: number }> }> = [];
  let i = 1;
  for (; i < words.length; i++) {
    const w = words[i]!;
    if (!w.startsWith('-')) break;
    if (w === '--') { i++; break; }
    if (w === '-i') ignoreCase = true;
    else if (w === '-n') noDns = true;
    else if (w === '-M') mapFiles = true;
    else if (w === '-u') uniqueId = Number.parseInt(words[++i] ?? '', 10);
    else if (w === '-f') {
      const path = words[++i] ?? '';
      const lines = readPatternFile(path, mapFiles);
      fileLines.push({ path, lines });
      files.push({ path, patterns: lines.map((l) => l.v) });
    } else if (w === '-m') {
      if (files.length > 0) throw new AclError(`'-m' must only be specified before patterns and files in parsing ACL expression.`);
      const m = words[++i] ?? '';
      if (!(METHODS as readonly string[]).includes(m)) throw new AclError(`unknown matching method '${m}' when parsing ACL expression.`);
      if (!canCast(parsed.out, MATCH_INPUT[m as MatchMethod])) {
        throw new AclError(`matching method '${m}' cannot be used with fetch keyword '${parsed.expr.fetch}'.`);
      }
      match = m as MatchMethod;
    } else {
      throw new AclError(`'${w}' is not a valid ACL option. Please use '--' before any pattern beginning with a '-'.`);
    }
  }
  if (match === undefined) {
    throw new AclError(`matching method must be specified first (using '-m') when using a sample fetch of this type ('${parsed.expr.fetch}').`);
  }
  const patterns = collectPatterns(words.slice(i), match, noDns);
  for (const f of fileLines) {
    for (const l of f.lines) {
      try {
        collectPatterns([l.v], match, noDns);
      } catch (e) {
        if (e instanceof AclError) throw new AclError(`${e.message.replace(/\.$/, '')} at line ${l.line} of file '${f.path}'.`);
        throw e;
      }
    }
  }
  let warning: string | undefined;
  // HAProxy only looks at the word right after the expression
  if (!words[1] && parsed.info.out !== 'bool' && match !== 'found' && match !== 'bool') {
    warning = `parsing acl keyword '${text}' :\n` +
      '  no pattern to match against were provided, so this ACL will never match.\n' +
      "  If this is what you intended, please add '--' to get rid of this warning.\n" +
      "  If you intended to match only for existence, please use '-m found'.\n" +
      "  If you wanted to force an int to match as a bool, please use '-m bool'.\n";
  }
  if (warning === undefined && !text.includes('(') && words[1]?.startsWith('(')) {
    warning = `parsing acl '${name}' :\n` +
      `  matching '${parsed.alias?.name ?? text}' for pattern '${words[1]}' is likely a mistake and probably\n` +
      "  not what you want. Maybe you need to remove the extraneous space before '('.\n" +
      "  If you are really sure this is not an error, please insert '--' between the\n" +
      '  match and the pattern to make this warning message disappear.';
  }
  const def: AclDef = {
    name, expr: parsed.expr, keyword: parsed.alias?.name ?? parsed.expr.fetch, match, ignoreCase, noDns, mapFiles,
    ...(uniqueId !== undefined ? { uniqueId } : {}),
    patterns, files, where,
  };
  return { def, refs: parsed.refs, use: parsed.info.use, ...(warning ? { warning } : {}) };
}

function isAliasKeyword(text: string): boolean {
  const head = text.split(/[(,]/)[0]!;
  return aclKeywords.has(head);
}


/** Validate patterns for the match method; join int operators to values. */
function collectPatterns(words: readonly string[], match: MatchMethod, noDns: boolean): string[] {
  const out: string[] = [];
  for (let k = 0; k < words.length; k++) {
    const w = words[k]!;
    if ((match === 'int' || match === 'len') && INT_OPS.includes(w)) {
      if (k + 1 < words.length) { checkInt(words[k + 1]!); out.push(`${w} ${words[++k]}`); } else out.push(w);
      continue;
    }
    if (match === 'int' || match === 'len') checkInt(w);
    else if (match === 'reg') checkRegex(w);
    out.push(match === 'ip' ? checkIp(w, noDns) : w);
  }
  return out;
}

/** HAProxy int patterns: "5", "1:10" / ":10" / "5:" ranges ("1-5" is read as 1). */
function checkInt(w: string): void {
  if (w.includes(':')) {
    if (!/^\d*:\d*$/.test(w)) throw new AclError(`'${w}' is not a valid number range.`);
  } else if (!/^\d+(-\d*)?$/.test(w)) {
    throw new AclError(`'${w}' is not a number.`);
  }
}

/** Validate an IP pattern; a host name is resolved now (as HAProxy does) unless -n. */
function checkIp(w: string, noDns: boolean): string {
  const slash = w.indexOf('/');
  const addr = slash < 0 ? w : w.slice(0, slash);
  const mask = slash < 0 ? undefined : w.slice(slash + 1);
  // like inet_aton, HAProxy takes short dotted forms ("10.1" = 10.0.0.1)
  const fam = isIP(addr) || (/^\d+(\.\d+){0,3}$/.test(addr) && addr.split('.').every((x) => Number(x) <= 255) ? 4 : 0);
  const bad = new AclError(`'${w}' is not a valid IPv4 or IPv6 address.`);
  if (fam === 0) {
    if (noDns || !/^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(addr) || /^[0-9.]+$/.test(addr)) throw bad;
    const ip = resolveHost(addr, 'ipv4') ?? resolveHost(addr);
    if (ip === undefined) throw bad;
    return mask === undefined ? ip : `${ip}/${mask}`;
  }
  if (mask === undefined) return w;
  const max = fam === 4 ? 32 : 128;
  if (/^[0-9]+$/.test(mask)) {
    if (Number(mask) > max) throw bad;
  } else if (fam !== 4 || isIP(mask) !== 4) {
    throw bad;
  }
  return w;
}

function checkRegex(w: string): void {
  try {
    new RegExp(w);
  } catch (e) {
    // PCRE accepts syntax JavaScript does not ((?i), possessive quantifiers...):
    // only the errors both engines agree on are reported
    const pcre = pcreError(w, (e as Error).message);
    if (pcre) throw new AclError(`regex '${w}' is invalid (${pcre}).`);
  }
}

/**
 * HAProxy reports PCRE2's wording and offset; map the JavaScript errors of
 * the common mistakes to it (others keep the JavaScript text).
 */
function pcreError(w: string, js: string): string | undefined {
  if (js.includes('Unterminated group')) return `error=missing closing parenthesis, erroffset=${w.length}`;
  if (js.includes('Unterminated character class')) return `error=missing terminating ] for character class, erroffset=${w.length}`;
  if (js.includes("Unmatched ')'")) {
    let depth = 0;
    for (let i = 0; i < w.length; i++) {
      if (w[i] === '\\') { i++; continue; }
      if (w[i] === '(') depth++;
      if (w[i] === ')' && --depth < 0) return `error=unmatched closing parenthesis, erroffset=${i}`;
    }
  }
  if (js.includes('Nothing to repeat')) {
    const m = /(^|[(|])[*+?{]/.exec(w);
    if (m) return `error=quantifier does not follow a repeatable item, erroffset=${m.index + m[1]!.length}`;
  }
  return undefined;
}

/** Read a `-f` pattern file: one pattern per line, `#` comments, blank lines skipped. */
function readPatternFile(path: string, map: boolean): Array<{ v: string; line: number }> {
  if (!isReadableFile(path)) throw new AclError(`failed to open pattern file <${path}>.`);
  const out: Array<{ v: string; line: number }> = [];
  readFileSync(path, 'utf8').split('\n').forEach((raw, idx) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    out.push({ v: map ? line.split(/\s+/)[0]! : line, line: idx + 1 });
  });
  return out;
}

/** The predefined ACLs: name → ACL line words. */
const PREDEFINED: Record<string, readonly string[]> = {
  TRUE: ['always_true'],
  FALSE: ['always_false'],
  HTTP: ['req.proto_http'],
  'HTTP_1.0': ['req.ver', '1.0'],
  'HTTP_1.1': ['req.ver', '1.1'],
  'HTTP_2.0': ['req.ver', '2.0'],
  HTTP_CONTENT: ['req.hdr_val(content-length)', 'gt', '0'],
  HTTP_URL_ABS: ['url_reg', '^[^/:]*://'],
  HTTP_URL_SLASH: ['url_beg', '/'],
  HTTP_URL_STAR: ['url', '*'],
  LOCALHOST: ['src', '127.0.0.1/8', '::1'],
  METH_CONNECT: ['method', 'CONNECT'],
  METH_DELETE: ['method', 'DELETE'],
  METH_GET: ['method', 'GET', 'HEAD'],
  METH_HEAD: ['method', 'HEAD'],
  METH_OPTIONS: ['method', 'OPTIONS'],
  METH_POST: ['method', 'POST'],
  METH_PUT: ['method', 'PUT'],
  METH_TRACE: ['method', 'TRACE'],
  RDP_COOKIE: ['req.rdp_cookie_cnt', 'gt', '0'],
  REQ_CONTENT: ['req.len', 'gt', '0'],
  WAIT_END: ['wait_end'],
};

const predefinedCache = new Map<string, ParsedAcl>();

/** A predefined ACL by name, or undefined. */
export function predefinedAcl(name: string): ParsedAcl | undefined {
  const words = PREDEFINED[name];
  if (!words) return undefined;
  let p = predefinedCache.get(name);
  if (!p) {
    p = parseAcl(name, words, { file: '', line: 0 });
    predefinedCache.set(name, p);
  }
  return p;
}
