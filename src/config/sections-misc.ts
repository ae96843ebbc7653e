/**
 * Rows of the non-proxy sections (resolvers, userlist, peers, mailers,
 * program, cache, ring, fcgi-app) and their end-of-file checks, with
 * HAProxy 2.6's messages. Each family has a '*' row because HAProxy words
 * unknown keywords per section and never suggests a correction there.
 */
import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { Codes, ConfigError } from '../core/errors.js';
import { register, type KeywordRow, type KwContext } from './keywords.js';
import { registerPostParse } from './postparse.js';
import { parseTime, atoi } from './units.js';
import { resolveName } from '../log/config.js';
import type { OtherSectionDraft, ResolversConf, UserlistConf } from './sections-other.js';

const o = (c: KwContext): OtherSectionDraft => {
  const s = c.other();
  return s;
};
const res = (c: KwContext): ResolversConf => o(c).resolvers!;
const ul = (c: KwContext): UserlistConf => o(c).userlist!;

/** Keep every statement as written, for sections whose content lb only stores. */
const keep = (c: KwContext, a: readonly string[]): void => {
  o(c).entries.push({ kw: c.kw, args: [...a], where: c.where });
};

function unknown(msg: (kw: string) => string, style: 'parsing' | 'parsing:' = 'parsing'): KeywordRow {
  return { name: '*', parse: (a) => { throw new ConfigError(msg(a[0] ?? ''), style); } };
}

function noExtra(kw: string, a: readonly string[], n: number): void {
  if (a.length > n) throw new ConfigError(`'${kw}' cannot handle unexpected argument '${a[n]}'.`);
}

/** HAProxy prints some errors as warnings while failing the load. */
function fatal(c: KwContext, msg: string, style: 'parsing' | 'parsing:'): void {
  c.diag.fatalWarning(msg, c.where, style);
}

/** Time argument with HAProxy's "unexpected character 'x' in argument to <what>." */
function timeArg(v: string, what: string): number {
  const t = parseTime(v);
  if (t.error !== undefined) throw new ConfigError(`unexpected character '${t.badChar ?? ''}' in argument to ${what}.`, 'parsing:');
  return t.value;
}

/** `addr:port` of a nameserver or mailer: literal or resolvable name, port required. */
function hostPort(kw: string, text: string): { transport: 'udp' | 'tcp'; host: string; port: number } {
  let transport: 'udp' | 'tcp' = 'udp';
  let t = text;
  const m = /^(udp|tcp)[46]?@(.*)$/.exec(text);
  if (m) { transport = m[1] as 'udp' | 'tcp'; t = m[2]!; }
  const b = /^\[([^\]]*)\](?::(\d*))?$/.exec(t) ?? /^([^:]*):(\d*)$/.exec(t);
  if (!b || !b[2]) throw new ConfigError(`'${kw}' : missing port specification in '${text}'`);
  const host = b[1]!;
  const ip = isIP(host) ? host : resolveName(host);
  if (!ip) throw new ConfigError(`'${kw}' : invalid address: '${host}' in '${t}'\n`);
  return { transport, host: ip, port: Number(b[2]) };
}

const HOLD_EVENTS = ['nx', 'other', 'refused', 'timeout', 'valid', 'obsolete'];

