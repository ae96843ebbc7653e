/**
 * `http-check` and `tcp-check` rules (reference §2.7): the argument grammar
 * of connect / send / expect / comment / set-var / unset-var, parsed into
 * plain CheckRule data with HAProxy 2.6's messages. Rules are appended in
 * order to the proxy's CheckConf (checks/config.ts states the invariants).
 */
import { ConfigError, NotImplementedError } from '../core/errors.js';
import { register, type KeywordRow, type KwContext } from '../config/keywords.js';
import type { ProxyDraft } from '../config/model.js';
import { ownerOf } from './config.js';
import { lintFormat } from '../log/keywords.js';
import { LogFormatError } from '../log/format.js';

/** A log-format argument of a check rule, checked when the line is read (as HAProxy does). */
function checkLf(kw: string, fmt: string): string {
  try {
    lintFormat(fmt);
  } catch (e) {
    if (!(e instanceof LogFormatError)) throw e;
    throw new ConfigError(`${kw} : '${fmt}' invalid log-format string (${e.message.replace(/\.$/, '')}).\n.`);
  }
  return fmt;
}

export interface ConnectRule {
  kind: 'connect';
  port?: number;
  addr?: string;
  sendProxy: boolean;
  viaSocks4: boolean;
  ssl: boolean;
  sni?: string;
  alpn?: string;
  proto?: string;
  linger: boolean;
  /** use the server's check settings */
  default: boolean;
  comment?: string;
}

export interface SendRule {
  kind: 'send';
  /** tcp-check: the payload (unescaped text, hex for binary); lf = log-format */
  data?: string;
  binary?: boolean;
  lf?: boolean;
  /** http-check send */
  meth?: string;
  uri?: string;
  uriLf?: boolean;
  ver?: string;
  hdrs?: Array<[string, string]>;
  body?: string;
  bodyLf?: boolean;
  comment?: string;
}

export type ExpectType =
  | 'string' | 'rstring' | 'string-lf' | 'binary' | 'rbinary' | 'binary-lf' | 'status' | 'rstatus' | 'hdr' | 'fhdr';

export interface ExpectRule {
  kind: 'expect';
  type: ExpectType;
  negate: boolean;
  pattern: string;
  /** status: inclusive ranges */
  statuses?: Array<[number, number]>;
  /** hdr/fhdr: name and value matches ('str' | 'beg' | 'end' | 'sub' | 'reg') */
  hdr?: { name: string; nameMatch: string; value?: string; valueMatch: string };
  minRecv?: number;
  okStatus?: string;
  errorStatus?: string;
  toutStatus?: string;
  onSuccess?: string;
  onError?: string;
  statusCode?: string;
  comment?: string;
}

export type CheckRule =
  | ConnectRule | SendRule | ExpectRule
  | { kind: 'comment'; text: string }
  | { kind: 'set-var'; name: string; expr: string; fmt: boolean }
  | { kind: 'unset-var'; name: string };

type Family = 'http' | 'tcp';
const KW: Record<Family, string> = { http: 'http-check', tcp: 'tcp-check' };

const need = (v: string | undefined): v is string => v !== undefined && v !== '';

