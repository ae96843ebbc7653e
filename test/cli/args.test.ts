/**
 * The command line as pure functions: the pre-pass (HAProxy argv →
 * commander long options) and the resulting options, one case per flag.
 * Behaviour of the real haproxy 2.6 binary noted where it matters.
 */
import t from 'tap';
import { prepass, parseArgs, parsePid, ArgError, FLAGS, type CliOptions } from '../../src/cli/program.js';
import { versionText, buildOptionsText, usageText, featureList } from '../../src/cli/version.js';

function opts(...argv: string[]): CliOptions {
  const r = parseArgs(argv);
  if (r.kind !== 'run') throw new Error('expected options');
  return r.opts;
}

function argErr(argv: string[]): ArgError {
  try {
    parseArgs(argv);
  } catch (e) {
    if (e instanceof ArgError) return e;
    throw e;
  }
  throw new Error(`no error for ${argv.join(' ')}`);
}

t.test('pre-pass maps every HAProxy flag', async (t) => {
  t.same(prepass(['-f', 'a.cfg', '-f', '-weird', '-c']), ['--file=a.cfg', '--file=-weird', '--check']);
  t.same(prepass(['-c', '--', 'a', '-b', '--']), ['--check', '--file=a', '--file=-b', '--file=--']);
  t.same(prepass(['-cc', 'defined(X)']), ['--check-cond=defined(X)']);
  t.same(prepass(['-sf', '1', '2', '-st']), ['--soft-finish=1,2', '--terminate=']);
  t.same(prepass(['-st', '7', '-f', 'x']), ['--terminate=7', '--file=x']);
  t.same(prepass(['-dKcfg,acl', '-dM', '-dM0x20']), ['--dump-keywords=cfg,acl', '--debug-memory=', '--debug-memory=0x20']);
  t.same(prepass(['--watch', '--help']), ['--watch', '--help']);
  t.same(prepass(['--file', 'a.cfg', '--check', '--chdir=/x', '--soft-finish', '1,2']), ['--file=a.cfg', '--check', '--chdir=/x', '--soft-finish=1,2']);
  t.same(opts('--file', 'a.cfg', '--file=b.cfg', '--check').files, ['a.cfg', 'b.cfg']);
  t.same(prepass(['-db', '-dr', '-dW', '-dD', '-dR', '-dV', '-Ws', '-W', '-D', '-d']), [
    '--foreground', '--ignore-resolve-failures', '--zero-warning', '--diag', '--disable-reuseport',
    '--disable-ssl-verify', '--master-worker-systemd', '--master-worker', '--daemon', '--debug',
  ]);
  t.same(prepass(['-S', '/run/m.sock,mode,600', '-p', 'p', '-x', 's', '-n', '10', '-N', '5', '-m', '64', '-C', '/', '-L', 'me']), [
    '--master-cli=/run/m.sock,mode,600', '--pidfile=p', '--xfer-socket=s', '--maxconn=10', '--maxpconn=5',
    '--memory=64', '--chdir=/', '--local-peer=me',
  ]);
  t.same(prepass(['-de', '-dp', '-dS', '-dG', '-dL', '-q', '-V']), [
    '--disable-epoll', '--disable-poll', '--disable-splice', '--disable-getaddrinfo', '--dump-libs', '--quiet', '--verbose',
  ]);
});

t.test('-v and -vv stop the parse where they stand (HAProxy exits there)', async (t) => {
  t.same(prepass(['-c', '-v', '-Z', 'junk']), ['--check', '--version']);
  t.same(prepass(['-vv', '-sf', 'abc']), ['--build-options']);
  t.same(prepass(['-vx']), ['--version']);
  t.same(prepass(['-vvv']), ['--build-options']);
  t.throws(() => prepass(['-Z', '-v']), { usage: true });
  t.equal(opts('-cc', 'bogus(', '-v').version, true);
  t.equal(opts('-vv').buildOptions, true);
});

t.test('bad command lines: usage, or HAProxy alert', async (t) => {
  for (const argv of [['-Z'], ['-h'], ['file.cfg'], ['-'], ['-c', '-f'], ['-cc'], ['-n'], ['-sf', '0'], ['--bogus'], ['-fx']]) {
    const e = argErr(argv);
    t.equal(e.usage, true, argv.join(' '));
    t.equal(e.alert, undefined, argv.join(' '));
  }
  const x = argErr(['-c', '-x']);
  t.equal(x.alert, 'Unix socket path expected with the -x flag');
  t.equal(x.usage, true);
  t.equal(argErr(['-sf', 'abc']).alert, '-sf option: some bytes unconsumed in PID list {abc}');
  t.equal(argErr(['-st', '12,13']).alert, '-st option: some bytes unconsumed in PID list {,13}');
  t.equal(argErr(['-sf', '12abc']).usage, false);
  t.equal(argErr(['--soft-finish=1,x']).alert, '-sf option: some bytes unconsumed in PID list {x}');
});

