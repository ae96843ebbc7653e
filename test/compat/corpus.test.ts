/**
 * The 72 real-world configurations of the compatibility corpus, checked
 * with `lb -c` and compared with what real `haproxy -c` 2.6 answered
 * (EXPECTED.tsv). A file agrees when lb gives the same exit code and, for
 * failures, its first alert names the same file:line. A file may instead
 * fail only with lb's "not implemented" error; those are listed.
 *
 * The corpus lives outside the repository (test data, never shipped):
 * LB_COMPAT_DIR, else ../shared/compat beside the checkout, else
 * /work/shared/compat. Without it the test is skipped.
 */
import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { checkConfig, type Output } from '../../src/cli/check.js';
import { formatDiagnostic } from '../../src/config/diag.js';

const candidates = [process.env['LB_COMPAT_DIR'], resolve('..', 'shared', 'compat'), '/work/shared/compat'];
const dir = candidates.find((d) => d && existsSync(join(d, 'EXPECTED.tsv')));

interface Row {
  file: string;
  exit: number;
  first: string;
  exitDr: number;
  causes: string;
  verdict: string;
}

function rows(): Row[] {
  const lines = readFileSync(join(dir!, 'EXPECTED.tsv'), 'utf8').trim().split('\n').slice(1);
  return lines.map((l) => {
    const [file, exit, first, exitDr, causes, verdict] = l.split('\t');
    return { file: file!, exit: Number(exit), first: first!, exitDr: Number(exitDr), causes: causes!, verdict: verdict! };
  });
}

const loc = (s: string): string | undefined => /\[([^\]\s]+\.cfg:\d+)\]/.exec(s)?.[1];
const quiet: Output = { out: () => undefined, err: () => undefined };

export interface Verdict {
  file: string;
  outcome: 'agree' | 'not-implemented' | 'differs';
  detail: string;
}

function judge(r: Row): Verdict {
  const useDr = r.causes.split(',').includes('dns');
  const want = useDr ? r.exitDr : r.exit;
  const res = checkConfig([r.file], { env: { ...process.env }, ignoreResolveFailures: useDr, checkOnly: true }, true, quiet);
  const first = res.diag.list.find((d) => d.level === 'ALERT');
  const firstText = first ? formatDiagnostic(first, 0) : '';
  if (first?.code === 'LB_ERR_CFG_NOT_IMPLEMENTED') {
    return { file: r.file, outcome: 'not-implemented', detail: first.text };
  }
  if (res.code !== want) {
    return { file: r.file, outcome: 'differs', detail: `exit ${res.code}, HAProxy ${want}${useDr ? ' (-dr)' : ''}; lb: ${firstText || '(no alert)'}` };
  }
  if (want === 1) {
    const expected = loc(r.first);
    const got = first?.file && first.line ? `${first.file}:${first.line}` : loc(firstText);
    if (expected && got !== expected) {
      return { file: r.file, outcome: 'differs', detail: `first alert at ${got}, HAProxy at ${expected}; lb: ${firstText}` };
    }
  }
  return { file: r.file, outcome: 'agree', detail: firstText };
}

t.test('compatibility corpus agrees with haproxy -c 2.6', { skip: dir ? false : 'corpus not found' }, async (t) => {
  const cwd = process.cwd();
  process.chdir(join(dir!, 'configs'));
  let verdicts: Verdict[];
  try {
    verdicts = rows().map(judge);
  } finally {
    process.chdir(cwd);
  }
  const agree = verdicts.filter((v) => v.outcome === 'agree').length;
  const ni = verdicts.filter((v) => v.outcome === 'not-implemented');
  const differs = verdicts.filter((v) => v.outcome === 'differs');
  t.comment(`agreement: ${agree}/${verdicts.length}; not implemented: ${ni.length}; differs: ${differs.length}`);
  for (const v of ni) t.comment(`not implemented: ${v.file}: ${v.detail}`);
  for (const v of differs) t.comment(`DIFFERS: ${v.file}: ${v.detail}`);
  t.equal(differs.length, 0, 'every file agrees or fails only as not implemented');
  t.equal(verdicts.length, 72);
});