function parseConnect(f: Family, a: readonly string[]): ConnectRule {
  const kw = `'${KW[f]} connect'`;
  const r: ConnectRule = { kind: 'connect', sendProxy: false, viaSocks4: false, ssl: false, linger: false, default: false };
  for (let i = 0; i < a.length; i++) {
    const o = a[i]!;
    const v = a[i + 1];
    switch (o) {
      case 'default': r.default = true; break;
      case 'send-proxy': r.sendProxy = true; break;
      case 'via-socks4': r.viaSocks4 = true; break;
      case 'ssl': r.ssl = true; break;
      case 'linger': r.linger = true; break;
      case 'comment': case 'sni':
        if (!need(v)) throw new ConfigError(`${kw} : '${o}' expects a string as argument..`);
        r[o] = v; i++; break;
      case 'alpn':
        if (!need(v)) throw new ConfigError(`${kw} : 'alpn' : missing the comma-delimited ALPN protocol suite.`);
        r.alpn = v; i++; break;
      case 'proto':
        if (!need(v)) throw new ConfigError(`${kw} : 'proto' expects a MUX protocol as argument..`);
        if (f === 'tcp') throw new ConfigError(`${kw} : 'proto' : invalid MUX protocol '${v}' for tcp-check.`);
        if (v !== 'h1' && v !== 'h2' && v !== 'fcgi') throw new ConfigError(`${kw} : 'proto' : unknown MUX protocol '${v}'..`);
        r.proto = v; i++; break;
      case 'port':
        if (!need(v)) throw new ConfigError(`${kw} : 'port' expects a port number or a sample expression as argument..`);
        if (!/^\d+$/.test(v)) throw new NotImplementedError(`${kw} : a sample expression as 'port' ('${v}') is not implemented in lb; use a port number.`);
        r.port = Number(v); i++; break;
      case 'addr':
        if (!need(v)) throw new ConfigError(`${kw} : 'addr' expects <ipv4|ipv6> as argument..`);
        if (!/^[0-9.]+$|:/.test(v)) throw new ConfigError(`${kw} : 'addr' : invalid address: '${v}' in '${v}'\n..`);
        r.addr = v; i++; break;
      default:
        throw new ConfigError(`${kw} : expects 'comment', 'port', 'addr', 'send-proxy', 'ssl', 'sni', 'alpn' or 'via-socks4', 'linger', 'default' but got '${o}' as argument..`);
    }
  }
  return r;
}

/** Hex payload check; HAProxy's two messages differ between send-binary and expect binary. */
function hexError(s: string): string | undefined {
  const bad = /[^0-9a-fA-F]/.exec(s);
  if (bad) return `an hex digit is expected (found '${bad[0]}')`;
  if (s.length % 2) return `an even number of hex digit is expected`;
  return undefined;
}

function parseTcpSend(sub: string, a: readonly string[]): SendRule {
  const kw = `'tcp-check ${sub}'`;
  const binary = sub.startsWith('send-binary');
  const lf = sub.endsWith('-lf');
  const data = a[0];
  if (!need(data)) {
    throw new ConfigError(`${kw} : '${sub === 'send-binary' ? 'binary string' : 'string'}' expects a ${sub} as argument.`);
  }
  if (binary && !lf) {
    const e = hexError(data);
    if (e) throw new ConfigError(`${kw} : '${data}' invalid binary string (${e}).\n.`);
  }
  if (lf) checkLf(kw, data);
  const r: SendRule = { kind: 'send', data, binary, lf };
  for (let i = 1; i < a.length; i++) {
    if (a[i] === 'comment' && need(a[i + 1])) { r.comment = a[++i]; continue; }
    throw new ConfigError(`${kw} : expects 'comment' but got '${a[i]}' as argument..`);
  }
  return r;
}

function parseHttpSend(a: readonly string[]): SendRule {
  const kw = `'http-check send'`;
  const r: SendRule = { kind: 'send', hdrs: [] };
  for (let i = 0; i < a.length; i++) {
    const o = a[i]!;
    const v = a[i + 1];
    switch (o) {
      case 'meth': case 'ver': case 'comment':
        if (!need(v)) throw new ConfigError(`${kw} : '${o}' expects a string as argument..`);
        r[o] = v; i++; break;
      case 'uri': case 'uri-lf':
        if (!need(v)) throw new ConfigError(`${kw} : '${o}' expects a string as argument..`);
        if (o === 'uri-lf') checkLf(kw, v);
        r.uri = v; r.uriLf = o === 'uri-lf'; i++; break;
      case 'body': case 'body-lf':
        if (!need(v)) throw new ConfigError(`${kw} : '${o}' expects a string as argument..`);
        if (o === 'body-lf') checkLf(kw, v);
        r.body = v; r.bodyLf = o === 'body-lf'; i++; break;
      case 'hdr':
        if (!need(v) || a[i + 2] === undefined) throw new ConfigError(`${kw} : 'hdr' expects <name> and <value> as arguments.`);
        // header values are log-format strings
        try { lintFormat(a[i + 2]!); } catch (e) {
          if (!(e instanceof LogFormatError)) throw e;
          throw new ConfigError(`${kw} : ${e.message}`);
        }
        r.hdrs!.push([v, a[i + 2]!]); i += 2; break;
      default:
        throw new ConfigError(`${kw} : expects 'comment', 'meth', 'uri', 'uri-lf', 'ver', 'hdr', 'body' or 'body-lf' but got '${o}' as argument..`);
    }
  }
  return r;
}

