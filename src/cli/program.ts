/**
 * lb's command line: HAProxy 2.6's flags (reference §6.1) as data rows.
 *
 * HAProxy spells several flags with more than one letter after a single
 * dash (-sf, -cc, -db, -dW, -Ws ...) which commander cannot express, so a
 * pre-pass rewrites argv into commander long options first:
 *   -f x      → --file=x          (value always taken from the next word,
 *   -- a b    → --file=a --file=b  even when it starts with '-', as HAProxy)
 *   -sf 1 2   → --soft-finish=1,2  (list ends at the next word starting
 *                                   with '-'; an empty list is allowed)
 *   -v / -vv  → --version / --build-options, and the rest of argv is dropped:
 *               HAProxy prints the version and exits as soon as it sees them.
 * Invariant: every row of FLAGS is both recognised by the pre-pass and
 * declared to commander, so `lb --help` lists exactly what lb parses.
 * Both steps are pure (no I/O, no process state): test/cli/args.test.ts.
 */
import { Command, Option, CommanderError, type Help } from 'commander';

/** none: a switch; value: takes the next word; pids: -sf/-st list; attached: -dK<x>, -dM<x> */
export type ArgKind = 'none' | 'value' | 'pids' | 'attached';
/**
 * works: implemented. later: parsed, its effect needs the
 * process manager ("not yet" when lb would have to act on it; ignored by -c
 * as HAProxy ignores run-time flags when only checking). noeffect: accepted
 * and ignored for good (nothing in lb it could change).
 */
export type FlagStatus = 'works' | 'later' | 'noeffect';

export interface FlagRow {
  /** HAProxy's spelling ('--watch' for lb's own flag) */
  readonly flag: string;
  /** commander long option name */
  readonly long: string;
  readonly arg: ArgKind;
  readonly metavar?: string;
  readonly status: FlagStatus;
  readonly help: string;
}

