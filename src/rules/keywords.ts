/**
 * Keyword rows of the rules: acl, use_backend, use-server, redirect,
 * monitor fail, http-request, http-response, http-after-response,
 * tcp-request, tcp-response. Messages are HAProxy 2.6's, probed on the binary.
 *
 * Invariant: a rule is appended to the proxy only once fully parsed, then
 * HAProxy's "placed after" ordering warning is checked (as HAProxy does).
 */
import { Codes, ConfigError, NotImplementedError } from '../core/errors.js';
import { register, didYouMean, type KeywordRow, type KwContext } from '../config/keywords.js';
import type { ProxyDraft } from '../config/model.js';
import { parseTime } from '../config/units.js';
import { parseAcl, checkAclName, AclError } from './acl.js';
import { parseCondition, CondParseError } from './condition.js';
import { usageBit } from './fetches.js';
import { checkLogFormat } from './sample.js';
import {
  ActionError, findAction, parseRedirect, HTTP_REQUEST, HTTP_RESPONSE, HTTP_AFTER_RESPONSE,
  TCP_REQUEST_CONNECTION, TCP_REQUEST_CONTENT, TCP_RESPONSE_CONTENT, type ActCtx, type ActionRow,
} from './actions.js';
import { HTTP_LISTS, TCP_LISTS } from './messages.js';
import { misplaced, type RuleKind } from './order.js';
import type { Condition } from './model.js';
import './checks.js';

const px = (c: KwContext): ProxyDraft => c.proxy();

/** HAProxy's " Did you mean 'x' maybe ?" among the actions a message lists. */
function suggest(word: string, list: string): string {
  const names = [...list.matchAll(/'([^']+)'/g)].map((m) => m[1]!.replace('(*)', ''));
  const best = word === '' ? undefined : didYouMean(word, names);
  return best ? ` Did you mean '${best}' maybe ?` : '';
}

/** "frontend 'f'", "backend 'b'", "proxy 'l'" as HAProxy names a proxy in messages. */
export function pxLabel(p: ProxyDraft): string {
  return `${p.kind === 'listen' ? 'proxy' : p.kind} '${p.name}'`;
}

/** Usage mask of a rule context, by the proxy's capabilities. */
function usage(p: ProxyDraft, fe: string, be: string): number {
  let m = 0;
  if (p.cap.fe) m |= usageBit(fe as never);
  if (p.cap.be) m |= usageBit(be as never);
  return m;
}

/** Parse `if|unless ...` at `words`, or nothing; `wrap` turns an inner error into the message. */
/** The "will never match" warning of the condition just parsed; HAProxy prints it after the ordering one. */
let pendingWarning: string | undefined;

function condition(words: readonly string[], c: KwContext, where: number, wrap: (m: string) => ConfigError, ruleSet?: string): Condition | undefined {
  pendingWarning = undefined;
  if (words.length === 0) return undefined;
  try {
    const r = parseCondition(words, px(c), c.where, where, ruleSet);
    pendingWarning = r.warning;
    return r.cond;
  } catch (e) {
    if (e instanceof CondParseError) throw wrap(e.message);
    throw e;
  }
}

function warnOrder(c: KwContext, kind: RuleKind | undefined): void {
  const w = kind && misplaced(px(c), kind);
  if (w) c.warn(w);
  if (pendingWarning) c.warn(pendingWarning);
  pendingWarning = undefined;
}

function actCtx(p: ProxyDraft, c: KwContext, set: string): ActCtx {
  const experimental = 'expose-experimental-directives' in c.global.ssl;
  return { pxLabel: pxLabel(p), pxName: p.name, hasBe: p.cap.be, hasFe: p.cap.fe, refs: [], errorfiles: [], warnings: [], experimental, set };
}

/** Run an action row: returns params and the index where the condition starts. */
function runAction(row: ActionRow, name: string, args: readonly string[], ac: ActCtx, what: string, label: string): { params: Record<string, unknown>; rest: readonly string[] } {
  if (row.why) throw new NotImplementedError(`'${what} ${name}' is not implemented in lb (${row.why}); remove it or run this configuration with HAProxy.`);
  try {
    // a parser sees every word: some take theirs blindly, even 'if' (add-header x if y)
    const r = row.parse!(args, name, ac);
    return { params: r.params, rest: args.slice(r.used) };
  } catch (e) {
    if (!(e instanceof ActionError)) throw e;
    // \x01: HAProxy prints this message bare, without the rule prefix
    if (e.message.startsWith('\x01')) throw new ConfigError(e.message.slice(1));
    if (e.message.startsWith('\0')) {
      throw new NotImplementedError(`'${what} ${name}' : ${e.message.slice(1)}; remove it or run this configuration with HAProxy.`);
    }
    // tcp rules print the parser's message bare, without its final dot
    if (what.startsWith('tcp-')) throw new ConfigError(e.message.replace(/\.$/, ''));
    throw new ConfigError(`error detected in ${label} while parsing '${what} ${name}' rule : ${e.message}`);
  }
}

