/**
 * lb's command line (minimal: -c -f -q -cc -dr -dW -dD; the full HAProxy
 * flag set is built in cli/program.ts).
 */
import { checkConfig } from './check.js';
import { evalCondition, CondError } from '../config/cond.js';
import { levelPrefix } from '../config/diag.js';

export function main(argv: string[]): number {
  const files: string[] = [];
  let check = false;
  let quiet = false;
  let cc: string | undefined;
  const opts = { env: { ...process.env } as Record<string, string | undefined>, ignoreResolveFailures: false, zeroWarning: false, diagMode: false, checkOnly: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-f') files.push(argv[++i] ?? '');
    else if (a === '-c') check = true;
    else if (a === '-q') quiet = true;
    else if (a === '-cc') cc = argv[++i] ?? '';
    else if (a === '-dr') opts.ignoreResolveFailures = true;
    else if (a === '-dW') opts.zeroWarning = true;
    else if (a === '-dD') opts.diagMode = true;
    else if (a === '--') files.push(...argv.slice(i + 1)), (i = argv.length);
  }
  if (cc !== undefined) {
    try {
      return evalCondition(cc, { env: (n) => opts.env[n] }) ? 0 : 1;
    } catch (e) {
      if (!(e instanceof CondError)) throw e;
      process.stderr.write(`${levelPrefix('ALERT', process.pid)}config : Failed to evaluate condition: ${e.message}\n`);
      return 2;
    }
  }
  if (check) {
    opts.checkOnly = true;
    return checkConfig(files, opts, quiet).code;
  }
  process.stderr.write('lb: only -c and -cc are available in this build\n');
  return 1;
}
