/**
 * The section driver: statements → sections → keyword rows → Model.
 * Owns section headers, defaults inheritance (resolved once, when a proxy
 * starts), the dispatch of each line to its keyword row with HAProxy's
 * section/capability rules, and the final freeze. Reference §1.1, §2.2.
 */
import { Codes, ConfigError } from '../core/errors.js';
import { Diagnostics, type Where } from './diag.js';
import {
  lookup, firstWords, didYouMean,
  type Family, type KwContext, type ProxyKind, type SectionKind,
} from './keywords.js';
import { readFile, expandPaths, type Statement } from './reader.js';
import { initGlobal, type GlobalConf } from './global.js';
import { initCore } from './proxy.js';
import { timeWarnings } from './units.js';
import { deepFreeze, type LoadOptions, type Model, type ProxyDraft } from './model.js';
import { initServerParams } from '../backend/server.js';
import { initRules } from '../rules/model.js';
import { checkRulesInheritance } from '../rules/inherit.js';
import { initCheck } from '../checks/config.js';
import { initStats } from '../stats/config.js';
import { initLog } from '../log/config.js';
import { initOthers, startOtherSection, OTHER_SECTIONS, type OtherSectionDraft } from './sections-other.js';
import { runPostParse } from './postparse.js';
import './all-keywords.js';

const PROXY_SECTIONS: readonly ProxyKind[] = ['defaults', 'frontend', 'backend', 'listen'];
const SECTION_LETTER: Record<ProxyKind, string> = { defaults: 'd', frontend: 'f', backend: 'b', listen: 'l' };
/** the order in which HAProxy 2.6 offers its common proxy keywords as hints */
const PROXY_HINT_ORDER = [
  'listen', 'frontend', 'backend', 'defaults', 'server', 'default-server', 'server-template', 'bind',
  'monitor-net', 'monitor-uri', 'mode', 'id', 'description', 'disabled', 'enabled', 'acl',
  'dynamic-cookie-key', 'cookie', 'email-alert', 'persist', 'appsession', 'load-server-state-from-file',
  'server-state-file-name', 'max-session-srv-conns', 'capture', 'retries', 'http-request', 'http-response',
  'http-after-response', 'http-send-name-header', 'block', 'redirect', 'use_backend', 'use-server',
  'force-persist', 'ignore-persist', 'stick-table', 'stick', 'stats', 'option', 'default_backend',
  'http-reuse', 'monitor',
];
/** characters HAProxy accepts in proxy names (invalid_char()) */
const NAME_OK = /^[A-Za-z0-9_.:-]$/;

export interface LoadResult {
  /** undefined when the configuration has fatal errors */
  model?: Model;
  diag: Diagnostics;
  files: string[];
}

/** Create a proxy, inheriting everything a defaults section passes on. */
export function newProxy(kind: ProxyKind, name: string, where: Where, from?: ProxyDraft): ProxyDraft {
  const cap = { fe: kind !== 'backend', be: kind !== 'frontend' };
  if (kind === 'defaults') { cap.fe = true; cap.be = true; }
  if (from) {
    const inherited = structuredClone(from) as ProxyDraft;
    return {
      ...inherited,
      kind, name, where, cap, iid: 0,
      from: from.name,
      id: undefined,
      description: undefined,
      binds: [],
      servers: [],
      rules: kind === 'defaults' ? inherited.rules : initRules(),
    };
  }
  return {
    ...initCore(),
    kind, name, where, cap, iid: 0,
    binds: [],
    servers: [],
    defaultServer: initServerParams(),
    rules: initRules(),
    check: initCheck(),
    stats: initStats(),
    log: initLog(),
  };
}

