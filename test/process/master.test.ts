/**
 * Master-worker mode (reference §5.8, §6.6): workers per nbthread, the
 * master CLI, reloads that change the bind set, failures, and stops.
 */
import t from 'tap';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../e2e/harness.js';
import { loadBackend } from './load.js';
import { spawnLb, until, alive, childPids, cliCommand, portAccepts, fixture, HTTP_DEFAULTS } from './helpers.js';

function cfg(binds: number[], be: number, global = ''): string {
  return `global
${global}
${HTTP_DEFAULTS}frontend fe
${binds.map((p) => `    bind 127.0.0.1:${p}`).join('\n')}
    default_backend be
backend be
    server s1 127.0.0.1:${be}
`;
}

async function get(port: number): Promise<string> {
  const r = await fetch(`http://127.0.0.1:${port}/`, { headers: { connection: 'close' } });
  return r.text();
}

t.test('workers, master CLI, reload with a new bind set', async (t) => {
  const be = await loadBackend(500);
  t.teardown(() => be.close());
  const [p1, p2] = [await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), 'lb-mw-'));
  const file = join(dir, 'haproxy.cfg');
  const sock = join(dir, 'm.sock');
  const pidfile = join(dir, 'lb.pid');
  writeFileSync(file, cfg([p1], be.port, '    nbthread 3'));
  const lb = spawnLb(['-W', '-f', file, '-S', sock, '-p', pidfile]);
  t.teardown(() => lb.kill('SIGKILL'));
  await lb.waitFor(/Loading success\./);
  const master = lb.proc.pid!;
  t.equal(readFileSync(pidfile, 'utf8'), `${master}\n`, 'the pidfile names the master');
  t.equal((lb.stderr.match(/\[NOTICE\]   \(\d+\) : New worker \(\d+\) forked\n/g) ?? []).length, 3, 'nbthread 3: three workers');
  t.equal(childPids(master).length, 3);
  t.equal(await get(p1), 'ok\n');

  const proc = await cliCommand(sock, 'show proc');
  const lines = proc.split('\n');
  t.equal(lines[0], '#<PID>          <type>          <reloads>       <uptime>        <version>      ', 'show proc header');
  t.match(lines[1], new RegExp(`^${master}\\s+master\\s+0 \\[failed: 0\\]\\s+0d00h00m0\\ds\\s+\\S+`));
  t.equal(lines[2], '# workers');
  for (let i = 3; i < 6; i++) t.match(lines[i], /^\d+ {2,}worker {10}0 {15}0d00h00m0\ds {5}\S+/);
  t.equal(lines[6], '# programs');
  t.equal(proc.slice(-2), '\n\n');
  t.match(await cliCommand(sock, 'help'), /^The following commands are valid at this level:\n  @!<pid> {32} : send a command to the <pid> process\n/);
  t.match(await cliCommand(sock, 'show version'), /^\S+\n\n$/);
  t.equal(await cliCommand(sock, '@9 show info'), "Can't find the target PID matching the prefix '@9'\n");
  t.match(await cliCommand(sock, '@1 help'), /^The following commands are valid at this level:\n/, '@1 forwards to worker 1');
  const wpid = childPids(master)[0]!;
  t.match(await cliCommand(sock, `@!${wpid} foo`), /^Unknown command/, '@!<pid> forwards to that worker');
  t.match(await cliCommand(sock, 'foo'), /^Unknown command, but maybe one of the following ones is a better match:\n/);

  // a slow request holds an old worker while the bind set changes: p1 removed, p2 added
  const slow = fetch(`http://127.0.0.1:${p1}/slow`).then((r) => r.text());
  await new Promise((r) => setTimeout(r, 100));
  writeFileSync(file, cfg([p2], be.port, '    nbthread 1'));
  t.equal(await cliCommand(sock, 'reload'), '', 'reload answers nothing (2.6)');
  await lb.waitFor(/Loading success\./, 2);
  t.equal(await get(p2), 'ok\n', 'the new bind serves');
  const proc2 = await cliCommand(sock, 'show proc');
  t.match(proc2, /master\s+1 \[failed: 0\]/);
  t.match(proc2, /# old workers\n\d+ +worker +1 /, 'the old worker finishing its request is listed');
  t.equal(await slow, 'slow\n', 'the in-flight request completed');
  t.ok(await until(() => childPids(master).length === 1, 5000), 'old workers exited');
  t.notOk(await portAccepts(p1), 'the removed bind is closed');
  t.match(lb.stderr, /\[WARNING\]  \(\d+\) : Former worker \(\d+\) exited with code 0 \(Exit\)/);

  // a bind that cannot be had fails the reload; the running worker stays
  const busy = await loadBackend(10);
  t.teardown(() => busy.close());
  writeFileSync(file, cfg([p2, busy.port], be.port));
  process.kill(master, 'SIGHUP');
  await lb.waitFor(/Loading failure!/);
  t.match(lb.stderr, /cannot bind socket \(Address already in use\) for \[127\.0\.0\.1:\d+\]/);
  t.equal(await get(p2), 'ok\n', 'still serving');

  process.kill(master, 'SIGTERM');
  t.equal(await lb.exited, 0);
  t.match(lb.stderr, /\[WARNING\]  \(\d+\) : Exiting Master process\.\.\.\n/);
  t.match(lb.stderr, /\[ALERT\]    \(\d+\) : Current worker \(\d+\) exited with code 143 \(Terminated\)\n/);
  t.match(lb.stderr, /All workers exited\. Exiting\.\.\. \(0\)\n/);
  t.notOk(await portAccepts(p2));
});

