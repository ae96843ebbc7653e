/**
 * The stats page settings of a proxy (reference §2.13, §8). Any `stats`
 * keyword except a bare `show-desc` enables the page (HAProxy allocates
 * its uri_auth then); it only works in `mode http`, otherwise a post-parse
 * warning says it is ignored. Defaults sections pass their settings on.
 */
import { ConfigError } from '../core/errors.js';
import { register, type KeywordRow, type KwContext } from '../config/keywords.js';
import { registerPostParse } from '../config/postparse.js';
import { TIME_MAX_MS } from '../config/units.js';
import { parseCondition, CondParseError } from '../rules/condition.js';
import { usageBit } from '../rules/fetches.js';
import type { Condition } from '../rules/model.js';

export interface StatsRule {
  /** the words after `stats http-request` */
  readonly words: readonly string[];
  /** the parsed `if|unless` part, if any */
  readonly cond?: Condition;
  readonly file: string;
  readonly line: number;
}

export interface StatsConf {
  /** the page is configured (uri_auth exists) */
  enabled: boolean;
  uri: string;
  realm: string;
  /** `user:password` entries, in order */
  auths: Array<{ user: string; password: string }>;
  /** seconds; 0 = no refresh header */
  refresh: number;
  /**
   * `stats admin if|unless <cond>`: the condition as written (`['if', 'TRUE']`)
   * and as parsed by the rules' condition parser.
   */
  admin: Array<{ words: string[]; cond: Condition; file: string; line: number }>;
  hideVersion: boolean;
  showLegends: boolean;
  /** show-node: true = global node name, string = this name */
  showNode?: string | true;
  /** show-desc: true = global description, string = this text */
  showDesc?: string | true;
  scopes: string[];
  httpRequest: StatsRule[];
}

export const STATS_DEFAULT_URI = '/haproxy?stats';
export const STATS_DEFAULT_REALM = 'HAProxy Statistics';

export function initStats(): StatsConf {
  return {
    enabled: false, uri: STATS_DEFAULT_URI, realm: STATS_DEFAULT_REALM, auths: [], refresh: 0, admin: [],
    hideVersion: false, showLegends: false, scopes: [], httpRequest: [],
  };
}

const EXPECTS = `expects 'admin', 'uri', 'realm', 'auth', 'scope', 'enable', 'hide-version', 'show-node', 'show-desc' or 'show-legends'.`;

/** Actions HAProxy 2.6 lists when `stats http-request` gets an unknown one. */
const HTTP_REQUEST_ACTIONS = [
  'wait-for-handshake', 'ot-group', 'set-log-level', 'set-nice', 'use-service', 'sc-inc-gpc(*)', 'sc-inc-gpc0(*)',
  'sc-inc-gpc1(*)', 'sc-set-gpt(*)', 'sc-set-gpt0(*)', 'send-spoe-group', 'do-resolve(*)', 'cache-use', 'add-acl(*)',
  'add-header', 'allow', 'auth', 'capture', 'del-acl(*)', 'del-header', 'del-map(*)', 'deny', 'disable-l7-retry',
  'early-hint', 'normalize-uri', 'redirect', 'reject', 'replace-header', 'replace-path', 'replace-pathq', 'replace-uri',
  'replace-value', 'return', 'set-header', 'set-map(*)', 'set-method', 'set-path', 'set-pathq', 'set-query', 'set-uri',
  'strict-mode', 'tarpit', 'track-sc(*)', 'set-timeout', 'wait-for-body', 'set-var-fmt(*)', 'set-var(*)', 'unset-var(*)',
  'set-dst', 'set-dst-port', 'set-mark', 'set-src', 'set-src-port', 'set-tos', 'silent-drop', 'set-priority-class',
  'set-priority-offset',
];

