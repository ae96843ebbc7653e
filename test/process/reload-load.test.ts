/**
 * Reloads under load never drop a request (issue: processes and reloads).
 * One master (-W, 2 workers, -S, --watch) takes 20 reloads by SIGUSR2, 20
 * by the master CLI `reload` and 20 by editing its configuration file,
 * then one broken edit (reported, traffic untouched) and its repair, while
 * 20 keep-alive clients, 15 connection-close clients, 10 clients of 2 s
 * requests and 8 WebSocket tunnels run. Counts: 0 failed, 0 refused, every
 * slow request answered, and the master's descriptors and children back to
 * their starting values.
 */
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../e2e/harness.js';
import { loadBackend, runLoad } from './load.js';
import { spawnLb, fdCount, childPids, until, cliCommand, portAccepts, HTTP_DEFAULTS } from './helpers.js';

const RELOADS = 20;

function config(port: number, be: number, extra = ''): string {
  return `global
    nbthread 2
    hard-stop-after 30s
${HTTP_DEFAULTS}    timeout tunnel 30s
frontend fe
    bind 127.0.0.1:${port}
    default_backend be
backend be
    server s1 127.0.0.1:${be}
${extra}`;
}

t.test('60 reloads (SIGUSR2, master CLI, --watch) under load drop nothing', { timeout: 120000 }, async (t) => {
  const be = await loadBackend(2000);
  t.teardown(() => be.close());
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'lb-reload-'));
  const cfg = join(dir, 'haproxy.cfg');
  const sock = join(dir, 'master.sock');
  writeFileSync(cfg, config(port, be.port));
  const lb = spawnLb(['-W', '-f', cfg, '-S', `${sock},mode,600`, '--watch']);
  t.teardown(() => lb.kill('SIGKILL'));
  await lb.waitFor(/Loading success\./);
  t.ok(await until(() => childPids(lb.proc.pid!).length === 2, 5000), 'nbthread 2: two workers');
  const master = lb.proc.pid!;
  const fd0 = fdCount(master);
  const kids0 = childPids(master).length;
  t.ok(await portAccepts(port), 'listening');

  const started = Date.now();
  const load = runLoad(port, { keepAlive: 20, close: 15, slow: 10, ws: 8 });
  await new Promise((r) => setTimeout(r, 500));
  let success = 1;
  const reloadBy = async (how: string, trigger: (i: number) => Promise<void> | void): Promise<void> => {
    for (let i = 0; i < RELOADS; i++) {
      await trigger(i);
      success++;
      await lb.waitFor(/Loading success\./, success, 20000);
    }
    t.pass(`${RELOADS} reloads by ${how}`);
  };
  await reloadBy('SIGUSR2', () => { process.kill(master, 'SIGUSR2'); });
  await reloadBy('master CLI reload', async () => { await cliCommand(sock, 'reload'); });
  await reloadBy('--watch edit', (i) => { writeFileSync(cfg, config(port, be.port, `# edit ${i}\n`)); });

  // a broken configuration: reported, and the running workers keep serving
  const before = { ...load.counts };
  writeFileSync(cfg, config(port, be.port, 'frontend broken\n    bogus-keyword here\n'));
  await lb.waitFor(/Loading failure!/, 1, 20000);
  t.match(lb.stderr, /unknown keyword 'bogus-keyword' in 'frontend' section/, 'the error is reported');
  await new Promise((r) => setTimeout(r, 500));
  t.ok(load.counts.ok > before.ok, 'traffic continues after a failed reload');
  const proc = await cliCommand(sock, 'show proc');
  t.match(proc, /master\s+\d+ \[failed: 1\]/, 'show proc counts the failed reload');
  writeFileSync(cfg, config(port, be.port, '# repaired\n'));
  success++;
  await lb.waitFor(/Loading success\./, success, 20000);

  await new Promise((r) => setTimeout(r, 300));
  await load.stop();
  const elapsed = Date.now() - started;
  const c = load.counts;
  t.comment(`load: ${elapsed} ms, ${c.connections} connections, ${c.ok} requests, ${c.slowOk}/${c.slowStarted} slow, ${c.wsSessions} websockets (${c.wsEchoes} echoes), refused ${c.refused}, reset before accept ${c.resetBeforeAccept}, failed ${c.failed}, bad status ${c.badStatus}`);
  if (c.errors.length) t.comment(c.errors.join('\n'));
  t.equal(c.refused, 0, '0 refused connections');
  t.equal(c.resetBeforeAccept, 0, '0 connections reset before being accepted');
  t.equal(c.failed, 0, '0 failed requests or tunnels');
  t.equal(c.badStatus, 0, '0 unexpected statuses');
  t.equal(c.slowOk, c.slowStarted, 'every slow request completed');
  t.ok(c.wsSessions > 0 && c.slowOk > 0 && c.ok > 1000, 'every kind of traffic ran');

  // old workers finish and leave; the master holds what it held at start
  t.ok(await until(() => childPids(master).length === kids0, 15000), `processes back to ${kids0} workers (now ${childPids(master).length})`);
  t.ok(await until(() => fdCount(master) === fd0, 5000), `master descriptors back to ${fd0} (now ${fdCount(master)})`);
  const proc2 = await cliCommand(sock, 'show proc');
  t.notMatch(proc2, /# old workers/, 'no old worker left');
  t.match(proc2, new RegExp(`master\\s+${3 * RELOADS + 2} \\[failed: 1\\]`), 'reload count');

  process.kill(master, 'SIGUSR1');
  t.equal(await lb.exited, 0, 'soft stop of the master exits 0');
  t.match(lb.stderr, /All workers exited\. Exiting\.\.\. \(0\)/);
});
