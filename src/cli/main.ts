/**
 * `lb` entry point: argv → (program.ts) options → the action HAProxy would
 * take, in HAProxy's order: -v/-vv, bad usage, -cc, -C, -c, then running.
 * Returns the exit code; never calls process.exit (bin/lb sets
 * process.exitCode), so it runs in the very process the user started.
 * Invariant: stdout carries only verdicts and version text; every
 * diagnostic goes to stderr with HAProxy's "[LEVEL]    (pid) : " prefix.
 */
import { checkConfig, printDiagnostics, stdio, type Output } from './check.js';
import { parseArgs, ArgError, type CliOptions } from './program.js';
import { versionText, buildOptionsText, usageText } from './version.js';
import { evalCondition, CondError } from '../config/cond.js';
import { Diagnostics, levelPrefix } from '../config/diag.js';
import { errnoText } from '../config/reader.js';
import { Codes } from '../core/errors.js';
import type { LoadOptions } from '../config/model.js';
import { serve, loadForRun } from '../process/serve.js';
import { runMaster } from '../process/master.js';
import { sdNotifier } from '../process/sd-notify.js';
import { daemonize, daemonChildIo, isDaemonChild } from '../process/daemon.js';

/** codes of the command line's own diagnostics */
const CLI_USAGE = 'LB_ERR_CLI_USAGE';
const CLI_NOT_YET = 'LB_ERR_CLI_NOT_YET';

function write(io: Output['out'], text: string): void {
  io(text.endsWith('\n') ? text.slice(0, -1) : text);
}

/** Print process-level alerts (no "config : "), NOTICE header first unless already shown. */
function processAlerts(io: Output, code: string, msgs: string[], headerShown = false): void {
  if (headerShown) {
    for (const m of msgs) io.err(levelPrefix('ALERT', process.pid) + m);
    return;
  }
  const d = new Diagnostics();
  for (const m of msgs) d.add('ALERT', code, m, undefined, 'plain', false);
  printDiagnostics(d, io);
}

function usage(io: Output): number {
  write(io.out, versionText());
  write(io.err, usageText());
  return 1;
}

export async function main(argv: string[], io: Output = stdio, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof ArgError)) throw e;
    if (e.alert !== undefined) processAlerts(io, CLI_USAGE, [e.alert]);
    return e.usage ? usage(io) : 1;
  }
  if (parsed.kind === 'help') {
    write(io.out, parsed.text);
    return 0;
  }
  const o = parsed.opts;
  if (o.buildOptions) return write(io.out, buildOptionsText()), 0;
  if (o.version) return write(io.out, versionText()), 0;
  if (argv.length === 0) return usage(io);
  const quiet = o.quiet && !o.verbose;
  const loadOpts: LoadOptions = {
    env: { ...env },
    ignoreResolveFailures: o.ignoreResolveFailures,
    zeroWarning: o.zeroWarning,
    diagMode: o.diagMode,
    checkOnly: o.check,
  };
  if (o.checkCond !== undefined) return checkCondition(o.checkCond, loadOpts.env, quiet, io);
  if (o.files.length === 0) return usage(io);
  if (o.chdir !== undefined) {
    try {
      process.chdir(o.chdir);
    } catch (e) {
      if (!quiet) processAlerts(io, CLI_USAGE, [`Could not change to directory ${o.chdir} : ${errnoText(e)}`]);
      return 1;
    }
  }
  if (o.check) return checkConfig(o.files, loadOpts, quiet, io, o.raw.masterCli !== undefined && o.raw.masterWorker !== true && o.raw.masterWorkerSystemd !== true).code;
  return run(argv, o, loadOpts, quiet, io, env);
}

/** -cc: 0 true, 1 false, 2 the condition cannot be evaluated. */
function checkCondition(cond: string, env: LoadOptions['env'], quiet: boolean, io: Output): number {
  try {
    return evalCondition(cond, { env: (n) => env[n] }) ? 0 : 1;
  } catch (e) {
    if (!(e instanceof CondError)) throw e;
    if (!quiet) {
      const d = new Diagnostics();
      d.alert(Codes.CFG_COND, `Failed to evaluate condition: ${e.message}`);
      printDiagnostics(d, io);
    }
    return 2;
  }
}

/**
 * Running without -c (reference §6): -D detaches first (process/daemon.ts);
 * the configuration is loaded and checked (a bad one never starts); then
 * either a master process (-W, -S, --watch, `master-worker`) forks workers
 * (process/master.ts), or this process serves alone (process/serve.ts),
 * handing over from -sf/-st processes. Flags whose behaviour is not built
 * refuse to start rather than being silently ignored.
 */
async function run(argv: string[], o: CliOptions, loadOpts: LoadOptions, quiet: boolean, io: Output, env: NodeJS.ProcessEnv): Promise<number> {
  const raw = o.raw;
  const later = o.later;
  if (later.length > 0) {
    if (!quiet) processAlerts(io, CLI_NOT_YET, later.map((f) => `lb: ${f} is not yet implemented.`));
    return 1;
  }
  const foreground = raw.foreground === true || raw.debug === true;
  const child = isDaemonChild(env);
  if (raw.daemon === true && !foreground && !child) return daemonize(argv);
  let out: Output = quiet ? { out: () => undefined, err: () => undefined } : io;
  // held until we know whether this process detaches (the daemon child says it all once)
  const held: string[] = [];
  const model = loadForRun(o.files, loadOpts, { out: out.out, err: (l) => held.push(l) });
  if (model && model.global.daemon && !foreground && !child) return daemonize(argv);
  for (const l of held) out.err(l);
  if (!model) return 1;
  let onReady: (() => void) | undefined;
  if (child) {
    const d = daemonChildIo(out);
    out = d.io;
    onReady = d.ready;
  }
  const pidfile = raw.pidfile as string | undefined;
  const systemd = raw.masterWorkerSystemd === true;
  const masterWorker = raw.masterWorker === true || systemd || raw.masterCli !== undefined || raw.watch === true || model.global.masterWorker;
  const nb = model.global.nbthread;
  if (nb > 1 && !masterWorker) {
    out.err(`${levelPrefix('NOTICE', process.pid)}'nbthread ${nb}': lb runs ${nb} worker processes in master-worker mode (-W); this process serves alone.`);
  } else if (nb > 1) {
    if (model.global.maxconn > 0) out.err(`${levelPrefix('NOTICE', process.pid)}'maxconn ${model.global.maxconn}' applies to each of the ${nb} worker processes.`);
  }
  const xfer = raw.xferSocket as string | undefined;
  if (masterWorker) {
    // the master keeps the listening sockets across its own reloads
    if (xfer !== undefined) out.err(`${levelPrefix('NOTICE', process.pid)}-x is not used in master-worker mode: the master keeps the listening sockets across reloads.`);
    // -Ws: systemd's notify protocol, when lb runs under systemd (NOTIFY_SOCKET)
    const notify = systemd ? sdNotifier(env) : undefined;
    if (notify?.unavailable !== undefined) out.err(`${levelPrefix('NOTICE', process.pid)}${notify.unavailable}`);
    return runMaster({
      files: o.files, loadOpts, io: out, model, pidfile, onReady, notify,
      softFinish: o.softFinish, terminate: o.terminate,
      masterCli: raw.masterCli as string | undefined, watch: raw.watch === true,
    });
  }
  const served = await serve(o.files, loadOpts, out, { loaded: model, pidfile, softFinish: o.softFinish, terminate: o.terminate, onReady, debug: raw.debug === true, xfer });
  if (typeof served === 'number') return served;
  return served.done;
}