const EXPECT_TYPES: Record<Family, readonly ExpectType[]> = {
  tcp: ['string', 'rstring', 'string-lf', 'binary', 'rbinary', 'binary-lf'],
  http: ['string', 'rstring', 'string-lf', 'status', 'rstatus', 'hdr', 'fhdr'],
};
const EXPECT_ONLY: Record<Family, string> = {
  tcp: `'only supports min-recv, '[!]binary', '[!]string', '[!]rstring', '[!]string-lf''[!]rbinary', '[!]binary-lf' or comment`,
  http: `'only supports min-recv, [!]string', '[!]rstring', '[!]string-lf', '[!]status', '[!]rstatus', [!]hdr, [!]fhdr or comment`,
};
const STATUS_SETS: Record<string, string> = {
  'ok-status': `'L4OK', 'L6OK', 'L7OK' or 'L7OKC'`,
  'error-status': `'L4CON', 'L6RSP', 'L7RSP' or 'L7STS'`,
  'tout-status': `'L4TOUT', 'L6TOUT' or 'L7TOUT'`,
};

/** PCRE-like validation of a regex; only the common message is reproduced exactly. */
function checkRegex(kw: string, re: string): void {
  let depth = 0;
  for (let i = 0; i < re.length; i++) {
    if (re[i] === '\\') { i++; continue; }
    if (re[i] === '(') depth++;
    if (re[i] === ')') depth--;
  }
  if (depth > 0) throw new ConfigError(`${kw} : regex '${re}' is invalid (error=missing closing parenthesis, erroffset=${re.length}).`);
  try { new RegExp(re); } catch (e) {
    throw new ConfigError(`${kw} : regex '${re}' is invalid (error=${(e as Error).message}, erroffset=0).`);
  }
}

function parseStatuses(kw: string, list: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const item of list.split(',')) {
    const dash = item.indexOf('-');
    if (dash >= 0) {
      const lo = item.slice(0, dash);
      const hi = item.slice(dash + 1);
      if (!/^\d+$/.test(lo) || !/^\d+$/.test(hi)) throw new ConfigError(`${kw} : invalid range of status codes '${item}'.`);
      out.push([Number(lo), Number(hi)]);
      continue;
    }
    const bad = /[^0-9]/.exec(item);
    if (bad) throw new ConfigError(`${kw} : invalid character '${bad[0]}' in the list of status codes.`);
    out.push([Number(item), Number(item)]);
  }
  return out;
}

const MATCH_METHODS = ['str', 'beg', 'end', 'sub', 'reg'];

