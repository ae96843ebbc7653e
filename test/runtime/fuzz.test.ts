/**
 * Bad input never crashes the process: 2,000 random command lines, built
 * from the words of HAProxy's command list and hostile arguments, at admin
 * level, then lb still answers and still forwards traffic.
 */
import t from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startLb } from '../e2e/harness.js';
import { rawCli, socat, slowBackend, get } from './helpers.js';
import { HELP_ROWS } from '../../src/runtime/help.js';

t.test('random command lines', async (t) => {
  const a = await slowBackend('a');
  const port = await freePort();
  const sock = join(mkdtempSync(join(tmpdir(), 'lb-cli-')), 'a.sock');
  const lb = await startLb(`global
    stats socket ${sock} level admin
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 1s
frontend fe
    bind 127.0.0.1:${port}
    default_backend be
backend be
    server s1 127.0.0.1:${a.port}
    server s2 127.0.0.1:${a.port} check inter 200
backend st
    balance static-rr
    server s1 127.0.0.1:${a.port}
`, port);
  t.teardown(async () => { await lb.stop(); await a.close(); });
  let seed = 42;
  const rnd = (n: number): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
  const words = [...new Set(HELP_ROWS.flatMap((r) => r.words))];
  const args = ['be/s1', 'be/s2', 'st/s1', 'be/', '/s1', 'be/nope', '#3/#1', '#999/#1', 'be', 'fe', 'st', 'nope', '-1', '0', '1', '256', '257',
    '50%', '-5%', '999999999999999999999', 'abc', '1.2.3.4', '::1', '[::1]', '127.0.0.1:1', 'port', '65536', 'ready', 'drain', 'maint',
    'up', 'down', 'stopping', 'weight', 'state', 'addr', 'health', 'agent', 'check-port', 'global', 'frontend', 'server', 'all',
    'typed', 'json', 'desc', 'up', 'no-maint', '\\', '\\;', '"', "'", '%s%n', '\u00e9', '\u0000', 'x'.repeat(300)];
  const lines: string[] = [];
  for (let i = 0; i < 2000; i++) {
    const n = 1 + rnd(6);
    const w: string[] = [];
    for (let j = 0; j < n; j++) w.push(rnd(3) === 0 ? words[rnd(words.length)]! : args[rnd(args.length)]!);
    // keep the frontend reachable: the check at the end needs it
    if (w.includes('shutdown') || (w.includes('disable') && w.includes('frontend'))) continue;
    if (w[0] === 'quit' || w[0] === 'prompt') continue;
    lines.push(w.join(rnd(5) === 0 ? ';' : ' '));
  }
  for (let i = 0; i < lines.length; i += 200) {
    const c = await rawCli({ path: sock });
    c.sock.end(lines.slice(i, i + 200).join('\n') + '\n');
    await c.closed();
  }
  t.equal(lb.proc.exitCode, null, 'still running');
  t.notMatch(lb.stderr, /internal error/);
  t.equal(await socat(`unix-connect:${sock}`, 'show cli level'), 'admin\n\n');
  t.equal(await socat(`unix-connect:${sock}`, 'set server be/s1 state ready;set server be/s1 weight 1;set server be/s1 addr 127.0.0.1 port ' + a.port), `\n\nno need to change the addr, no need to change the port by 'stats socket command'\n\n`);
  t.equal(await socat(`unix-connect:${sock}`, 'set maxconn frontend fe 1000;enable frontend fe'), '\nAll sockets are already enabled.\n\n');
  t.equal((await get(port, '/')).status, 200, 'traffic still flows');
});