t.test('pids are read like strtol', async (t) => {
  t.equal(parsePid('-sf', '42'), 42);
  t.equal(parsePid('-sf', ' +42'), 42);
  t.equal(parsePid('-sf', '99999999999'), 99999999999);
  t.throws(() => parsePid('-sf', '0'), { usage: true });
  t.throws(() => parsePid('-sf', ''), { usage: true });
  t.throws(() => parsePid('-sf', 'x1'), { alert: '-sf option: some bytes unconsumed in PID list {x1}' });
});

t.test('options', async (t) => {
  const o = opts('-f', 'a.cfg', '-c', '-f', 'dir', '-q', '-dr', '-dW', '-dD', '-C', '/tmp', '--', 'b.cfg', 'c.cfg');
  t.same(o.files, ['a.cfg', 'dir', 'b.cfg', 'c.cfg']);
  t.equal(o.check, true);
  t.equal(o.quiet, true);
  t.equal(o.verbose, false);
  t.equal(o.ignoreResolveFailures, true);
  t.equal(o.zeroWarning, true);
  t.equal(o.diagMode, true);
  t.equal(o.chdir, '/tmp');
  t.same(o.later, []);
  t.equal(opts('-cc', 'version_atleast(2.4)').checkCond, 'version_atleast(2.4)');
  t.equal(opts('-cc', '').checkCond, '');
  t.same(opts('-sf', '1', '2', '-sf', '3', '-f', 'x').softFinish, [1, 2, 3]);
  t.same(opts('-st', '-f', 'x').terminate, []);
  const l = opts('-f', 'x', '-D', '-W', '-Ws', '-S', 's', '-p', 'p', '-sf', '-st', '9', '-x', 'y', '-n', '1', '-N', '2',
    '-m', '3', '-L', 'me', '-d', '-db', '-dR', '-dV', '--watch');
  t.same(l.later, ['-n', '-N', '-m', '-L', '-dR', '-dV']);
  t.equal(l.raw.masterWorkerSystemd, true, '-Ws');
  t.equal(l.raw.maxconn, '1');
  t.equal(l.raw.xferSocket, 'y', '-x <socket>');
  t.equal(l.raw.masterCli, 's');
  const n = opts('-f', 'x', '-de', '-dp', '-dS', '-dG', '-dL', '-dKall', '-dM');
  t.same(n.later, [], 'no-effect flags are not "not yet"');
  t.equal(opts('-q', '-V', '-f', 'x').verbose, true);
});

t.test('--help lists every flag, one line each, with its status', async (t) => {
  const r = parseArgs(['--help']);
  t.equal(r.kind, 'help');
  const text = r.kind === 'help' ? r.text : '';
  for (const row of FLAGS) {
    const term = row.flag === '--' ? '-- <cfgfile>*' : row.arg === 'attached' ? row.flag + row.metavar : row.flag;
    const line = text.split('\n').find((l) => l.startsWith(`  ${term} `) || l.includes(`, ${term}`));
    t.ok(line, `${row.flag} listed`);
    if (row.status === 'later') t.match(line, /\(not yet\)$/, `${row.flag} says not yet`);
    if (row.status === 'noeffect') t.match(line, /\(accepted, no effect in lb\)$/, `${row.flag} says no effect`);
  }
});

t.test('version texts keep HAProxy shapes', async (t) => {
  const h = { type: 'Linux', release: '6.1.0', version: '#1 SMP', machine: 'x86_64', node: 'v22.1.0', v8: '12.4' };
  const v = versionText(h);
  t.match(v, /^HAProxy version 2\.6\.12 \(lb 0\.1\.0\) \d{4}\/\d\d\/\d\d - https:\/\/haproxy\.org\/\n/);
  t.match(v, /HAProxy version (\d+\.\d+)/);
  t.match(v, /\nStatus: .*not HAProxy.*\n/);
  t.match(v, /\nRunning on: Linux 6\.1\.0 #1 SMP x86_64\n$/);
  const vv = buildOptionsText(h);
  t.ok(vv.startsWith(v));
  t.match(vv, /\nBuild options :\n/);
  t.match(vv, /\nFeature list : -51DEGREES \+ACCEPT4 .*\+EPOLL .*-KQUEUE /);
  t.match(vv, /\nDefault settings :\n  bufsize = 16384, maxrewrite = 1024, maxpollevents = 200\n/);
  t.match(vv, /Node\.js version : v22\.1\.0/);
  t.match(vv, /lb follows HAProxy 2\.6 behaviour/);
  t.equal(featureList().split(' ').length, featureList().split(' ').filter((f) => /^[+-][A-Z0-9_]+$/.test(f)).length);
  const u = usageText();
  t.match(u, /^Usage : lb \[-f <cfgfile\|cfgdir>\]\* \[ -vdVD \] /);
  t.match(u, /\n        -sf\/-st \[pid \]\* finishes\/terminates old pids\.\n/);
});