const resolverRows: KeywordRow[] = [
  unknown((k) => `unknown keyword '${k}' in 'resolvers' section`),
  {
    name: 'nameserver',
    parse: (a, c) => {
      if (a.length < 2) throw new ConfigError(`'nameserver' expects <name> and <addr>[:<port>] as arguments.`);
      const r = res(c);
      const prev = r.nameservers.find((n) => n.name === a[0]);
      if (prev) {
        throw new ConfigError(`Parsing [${c.where.file}:${c.where.line}]: nameserver '${a[0]}' has same name as another nameserver (declared at ${prev.where.file}:${prev.where.line}).`, 'plain');
      }
      r.nameservers.push({ name: a[0]!, ...hostPort(`nameserver ${a[0]}`, a[1]!), where: c.where });
    },
  },
  {
    name: 'parse-resolv-conf',
    parse: (_a, c) => {
      const r = res(c);
      if (r.parseResolvConf) return;
      r.parseResolvConf = true;
      let text = '';
      try { text = readFileSync('/etc/resolv.conf', 'utf8'); } catch { return; }
      text.split('\n').forEach((line, i) => {
        const m = /^\s*nameserver\s+(\S+)/.exec(line);
        if (!m || !isIP(m[1]!)) return;
        r.nameservers.push({ name: m[1]!, transport: 'udp', host: m[1]!, port: 53, where: { file: '/etc/resolv.conf', line: i + 1 } });
      });
    },
  },
  {
    name: 'hold',
    parse: (a, c) => {
      if (a.length < 2) {
        c.diag.alert(Codes.CFG_INVALID, `'hold' expects an <event> and a <time> as arguments.`, c.where);
        c.diag.alert(Codes.CFG_INVALID, `<event> can be either 'valid', 'nx', 'refused', 'timeout', or 'other'`, c.where, 'plain');
        return;
      }
      if (!HOLD_EVENTS.includes(a[0]!)) {
        throw new ConfigError(`'hold' unknown <event>: '${a[0]}', expects either 'nx', 'timeout', 'valid', 'obsolete' or 'other'.`);
      }
      res(c).hold[a[0]!] = timeArg(a[1]!, '<hold>');
    },
  },
  {
    name: 'resolve_retries',
    parse: (a, c) => {
      if (!a[0]) throw new ConfigError(`'resolve_retries' expects <nb> as argument.`);
      res(c).resolveRetries = atoi(a[0]);
    },
  },
  {
    name: 'timeout',
    parse: (a, c) => {
      if (!a[0]) throw new ConfigError(`'timeout' expects 'retry' or 'resolve' and <time> as arguments.`);
      if (a[0] !== 'retry' && a[0] !== 'resolve') {
        throw new ConfigError(`'timeout' expects 'retry' or 'resolve' and <time> as arguments got '${a[0]}'.`);
      }
      if (!a[1]) throw new ConfigError(`'timeout ${a[0]}' expects <time> as argument.`);
      const v = timeArg(a[1], `<timeout ${a[0]}>`);
      if (a[0] === 'retry') res(c).timeoutRetry = v; else res(c).timeoutResolve = v;
    },
  },
  {
    name: 'accepted_payload_size',
    parse: (a, c) => {
      if (!a[0]) throw new ConfigError(`'accepted_payload_size' expects <nb> as argument.`);
      const n = atoi(a[0]);
      if (n < 12 || n > 65535) throw new ConfigError(`'accepted_payload_size' must be between 12 and 65535 inclusive (was ${a[0]}).`);
      res(c).acceptedPayloadSize = n;
    },
  },
];

const userlistRows: KeywordRow[] = [
  unknown((k) => `unknown keyword '${k}' in 'users' section`, 'parsing:'),
  {
    name: 'user',
    parse: (a, c) => {
      if (!a[0]) throw new ConfigError(`'user' expects <name> as arguments.`, 'parsing:');
      const u = ul(c);
      if (u.users.some((x) => x.name === a[0])) {
        c.warn(`ignoring duplicated user '${a[0]}' in userlist '${o(c).name}'.`, 'parsing:');
        return;
      }
      const user: UserlistConf['users'][number] = { name: a[0], insecure: false, groups: [], where: c.where };
      for (let i = 1; i < a.length; i += 2) {
        const k = a[i]!;
        if (k === 'password' || k === 'insecure-password') { user.password = a[i + 1]; user.insecure = k === 'insecure-password'; }
        else if (k === 'groups') user.groups = (a[i + 1] ?? '').split(',').filter((g) => g !== '');
        else throw new ConfigError(`'user' only supports 'password', 'insecure-password' and 'groups' options.`, 'parsing:');
      }
      u.users.push(user);
    },
  },
  {
    name: 'group',
    parse: (a, c) => {
      if (!a[0]) throw new ConfigError(`'group' expects <name> as arguments.`, 'parsing:');
      const u = ul(c);
      if (u.groups.some((x) => x.name === a[0])) {
        c.warn(`ignoring duplicated group '${a[0]}' in userlist '${o(c).name}'.`, 'parsing:');
        return;
      }
      const g = { name: a[0], users: [] as string[], where: c.where };
      for (let i = 1; i < a.length; i += 2) {
        if (a[i] !== 'users') throw new ConfigError(`'group' only supports 'users' option.`, 'parsing:');
        g.users.push(...(a[i + 1] ?? '').split(',').filter((x) => x !== ''));
      }
      u.groups.push(g);
    },
  },
];