export const FLAGS: readonly FlagRow[] = [
  { flag: '-f', long: 'file', arg: 'value', metavar: '<cfgfile|cfgdir>', status: 'works', help: 'config file, or directory of *.cfg (byte order); repeatable' },
  { flag: '--', long: 'file', arg: 'none', metavar: '<cfgfile>*', status: 'works', help: 'every following argument is a configuration file' },
  { flag: '-c', long: 'check', arg: 'none', status: 'works', help: 'check mode : only check config files and exit' },
  { flag: '-cc', long: 'check-cond', arg: 'value', metavar: '<cond>', status: 'works', help: 'check condition : exit 0 if true, 1 if false, 2 on error' },
  { flag: '-q', long: 'quiet', arg: 'none', status: 'works', help: "quiet mode : don't display messages" },
  { flag: '-V', long: 'verbose', arg: 'none', status: 'works', help: 'enters verbose mode (disables quiet mode)' },
  { flag: '-v', long: 'version', arg: 'none', status: 'works', help: 'displays version' },
  { flag: '-vv', long: 'build-options', arg: 'none', status: 'works', help: 'shows known build options and the feature list' },
  { flag: '-C', long: 'chdir', arg: 'value', metavar: '<dir>', status: 'works', help: 'changes to <dir> before loading files' },
  { flag: '-dr', long: 'ignore-resolve-failures', arg: 'none', status: 'works', help: 'ignores server address resolution failures' },
  { flag: '-dW', long: 'zero-warning', arg: 'none', status: 'works', help: 'fails if any warning is emitted' },
  { flag: '-dD', long: 'diag', arg: 'none', status: 'works', help: 'diagnostic mode : warn about suspicious configuration statements' },
  { flag: '-d', long: 'debug', arg: 'none', status: 'works', help: 'enters debug mode' },
  { flag: '-db', long: 'foreground', arg: 'none', status: 'works', help: 'only disables background mode' },
  { flag: '-D', long: 'daemon', arg: 'none', status: 'works', help: 'goes daemon' },
  { flag: '-W', long: 'master-worker', arg: 'none', status: 'works', help: 'master-worker mode' },
  { flag: '-Ws', long: 'master-worker-systemd', arg: 'none', status: 'works', help: 'master-worker mode with systemd notify support' },
  { flag: '-S', long: 'master-cli', arg: 'value', metavar: '<bind>[,<opts>...]', status: 'works', help: 'new master CLI' },
  { flag: '-p', long: 'pidfile', arg: 'value', metavar: '<pidfile>', status: 'works', help: 'writes pids of all children to this file' },
  { flag: '-sf', long: 'soft-finish', arg: 'pids', metavar: '[pid ]*', status: 'works', help: 'finishes old pids (SIGUSR1) once started' },
  { flag: '-st', long: 'terminate', arg: 'pids', metavar: '[pid ]*', status: 'works', help: 'terminates old pids (SIGTERM) once started' },
  { flag: '-x', long: 'xfer-socket', arg: 'value', metavar: '<unix_socket>', status: 'works', help: 'get listening sockets from a unix socket' },
  { flag: '-n', long: 'maxconn', arg: 'value', metavar: '<maxconn>', status: 'later', help: 'sets the maximum total # of connections' },
  { flag: '-N', long: 'maxpconn', arg: 'value', metavar: '<maxpconn>', status: 'later', help: 'sets the default, per-proxy maximum # of connections' },
  { flag: '-m', long: 'memory', arg: 'value', metavar: '<megs>', status: 'later', help: 'limits the usable amount of memory (in MB)' },
  { flag: '-L', long: 'local-peer', arg: 'value', metavar: '<name>', status: 'later', help: 'set local peer name (default to hostname)' },
  { flag: '-dR', long: 'disable-reuseport', arg: 'none', status: 'later', help: 'disables SO_REUSEPORT usage' },
  { flag: '-dV', long: 'disable-ssl-verify', arg: 'none', status: 'later', help: 'disables SSL verify on servers side' },
  { flag: '--watch', long: 'watch', arg: 'none', status: 'works', help: 'lb only: reloads when the configuration files change (implies -W)' },
  { flag: '-de', long: 'disable-epoll', arg: 'none', status: 'noeffect', help: 'disables epoll() usage' },
  { flag: '-dp', long: 'disable-poll', arg: 'none', status: 'noeffect', help: 'disables poll() usage' },
  { flag: '-dS', long: 'disable-splice', arg: 'none', status: 'noeffect', help: 'disables splice usage' },
  { flag: '-dG', long: 'disable-getaddrinfo', arg: 'none', status: 'noeffect', help: 'disables getaddrinfo() usage' },
  { flag: '-dL', long: 'dump-libs', arg: 'none', status: 'noeffect', help: 'dumps loaded object files after config checks' },
  { flag: '-dK', long: 'dump-keywords', arg: 'attached', metavar: '{class[,...]}', status: 'noeffect', help: 'dump registered keywords' },
  { flag: '-dM', long: 'debug-memory', arg: 'attached', metavar: '[<byte>,help,...]', status: 'noeffect', help: 'debug memory' },
];

const BY_FLAG = new Map<string, FlagRow>();
const BY_LONG = new Map<string, FlagRow>();
for (const r of FLAGS) {
  if (r.flag !== '--') BY_FLAG.set(r.flag, r);
  if (!BY_LONG.has(r.long)) BY_LONG.set(r.long, r);
}

/**
 * A command line HAProxy would refuse. `usage`: print the version block and
 * the usage text; `alert`: an "[ALERT]" line printed first (HAProxy's words).
 */
export class ArgError extends Error {
  constructor(readonly alert: string | undefined, readonly usage: boolean) {
    super(alert ?? 'usage');
  }
}

/**
 * Parse one -sf/-st pid the way HAProxy does (strtol then checks):
 * trailing bytes → alert naming them; zero or nothing → usage.
 */
