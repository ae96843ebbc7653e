/**
 * main() in-process, output captured: the order of actions (-v, usage,
 * -cc, -C, -c, run) and the exit codes, without needing a build.
 */
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../src/cli/main.js';

interface Captured {
  code: number;
  out: string[];
  err: string[];
}

async function run(argv: string[], env: Record<string, string> = {}): Promise<Captured> {
  const out: string[] = [];
  const err: string[] = [];
  const cwd = process.cwd();
  try {
    const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l) }, env);
    return { code, out, err };
  } finally {
    process.chdir(cwd);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'lb-main-'));
writeFileSync(join(dir, 'ok.cfg'), `defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 5s
frontend fe
    bind 127.0.0.1:18080
    default_backend be
backend be
    server s1 127.0.0.1:18081
`);
const ok = join(dir, 'ok.cfg');

t.test('version, usage', async (t) => {
  const v = await run(['-v']);
  t.equal(v.code, 0);
  t.match(v.out[0], /^HAProxy version 2\.6\.12 \(lb /);
  t.same(v.err, []);
  const bare = await run([]);
  t.equal(bare.code, 1);
  t.match(bare.out[0], /^HAProxy version /);
  t.match(bare.err[0], /^Usage : lb /);
  t.equal((await run(['-c'])).code, 1, 'no file: usage');
  t.equal((await run(['-Z'])).code, 1);
  t.equal((await run(['--help'])).code, 0);
});

t.test('-cc', async (t) => {
  t.equal((await run(['-cc', 'version_atleast(2.4)'])).code, 0);
  t.equal((await run(['-cc', 'version_before(2.4)'])).code, 1);
  t.equal((await run(['-cc', 'defined(X)'], { X: '' })).code, 0, 'env comes from the caller');
  t.equal((await run(['-cc', 'defined(X)'])).code, 1);
  const bad = await run(['-cc', 'bogus(1)']);
  t.equal(bad.code, 2);
  t.match(bad.err.at(-1), /^\[ALERT\]    \(\d+\) : config : Failed to evaluate condition: unparsable conditional expression 'bogus\(1\)'$/);
  t.same((await run(['-q', '-cc', 'bogus(1)'])).err, []);
  t.equal((await run(['-cc', '1', '-c', '-f', '/nonexistent'])).code, 0, '-cc wins over -c');
});

t.test('-c, -C, -q', async (t) => {
  const c = await run(['-c', '-f', ok]);
  t.equal(c.code, 0);
  t.same(c.out, ['Configuration file is valid']);
  t.same((await run(['-C', dir, '-c', '-f', 'ok.cfg'])).out, ['Configuration file is valid']);
  const cd = await run(['-C', join(dir, 'nope'), '-c', '-f', 'ok.cfg']);
  t.equal(cd.code, 1);
  t.match(cd.err.at(-1), /^\[ALERT\]    \(\d+\) : Could not change to directory .*nope : No such file or directory$/);
  const q = await run(['-c', '-q', '-f', join(dir, 'missing.cfg')]);
  t.equal(q.code, 1);
  t.same([...q.out, ...q.err], []);
  const pid = await run(['-c', '-f', ok, '-sf', 'abc']);
  t.equal(pid.code, 1);
  t.match(pid.err.at(-1), /: -sf option: some bytes unconsumed in PID list \{abc\}$/);
});

t.test('running refuses flags not built yet', async (t) => {
  const r = await run(['-f', ok, '-m', '64', '-n', '10']);
  t.equal(r.code, 1);
  t.same(r.out, []);
  t.match(r.err.join('\n'), /lb: -n is not yet implemented\.\n.*lb: -m is not yet implemented\.$/);
  t.equal((await run(['-c', '-f', ok, '-D', '--watch', '-sf', '1', '-Ws'])).code, 0, 'run-time flags are ignored by -c');
});