const peersRows: KeywordRow[] = [
  unknown((k) => `unknown keyword '${k}' in 'peers' section`),
  {
    name: 'peer',
    parse: (a, c) => {
      if (a[1] !== undefined && a[1].includes(':')) {
        const m = /^(.*):(\d*)$/.exec(a[1]);
        const host = m?.[1] ?? a[1];
        if (host !== '' && host !== '*' && !isIP(host.replace(/^\[|\]$/g, '')) && !resolveName(host)) {
          throw new ConfigError(`'server (null)/${a[0]}' : invalid address: '${host}' in '${a[1]}'\n`, 'located');
        }
      }
      if (a.length > 2) throw new ConfigError(`'server (null)/${a[0]}' : unknown keyword '${a[2]}'.`, 'located');
      keep(c, a);
    },
  },
  {
    name: 'table',
    parse: (a, c) => {
      if (!a.includes('size')) throw new ConfigError(`table: missing size.`);
      keep(c, a);
    },
  },
  ...['bind', 'server', 'default-server', 'default-bind', 'disabled', 'enabled', 'log'].map((name): KeywordRow => ({
    name, parse: (a, c) => keep(c, a),
  })),
];

const mailersRows: KeywordRow[] = [
  unknown((k) => `unknown keyword '${k}' in 'mailers' section`),
  {
    name: 'mailer',
    parse: (a, c) => {
      if (a.length < 2) throw new ConfigError(`'mailer' expects <name> and <addr>[:<port>] as arguments.`);
      hostPort(`mailer ${a[0]}`, a[1]!);
      keep(c, a);
    },
  },
  {
    name: 'timeout',
    parse: (a, c) => {
      if (!a[0]) throw new ConfigError(`'timeout' expects 'mail' and <time> as arguments.`);
      if (a[0] !== 'mail') throw new ConfigError(`'timeout' expects 'mail' and <time> as arguments got '${a[0]}'.`);
      if (!a[1]) throw new ConfigError(`'timeout mail' expects <time> as argument.`);
      timeArg(a[1], '<timeout mail>');
      keep(c, a);
    },
  },
];

const programRows: KeywordRow[] = [
  unknown((k) => `unknown keyword '${k}' in 'program' section`),
  {
    name: 'command',
    parse: (a, c) => {
      if (a.length === 0) throw new ConfigError(`'command' expects a command with optional arguments separated in words.`, 'parsing:');
      keep(c, a);
    },
  },
  { name: 'user', parse: (a, c) => { if (!a[0]) throw new ConfigError(`'user' expects a user name.`, 'parsing:'); keep(c, a); } },
  { name: 'group', parse: (a, c) => { if (!a[0]) throw new ConfigError(`'group' expects a group name.`, 'parsing:'); keep(c, a); } },
  { name: 'option start-on-reload', negatable: true, parse: (a, c) => keep(c, a) },
  { name: 'option', negatable: true, parse: (a) => { throw new ConfigError(`unknown option '${a[0] ?? ''}'.`); } },
];