type HttpSet = 'httpRequest' | 'httpResponse' | 'httpAfterResponse';

function httpRow(kw: string, table: Record<string, ActionRow>, set: HttpSet, fe: string, be: string): KeywordRow {
  return {
    name: kw,
    sections: 'dfbl',
    namedDefaultsOnly: true,
    parse: (a, c) => {
      try {
        parseHttpRule(kw, table, set, fe, be, a, c);
      } catch (e) {
        // HAProxy stops reading the configuration after a broken http rule
        if (e instanceof ConfigError && !(e instanceof NotImplementedError)) throw new ConfigError(e.message, e.style, Codes.CFG_ABORT);
        throw e;
      }
    },
  };
}

function parseHttpRule(kw: string, table: Record<string, ActionRow>, set: HttpSet, fe: string, be: string, a: readonly string[], c: KwContext): void {
  const p = px(c);
  const name = a[0] ?? '';
  if (name.startsWith('lua.')) {
    throw new NotImplementedError(`'${kw} ${name}' is not implemented in lb (Lua actions); remove it or run this configuration with HAProxy.`);
  }
  const row = findAction(table, name);
  if (!row) throw new ConfigError(`'${kw}' expects ${HTTP_LISTS[kw]}, but got '${name}'.${suggest(name, HTTP_LISTS[kw]!)}`, 'parsing:');
  const ac = actCtx(p, c, kw);
  const { params, rest } = runAction(row, name, a.slice(1), ac, kw, pxLabel(p));
  if (rest.length > 0 && rest[0] !== 'if' && rest[0] !== 'unless') {
    throw new ConfigError(`'${kw} ${name}' expects either 'if' or 'unless' followed by a condition but found '${rest[0]}'.`, 'parsing:');
  }
  const cond = condition(rest, c, usage(p, fe, be),
    (m) => new ConfigError(`error detected while parsing an '${kw} ${name}' condition : ${m}.`));
  p.rules.argRefs.push(...ac.refs.map((r) => ({ ...r, where: c.where })));
  p.rules.errorfilesRefs.push(...ac.errorfiles.map((name) => ({ name, where: c.where })));
  for (const w of ac.warnings) c.warn(w);
  p.rules[set].push({ action: name, params, ...(cond ? { cond } : {}), where: c.where });
  // `capture ... len N` allocates a new request capture slot, as `declare capture` does
  if (name === 'capture' && typeof params['len'] === 'number') p.log.captures.request.push({ len: params['len'] });
  warnOrder(c, set === 'httpRequest' ? 'http-request' : undefined);
}

const FE_HRQ = 'frontend http-request header rule';
const BE_HRQ = 'backend http-request header rule';

/** `tcp-request <type> <action> [if|unless]` and `tcp-response content ...` */
function tcpRule(kw: 'tcp-request' | 'tcp-response', type: string, a: readonly string[], c: KwContext): void {
  const p = px(c);
  const table = kw === 'tcp-response' ? TCP_RESPONSE_CONTENT : type === 'content' ? TCP_REQUEST_CONTENT : TCP_REQUEST_CONNECTION;
  const name = a[0] ?? '';
  const full = `${kw} ${type}`;
  const row = findAction(table, name);
  if (!row) {
    // HAProxy ends the tcp-request message with an empty line, not the tcp-response one
    const eol = kw === 'tcp-request' ? '\n' : '';
    throw new ConfigError(`'${full}' expects ${TCP_LISTS[full]} in ${pxLabel(p)} (got '${name}').${suggest(name, TCP_LISTS[full]!)}${eol}`);
  }
  const ac = actCtx(p, c, full);
  const { params, rest } = runAction(row, name, a.slice(1), ac, full, pxLabel(p));
  if (rest.length > 0 && rest[0] !== 'if' && rest[0] !== 'unless') {
    throw new ConfigError(`'${full} ${name}' only accepts 'if' or 'unless', in ${pxLabel(p)} (got '${rest[0]}')`);
  }
  const where = kw === 'tcp-response'
    ? usage(p, 'frontend tcp-response content rule', 'backend tcp-response content rule')
    : type === 'connection' ? usageBit('frontend tcp-request connection rule')
      : type === 'session' ? usageBit('frontend tcp-request session rule')
        : usage(p, 'frontend tcp-request content rule', 'backend tcp-request content rule');
  const cond = condition(rest, c, where,
    (m) => new ConfigError(`'${full} ${name}' : error detected in ${pxLabel(p)} while parsing '${rest[0]}' condition : ${m}`), full);
  p.rules.argRefs.push(...ac.refs.map((r) => ({ ...r, where: c.where })));
  p.rules.errorfilesRefs.push(...ac.errorfiles.map((name) => ({ name, where: c.where })));
  for (const w of ac.warnings) c.warn(w);
  const rule = { action: name, params, ...(cond ? { cond } : {}), where: c.where };
  if (kw === 'tcp-response') { p.rules.tcpResponseContent.push(rule); warnOrder(c, undefined); return; }
  if (type === 'connection') p.rules.tcpRequestConnection.push(rule);
  else if (type === 'session') p.rules.tcpRequestSession.push(rule);
  else {
    p.rules.tcpRequestContent.push(rule);
    if (name === 'capture' && typeof params['len'] === 'number') p.log.captures.request.push({ len: params['len'] });
  }
  warnOrder(c, type === 'connection' ? 'tcp-request connection' : type === 'session' ? 'tcp-request session' : 'tcp-request content');
}

