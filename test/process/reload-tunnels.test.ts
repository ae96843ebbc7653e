/**
 * Field lessons (haproxy#2184, traefik#6235): reloads while WebSockets stay
 * open. Established tunnels are not touched by a reload: they keep relaying
 * on their old worker until hard-stop-after; workers without tunnels leave
 * at once, so the process count stays bounded, and everything is back to
 * the starting values once hard-stop-after has passed.
 */
import t from 'tap';
import { connect, type Socket } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../e2e/harness.js';
import { loadBackend } from './load.js';
import { spawnLb, fdCount, childPids, until, HTTP_DEFAULTS } from './helpers.js';

async function tunnel(port: number): Promise<{ s: Socket; echo: (m: string) => Promise<boolean>; closed: () => boolean }> {
  const s = connect(port, '127.0.0.1');
  let buf = '';
  let closed = false;
  s.on('data', (d) => { buf += d.toString('latin1'); });
  s.on('close', () => { closed = true; });
  s.on('error', () => undefined);
  await new Promise<void>((r) => s.once('connect', () => r()));
  s.write('GET /ws HTTP/1.1\r\nhost: t\r\nconnection: upgrade\r\nupgrade: websocket\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\nsec-websocket-version: 13\r\n\r\n');
  await until(() => buf.includes('\r\n\r\n'), 3000);
  return { s, closed: () => closed, echo: (m) => { s.write(m); return until(() => buf.includes(m), 2000); } };
}

t.test('10 reloads with WebSockets open', { timeout: 60000 }, async (t) => {
  const be = await loadBackend(100);
  t.teardown(() => be.close());
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'lb-ws-'));
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(cfg, `global
    hard-stop-after 5s
${HTTP_DEFAULTS}    timeout tunnel 30s
frontend fe
    bind 127.0.0.1:${port}
    default_backend be
backend be
    server s1 127.0.0.1:${be.port}
`);
  const lb = spawnLb(['-W', '-f', cfg]);
  t.teardown(() => lb.kill('SIGKILL'));
  await lb.waitFor(/Loading success\./);
  const master = lb.proc.pid!;
  const fd0 = fdCount(master);
  const ws = await Promise.all([1, 2, 3, 4, 5].map(() => tunnel(port)));
  for (const [i, w] of ws.entries()) t.ok(await w.echo(`before-${i}\n`), `tunnel ${i} relays`);
  let maxKids = 0;
  const started = Date.now();
  for (let i = 0; i < 10; i++) {
    process.kill(master, 'SIGUSR2');
    await lb.waitFor(/Loading success\./, i + 2);
    maxKids = Math.max(maxKids, childPids(master).length);
  }
  const reloadMs = Date.now() - started;
  t.ok(reloadMs < 5000, `10 reloads in ${reloadMs} ms, before hard-stop-after`);
  for (const [i, w] of ws.entries()) t.ok(await w.echo(`after-${i}\n`), `tunnel ${i} untouched by 10 reloads`);
  t.ok(maxKids <= 3, `process count bounded (at most ${maxKids} workers at once: the current one and the one holding the tunnels)`);
  // hard-stop-after ends the old worker and its tunnels
  t.ok(await until(() => ws.every((w) => w.closed()), 8000), 'tunnels closed by hard-stop-after');
  t.ok(await until(() => childPids(master).length === 1, 3000), 'one worker left');
  t.ok(await until(() => fdCount(master) === fd0, 3000), `master descriptors back to ${fd0}`);
  const fresh = await tunnel(port);
  t.ok(await fresh.echo('new\n'), 'new tunnels work');
  fresh.s.destroy();
  process.kill(master, 'SIGTERM');
  await lb.exited;
});