/** cache sizes: HAProxy reports these as warnings but fails the load. */
const cacheRows: KeywordRow[] = [
  unknown((k) => `unknown keyword '${k}' in 'cache' section`),
  {
    name: 'total-max-size',
    parse: (a, c) => {
      noExtra('total-max-size', a, 1);
      if (!/^\d+$/.test(a[0] ?? '')) return fatal(c, `total-max-size wrong value '${a[0] ?? ''}'`, 'parsing:');
      if (Number(a[0]) > 4095) return fatal(c, `"total-max-size" (${a[0]}) must not be greater than 4095`, 'parsing:');
      keep(c, a);
    },
  },
  {
    name: 'max-object-size',
    parse: (a, c) => {
      noExtra('max-object-size', a, 1);
      if (!a[0]) c.warn(`'max-object-size' expects a maximum file size parameter in bytes.`, 'parsing:');
      if (!/^\d+$/.test(a[0] ?? '')) return fatal(c, `max-object-size wrong value '${a[0] ?? ''}'`, 'parsing:');
      keep(c, a);
    },
  },
  {
    name: 'max-age',
    parse: (a, c) => {
      noExtra('max-age', a, 1);
      if (!a[0]) { c.warn(`'max-age' expects an age parameter in seconds.`, 'parsing:'); return; }
      keep(c, a);
    },
  },
  {
    name: 'process-vary',
    parse: (a, c) => {
      noExtra('process-vary', a, 1);
      if (a[0] !== 'on' && a[0] !== 'off') {
        c.warn(`'process-vary' expects "on" or "off" (enable or disable vary processing).`, 'parsing:');
        return;
      }
      keep(c, a);
    },
  },
  {
    name: 'max-secondary-entries',
    parse: (a, c) => {
      noExtra('max-secondary-entries', a, 1);
      if (!/^\d+$/.test(a[0] ?? '') || Number(a[0]) === 0) return fatal(c, `max-secondary-entries wrong value '${a[0] ?? ''}'`, 'parsing:');
      keep(c, a);
    },
  },
];

const RING_FORMATS = ['rfc3164', 'rfc5424', 'short', 'raw', 'iso', 'timed', 'priority'];
const ringRows: KeywordRow[] = [
  unknown((k) => `unknown statement '${k}'.`),
  { name: 'description', parse: (a, c) => keep(c, a) },
  {
    name: 'format',
    parse: (a, c) => {
      if (!RING_FORMATS.includes(a[0] ?? '')) throw new ConfigError(`unknown format '${a[0] ?? ''}'.`);
      keep(c, a);
    },
  },
  {
    name: 'maxlen',
    parse: (a, c) => {
      if (!/^\d+$/.test(a[0] ?? '')) throw new ConfigError(`invalid size '${a[0] ?? ''}' for new sink buffer.`);
      keep(c, a);
    },
  },
  {
    name: 'size',
    parse: (a, c) => {
      if (!/^\d+$/.test(a[0] ?? '')) throw new ConfigError(`invalid size '${a[0] ?? ''}' for new sink buffer.`);
      if (Number(a[0]) < 16384) {
        return fatal(c, `ignoring new size '${a[0]}' that is smaller than current size '16384' for ring '${o(c).name}'.`, 'parsing');
      }
      keep(c, a);
    },
  },
  { name: 'timeout', parse: (a, c) => keep(c, a) },
  {
    name: 'server',
    status: 'unsupported',
    why: 'forwarding a ring buffer to log servers',
    parse: () => undefined,
  },
];

const FCGI_KEYWORDS = ['index', 'path-info', 'option', 'set-param', 'pass-header', 'log-stderr'];
const fcgiRows: KeywordRow[] = [
  unknown((k) => `unknown keyword '${k}' in 'fcgi-app' section`, 'parsing:'),
  {
    name: 'docroot',
    parse: (a, c) => {
      if (!a[0]) throw new ConfigError(`'docroot' expects <path> as argument.`);
      keep(c, a);
    },
  },
  ...FCGI_KEYWORDS.map((name): KeywordRow => ({ name, parse: (a, c) => keep(c, a) })),
];