function knownAction(word: string): boolean {
  for (const a of HTTP_REQUEST_ACTIONS) {
    if (a.endsWith('(*)') ? word.startsWith(a.slice(0, -2)) && word.endsWith(')') : word === a) return true;
  }
  return /^track-sc\d+$/.test(word) || /^sc-(inc-gpc|set-gpt)\d*\(/.test(word);
}

/** Parse `if|unless ...` with the rules' parser; HAProxy's wording for stats lines. */
function condition(c: KwContext, words: readonly string[], what: string): Condition {
  const px = c.proxy();
  const where = usageBit(px.cap.fe ? 'frontend http-request header rule' : 'backend http-request header rule');
  try {
    const r = parseCondition(words, px, c.where, where);
    if (r.warning) c.warn(r.warning);
    return r.cond;
  } catch (e) {
    if (e instanceof CondParseError) throw new ConfigError(`error detected while parsing ${what} : ${e.message}.`);
    throw e;
  }
}

const NODE_OK = /^[A-Za-z0-9_-]+$/;

const s = (c: KwContext): StatsConf => {
  const st = c.proxy().stats;
  return st;
};
const on = (c: KwContext): StatsConf => {
  const st = s(c);
  st.enabled = true;
  return st;
};

const rows: KeywordRow[] = [
  {
    name: 'stats',
    sections: 'dfbl',
    parse: (a) => {
      if (a.length === 0) throw new ConfigError(`missing keyword in 'stats', ${EXPECTS}`, 'parsing:');
      throw new ConfigError(`unknown stats parameter '${a[0]}', ${EXPECTS}`, 'parsing:');
    },
  },
  { name: 'stats enable', sections: 'dfbl', parse: (_a, c) => { on(c); } },
  {
    name: 'stats uri',
    sections: 'dfbl',
    parse: (a, c) => {
      if (!a[0]) throw new ConfigError(`'uri' needs an URI prefix.`);
      on(c).uri = a[0];
    },
  },
  {
    name: 'stats realm',
    sections: 'dfbl',
    parse: (a, c) => {
      if (!a[0]) throw new ConfigError(`'realm' needs an realm name.`);
      on(c).realm = a[0];
    },
  },
  {
    name: 'stats auth',
    sections: 'dfbl',
    parse: (a, c) => {
      if (!a[0]) throw new ConfigError(`'auth' needs a user:password account.`);
      // HAProxy 2.6 accepts an entry without ':'; such a user can never log in
      const colon = a[0].indexOf(':');
      const user = colon < 0 ? a[0] : a[0].slice(0, colon);
      const password = colon < 0 ? '' : a[0].slice(colon + 1);
      on(c).auths.push({ user, password });
    },
  },
  {
    name: 'stats refresh',
    sections: 'dfbl',
    parse: (a, c) => {
      const v = a[0] ?? '';
      const m = /^(\d+)(us|ms|s|m|h|d)?(.*)$/.exec(v);
      // HAProxy prints the NUL it stopped on when the argument is missing
      if (!m) throw new ConfigError(`unexpected character '${v[0] ?? ''}${v === '' ? '' : `' in argument to stats refresh interval.`}`, 'parsing:');
      if (m[3]) throw new ConfigError(`unexpected character '${m[3][0]}' in argument to stats refresh interval.`, 'parsing:');
      const mul: Record<string, number> = { us: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600, d: 86400 };
      const secs = Math.floor(Number(m[1]) * mul[m[2] ?? 's']!);
      if (secs > TIME_MAX_MS) {
        throw new ConfigError(`timer overflow in argument <${v}> to stats refresh interval, maximum value is 2147483647 s (~68 years).`, 'parsing:');
      }
      on(c).refresh = secs;
    },
  },
  {
    name: 'stats admin',
    sections: 'dfbl',
    parse: (a, c) => {
      if (c.proxy().kind === 'defaults') throw new ConfigError(`'stats admin' not allowed in 'defaults' section.`, 'parsing:');
      if (a[0] !== 'if' && a[0] !== 'unless') {
        throw new ConfigError(`'stats admin' requires either 'if' or 'unless' followed by a condition.`);
      }
      const cond = condition(c, a, `a 'stats admin' rule`);
      on(c).admin.push({ words: [...a], cond, file: c.where.file, line: c.where.line });
    },
  },
  { name: 'stats hide-version', sections: 'dfbl', parse: (_a, c) => { on(c).hideVersion = true; } },
  { name: 'stats show-legends', sections: 'dfbl', parse: (_a, c) => { on(c).showLegends = true; } },
  {
    name: 'stats show-node',
    sections: 'dfbl',
    parse: (a, c) => {
      if (a[0] !== undefined && !NODE_OK.test(a[0])) {
        throw new ConfigError(`'stats show-node' invalid node name - should be a stringwith digits(0-9), letters(A-Z, a-z), hyphen(-) or underscode(_).`, 'parsing:');
      }
      on(c).showNode = a[0] ?? true;
    },
  },
  {
    name: 'stats show-desc',
    sections: 'dfbl',
    parse: (a, c) => {
      if (a.length === 0 && !c.global.description) {
        c.warn(`'show-desc' requires a parameter or 'desc' to be set in the global section.`, 'parsing:');
        return;
      }
      on(c).showDesc = a.length ? a.join(' ') : true;
    },
  },
  {
    name: 'stats scope',
    sections: 'dfbl',
    parse: (a, c) => {
      if (!a[0]) throw new ConfigError(`'scope' needs a proxy name.`);
      on(c).scopes.push(a[0]);
    },
  },
  {
    name: 'stats http-request',
    sections: 'dfbl',
    parse: (a, c) => {
      if (c.proxy().kind === 'defaults') throw new ConfigError(`'stats' not allowed in 'defaults' section.`, 'parsing:');
      if (!a[0] || !knownAction(a[0])) {
        throw new ConfigError(`'http-request' expects ${HTTP_REQUEST_ACTIONS.map((x) => `'${x}'`).join(', ')}, but got '${a[0] ?? ''}'${a[0] ? '.' : ' (missing argument).'}`, 'parsing:');
      }
      const st = on(c);
      const prev = st.httpRequest[st.httpRequest.length - 1];
      if (prev && !prev.words.includes('if') && !prev.words.includes('unless')) {
        c.warn(`previous 'stats' action has no condition attached, further entries are NOOP.`, 'parsing:');
      }
      const at = a.findIndex((w) => w === 'if' || w === 'unless');
      const cond = at < 0 ? undefined : condition(c, a.slice(at), `an 'http-request ${a[0]}' condition`);
      st.httpRequest.push({ words: [...a], ...(cond ? { cond } : {}), file: c.where.file, line: c.where.line });
    },
  },
];

register('proxy', rows);

/** The page needs HTTP; phase 3 of HAProxy's per-proxy order (see log/keywords.ts). */
registerPostParse((model, diag) => {
  for (const px of model.proxies) {
    if (px.disabled || px.mode === 'http' || !px.stats.enabled) continue;
    const type = px.kind === 'listen' ? 'proxy' : px.kind;
    diag.warning(`'stats' statement ignored for ${type} '${px.name}' as it requires HTTP mode.`, px.where, 'plain');
  }
}, 3);