/** Load and check configuration files. Never throws on bad input. */
export function loadConfig(paths: readonly string[], opts: LoadOptions): LoadResult {
  const diag = new Diagnostics();
  diag.zeroWarning = !!opts.zeroWarning;
  diag.diagMode = !!opts.diagMode;
  const env = opts.env as Record<string, string | undefined>;
  const files = expandPaths(paths, diag);
  const st = new ParseState(diag, { ...opts, env });
  let aborted = diag.alerts > 0;
  for (const f of files) {
    if (aborted) break;
    const ok = readFile(f, {
      fileStart: () => st.fileStart(),
      emit: (s) => st.statement(s),
      section: () => st.sectionName(),
    }, { env: (n) => env[n], diag });
    if (!ok || st.aborted) aborted = true;
    if (diag.alerts > 0 || !ok) {
      diag.alert(Codes.CFG_FILE, `Error(s) found in configuration file : ${f}`);
    }
  }
  if (aborted || diag.alerts > 0) return { diag, files };
  const model = st.finish(files);
  runPostParse(model, diag, opts);
  if (diag.alerts > 0) return { diag, files };
  return { model: deepFreeze(model), diag, files };
}

class ParseState {
  readonly global: GlobalConf = initGlobal();
  readonly proxies: ProxyDraft[] = [];
  readonly namedDefaults = new Map<string, ProxyDraft>();
  readonly others = initOthers();
  /** the last defaults section seen (named or not) */
  lastDefaults?: ProxyDraft;
  section: SectionKind | undefined;
  /** an error HAProxy treats as fatal to the whole parse (http-request...): later lines are ignored */
  aborted = false;
  /** a proxy section whose header failed: its lines are rejected */
  brokenHeader = false;
  proxy?: ProxyDraft;
  other?: OtherSectionDraft;

  constructor(readonly diag: Diagnostics, readonly opts: LoadOptions & { env: Record<string, string | undefined> }) {}

  sectionName(): string {
    return this.section ?? '';
  }

  fileStart(): void {
    this.section = undefined;
    this.proxy = undefined;
    this.other = undefined;
    this.brokenHeader = false;
  }

  statement(s: Statement): void {
    if (this.aborted) return;
    const kw = s.words[0]!;
    if (kw === 'global') return this.startGlobal(s);
    if ((PROXY_SECTIONS as readonly string[]).includes(kw)) return this.startProxy(kw as ProxyKind, s);
    if ((OTHER_SECTIONS as readonly string[]).includes(kw)) return this.startOther(kw as SectionKind, s);
    if (this.section === undefined) {
      this.diag.alert(Codes.CFG_UNKNOWN_KEYWORD, `unknown keyword '${kw}' out of section.`, s.where, 'parsing:');
      return;
    }
    if (this.brokenHeader) {
      this.diag.alert(Codes.CFG_INVALID, `'listen' or 'defaults' expected.`, s.where);
      return;
    }
    if (this.section === 'global') return this.dispatch('global', s);
    if (this.proxy) return this.dispatch('proxy', s);
    if (this.other) return this.dispatch(this.section as Family, s);
  }

  startGlobal(s: Statement): void {
    this.section = 'global';
    this.proxy = undefined;
    this.other = undefined;
    this.brokenHeader = false;
    if (s.words.length > 1) {
      this.diag.alert(Codes.CFG_INVALID, `'global' cannot handle unexpected argument '${s.words[1]}'.`, s.where);
    }
  }