export function parsePid(flag: string, word: string): number {
  const m = /^[ \t\n\v\f\r]*\+?(\d*)/.exec(word)!;
  const digits = m[1]!;
  const rest = digits === '' ? word : word.slice(m[0].length);
  if (rest !== '') throw new ArgError(`${flag} option: some bytes unconsumed in PID list {${rest}}`, false);
  const pid = digits === '' ? 0 : Number(digits);
  if (!(pid > 0)) throw new ArgError(undefined, true);
  return pid;
}

/** Rewrite HAProxy's argv into commander long options (see the file header). */
export function prepass(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      for (const f of argv.slice(i + 1)) out.push(`--file=${f}`);
      break;
    }
    if (a.startsWith('--')) {
      // lb's own long options (--watch, --help) and long spellings; a long
      // option that takes a value takes the next word, as its short form does
      const long = BY_LONG.get(a.slice(2));
      if (long && (long.arg === 'value' || long.arg === 'pids') && !a.includes('=')) {
        if (i + 1 >= argv.length) throw new ArgError(undefined, true);
        out.push(`${a}=${argv[++i]!}`);
      } else {
        out.push(a);
      }
      continue;
    }
    if (!a.startsWith('-') || a === '-') throw new ArgError(undefined, true);
    let row = BY_FLAG.get(a);
    if (!row && (a.startsWith('-dK') || a.startsWith('-dM'))) row = BY_FLAG.get(a.slice(0, 3));
    // HAProxy reads only the letters it needs: -vx is -v, -vvx is -vv
    if (!row && a.startsWith('-v')) row = BY_FLAG.get(a.startsWith('-vv') ? '-vv' : '-v');
    if (!row) throw new ArgError(undefined, true);
    switch (row.arg) {
      case 'none':
        out.push(`--${row.long}`);
        if (row.flag === '-v' || row.flag === '-vv') return out;
        break;
      case 'attached':
        out.push(`--${row.long}=${a.slice(row.flag.length)}`);
        break;
      case 'value': {
        if (i + 1 >= argv.length) {
          throw new ArgError(row.flag === '-x' ? 'Unix socket path expected with the -x flag' : undefined, true);
        }
        out.push(`--${row.long}=${argv[++i]!}`);
        break;
      }
      case 'pids': {
        const pids: number[] = [];
        while (i + 1 < argv.length && !argv[i + 1]!.startsWith('-')) pids.push(parsePid(row.flag, argv[++i]!));
        out.push(`--${row.long}=${pids.join(',')}`);
        break;
      }
    }
  }
  return out;
}

/** What the command line asks for, after both passes. */
export interface CliOptions {
  files: string[];
  check: boolean;
  checkCond?: string;
  quiet: boolean;
  verbose: boolean;
  version: boolean;
  buildOptions: boolean;
  chdir?: string;
  ignoreResolveFailures: boolean;
  zeroWarning: boolean;
  diagMode: boolean;
  softFinish: number[];
  terminate: number[];
  /** every other option's raw value, by commander attribute name */
  raw: Record<string, unknown>;
  /** HAProxy spellings of the 'later' flags used, in FLAGS order */
  later: string[];
}

export type ParseResult =
  | { kind: 'run'; opts: CliOptions }
  | { kind: 'help'; text: string };

function collect(v: string, prev: string[] | undefined): string[] {
  return [...(prev ?? []), v];
}

/** -sf/-st values: the pre-pass joined checked pids with ',', a long spelling may not have */
function collectPids(flag: string): (v: string, prev: number[] | undefined) => number[] {
  return (v, prev) => [...(prev ?? []), ...(v === '' ? [] : v.split(',').map((p) => parsePid(flag, p)))];
}

/** The HAProxy spelling shown in `lb --help` for a commander option. */
function term(opt: Option): string {
  const row = BY_LONG.get(opt.attributeName().replace(/[A-Z]/g, (c) => '-' + c.toLowerCase()));
  if (!row) return opt.flags;
  if (row.long === 'file') return `-f <cfgfile|cfgdir>, -- <cfgfile>*`;
  if (row.arg === 'attached') return `${row.flag}${row.metavar}`;
  return row.metavar ? `${row.flag} ${row.metavar}` : row.flag;
}