function parseExpect(f: Family, a: readonly string[]): ExpectRule {
  const kw = `'${KW[f]} expect'`;
  if (a.length === 0) throw new ConfigError(`${kw} : expects at least a matching pattern as arguments.`);
  const r: Partial<ExpectRule> & { kind: 'expect'; negate: boolean } = { kind: 'expect', negate: false };
  for (let i = 0; i < a.length; i++) {
    const o = a[i]!;
    const v = a[i + 1];
    if (o === 'min-recv') {
      if (!need(v)) throw new ConfigError(`${kw} : 'min-recv' expects a integer as argument.`);
      r.minRecv = Number(/^-?\d+/.exec(v)?.[0] ?? 0); i++; continue;
    }
    if (o in STATUS_SETS) {
      if (!need(v)) throw new ConfigError(`${kw} : '${o}' expects a string as argument.`);
      const allowed = STATUS_SETS[o]!.match(/L\w+/g)!;
      if (!allowed.includes(v)) throw new ConfigError(`${kw} : '${o}' only supports ${STATUS_SETS[o]} status (got '${v}')..`);
      if (o === 'ok-status') r.okStatus = v; else if (o === 'error-status') r.errorStatus = v; else r.toutStatus = v;
      i++; continue;
    }
    if (o === 'on-success' || o === 'on-error' || o === 'comment' || o === 'status-code') {
      if (!need(v)) throw new ConfigError(`${kw} : '${o}' expects a string as argument.`);
      if (o === 'on-success') r.onSuccess = checkLf(kw, v); else if (o === 'on-error') r.onError = checkLf(kw, v);
      else if (o === 'comment') r.comment = v; else r.statusCode = v;
      i++; continue;
    }
    let type = o;
    if (o === '!') { r.negate = true; type = a[++i] ?? ''; }
    if (!(EXPECT_TYPES[f] as readonly string[]).includes(type)) {
      throw new ConfigError(`${kw} : ${EXPECT_ONLY[f]} but got '${type}' as argument..`);
    }
    if (r.type !== undefined) throw new ConfigError(`${kw} : only on pattern expected.`);
    r.type = type as ExpectType;
    if (type === 'hdr' || type === 'fhdr') {
      i = parseHdrExpect(kw, type, a, i + 1, r) - 1;
      continue;
    }
    const pat = a[i + 1];
    if (!need(pat)) throw new ConfigError(`${kw} : '${type}' expects a <pattern> as argument.`);
    i++;
    r.pattern = pat;
    if (type === 'rstring' || type === 'rstatus' || type === 'rbinary') checkRegex(kw, pat);
    if (type === 'status') r.statuses = parseStatuses(kw, pat);
    if (type === 'string-lf' || type === 'binary-lf') checkLf(kw, pat);
    if (type === 'binary') {
      const e = hexError(pat);
      if (e) throw new ConfigError(`${kw} : invalid binary string (${e}).`);
    }
  }
  if (r.type === undefined) throw new ConfigError(`${kw} : expects at least a matching pattern as arguments.`);
  return r as ExpectRule;
}

/** `hdr name [-m meth] <pattern> [value [-m meth] <pattern>]`; returns the next index. */
function parseHdrExpect(kw: string, type: string, a: readonly string[], i: number, r: Partial<ExpectRule>): number {
  const bad = `${kw} : '${type}' expects at the name keyword as first argument followed by a pattern.`;
  if (a[i] !== 'name') throw new ConfigError(bad);
  i++;
  const meth = (): string => {
    if (a[i] !== '-m') return 'str';
    const m = a[i + 1] ?? '';
    if (!MATCH_METHODS.includes(m)) throw new ConfigError(`${kw} : '${type}' : '-m' only supports 'str', 'beg', 'end', 'sub' or 'reg' (got '${m}').`);
    i += 2;
    return m;
  };
  const nameMatch = meth();
  if (!need(a[i])) throw new ConfigError(bad);
  const hdr: NonNullable<ExpectRule['hdr']> = { name: a[i]!, nameMatch, valueMatch: 'str' };
  i++;
  if (a[i] === 'value') {
    i++;
    hdr.valueMatch = meth();
    if (!need(a[i])) throw new ConfigError(`${kw} : '${type}' expect a pattern with the value keyword.`);
    hdr.value = a[i];
    i++;
  }
  r.hdr = hdr;
  r.pattern = hdr.name;
  return i;
}

const VAR_SCOPES = ['proc', 'sess', 'txn', 'req', 'res', 'check'];