  startProxy(kind: ProxyKind, s: Statement): void {
    const w = s.words;
    this.section = kind;
    this.proxy = undefined;
    this.other = undefined;
    this.brokenHeader = false;
    let name: string | undefined = w[1];
    if (name === 'from' && kind === 'defaults' && w[2] !== undefined && w.length === 3) name = undefined;
    if (name === undefined && kind !== 'defaults') {
      this.diag.alert(Codes.CFG_INVALID, `'${kind}' expects an <id> argument`, s.where);
      this.brokenHeader = true;
      return;
    }
    name = name ?? '';
    for (const ch of name) {
      if (!NAME_OK.test(ch)) {
        this.diag.alert(Codes.CFG_INVALID, `character '${ch}' is not permitted in '${kind}' name '${name}'.`, s.where);
        this.brokenHeader = true;
        return;
      }
    }
    let fromName: string | undefined;
    let rest = w.slice(name === '' && w[1] !== 'from' ? 1 : 2);
    if (rest[0] === 'from') {
      fromName = rest[1] ?? '';
      rest = rest.slice(2);
    }
    if (rest.length > 0) {
      if (fromName !== undefined) {
        this.diag.alert(Codes.CFG_INVALID, `'${kind}' cannot handle unexpected argument '${rest[0]}'.`, s.where);
      }
      if (kind === 'defaults' || kind === 'backend') {
        if (fromName === undefined) this.diag.alert(Codes.CFG_INVALID, `'${kind}' cannot handle unexpected argument '${rest[0]}'.`, s.where);
      } else {
        this.diag.nonFatalAlert(Codes.CFG_INVALID, `please use the 'bind' keyword for listening addresses.`, s.where);
      }
      this.brokenHeader = true;
      return;
    }
    // a defaults section starts afresh unless it names its parent with 'from'
    let from: ProxyDraft | undefined = kind === 'defaults' ? undefined : this.lastDefaults;
    if (fromName !== undefined) {
      from = this.namedDefaults.get(fromName);
      if (!from) {
        this.diag.alert(Codes.CFG_INVALID, `defaults section '${fromName}' not found for ${kind} '${name}'.`, s.where);
        this.brokenHeader = true;
        return;
      }
    }
    if (kind !== 'defaults') {
      for (const other of this.proxies) {
        if (other.name !== name) continue;
        const clash = kind === 'listen' || other.kind === 'listen' || other.kind === kind;
        if (clash) {
          this.diag.alert(Codes.CFG_INVALID,
            `Parsing [${s.where.file}:${s.where.line}]: ${kind} '${name}' has the same name as ${other.kind} '${other.name}' declared at ${other.where.file}:${other.where.line}.`,
            s.where, 'plain');
          break;
        }
      }
    }
    const inheritError = from && checkRulesInheritance(kind, from);
    if (inheritError) {
      this.diag.alert(Codes.CFG_ABORT, inheritError, s.where, 'parsing:');
      this.aborted = true;
      return;
    }
    const px = newProxy(kind, name, s.where, from);
    if (kind === 'defaults') {
      px.from = fromName;
      this.lastDefaults = px;
      if (name !== '') this.namedDefaults.set(name, px);
    } else {
      this.proxies.push(px);
    }
    this.proxy = px;
  }

  startOther(kind: SectionKind, s: Statement): void {
    this.section = kind;
    this.proxy = undefined;
    this.brokenHeader = false;
    try {
      this.other = startOtherSection(kind, s.words.slice(1), s.where, this.others, this.diag);
    } catch (e) {
      this.other = undefined;
      this.brokenHeader = false;
      if (!(e instanceof ConfigError)) throw e;
      this.diag.alert(e.code, e.message, s.where, e.style);
    }
  }

