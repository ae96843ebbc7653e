/**
 * Differential test of the did-you-mean hints: deterministic typos of
 * proxy keywords go through real `haproxy -c` and through lb; the hints
 * must be the same. Skipped when haproxy is not installed.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { load } from '../helpers.js';

const KEYWORDS = [
  'bind', 'mode', 'timeout', 'option', 'balance', 'server', 'default_backend', 'use_backend', 'acl',
  'http-request', 'http-response', 'maxconn', 'retries', 'stats', 'log', 'capture', 'cookie', 'errorfile',
  'monitor-uri', 'description', 'default-server', 'tcp-request', 'redirect', 'hash-type', 'fullconn',
  'dispatch', 'http-check', 'tcp-check', 'unique-id-format', 'log-format',
];

function typos(): string[] {
  const out = new Set<string>();
  for (const k of KEYWORDS) {
    out.add(k.slice(0, -1)); // chopped
    out.add(k.slice(0, 1) + k.slice(2)); // second letter dropped
    out.add(k.slice(0, 1) + k[2] + k[1] + k.slice(3)); // swapped
    out.add(k + k.slice(-1)); // doubled last
    out.add(k.slice(0, Math.max(2, Math.floor((k.length * 2) / 3))));
  }
  for (const k of KEYWORDS) out.delete(k);
  return [...out].filter((w) => !['default', 'defaults', 'listen'].includes(w)).sort();
}

const haproxy = spawnSync('haproxy', ['-v']).status === 0;

t.test('hints match haproxy 2.6', { skip: haproxy ? false : 'haproxy not installed' }, async (t) => {
  const words = typos();
  const hint = (text: string, into: Map<string, string>): void => {
    for (const x of text.matchAll(/unknown keyword '([^']+)' in 'listen' section(?:; did you mean '([^']+)')?/g)) into.set(x[1]!, x[2] ?? '');
  };
  const theirs = new Map<string, string>();
  const ours = new Map<string, string>();
  // haproxy stops reporting after a few dozen errors: ask in small batches
  for (let i = 0; i < words.length; i += 20) {
    const cfg = 'listen l\n bind :80\n' + words.slice(i, i + 20).map((w) => ` ${w} x\n`).join('');
    const r = load(cfg);
    hint(spawnSync('haproxy', ['-c', '-f', 't.cfg'], { cwd: r.dir, encoding: 'utf8' }).stderr, theirs);
    hint(r.lines.join('\n'), ours);
  }
  t.ok(theirs.size > 100, `${theirs.size} typos compared`);
  const differ = [...theirs].filter(([w, h]) => ours.get(w) !== h).map(([w, h]) => `${w}: haproxy '${h}', lb '${ours.get(w)}'`);
  t.same(differ, [], 'same hint for every typo');
});

const GLOBAL = ['daemon', 'maxconn', 'nbthread', 'pidfile', 'chroot', 'user', 'group', 'ulimit-n', 'hard-stop-after',
  'cpu-map', 'log', 'stats', 'tune.bufsize', 'ssl-default-bind-ciphers', 'spread-checks', 'master-worker', 'node'];

t.test('global hints match haproxy 2.6', { skip: haproxy ? false : 'haproxy not installed' }, async (t) => {
  const words = [...new Set(GLOBAL.flatMap((k) => [k.slice(0, -1), k + k.slice(-1), k.slice(0, 1) + k.slice(2)]))]
    .filter((w) => !GLOBAL.includes(w) && w !== 'use' && w !== 'lo');
  const grab = (text: string, into: Map<string, string>): void => {
    for (const x of text.matchAll(/unknown keyword '([^']+)' in 'global' section(?:; did you mean '([^']+)')?/g)) into.set(x[1]!, x[2] ?? '');
  };
  const theirs = new Map<string, string>();
  const ours = new Map<string, string>();
  for (let i = 0; i < words.length; i += 20) {
    const r = load('global\n' + words.slice(i, i + 20).map((w) => ` ${w} x\n`).join(''));
    grab(spawnSync('haproxy', ['-c', '-f', 't.cfg'], { cwd: r.dir, encoding: 'utf8' }).stderr, theirs);
    grab(r.lines.join('\n'), ours);
  }
  t.ok(theirs.size > 30, `${theirs.size} typos compared`);
  t.same([...theirs].filter(([w, h]) => ours.get(w) !== h).map(([w, h]) => `${w}: haproxy '${h}', lb '${ours.get(w)}'`), []);
});