register('resolvers', resolverRows);
register('userlist', userlistRows);
register('peers', peersRows);
register('mailers', mailersRows);
register('program', programRows);
register('cache', cacheRows);
register('ring', ringRows);
register('fcgi-app', fcgiRows);

const has = (s: OtherSectionDraft, kw: string): boolean => s.entries.some((e) => e.kw === kw);

/** End-of-file checks of these sections, in HAProxy's words. */
registerPostParse((model, diag) => {
  const o = model.others;
  for (const r of o.resolvers) {
    if (r.resolvers!.nameservers.length === 0) {
      diag.warning(`resolvers '${r.name}' [${r.where.file}:${r.where.line}] has no nameservers configured!`, r.where, 'plain');
    }
  }
  for (const u of o.userlist) {
    const users = u.userlist!.users;
    const groups = u.userlist!.groups;
    for (const g of groups) {
      for (const name of g.users) {
        if (!users.some((x) => x.name === name)) diag.alert(Codes.CFG_SEMANTIC, `userlist '${u.name}': no such user '${name}' specified in group '${g.name}'`, g.where, 'plain');
      }
    }
    for (const user of users) {
      for (const name of user.groups) {
        if (!groups.some((x) => x.name === name)) diag.alert(Codes.CFG_SEMANTIC, `userlist '${u.name}': no such group '${name}' specified in user '${user.name}'`, user.where, 'plain');
      }
    }
  }
  const host = hostname();
  for (const p of o.peers) {
    const local = p.entries.some((e) => e.kw === 'peer' && e.args[0] === host);
    if (!local) {
      diag.warning(`Removing incomplete section 'peers ${p.name}' (no peer named '${host}').`, p.where, 'plain');
    } else {
      diag.alert(Codes.CFG_NOT_IMPLEMENTED, `peers section '${p.name}' declares the local peer '${host}': stick-table replication is not implemented in lb.`, p.where, 'plain');
    }
  }
  for (const m of o.mailers) {
    // email alerts are not implemented, so no proxy can use a mailers section
    diag.warning(`Removing incomplete section 'mailers ${m.name}'.`, m.where, 'plain');
  }
  for (const c of o.cache) {
    const size = c.entries.find((e) => e.kw === 'total-max-size');
    if (!size) { diag.alert(Codes.CFG_SEMANTIC, `Size not specified for cache '${c.name}'`, c.where, 'plain'); continue; }
    const total = Number(size.args[0]) * 1024 * 1024;
    const obj = c.entries.find((e) => e.kw === 'max-object-size');
    if (obj && Number(obj.args[0]) > total / 2) {
      diag.alert(Codes.CFG_SEMANTIC, `"max-object-size" is limited to an half of "total-max-size" => ${total / 2}`, obj.where, 'plain');
    }
  }
  for (const f of o['fcgi-app']) {
    if (!has(f, 'docroot')) diag.alert(Codes.CFG_SEMANTIC, `fcgi-app '${f.name}': no docroot configured.`, f.where, 'plain');
  }
  for (const pg of o.program) {
    if (!has(pg, 'command')) diag.alert(Codes.CFG_SEMANTIC, `The program section '${pg.name}' lacks a command to launch.`, pg.where, 'plain');
  }
  if (o.program.length > 0) {
    if (!model.global.masterWorker) {
      diag.alert(Codes.CFG_SEMANTIC, `Can't use a 'program' section without master worker mode.`, o.program[0]!.where, 'plain');
    } else {
      diag.alert(Codes.CFG_NOT_IMPLEMENTED, `'program' sections are not implemented in lb (starting external processes); remove them or run this configuration with HAProxy.`, o.program[0]!.where, 'plain');
    }
  }
});