function parseVar(f: Family, sub: string, a: readonly string[]): CheckRule {
  const m = /^(set-var|set-var-fmt|unset-var)\((.*)\)$/.exec(sub);
  const action = m?.[1] ?? sub.replace(/\(.*$/, '');
  const kw = `'${KW[f]} ${sub}' : '${action}'`;
  if (!m || m[2] === '') {
    throw new ConfigError(`${kw} : invalid or incomplete action '${sub}'. Expects 'set-var(<var-name>)', 'set-var-fmt(<var-name>)' or 'unset-var(<var-name>)'.`);
  }
  const name = m[2]!;
  if (!VAR_SCOPES.includes(name.split('.')[0]!) || !name.includes('.')) {
    throw new ConfigError(`${kw} : invalid variable name '${name}'. A variable name must be start by its scope. The scope can be 'proc', 'sess', 'txn', 'req', 'res' or 'check'.`);
  }
  if (action === 'unset-var') return { kind: 'unset-var', name };
  if (!need(a[0])) throw new ConfigError(`${kw} : missing fetch method.`);
  return { kind: 'set-var', name, expr: a[0], fmt: action === 'set-var-fmt' };
}

/** Append a rule; the first own rule replaces inherited or other-kind rules. */
function addRule(px: ProxyDraft, f: Family, rule: CheckRule): void {
  const ck = px.check;
  const owner = ownerOf(px);
  if (ck.rulesKind !== f || ck.rulesOwner !== owner) {
    ck.rules = [];
    ck.rulesKind = f;
    ck.rulesOwner = owner;
  }
  if (f === 'http' && ck.httpReq && ck.httpReqOwner !== owner) {
    ck.httpReq = { method: 'OPTIONS', uri: '/', version: 'HTTP/1.0' };
    ck.httpReqOwner = owner;
  }
  ck.rules.push(rule);
}

const HTTP_ONLY = `'http-check' only supports 'disable-on-404', 'send-state', 'comment', 'connect', 'send', 'expect', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)'.`;
const TCP_ONLY = `'tcp-check' only supports 'comment', 'connect', 'send', 'send-binary', 'expect', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)'.`;

function parseRule(f: Family, a: readonly string[], c: KwContext): void {
  const px = c.proxy();
  const sub = a[0] ?? '';
  const rest = a.slice(1);
  let rule: CheckRule;
  if (f === 'http' && (sub === 'disable-on-404' || sub === 'send-state')) {
    if (rest.length > 0) throw new ConfigError(`'http-check' cannot handle unexpected argument '${rest[0]}'.`);
    if (sub === 'disable-on-404') px.check.disableOn404 = true; else px.check.sendState = true;
    return;
  }
  if (sub === 'connect') rule = parseConnect(f, rest);
  else if (sub === 'expect') rule = parseExpect(f, rest);
  else if (sub === 'comment') {
    if (!need(rest[0])) throw new ConfigError(`'${KW[f]} comment' : expects a string as argument.`);
    rule = { kind: 'comment', text: rest[0] };
  } else if (f === 'http' && sub === 'send') rule = parseHttpSend(rest);
  else if (f === 'tcp' && ['send', 'send-lf', 'send-binary', 'send-binary-lf'].includes(sub)) rule = parseTcpSend(sub, rest);
  else if (/^(set-var|set-var-fmt|unset-var)(\(|$)/.test(sub)) rule = parseVar(f, sub, rest);
  else throw new ConfigError(`${f === 'http' ? HTTP_ONLY : TCP_ONLY} but got '${sub}'`);
  if (rule.kind === 'connect') {
    const ck = px.check;
    const own = ck.rulesKind === f && ck.rulesOwner === ownerOf(px) ? ck.rules : [];
    const first = own.find((r) => r.kind !== 'comment' && r.kind !== 'set-var' && r.kind !== 'unset-var');
    if (first && first.kind !== 'connect') {
      throw new ConfigError(`'${KW[f]} connect' : first step MUST also be a 'connect', optionally preceded by a 'set-var', an 'unset-var' or a 'comment', when there is a 'connect' step in the tcp-check ruleset.`);
    }
  }
  // HAProxy 2.6 prints a NULL message for tcp-check rules in a frontend
  if (f === 'tcp' && !px.cap.be) c.warn('(null)');
  addRule(px, f, rule);
}

const rows: KeywordRow[] = [
  { name: 'http-check', sections: 'dbl', cap: 'be', parse: (a, c) => parseRule('http', a, c) },
  { name: 'tcp-check', sections: 'dbl', cap: 'be', parse: (a, c) => parseRule('tcp', a, c) },
];

register('proxy', rows);
