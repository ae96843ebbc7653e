/**
 * The `global` section (reference §2.1): process-wide settings.
 * Keywords that change nothing observable in lb (TLS defaults while TLS is
 * not implemented, tuning knobs of HAProxy's internals, CPU pinning) are
 * accepted as HAProxy accepts them and kept for `show info`/`-vv`.
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '../core/errors.js';
import { register, type KeywordRow } from './keywords.js';
import { parseTime, atoi, parseUint } from './units.js';
import type { Where } from './diag.js';
import type { Bind } from '../proxy/bind.js';
import { parseBindLine } from '../proxy/bind.js';
import type { LogTarget } from '../log/config.js';
import { parseLogTarget } from '../log/config.js';

export interface StatsSocket {
  readonly where: Where;
  readonly bind: Bind;
}

export interface GlobalConf {
  daemon: boolean;
  masterWorker: boolean;
  masterWorkerNoExitOnFailure: boolean;
  /** 0 = computed from the fd limit at start-up, as HAProxy does */
  maxconn: number;
  maxconnrate: number;
  maxsessrate: number;
  nbthread: number;
  pidfile?: string;
  chroot?: string;
  user?: string;
  group?: string;
  uid?: number;
  gid?: number;
  ulimitN: number;
  hardStopAfter?: number;
  grace?: number;
  node?: string;
  description?: string;
  localpeer?: string;
  spreadChecks: number;
  statsSockets: StatsSocket[];
  statsTimeout: number;
  statsMaxconn: number;
  logs: LogTarget[];
  logTag?: string;
  logSendHostname?: string;
  zeroWarning: boolean;
  mworkerMaxReloads?: number;
  serverStateFile?: string;
  serverStateBase?: string;
  caBase?: string;
  crtBase?: string;
  /** tune.* and other knobs kept verbatim (name → words) */
  tune: Record<string, string>;
  /** ssl-default-* and other TLS settings kept verbatim */
  ssl: Record<string, string>;
  bufsize: number;
  maxrewrite: number;
  httpMaxhdr: number;
}

export function initGlobal(): GlobalConf {
  return {
    daemon: false, masterWorker: false, masterWorkerNoExitOnFailure: false,
    maxconn: 0, maxconnrate: 0, maxsessrate: 0, nbthread: 0, ulimitN: 0, spreadChecks: 0,
    statsSockets: [], statsTimeout: 10_000, statsMaxconn: 10, logs: [], zeroWarning: false,
    tune: {}, ssl: {}, bufsize: 16384, maxrewrite: 1024, httpMaxhdr: 101,
  };
}

const noArgs = (a: readonly string[], kw: string): void => {
  if (a.length > 0) throw new ConfigError(`'${kw}' cannot handle unexpected argument '${a[0]}'.`);
};

function flag(name: string, set: (g: GlobalConf) => void): KeywordRow {
  return { name, parse: (a, c) => { noArgs(a, name); set(c.global); } };
}

/** accepted, no effect in lb; remembered verbatim */
function knob(name: string, bucket: 'tune' | 'ssl' = 'tune', minArgs = 1, msg?: string): KeywordRow {
  return {
    name,
    parse: (a, c) => {
      if (a.length < minArgs) throw new ConfigError(msg ?? `'${name}' expects an argument.`);
      c.global[bucket][name] = a.join(' ');
    },
  };
}

function positiveInt(name: string, set: (g: GlobalConf, v: number) => void): KeywordRow {
  return {
    name,
    parse: (a, c) => {
      if (a.length !== 1 || !/^\d+$/.test(a[0]!) || Number(a[0]) <= 0) {
        throw new ConfigError(`'${name}' expects a positive integer argument.`);
      }
      set(c.global, Number(a[0]));
    },
  };
}

function lookupId(file: string, name: string): number | undefined {
  let text: string;
  try { text = readFileSync(file, 'utf8'); } catch { return undefined; }
  for (const line of text.split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f[2] !== undefined) return Number(f[2]);
  }
  return undefined;
}