function inspectDelay(kw: string, v: string | undefined, p: ProxyDraft): number {
  const t = v === undefined ? { error: 'missing' } : parseTime(v);
  if (t.value === undefined) {
    const bad = 'badChar' in t && t.badChar ? ` (unexpected character '${t.badChar}')` : '';
    throw new ConfigError(`'${kw} inspect-delay' expects a positive delay in milliseconds, in ${pxLabel(p)}${bad}`);
  }
  return t.value;
}

const rows: KeywordRow[] = [
  {
    name: 'acl',
    sections: 'dfbl',
    namedDefaultsOnly: true,
    parse: (a, c) => {
      const name = a[0];
      try {
        checkAclName(name);
        const r = parseAcl(name!, a.slice(1), c.where);
        if (r.warning) c.warn(r.warning, 'plain');
        px(c).rules.acls.push(r.def);
        px(c).rules.argRefs.push(...r.refs.map((x) => ({ ...x, where: c.where })));
      } catch (e) {
        if (e instanceof NotImplementedError && name) px(c).rules.refusedAcls.push(name);
        if (!(e instanceof AclError)) throw e;
        if (e.message.startsWith('character ')) throw new ConfigError(e.message);
        throw new ConfigError(`error detected while parsing ACL '${name}' : ${e.message}`);
      }
    },
  },
  {
    name: 'use_backend',
    sections: 'fl',
    cap: 'fe',
    parse: (a, c) => {
      if (a[0] === undefined) throw new ConfigError(`'use_backend' expects a backend name.`);
      if (a[1] !== undefined && a[1] !== 'if' && a[1] !== 'unless') {
        throw new ConfigError(`unexpected keyword '${a[1]}' after switching rule, only 'if' and 'unless' are allowed.`);
      }
      const p = px(c);
      const cond = condition(a.slice(1), c, usageBit('frontend use-backend rule'),
        (m) => new ConfigError(`error detected while parsing switching rule : ${m}.`));
      // any '%' makes the name a log-format, checked after parsing (rules/checks.ts)
      const dynamic = a[0].includes('%');
      if (dynamic) {
        try {
          const refs = checkLogFormat(a[0]);
          p.rules.argRefs.push(...refs.map((r) => ({ ...r, label: `sample fetch keyword '${r.keyword}' in use_backend expression`, where: c.where })));
        } catch {
          // reported after parsing, as HAProxy does
        }
      }
      p.rules.useBackends.push({ name: a[0], file: c.where.file, line: c.where.line, ...(cond ? { cond } : {}), ...(dynamic ? { dynamic } : {}) });
      warnOrder(c, 'use_backend');
    },
  },
  {
    name: 'use-server',
    sections: 'bl',
    cap: 'be',
    parse: (a, c) => {
      if (a[0] === undefined) throw new ConfigError(`'use-server' expects a server name.`);
      if (a[1] !== 'if' && a[1] !== 'unless') throw new ConfigError(`'use-server' requires either 'if' or 'unless' followed by a condition.`);
      const p = px(c);
      const cond = condition(a.slice(1), c, usageBit('backend use-server, balance or stick-match rule'),
        (m) => new ConfigError(`error detected while parsing switching rule : ${m}.`))!;
      p.rules.useServers.push({ name: a[0], cond, where: c.where, dynamic: a[0].includes('%[') });
      warnOrder(c, 'use-server');
    },
  },
  {
    name: 'redirect',
    sections: 'fbl',
    parse: (a, c) => {
      const p = px(c);
      const label = `error detected in ${pxLabel(p)} while parsing redirect rule : `;
      let r;
      const ac = actCtx(p, c, 'redirect');
      try {
        r = parseRedirect(a, ac);
      } catch (e) {
        if (e instanceof ActionError) throw new ConfigError(label + e.message);
        throw e;
      }
      const cond = condition(a.slice(r.used), c, usage(p, FE_HRQ, BE_HRQ),
        (m) => new ConfigError(`${label}error in condition: ${m}.`));
      // HAProxy 2.6 does not resolve the fetch arguments of a legacy redirect's format
      const q = r.params;
      p.rules.redirects.push({
        type: q['type'] as 'location', target: q['target'] as string, code: q['code'] as number,
        dropQuery: !!q['dropQuery'], appendSlash: !!q['appendSlash'], ignoreEmpty: !!q['ignoreEmpty'],
        ...(q['setCookie'] !== undefined ? { setCookie: q['setCookie'] as string } : {}),
        ...(q['clearCookie'] !== undefined ? { clearCookie: q['clearCookie'] as string } : {}),
        ...(cond ? { cond } : {}), where: c.where,
      });
      warnOrder(c, 'redirect');
    },
  },
  {
    name: 'monitor',
    sections: 'fl',
    cap: 'fe',
    parse: (a, c) => {
      if (a[0] !== 'fail') throw new ConfigError(`'monitor' only supports 'fail'.`);
      if (a[1] !== 'if' && a[1] !== 'unless') throw new ConfigError(`'monitor fail' requires either 'if' or 'unless' followed by a condition.`);
      // HAProxy warns about the position before parsing the condition
      warnOrder(c, 'monitor fail');
      // HAProxy does not check the fetches of a monitor condition against its context
      const cond = condition(a.slice(1), c, ~0,
        (m) => new ConfigError(`error detected while parsing a 'monitor fail' condition : ${m}.`))!;
      px(c).rules.monitorFail.push(cond);
    },
  },
  httpRow('http-request', HTTP_REQUEST, 'httpRequest', FE_HRQ, BE_HRQ),
  httpRow('http-response', HTTP_RESPONSE, 'httpResponse', 'frontend http-response header rule', 'backend http-response header rule'),
  httpRow('http-after-response', HTTP_AFTER_RESPONSE, 'httpAfterResponse', 'frontend http-response header rule', 'backend http-response header rule'),
  {
    name: 'tcp-request',
    sections: 'dfbl',
    parse: (a, c) => {
      const p = px(c);
      const type = a[0] ?? '';
      if (type !== 'inspect-delay' && type !== 'connection' && type !== 'content' && type !== 'session') {
        throw new ConfigError(`'tcp-request' expects 'inspect-delay', 'connection', or 'content' in ${pxLabel(p)} (got '${type}')`);
      }
      if (p.kind === 'defaults' && p.name === '') throw new ConfigError(`tcp-request ${type} is not allowed in anonymous 'defaults' sections`);
      if ((type === 'connection' || type === 'session') && !p.cap.fe) {
        throw new ConfigError(`tcp-request ${type} is not allowed because ${p.kind} ${p.name} is not a frontend`);
      }
      if (type === 'inspect-delay') { p.rules.inspectDelay = inspectDelay('tcp-request', a[1], p); return; }
      tcpRule('tcp-request', type, a.slice(1), c);
    },
  },
  {
    name: 'tcp-response',
    sections: 'dfbl',
    parse: (a, c) => {
      const p = px(c);
      const type = a[0] ?? '';
      if (type !== 'inspect-delay' && type !== 'content') {
        throw new ConfigError(`'tcp-response' expects 'inspect-delay' or 'content' in ${pxLabel(p)} (got '${type}')`);
      }
      if (!p.cap.be || p.cap.fe && p.kind === 'frontend' || (p.kind === 'defaults' && p.name === '')) {
        throw new ConfigError(`tcp-response ${type} is only allowed in 'backend' sections or 'defaults' section with a name`);
      }
      if (type === 'inspect-delay') { p.rules.responseInspectDelay = inspectDelay('tcp-response', a[1], p); return; }
      tcpRule('tcp-response', type, a.slice(1), c);
    },
  },
];

register('proxy', rows);