  /** Run one statement through its family's keyword table. */
  dispatch(family: Family, s: Statement): void {
    let words = s.words;
    let negated = false;
    if (words[0] === 'no' || words[0] === 'default') {
      negated = words[0] === 'no';
      words = words.slice(1);
      const m0 = lookup(family, words);
      if (!m0 || !m0.row.negatable) {
        if (family === 'proxy' && words[0] === 'option' && words[1] !== undefined) {
          this.diag.alert(Codes.CFG_INVALID, `negation/default is not supported for option '${words[1]}'.`, s.where, 'parsing:');
        } else {
          this.diag.alert(Codes.CFG_INVALID, `negation/default currently supported only for options, log, busy-polling, set-dumpable, strict-limits, insecure-fork-wanted and numa-cpu-mapping.`, s.where, 'parsing:');
        }
        return;
      }
    }
    const m = lookup(family, words);
    const sectionLabel = this.section ?? '';
    if (!m) {
      const kw = words[0] ?? '';
      let candidates = firstWords(family);
      if (family === 'proxy') {
        // HAProxy also proposes section keywords, and on a tie keeps the first
        // candidate in its own order: table keywords, then its common list
        candidates.push(...PROXY_SECTIONS);
        const rank = (w: string): number => PROXY_HINT_ORDER.indexOf(w);
        candidates = candidates.sort((x, y) => rank(x) - rank(y));
      }
      const hint = didYouMean(kw, candidates);
      this.diag.alert(Codes.CFG_UNKNOWN_KEYWORD,
        `unknown keyword '${kw}' in '${sectionLabel}' section${hint ? `; did you mean '${hint}' maybe ?` : ''}`, s.where);
      return;
    }
    const { row, width } = m;
    const args = words.slice(width);
    const px = this.proxy;
    if (family === 'proxy' && px) {
      const letter = SECTION_LETTER[px.kind];
      const first = row.name.split(' ')[0]!;
      if (row.sections !== undefined && !row.sections.includes(letter)) {
        if (px.kind === 'defaults') {
          this.diag.alert(Codes.CFG_INVALID, `'${first}' not allowed in 'defaults' section.`, s.where, first === 'server' || first === 'default-server' ? 'located' : 'parsing');
          return;
        }
      }
      if (px.kind === 'defaults' && row.namedDefaultsOnly && px.name === '') {
        this.diag.alert(Codes.CFG_INVALID, `'${first}' not allowed in anonymous 'defaults' section.`, s.where);
        return;
      }
      if (row.cap && !px.cap[row.cap]) {
        const label = row.name.startsWith('option ') ? row.name.slice(7) : first;
        const missing = row.cap === 'fe' ? 'frontend' : 'backend';
        if (row.capAlert) {
          this.diag.alert(Codes.CFG_INVALID, `parsing [${s.where.file}:${s.where.line}] : '${label}' not allowed because ${px.kind} '${px.name}' has no ${missing} capability.`, s.where, 'located');
          return;
        }
        this.diag.warning(`'${label}' ignored because ${px.kind} '${px.name}' has no ${missing} capability.${row.capHint ?? ''}`, s.where);
        // HAProxy still parses the arguments (and reports their errors)
      }
    }
    if (row.status === 'unsupported') {
      this.diag.alert(Codes.CFG_NOT_IMPLEMENTED,
        `'${negated ? 'no ' : ''}${row.name}' is not implemented in lb (${row.why ?? 'not supported'}); remove it or run this configuration with HAProxy.`, s.where);
      return;
    }
    const ctx = this.context(s.where, row.name);
    timeWarnings.emit = (msg) => this.diag.warning(msg, s.where, 'plain');
    try {
      row.parse(args, ctx, negated);
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      this.diag.alert(e.code, e.message, s.where, e.style);
      if (e.code === Codes.CFG_ABORT) this.aborted = true;
    } finally {
      timeWarnings.emit = undefined;
    }
  }

  context(where: Where, kw: string): KwContext {
    const self = this;
    return {
      where, kw,
      section: this.section!,
      global: this.global,
      opts: this.opts,
      diag: this.diag,
      proxy() {
        if (!self.proxy) throw new Error(`'${kw}' used outside a proxy section`);
        return self.proxy;
      },
      other() {
        if (!self.other) throw new Error(`'${kw}' used outside its section`);
        return self.other;
      },
      warn: (msg, style = 'parsing') => this.diag.warning(msg, where, style),
      notice: (msg, style = 'parsing') => this.diag.notice(msg, where, style),
      diagnostic: (msg, style = 'parsing') => this.diag.add('DIAG', Codes.CFG_WARNING, msg, where, style),
    };
  }

  finish(files: string[]): Model {
    assignProxyIds(this.proxies, this.global.statsSockets.length > 0);
    return {
      files,
      global: this.global,
      proxies: this.proxies,
      defaults: [...this.namedDefaults.values()],
      others: this.others,
    };
  }
}

/**
 * Give every proxy its stats id as HAProxy 2.6 does: explicit ids are
 * reserved, then the proxies are walked in order (the stats socket's GLOBAL
 * proxy first) with a counter that advances for every proxy, explicit or
 * not; a proxy without id takes the first free id from the counter on.
 */
function assignProxyIds(proxies: ProxyDraft[], hasGlobalProxy: boolean): void {
  const used = new Set<number>();
  for (const p of proxies) if (p.id !== undefined) { p.iid = p.id; used.add(p.id); }
  let next = 1;
  if (hasGlobalProxy) {
    while (used.has(next)) next++;
    used.add(next);
    next++;
  }
  for (const p of proxies) {
    if (p.id === undefined) {
      while (used.has(next)) next++;
      p.iid = next;
      used.add(next);
    }
    next++;
  }
}
