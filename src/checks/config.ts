/**
 * Health-check configuration of a backend (reference §2.7, §4).
 *
 * A backend selects one check type with an `option` (httpchk, tcp-check,
 * mysql-check, ...; plain TCP connect when none) and may carry an ordered
 * list of `http-check` or `tcp-check` rules (checks/rules.ts). Invariants,
 * as observed on HAProxy 2.6:
 *  - every check option drops the rules of the other kind (an `option
 *    redis-check` drops all rules); rules declared before the matching
 *    option are kept;
 *  - a proxy inherits the type and rules of its defaults section; its first
 *    own rule starts a new list (the inherited rules are not extended), and
 *    drops an inherited `option httpchk` request;
 *  - own rules that do not match the selected type are ignored with a
 *    post-parse warning.
 */
import { Codes, ConfigError } from '../core/errors.js';
import { register, type KeywordRow, type KwContext } from '../config/keywords.js';
import { registerPostParse } from '../config/postparse.js';
import type { Model, ProxyDraft } from '../config/model.js';
import type { Diagnostics } from '../config/diag.js';
import type { CheckRule } from './rules.js';

export type { CheckRule };

export type CheckType = 'tcp' | 'http' | 'tcp-check' | 'ssl-hello' | 'smtp' | 'pgsql' | 'mysql' | 'redis' | 'ldap';

export interface HttpCheckRequest {
  method: string;
  uri: string;
  version: string;
  /** raw header lines appended to the version in the old syntax ("HTTP/1.0\r\nHost: x") */
  extraHeaders?: string;
}

export interface CheckConf {
  type: CheckType;
  /** `option httpchk` request (defaults OPTIONS / HTTP/1.0) */
  httpReq?: HttpCheckRequest;
  /**
   * "<kind>:<name>" of the section that wrote `httpReq`. HAProxy keeps the
   * request in the rule list, so a proxy that starts its own http-check
   * rules loses an inherited request (observed: OPTIONS / HTTP/1.0 is sent).
   */
  httpReqOwner?: string;
  /** option smtpchk greeting */
  smtp?: { verb: 'HELO' | 'EHLO'; domain: string };
  pgsqlUser?: string;
  mysql?: { user?: string; post41: boolean };
  /** http-check disable-on-404 / send-state */
  disableOn404: boolean;
  sendState: boolean;
  /** which keyword family the rules come from */
  rulesKind?: 'http' | 'tcp';
  rules: CheckRule[];
  /** "<kind>:<name>" of the section that wrote the rules (inherited rules keep their owner) */
  rulesOwner?: string;
}

export function initCheck(): CheckConf {
  return { type: 'tcp', disableOn404: false, sendState: false, rules: [] };
}

export function ownerOf(px: ProxyDraft): string {
  return `${px.kind}:${px.name}`;
}

/** Select a check type; drops rules that belong to another kind. */
function select(px: ProxyDraft, type: CheckType): void {
  const ck = px.check;
  const keep = (type === 'http' && ck.rulesKind === 'http') || (type === 'tcp-check' && ck.rulesKind === 'tcp');
  if (!keep) {
    ck.rules = [];
    ck.rulesKind = undefined;
    ck.rulesOwner = undefined;
  }
  ck.type = type;
}

function noArgs(kw: string, a: readonly string[]): void {
  if (a.length > 0) throw new ConfigError(`'${kw}' cannot handle unexpected argument '${a[0]}'.`);
}

const p = (c: KwContext): ProxyDraft => c.proxy();

/** Split the old-syntax version word: "HTTP/1.0\r\nHost: x" → version + raw header lines. */
function splitVersion(v: string): { version: string; extraHeaders?: string } {
  const i = v.indexOf('\r\n');
  if (i < 0) return { version: v };
  return { version: v.slice(0, i), extraHeaders: v.slice(i + 2) };
}

