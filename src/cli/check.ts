/**
 * `lb -c`: load the configuration, print HAProxy's verdict, return its exit
 * code (reference §6.2): 0 valid, 1 errors (or warnings under -dW),
 * 2 valid but nothing would listen. `-q` prints nothing at all.
 */
import { loadConfig } from '../config/parse.js';
import { hasListener } from '../config/validate.js';
import { formatDiagnostic, levelPrefix, type Diagnostics } from '../config/diag.js';
import { LB_VERSION, HAPROXY_COMPAT } from '../core/version.js';
import type { LoadOptions, Model } from '../config/model.js';

export interface Output {
  out(line: string): void;
  err(line: string): void;
}

export const stdio: Output = {
  out: (l) => process.stdout.write(l + '\n'),
  err: (l) => process.stderr.write(l + '\n'),
};

/**
 * Print diagnostics to stderr as HAProxy does: the two NOTICE lines about
 * the version and executable come right before the first warning or alert.
 */
export function printDiagnostics(diag: Diagnostics, io: Output, pid = process.pid, exe = process.argv[1] ?? 'lb'): void {
  let headerDone = false;
  for (const d of diag.list) {
    if (!headerDone && (d.level === 'ALERT' || d.level === 'WARNING')) {
      io.err(`${levelPrefix('NOTICE', pid)}haproxy version is ${HAPROXY_COMPAT} (lb ${LB_VERSION})`);
      io.err(`${levelPrefix('NOTICE', pid)}path to executable is ${exe}`);
      headerDone = true;
    }
    io.err(formatDiagnostic(d, pid));
  }
}

export interface CheckResult {
  code: 0 | 1 | 2;
  model?: Model;
  diag: Diagnostics;
}

export function checkConfig(paths: readonly string[], opts: LoadOptions, quiet: boolean, io: Output = stdio, masterCli = false): CheckResult {
  const res = loadConfig(paths, opts);
  const { diag } = res;
  if (masterCli && res.model && !res.model.global.masterWorker) {
    // -S without -W under -c: HAProxy warns (running, -S implies master-worker mode)
    diag.warning('a master CLI socket was defined, but master-worker mode (-W) is not enabled.');
  }
  const fatal = diag.alerts > 0 || !res.model;
  if (fatal && !diag.list.some((d) => d.text === 'Fatal errors found in configuration.')) {
    // HAProxy closes a failed check with this line unless parsing was aborted
    // (and when the only problem is a file that could not be opened)
    const onlyFiles = diag.list.every((d) => d.level !== 'ALERT' || d.code === 'LB_ERR_CFG_FILE');
    if (!onlyFiles && !diag.list.some((d) => d.code === 'LB_ERR_CFG_COND' || d.code === 'LB_CFG_MESSAGE' || d.code === 'LB_ERR_CFG_ABORT')) {
      diag.alert('LB_ERR_CFG_INVALID', 'Fatal errors found in configuration.');
    }
  }
  if (paths.length === 0 && !fatal) {
    diag.alert('LB_ERR_CFG_FILE', 'No configuration file specified.');
  }
  const zeroWarn = !fatal && diag.warnings > 0 && (opts.zeroWarning || res.model?.global.zeroWarning);
  if (zeroWarn) diag.alert('LB_ERR_CFG_INVALID', "Some warnings were found and 'zero-warning' is set. Aborting.");
  if (!quiet) printDiagnostics(diag, io);
  if (fatal || zeroWarn || paths.length === 0) return { code: 1, diag };
  const model = res.model!;
  if (!quiet && diag.warnings > 0) io.out('Warnings were found.');
  if (!hasListener(model)) {
    if (!quiet) io.out('Configuration file has no error but will not start (no listener) => exit(2).');
    return { code: 2, model, diag };
  }
  if (!quiet) io.out('Configuration file is valid');
  return { code: 0, model, diag };
}