function timeArg(name: string, a: readonly string[], style: 'angle' | 'plain' = 'plain'): number {
  if (!a[0]) throw new ConfigError(`'${name}' expects <time> as argument.`);
  const t = parseTime(a[0]!);
  if (t.error !== undefined) {
    if (style === 'angle') throw new ConfigError(`unexpected character '${t.badChar ?? a[0]}' in argument to <${name}>.\n`);
    throw new ConfigError(`'${name}' : ${t.error} in argument '${a[0]}'.`);
  }
  return t.value;
}

const rows: KeywordRow[] = [
  flag('daemon', (g) => { g.daemon = true; }),
  {
    name: 'master-worker',
    parse: (a, c) => {
      if (a.length > 1 || (a.length === 1 && a[0] !== 'no-exit-on-failure')) {
        throw new ConfigError(`'master-worker' only supports 'no-exit-on-failure' option.`);
      }
      c.global.masterWorker = true;
      c.global.masterWorkerNoExitOnFailure = a.length === 1;
    },
  },
  {
    name: 'maxconn',
    parse: (a, c) => {
      if (!a[0]) throw new ConfigError(`'maxconn' expects an integer argument.`);
      c.global.maxconn = atoi(a[0]);
    },
  },
  { name: 'maxconnrate', parse: (a, c) => { c.global.maxconnrate = atoi(a[0]); } },
  { name: 'maxsessrate', parse: (a, c) => { c.global.maxsessrate = atoi(a[0]); } },
  { name: 'maxsslrate', parse: (a, c) => { c.global.tune['maxsslrate'] = a.join(' '); } },
  { name: 'maxpipes', parse: (a, c) => { c.global.tune['maxpipes'] = a.join(' '); } },
  { name: 'maxcompcpuusage', parse: (a, c) => { c.global.tune['maxcompcpuusage'] = a.join(' '); } },
  { name: 'maxcomprate', parse: (a, c) => { c.global.tune['maxcomprate'] = a.join(' '); } },
  { name: 'maxzlibmem', parse: (a, c) => { c.global.tune['maxzlibmem'] = a.join(' '); } },
  {
    name: 'nbthread',
    parse: (a, c) => {
      if (!a[0] || !/^\d+$/.test(a[0])) throw new ConfigError(`'nbthread' passed a missing or unparsable integer value in '${a[0] ?? ''}'`);
      const v = Number(a[0]);
      if (v < 1 || v > 64) throw new ConfigError(`'nbthread' value must be between 1 and 64 (was ${v})`);
      c.global.nbthread = v;
    },
  },
  {
    name: 'nbproc',
    status: 'removed',
    parse: () => {
      throw new ConfigError('nbproc is not supported any more since HAProxy 2.5. Threads will automatically be used on multi-processor machines if available.');
    },
  },
  {
    name: 'pidfile',
    parse: (a, c) => {
      if (c.global.pidfile !== undefined) throw new ConfigError(`'pidfile' already specified. Continuing.`);
      if (!a[0]) throw new ConfigError(`'pidfile' expects a file name as an argument.`);
      c.global.pidfile = a[0];
    },
  },
  {
    name: 'chroot',
    parse: (a, c) => {
      if (c.global.chroot !== undefined) throw new ConfigError(`'chroot' already specified. Continuing.`);
      if (!a[0]) throw new ConfigError(`'chroot' expects a directory as an argument.`);
      c.global.chroot = a[0];
    },
  },
  {
    name: 'user',
    parse: (a, c) => {
      if (!a[0]) throw new ConfigError(`'user' expects a user name as an argument.`);
      const uid = lookupId('/etc/passwd', a[0]!);
      if (uid === undefined) throw new ConfigError(`cannot find user id for '${a[0]}' (0:Success)`);
      c.global.user = a[0];
      c.global.uid = uid;
    },
  },
  {
    name: 'group',
    parse: (a, c) => {
      if (!a[0]) throw new ConfigError(`'group' expects a group name as an argument.`);
      const gid = lookupId('/etc/group', a[0]!);
      if (gid === undefined) throw new ConfigError(`cannot find group id for '${a[0]}' (0:Success)`);
      c.global.group = a[0];
      c.global.gid = gid;
    },
  },
  ...(['uid', 'gid'] as const).map((k): KeywordRow => ({
    name: k,
    parse: (a, c) => {
      if (!a[0]) throw new ConfigError(`'${k}' expects an integer argument.`);
      if (!/^\d+$/.test(a[0]!)) {
        c.warn(` ${k}: string '${a[0]}' is not a number.\n   | You might want to use the '${k === 'uid' ? 'user' : 'group'}' parameter to use a system ${k === 'uid' ? 'user' : 'group'} name.`);
      }
      c.global[k] = atoi(a[0]);
    },
  })),
  {
    name: 'ulimit-n',
    parse: (a, c) => {
      if (!a[0]) throw new ConfigError(`'ulimit-n' expects an integer argument.`);
      c.global.ulimitN = atoi(a[0]);
    },
  },
  { name: 'fd-hard-limit', parse: (a, c) => { c.global.tune['fd-hard-limit'] = a.join(' '); } },
  { name: 'hard-stop-after', parse: (a, c) => { c.global.hardStopAfter = timeArg('hard-stop-after', a, 'angle'); } },
  { name: 'grace', parse: (a, c) => { c.global.grace = timeArg('grace', a, 'angle'); } },
  {
    name: 'node',
    parse: (a, c) => {
      if (!a[0] || !/^[0-9A-Za-z._-]+$/.test(a[0]!)) {
        throw new ConfigError(`'node' requires valid node name - non-empty string with digits(0-9), letters(A-Z, a-z), dot(.), hyphen(-) or underscode(_).`, 'parsing:');
      }
      c.global.node = a[0];
    },
  },
  { name: 'description', parse: (a, c) => { c.global.description = a.join(' '); } },
  { name: 'localpeer', parse: (a, c) => { c.global.localpeer = a[0]; } },
  {
    name: 'spread-checks',
    parse: (a, c) => {
      const v = parseUint(a[0]);
      if (v === undefined || v > 50) throw new ConfigError(`'spread-checks' needs a positive value in range 0..50.`, 'parsing:');
      c.global.spreadChecks = v;
    },
  },
  flag('zero-warning', (g) => { g.zeroWarning = true; }),
  {
    name: 'mworker-max-reloads',
    parse: (a, c) => {
      const v = parseUint(a[0]);
      if (v === undefined) throw new ConfigError(`'mworker-max-reloads' expects an integer argument.`);
      c.global.mworkerMaxReloads = v;
    },
  },
  { name: 'server-state-file', parse: (a, c) => { c.global.serverStateFile = a[0]; } },
  { name: 'server-state-base', parse: (a, c) => { c.global.serverStateBase = a[0]; } },
  { name: 'ca-base', parse: (a, c) => { c.global.caBase = a[0]; } },
  { name: 'crt-base', parse: (a, c) => { c.global.crtBase = a[0]; } },
  { name: 'key-base', parse: (a, c) => { c.global.ssl['key-base'] = a.join(' '); } },
  {
    name: 'stats',
    parse: (a) => {
      throw new ConfigError(`'stats' only supports 'socket', 'maxconn', 'bind-process' and 'timeout' (got '${a[0] ?? ''}')`);
    },
  },
  {
    name: 'stats socket',
    parse: (a, c) => {
      const bind = parseBindLine(a, c, 'stats socket');
      c.global.statsSockets.push({ where: c.where, bind });
    },
  },
  {
    name: 'stats timeout',
    parse: (a, c) => {
      const t = a[0] === undefined ? undefined : parseTime(a[0]);
      if (!t || t.error !== undefined || t.value === 0) throw new ConfigError(`'stats timeout' expects a positive value`);
      c.global.statsTimeout = t.value;
    },
  },
  {
    name: 'stats maxconn',
    parse: (a, c) => {
      const v = atoi(a[0]);
      if (v <= 0) throw new ConfigError(`'stats maxconn' expects a positive value`);
      c.global.statsMaxconn = v;
    },
  },
  { name: 'stats bind-process', parse: () => { /* obsolete, accepted by 2.6 without effect */ } },
  {
    name: 'log',
    negatable: true,
    parse: (a, c, neg) => {
      // HAProxy 2.6 accepts "no log" in global and drops the targets seen so far
      if (neg) {
        if (a.length > 0) throw new ConfigError(`log : 'no log' does not expect arguments`);
        c.global.logs = [];
        return;
      }
      c.global.logs.push(parseLogTarget(a, c, 'global'));
    },
  },
  { name: 'log-tag', parse: (a, c) => { c.global.logTag = a[0]; } },
  { name: 'log-send-hostname', parse: (a, c) => { c.global.logSendHostname = a[0] ?? ''; } },
  {
    name: 'setenv',
    parse: (a, c) => {
      if (a.length !== 2) throw new ConfigError(`'setenv' expects a name and a value.`, 'parsing:');
      c.opts.env[a[0]!] = a[1];
    },
  },
  {
    name: 'presetenv',
    parse: (a, c) => {
      if (a.length !== 2) throw new ConfigError(`'presetenv' expects a name and a value.`, 'parsing:');
      if (c.opts.env[a[0]!] === undefined) c.opts.env[a[0]!] = a[1];
    },
  },
  {
    name: 'unsetenv',
    parse: (a, c) => {
      if (!a[0]) throw new ConfigError(`'unsetenv' expects at least one variable name.`, 'parsing:');
      for (const n of a) c.opts.env[n] = undefined;
    },
  },
  {
    name: 'resetenv',
    parse: (a, c) => {
      const keep = new Set(a);
      for (const k of Object.keys(c.opts.env)) if (!keep.has(k)) c.opts.env[k] = undefined;
    },
  },
  // TLS defaults: kept, no effect until lb terminates TLS
  ...['ssl-default-bind-ciphers', 'ssl-default-bind-ciphersuites', 'ssl-default-server-ciphers',
    'ssl-default-server-ciphersuites'].map((n) => knob(n, 'ssl', 1, `global statement '${n}' expects a cipher suite as an argument.`)),
  ...['ssl-default-bind-options', 'ssl-default-server-options', 'ssl-default-bind-curves',
    'ssl-default-bind-sigalgs', 'ssl-default-server-sigalgs', 'ssl-dh-param-file', 'ssl-server-verify',
    'ssl-engine', 'ssl-mode-async', 'ssl-load-extra-files', 'ssl-load-extra-del-ext', 'ssl-propquery',
    'ssl-provider', 'ssl-provider-path', 'ssl-skip-self-issued-ca', 'issuers-chain-path',
    'httpclient.ssl.verify', 'httpclient.ssl.ca-file', 'httpclient.resolvers.id', 'httpclient.resolvers.prefer',
    'httpclient.timeout.connect'].map((n) => knob(n, 'ssl', 0)),
  // internals of HAProxy with no lb equivalent; accepted as HAProxy accepts them
  ...['cpu-map', 'numa-cpu-mapping', 'noepoll', 'nopoll', 'nosplice', 'nogetaddrinfo', 'noreuseport',
    'nokqueue', 'noevports', 'busy-polling', 'set-dumpable', 'strict-limits', 'quiet', 'debug',
    'insecure-fork-wanted', 'insecure-setuid-wanted', 'expose-experimental-directives',
    'h1-case-adjust', 'h1-case-adjust-file', 'unix-bind', 'profiling.tasks', 'profiling.memory',
    'thread-group', 'thread-groups', 'max-spread-checks', 'pp2-never-send-local', 'anonkey',
    'cluster-secret', 'external-check', 'hash-type', 'log-send-hostname', 'set-var', 'set-var-fmt',
    'dns-accept-family', 'numa-cpu-mapping', 'uri-bound', 'limited-quic', 'default-path',
    'h2-workaround-bogus-websocket-clients', 'nbthread-group', 'wurfl-data-file', 'close-spread-time',
    'tune.maxaccept', 'tune.maxpollevents', 'tune.recv_enough', 'tune.runqueue-depth',
    'tune.sched.low-latency', 'tune.pipesize', 'tune.idletimer', 'tune.pattern.cache-size',
    'tune.ssl.default-dh-param', 'tune.ssl.cachesize', 'tune.ssl.lifetime', 'tune.ssl.maxrecord',
    'tune.ssl.force-private-cache', 'tune.ssl.capture-buffer-size', 'tune.ssl.capture-cipherlist-size',
    'tune.ssl.ssl-ctx-cache-size', 'tune.ssl.keylog', 'tune.ssl.ocsp-update.maxdelay',
    'tune.ssl.ocsp-update.mindelay', 'tune.zlib.memlevel', 'tune.zlib.windowsize', 'tune.comp.maxlevel',
    'tune.h2.header-table-size', 'tune.h2.initial-window-size', 'tune.h2.max-concurrent-streams',
    'tune.h2.max-frame-size', 'tune.h2.be.initial-window-size', 'tune.h2.fe.initial-window-size',
    'tune.h2.be.max-concurrent-streams', 'tune.h2.fe.max-concurrent-streams', 'tune.http.cookielen',
    'tune.http.logurilen', 'tune.lua.forced-yield', 'tune.lua.maxmem', 'tune.lua.session-timeout',
    'tune.lua.task-timeout', 'tune.lua.service-timeout', 'tune.peers.max-updates-at-once',
    'tune.rcvbuf.client', 'tune.rcvbuf.server', 'tune.sndbuf.client', 'tune.sndbuf.server',
    'tune.buffers.limit', 'tune.buffers.reserve', 'tune.chksize', 'tune.comp.maxlevel',
    'tune.fail-alloc', 'tune.fd.edge-triggered', 'tune.listener.multi-queue', 'tune.memory.hot-size',
    'tune.pool-high-fd-ratio', 'tune.pool-low-fd-ratio', 'tune.idle-pool.shared', 'tune.vars.global-max-size',
    'tune.vars.proc-max-size', 'tune.vars.reqres-max-size', 'tune.vars.sess-max-size',
    'tune.vars.txn-max-size', 'tune.quic.frontend.conn-tx-buffers.limit', 'tune.quic.frontend.max-idle-timeout',
    'tune.quic.frontend.max-streams-bidi', 'tune.quic.retry-threshold', 'tune.quic.socket-owner',
    'tune.disable-fast-forward', 'tune.disable-zero-copy-forwarding', 'tune.ring.queues', 'tune.applet.zero-copy-forwarding',
    'tune.stick-counters', 'tune.events.max-events-at-once', 'tune.takeover-other-tg-connections',
    'tune.max-checks-per-thread', 'tune.h1.zero-copy-fwd-recv', 'tune.h1.zero-copy-fwd-send',
  ].filter((n, i, all) => all.indexOf(n) === i && n !== 'log-send-hostname').map((n) => knob(n, 'tune', 0)),
  positiveInt('tune.bufsize', (g, v) => { g.bufsize = v; }),
  positiveInt('tune.maxrewrite', (g, v) => { g.maxrewrite = v; }),
  positiveInt('tune.http.maxhdr', (g, v) => { g.httpMaxhdr = v; }),
  ...['lua-load', 'lua-load-per-thread', 'lua-prepend-path'].map((n): KeywordRow => ({
    name: n, status: 'unsupported', why: 'Lua scripting', parse: () => undefined,
  })),
  {
    name: 'wurfl-cache-size', status: 'unsupported', why: 'device detection', parse: () => undefined,
  },
  ...['51degrees-data-file', 'deviceatlas-json-file'].map((n): KeywordRow => ({
    name: n, status: 'unsupported', why: 'device detection', parse: () => undefined,
  })),
];

register('global', rows);