const rows: KeywordRow[] = [
  {
    name: 'option httpchk',
    sections: 'dbl',
    cap: 'be',
    parse: (a, c) => {
      if (a.length > 3) throw new ConfigError(`'option httpchk' cannot handle unexpected argument '${a[3]}'.`);
      const req: HttpCheckRequest = { method: 'OPTIONS', uri: '/', version: 'HTTP/1.0' };
      if (a.length === 1) req.uri = a[0]!;
      else if (a.length >= 2) {
        req.method = a[0]!;
        req.uri = a[1]!;
        if (a[2] !== undefined) Object.assign(req, splitVersion(a[2]));
        if (req.extraHeaders !== undefined) {
          c.warn(`'option httpchk' : hiding headers or body at the end of the version string is deprecated. Please, consider to use 'http-check send' directive instead.`, 'parsing:');
        }
      }
      const px = p(c);
      select(px, 'http');
      px.check.httpReq = req;
      px.check.httpReqOwner = ownerOf(px);
    },
  },
  {
    name: 'option tcp-check',
    sections: 'dbl',
    cap: 'be',
    parse: (a, c) => { noArgs('option tcp-check', a); select(p(c), 'tcp-check'); },
  },
  {
    name: 'option ssl-hello-chk',
    sections: 'dbl',
    cap: 'be',
    parse: (a, c) => { noArgs('option ssl-hello-chk', a); select(p(c), 'ssl-hello'); },
  },
  {
    name: 'option smtpchk',
    sections: 'dbl',
    cap: 'be',
    parse: (a, c) => {
      if (a.length > 2) throw new ConfigError(`'option smtpchk' cannot handle unexpected argument '${a[2]}'.`);
      const px = p(c);
      select(px, 'smtp');
      // anything but "HELO|EHLO <domain>" falls back to HAProxy's default greeting
      const verb = a[0] === 'HELO' || a[0] === 'EHLO' ? a[0] : undefined;
      px.check.smtp = verb && a[1] ? { verb, domain: a[1] } : { verb: 'HELO', domain: 'localhost' };
    },
  },
  {
    name: 'option pgsql-check',
    sections: 'dbl',
    cap: 'be',
    parse: (a, c) => {
      if (a[0] !== 'user' || !a[1]) throw new ConfigError(`'option pgsql-check' expects 'user <username>' as argument.`);
      if (a.length > 2) throw new ConfigError(`'option pgsql-check' cannot handle unexpected argument '${a[2]}'.`);
      const px = p(c);
      select(px, 'pgsql');
      px.check.pgsqlUser = a[1];
    },
  },
  {
    name: 'option mysql-check',
    sections: 'dbl',
    cap: 'be',
    parse: (a, c) => {
      const my: NonNullable<CheckConf['mysql']> = { post41: false };
      if (a.length > 0) {
        if (a[0] !== 'user') throw new ConfigError(`'option mysql-check' only supports optional values: 'user' (got '${a[0]}').`);
        if (!a[1]) throw new ConfigError(`'option mysql-check user' expects <username> as argument.`);
        my.user = a[1];
        if (a[2] !== undefined) {
          if (a[2] !== 'post-41' && a[2] !== 'pre-41') throw new ConfigError(`keyword 'user' only supports 'post-41' and 'pre-41' (got '${a[2]}').`);
          my.post41 = a[2] === 'post-41';
        }
        if (a.length > 3) throw new ConfigError(`'option mysql-check' cannot handle unexpected argument '${a[3]}'.`);
      }
      const px = p(c);
      select(px, 'mysql');
      px.check.mysql = my;
    },
  },
  {
    name: 'option redis-check',
    sections: 'dbl',
    cap: 'be',
    parse: (a, c) => { noArgs('option redis-check', a); select(p(c), 'redis'); },
  },
  {
    name: 'option ldap-check',
    sections: 'dbl',
    cap: 'be',
    parse: (a, c) => { noArgs('option ldap-check', a); select(p(c), 'ldap'); },
  },
];

register('proxy', rows);

/**
 * "backend 'b' uses tcp-check rules without 'option tcp-check', so the rules
 * are ignored." HAProxy reports http-check rules before its timeout checks
 * (phase -1) and tcp-check rules after them (phase 1).
 */
function unusedRules(kind: 'http' | 'tcp') {
  return (model: Model, diag: Diagnostics): void => {
    for (const px of model.proxies) {
      const ck = px.check;
      if (ck.rulesKind !== kind || ck.rules.length === 0 || ck.rulesOwner !== ownerOf(px)) continue;
      const type = px.kind === 'listen' ? 'proxy' : px.kind;
      if (kind === 'tcp' && (ck.type !== 'tcp-check' || !px.cap.be)) {
        diag.warning(`${type} '${px.name}' uses tcp-check rules without 'option tcp-check', so the rules are ignored.`, px.where, 'plain');
      } else if (kind === 'http' && (ck.type !== 'http' || !px.cap.be)) {
        diag.warning(`${type} '${px.name}' uses http-check rules without 'option httpchk', so the rules are ignored.`, px.where, 'plain');
      }
    }
  };
}
registerPostParse(unusedRules('http'), -1);
registerPostParse(unusedRules('tcp'), 1);

/**
 * A checked server needs a port to check: its own, or `port`. HAProxy
 * 2.6.12 refuses the configuration otherwise ("config: backend 'b': server
 * 's' has neither service port nor check port.").
 */
registerPostParse((model, diag) => {
  for (const px of model.proxies) {
    if (!px.cap.be || px.disabled) continue;
    for (const s of px.servers) {
      if (!s.check || s.checkPort || s.address.port || s.address.portOffset) continue;
      if (s.address.family === 'unix' || s.address.family === 'abns') continue;
      const type = px.kind === 'listen' ? 'proxy' : px.kind;
      diag.alert(Codes.CFG_SEMANTIC, `config: ${type} '${px.name}': server '${s.name}' has neither service port nor check port.`, s.where, 'plain');
    }
  }
});
