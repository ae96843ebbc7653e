/**
 * `stats socket fd@N`: a listening socket inherited from the parent (as
 * systemd or a wrapper passes it), served like any other stats socket.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, LB } from '../e2e/harness.js';
import { socat } from './helpers.js';

t.test('a stats socket on an inherited descriptor', async (t) => {
  const cliPort = await freePort();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'lb-fd-'));
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(cfg, `global\n    stats socket fd@3 level admin\nfrontend f\n    mode http\n    bind 127.0.0.1:${port}\n    timeout client 5s\n`);
  // the parent binds and listens, then lb starts with the socket as fd 3
  const wrapper = [
    'import os, socket, sys',
    's = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)',
    `s.bind(('127.0.0.1', ${cliPort})); s.listen(8); os.dup2(s.fileno(), 3); os.set_inheritable(3, True)`,
    // the test runner re-injects its loader hooks into children: a user's environment has none
    "env = {k: v for k, v in os.environ.items() if k != 'NODE_OPTIONS' and not k.startswith(('TAP', '_TAPJS'))}",
    'os.execve(sys.argv[1], sys.argv[1:], env)',
  ].join('\n');
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^(NODE_OPTIONS|TAP|_TAPJS)/.test(k)) env[k] = v;
  const p = spawn('python3', ['-c', wrapper, process.execPath, LB, '-f', cfg], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let stderr = '';
  p.stderr.on('data', (d) => { stderr += d; });
  t.teardown(() => { if (p.exitCode === null) p.kill('SIGKILL'); });
  let out = '';
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && !out.startsWith('admin')) {
    out = await socat(`tcp:127.0.0.1:${cliPort}`, 'show cli level').catch(() => '');
    if (p.exitCode !== null) break;
    if (!out.startsWith('admin')) await new Promise((r) => setTimeout(r, 100));
  }
  t.equal(out, 'admin\n\n', stderr);
  t.equal(await socat(`tcp:127.0.0.1:${cliPort}`, 'show cli sockets'), '# socket lvl processes\nfd@3 admin all\n\n');
  p.kill('SIGTERM');
  await new Promise((r) => p.once('exit', r));
});
