/**
 * The real executable, run as a user runs it: bin/lb in a child process
 * (bin/lb itself runs the built CLI in-process). Needs `npm run build`
 * (`npm test` builds first). Where the real haproxy is installed, the same
 * command runs through it too and the outputs must agree once pids and the
 * two NOTICE lines (version, executable path) are set aside.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const LB = join(root, 'bin/lb');
const haveBuild = existsSync(join(root, 'dist/src/cli/main.js'));
const haveHaproxy = spawnSync('haproxy', ['-v']).status === 0;

interface Ran {
  code: number | null;
  out: string;
  err: string;
}

/** the user's environment: without the test runner's loader hooks (NODE_OPTIONS, TAP_*) */
function userEnv(): Record<string, string | undefined> {
  const e: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(NODE_OPTIONS|TAP|_TAPJS)/.test(k)) e[k] = v;
  return e;
}

/**
 * Run through env(1) with NODE_OPTIONS unset: tap's process-info hook puts
 * its loader into every child's NODE_OPTIONS, which a user's shell has not.
 */
function run(cmd: string, args: string[], cwd: string, env: Record<string, string> = {}): Ran {
  const r = spawnSync('env', ['-u', 'NODE_OPTIONS', cmd, ...args], { cwd, env: { ...userEnv(), ...env }, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const lb = (args: string[], cwd: string, env?: Record<string, string>) => run(LB, args, cwd, env);

/** stderr without pids and without the two version-specific NOTICE lines */
function norm(s: string): string {
  return s
    .split('\n')
    .filter((l) => !/^\[NOTICE\] +\(\d+\) : (haproxy version is|path to executable is) /.test(l))
    .map((l) => l.replace(/^(\[\w+\] +)\(\d+\)/, '$1(PID)'))
    .join('\n');
}

/** `todo`: a known difference, reported (not ok # TODO) without failing the suite */
function sameAsHaproxy(t: Tap.Test, args: string[], cwd: string, env: Record<string, string> = {}, todo?: string): void {
  if (!haveHaproxy) return;
  const a = lb(args, cwd, env);
  const h = run('haproxy', args, cwd, env);
  const extra = todo === undefined ? {} : { todo };
  t.equal(a.code, h.code, `exit code of ${args.join(' ')} as haproxy`, extra);
  t.equal(a.out, h.out, `stdout of ${args.join(' ')} as haproxy`, extra);
  t.equal(norm(a.err), norm(h.err), `stderr of ${args.join(' ')} as haproxy`, extra);
}

const VALID = `defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 5s
frontend fe
    bind 127.0.0.1:18080
    default_backend be
backend be
    server s1 127.0.0.1:18081 check
`;

const INVALID = `defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 5s
frontend fe
    bind 127.0.0.1:18080
    frobnicate
    default_backend be
backend be
    server s1 127.0.0.1:18081
`;

const NO_LISTENER = `defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 5s
backend be
    server s1 127.0.0.1:18081
`;

t.test('bin/lb end to end', { skip: haveBuild ? false : 'dist/ not built: run `npm run build`' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lb-e2e-'));
  writeFileSync(join(dir, 'valid.cfg'), VALID);
  writeFileSync(join(dir, 'invalid.cfg'), INVALID);
  writeFileSync(join(dir, 'nolisten.cfg'), NO_LISTENER);

  t.test('-c on a valid file', async (t) => {
    const r = lb(['-c', '-f', 'valid.cfg'], dir);
    t.equal(r.code, 0);
    t.equal(r.out, 'Configuration file is valid\n');
    t.equal(r.err, '');
    sameAsHaproxy(t, ['-c', '-f', 'valid.cfg'], dir);
  });

  t.test('the shipped example configurations are valid', async (t) => {
    for (const f of ['haproxy.cfg.example', 'examples/two-backends/haproxy.cfg', 'examples/docker/haproxy.cfg']) {
      const r = lb(['-c', '-f', f], root);
      t.equal(r.code, 0, f);
      t.equal(r.out, 'Configuration file is valid\n', f);
      t.equal(r.err, '', f);
      sameAsHaproxy(t, ['-c', '-f', f], root);
    }
  });

  t.test('-c on an invalid file names file:line', async (t) => {
    const r = lb(['-c', '-f', 'invalid.cfg'], dir);
    t.equal(r.code, 1);
    t.equal(r.out, '');
    t.match(r.err, /^\[NOTICE\]   \(\d+\) : haproxy version is 2\.6\.12 \(lb 0\.1\.0\)\n/);
    t.match(r.err, /\n\[ALERT\]    \(\d+\) : config : parsing \[invalid\.cfg:8\] : unknown keyword 'frobnicate' in 'frontend' section\n/);
    t.match(r.err, /\[ALERT\]    \(\d+\) : config : Fatal errors found in configuration\.\n$/);
    sameAsHaproxy(t, ['-c', '-f', 'invalid.cfg'], dir);
  });

  t.test('warnings: -c, -dW, -dD', async (t) => {
    writeFileSync(join(dir, 'warn.cfg'), VALID.replace(/    timeout client 5s\n/, ''));
    const r = lb(['-c', '-f', 'warn.cfg'], dir);
    t.equal(r.code, 0);
    t.equal(r.out, 'Warnings were found.\nConfiguration file is valid\n');
    t.match(r.err, /\[WARNING\]  \(\d+\) : config : missing timeouts for frontend 'fe'\.\n/);
    t.equal(lb(['-c', '-dW', '-f', 'warn.cfg'], dir).code, 1);
    for (const args of [['-c', '-f', 'warn.cfg'], ['-c', '-dW', '-f', 'warn.cfg'], ['-c', '-dD', '-f', 'warn.cfg'], ['-c', '-q', '-dW', '-f', 'warn.cfg']]) {
      sameAsHaproxy(t, args, dir);
    }
  });

  t.test('-c -q prints nothing at all', async (t) => {
    for (const [f, code] of [['valid.cfg', 0], ['invalid.cfg', 1], ['nolisten.cfg', 2]] as const) {
      const r = lb(['-c', '-q', '-f', f], dir);
      t.equal(r.code, code, f);
      t.equal(r.out + r.err, '', f);
    }
    sameAsHaproxy(t, ['-c', '-q', '-f', 'invalid.cfg'], dir);
  });

  t.test('no listener: exit 2', async (t) => {
    const r = lb(['-c', '-f', 'nolisten.cfg'], dir);
    t.equal(r.code, 2);
    t.equal(r.out, 'Configuration file has no error but will not start (no listener) => exit(2).\n');
    sameAsHaproxy(t, ['-c', '-f', 'nolisten.cfg'], dir);
  });

  t.test('-cc', async (t) => {
    t.equal(lb(['-cc', 'version_atleast(2.4)'], dir).code, 0);
    t.equal(lb(['-cc', 'version_atleast(2.7)'], dir).code, 1);
    const r = lb(['-cc', 'bogus(1)'], dir);
    t.equal(r.code, 2);
    t.match(r.err, /\n\[ALERT\]    \(\d+\) : config : Failed to evaluate condition: unparsable conditional expression 'bogus\(1\)'\n$/);
    t.equal(lb(['-q', '-cc', 'bogus(1)'], dir).err, '');
    t.equal(lb(['-cc', 'defined(LB_E2E_X)'], dir, { LB_E2E_X: '1' }).code, 0);
    for (const c of ['version_atleast(2.4)', 'version_before(2.7)', 'bogus(1)', 'streq(a,b)']) sameAsHaproxy(t, ['-cc', c], dir);
  });

  t.test('-v and -vv', async (t) => {
    const v = lb(['-v'], dir);
    t.equal(v.code, 0);
    t.match(v.out, /^HAProxy version 2\.6\.12 \(lb 0\.1\.0\) \d{4}\/\d\d\/\d\d - https:\/\/haproxy\.org\/\nStatus: .*\nRunning on: \S+ .*\n$/);
    t.equal(v.err, '');
    const vv = lb(['-vv'], dir);
    t.equal(vv.code, 0);
    t.ok(vv.out.startsWith(v.out));
    t.match(vv.out, /\nBuild options :\n/);
    t.match(vv.out, /\nFeature list : .*\+EPOLL .*-KQUEUE/);
    t.match(vv.out, /\nDefault settings :\n  bufsize = 16384, maxrewrite = 1024, maxpollevents = 200\n/);
    t.match(vv.out, new RegExp(`Node\\.js version : ${process.version.replace(/\./g, '\\.')}`));
    if (haveHaproxy) {
      const h = run('haproxy', ['-v'], dir);
      t.equal(v.out.split('\n').length, h.out.split('\n').length - 1, 'one line fewer than haproxy (no Known bugs)');
    }
  });

  t.test('lb alone: version block and usage, exit 1', async (t) => {
    const r = lb([], dir);
    t.equal(r.code, 1);
    t.match(r.out, /^HAProxy version /);
    t.match(r.err, /^Usage : lb \[-f <cfgfile\|cfgdir>\]\* /);
    if (haveHaproxy) {
      const h = run('haproxy', [], dir);
      t.equal(h.code, 1);
      t.equal(r.err.replace(/^Usage : lb /, 'Usage : haproxy '), h.err, 'same usage text');
    }
  });

  t.test('-f dir reads *.cfg in byte order', async (t) => {
    const d = join(dir, 'conf.d');
    mkdirSync(d);
    for (const [name, kw] of [['b.cfg', 'qqq_b'], ['B.cfg', 'qqq_B'], ['a.cfg', 'qqq_a'], ['10.cfg', 'qqq_10'], ['9.cfg', 'qqq_9']]) {
      writeFileSync(join(d, name!), `frontend fe_${kw}\n    ${kw}\n`);
    }
    writeFileSync(join(d, 'notes.txt'), 'not a config\n');
    const r = lb(['-c', '-f', 'conf.d'], dir);
    t.equal(r.code, 1);
    const order = [...r.err.matchAll(/parsing \[conf\.d\/([^:]+):2\]/g)].map((m) => m[1]);
    t.same(order, ['10.cfg', '9.cfg', 'B.cfg', 'a.cfg', 'b.cfg']);
    sameAsHaproxy(t, ['-c', '-f', 'conf.d'], dir);
  });

  t.test('environment variables come from the real process env', async (t) => {
    writeFileSync(join(dir, 'env.cfg'), VALID.replace('default_backend be', 'default_backend "${LB_E2E_BE}"'));
    t.equal(lb(['-c', '-f', 'env.cfg'], dir, { LB_E2E_BE: 'be' }).code, 0);
    const r = lb(['-c', '-f', 'env.cfg'], dir, { LB_E2E_BE: 'nope' });
    t.equal(r.code, 1);
    t.match(r.err, /config : Proxy 'fe': unable to find required default_backend: 'nope'\./);
    sameAsHaproxy(t, ['-c', '-f', 'env.cfg'], dir, { LB_E2E_BE: 'be' });
    sameAsHaproxy(t, ['-c', '-f', 'env.cfg'], dir, { LB_E2E_BE: 'nope' });
  });

  t.test('flags HAProxy takes with -c', async (t) => {
    for (const args of [
      ['-c', '-f', 'valid.cfg', '-sf', '123', '456'],
      ['-c', '-f', 'valid.cfg', '-st'],
      ['-C', dir, '-c', '-f', 'valid.cfg', '-n', '100', '-N', '10', '-L', 'me', '-D', '-p', '/nonexistent/pid'],
      ['-c', '--', 'valid.cfg'],
      ['-c', '-f', 'valid.cfg', '-sf', 'abc'],
      ['-c', '-C', '/nonexistent', '-f', 'valid.cfg'],
      ['-c', '-f', 'valid.cfg', '-dW', '-q', '-V'],
    ]) {
      sameAsHaproxy(t, args, dir);
    }
    t.equal(lb(['-c', '-f', 'valid.cfg', '-sf', '1', '2'], dir).code, 0);
    t.equal(lb(['-c', '-x'], dir).code, 1);
    t.equal(lb(['-Z'], dir).code, 1);
  });

  t.test('known differences from haproxy, owned elsewhere (reported as TODO)', async (t) => {
    // HAProxy does not close a missing-file failure with "Fatal errors found in configuration."
    sameAsHaproxy(t, ['-c', '-f', 'missing.cfg'], dir, {});
    // HAProxy offers no did-you-mean for 'kw_b'
    writeFileSync(join(dir, 'dym.cfg'), 'frontend fe\n    kw_b\n');
    sameAsHaproxy(t, ['-c', '-f', 'dym.cfg'], dir, {});
    // HAProxy warns "a master CLI socket was defined, but master-worker mode (-W) is not enabled."
    sameAsHaproxy(t, ['-c', '-f', 'valid.cfg', '-S', '/tmp/lb-e2e-master.sock'], dir, {});
    // a NUL byte ends the line for HAProxy (once a crash: a NUL reached getent's argument list)
    writeFileSync(join(dir, 'nul.cfg'), 'frontend fe\n  bind 127.0\0.0.1:80\n');
    sameAsHaproxy(t, ['-c', '-f', 'nul.cfg'], dir, {});
    writeFileSync(join(dir, 'nul2.cfg'), 'frontend fe\n  bind 127.0\0.0.1:80\n  mode http\n');
    sameAsHaproxy(t, ['-c', '-f', 'nul2.cfg'], dir, {});
  });

  t.test('running: flags not built yet refuse to start; no listener exits 1', async (t) => {
    const r = lb(['-f', 'valid.cfg', '-L', 'me'], dir);
    t.equal(r.code, 1);
    t.equal(r.out, '');
    t.match(r.err, /\[ALERT\]    \(\d+\) : lb: -L is not yet implemented\.\n/);
    const n = lb(['-f', 'nolisten.cfg'], dir);
    t.equal(n.code, 1);
    t.match(n.err, /No enabled listener found \(check for 'bind' directives\) ! Exiting\.\n$/);
    // HAProxy prints the warnings first, then "[haproxy.main()] No enabled listener found ..."
    sameAsHaproxy(t, ['-db', '-f', 'nolisten.cfg'], dir, {});
  });

  t.test('--help', async (t) => {
    const r = lb(['--help'], dir);
    t.equal(r.code, 0);
    t.match(r.out, /\n  -sf \[pid \]\* +finishes old pids \(SIGUSR1\) once started\n/);
    t.match(r.out, /\n  -L <name> +set local peer name .*\(not yet\)\n/);
  });
});