function describe(row: FlagRow): string {
  if (row.status === 'later') return `${row.help} (not yet)`;
  if (row.status === 'noeffect') return `${row.help} (accepted, no effect in lb)`;
  return row.help;
}

/** The commander program, declared from FLAGS. Never exits the process. */
export function buildProgram(): Command {
  const cmd = new Command('lb');
  cmd
    .description('lb: a Node.js load balancer that runs unmodified haproxy.cfg files (HAProxy 2.6 behaviour)')
    .usage('[-f <cfgfile|cfgdir>]* [ -vdVD ] [ -n <maxconn> ] [ -N <maxpconn> ] [ -p <pidfile> ] [ -m <max megs> ] [ -C <dir> ] [-- <cfgfile>*]')
    .helpOption('--help', 'shows this help (HAProxy flags, one per line) and exits')
    .allowExcessArguments(false)
    .exitOverride()
    .configureOutput({ writeOut: () => undefined, writeErr: () => undefined })
    .configureHelp({ optionTerm: (o: Option) => term(o), helpWidth: 120 } as Partial<Help>);
  const seen = new Set<string>();
  for (const row of FLAGS) {
    if (seen.has(row.long)) continue;
    seen.add(row.long);
    let o: Option;
    switch (row.arg) {
      case 'none': o = new Option(`--${row.long}`, describe(row)); break;
      case 'attached': o = new Option(`--${row.long} [value]`, describe(row)); break;
      case 'value': o = new Option(`--${row.long} <value>`, describe(row)); break;
      case 'pids': o = new Option(`--${row.long} <pids>`, describe(row)).argParser(collectPids(row.flag)); break;
    }
    if (row.long === 'file') o.argParser(collect);
    cmd.addOption(o);
  }
  cmd.addHelpText('after', [
    '',
    '-c exits 0 when valid, 1 on errors (or warnings with -dW), 2 when valid but nothing would listen.',
    '(not yet): parsed, but its behaviour is not built yet: without -c lb refuses to start with a',
    '"not yet" alert rather than ignore it; with -c it is ignored, as HAProxy ignores run-time flags.',
    'Without -c, lb serves until SIGINT/SIGTERM (hard stop) or SIGUSR1 (soft stop); with -W (or -S,',
    '--watch, the master-worker keyword) a master process reloads on SIGUSR2/SIGHUP.',
  ].join('\n'));
  return cmd;
}

/** Both passes over argv (without node and script). Throws ArgError. */
export function parseArgs(argv: readonly string[]): ParseResult {
  const words = prepass(argv);
  const cmd = buildProgram();
  let helpText: string | undefined;
  cmd.configureOutput({ writeOut: (s) => { helpText = (helpText ?? '') + s; }, writeErr: () => undefined });
  try {
    cmd.parse(words, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.help') return { kind: 'help', text: helpText ?? cmd.helpInformation() };
      throw new ArgError(undefined, true);
    }
    throw e;
  }
  const o = cmd.opts<Record<string, unknown>>();
  const later: string[] = [];
  for (const row of FLAGS) {
    if (row.status !== 'later') continue;
    if (o[camel(row.long)] !== undefined) later.push(row.flag);
  }
  return {
    kind: 'run',
    opts: {
      files: (o.file as string[] | undefined) ?? [],
      check: o.check === true,
      checkCond: o.checkCond as string | undefined,
      quiet: o.quiet === true,
      verbose: o.verbose === true,
      version: o.version === true,
      buildOptions: o.buildOptions === true,
      chdir: o.chdir as string | undefined,
      ignoreResolveFailures: o.ignoreResolveFailures === true,
      zeroWarning: o.zeroWarning === true,
      diagMode: o.diag === true,
      softFinish: (o.softFinish as number[] | undefined) ?? [],
      terminate: (o.terminate as number[] | undefined) ?? [],
      raw: o,
      later,
    },
  };
}

function camel(long: string): string {
  return long.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}