t.test('a worker that dies takes the master down (exit-on-failure), unless no-exit-on-failure', async (t) => {
  const { be, port, dir, file } = await fixture(t, 'lb-mw-', 10);
  writeFileSync(file, cfg([port], be.port, '    master-worker'));
  const lb = spawnLb(['-f', file]);
  t.teardown(() => lb.kill('SIGKILL'));
  await lb.waitFor(/Loading success\./);
  const [w] = childPids(lb.proc.pid!);
  process.kill(w!, 'SIGKILL');
  await lb.exited;
  t.match(lb.stderr, new RegExp(`\\[ALERT\\]    \\(\\d+\\) : Current worker \\(${w}\\) exited with code 137 \\(Killed\\)`));
  t.match(lb.stderr, /exit-on-failure: killing every processes with SIGTERM/);

  writeFileSync(file, cfg([port], be.port, '    master-worker no-exit-on-failure'));
  const lb2 = spawnLb(['-f', file]);
  t.teardown(() => lb2.kill('SIGKILL'));
  await lb2.waitFor(/Loading success\./);
  const [w2] = childPids(lb2.proc.pid!);
  process.kill(w2!, 'SIGKILL');
  await lb2.waitFor(/Current worker/);
  t.ok(alive(lb2.proc.pid!), 'the master stays');
  process.kill(lb2.proc.pid!, 'SIGUSR2');
  await lb2.waitFor(/Loading success\./, 2);
  t.equal(await get(port), 'ok\n', 'a reload brings a worker back');
  lb2.kill('SIGUSR1');
  t.equal(await lb2.exited, 0);
});

t.test('a bad configuration never starts a master; -W -D detaches the master', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lb-mw-'));
  const bad = join(dir, 'bad.cfg');
  writeFileSync(bad, 'frontend fe\n    bind 127.0.0.1:1\n    bogus\n');
  const lb = spawnLb(['-W', '-f', bad]);
  t.equal(await lb.exited, 1);
  t.match(lb.stderr, /unknown keyword 'bogus' in 'frontend' section/);

  const be = await loadBackend(10);
  t.teardown(() => be.close());
  const port = await freePort();
  const file = join(dir, 'haproxy.cfg');
  const pidfile = join(dir, 'lb.pid');
  writeFileSync(file, cfg([port], be.port));
  const d = spawnLb(['-W', '-D', '-f', file, '-p', pidfile]);
  t.equal(await d.exited, 0, 'the parent exits once the workers are ready');
  const master = Number(readFileSync(pidfile, 'utf8'));
  t.teardown(() => { try { process.kill(master, 'SIGKILL'); } catch { /* gone */ } });
  t.match(d.stderr, /New worker \(\d+\) forked\n.*Loading success\./s, 'start-up messages reach the terminal');
  t.equal(await get(port), 'ok\n');
  t.equal(childPids(master).length, 1);
  process.kill(master, 'SIGUSR2');
  t.ok(await until(() => childPids(master).length === 1 && !childPids(master).includes(-1), 3000));
  process.kill(master, 'SIGUSR1');
  t.ok(await until(() => !alive(master), 5000), 'SIGUSR1 stops the daemon master');
  t.notOk(await portAccepts(port));
});
