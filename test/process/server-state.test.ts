/**
 * server-state-file / load-server-state-from-file: run-time states saved
 * with `show servers state` before a reload come back after it (messages
 * as HAProxy 2.6.12 prints them, captured from the real binary).
 */
import t from 'tap';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../e2e/harness.js';
import { spawnLb, until, portAccepts, waitAccepts } from './helpers.js';

const STATE = `1
# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port
3 be 1 s1 127.0.0.1 2 0 5 10 1 1 0 2 0 0 0 0 - 28601 - 0 0 - - 0
3 be 2 s2 127.0.0.1 0 1 1 1 1 1 0 0 0 0 0 0 - 28602 - 0 0 - - 0
3 be 3 s3 127.0.0.1 0 8 1 1 1 8 2 0 6 0 0 0 - 28603 - 0 0 - - 0
`;

t.test('states come back from the global server state file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'lb-state-'));
  const state = join(dir, 'global');
  const port = await freePort();
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(cfg, `global
    server-state-file ${state}
defaults
    mode http
    timeout client 10s
    timeout server 10s
    timeout connect 1s
    load-server-state-from-file global
frontend fe
    bind 127.0.0.1:${port}
    default_backend be
backend be
    server s1 127.0.0.1:28601 weight 10
    server s2 127.0.0.1:28602
    server s3 127.0.0.1:28603 check
`);
  writeFileSync(state, STATE);
  const lb = spawnLb(['-f', cfg]);
  t.teardown(() => lb.kill('SIGKILL'));
  await lb.waitFor(/remains in forced drain mode/);
  t.match(lb.stderr, /\[WARNING\]  \(\d+\) : config : Server be\/s2 is DOWN, changed from server-state after a reload\. 2 active and 0 backup servers left\. 0 sessions active, 0 requeued, 0 remaining in queue\.\n/);
  t.match(lb.stderr, /\[WARNING\]  \(\d+\) : config : Server be\/s3 is DOWN, changed from server-state after a reload\. 1 active and 0 backup servers left\. 0 sessions active, 0 requeued, 0 remaining in queue\.\n/);
  t.match(lb.stderr, /\[WARNING\]  \(\d+\) : config : Server be\/s3 remains in forced drain mode\.\n/);
  await waitAccepts(port);
  lb.kill('SIGHUP');
  await lb.waitFor(/SIGHUP: Proxy be has/);
  t.match(lb.stderr, /SIGHUP: Server be\/s1 is UP\./);
  t.match(lb.stderr, /SIGHUP: Server be\/s2 is DOWN\./);
  t.match(lb.stderr, /SIGHUP: Server be\/s3 is DOWN\./);
  t.match(lb.stderr, /SIGHUP: Proxy be has 1 active servers and 0 backup servers available\./);
  lb.kill('SIGTERM');
  await lb.exited;

  // a missing or unreadable file is a warning, not an error
  rmSync(state);
  const lb2 = spawnLb(['-f', cfg]);
  t.teardown(() => lb2.kill('SIGKILL'));
  await lb2.waitFor(/server state file/);
  t.match(lb2.stderr, new RegExp(`\\[WARNING\\]  \\(\\d+\\) : config : config: Can't open global server state file '${state}': No such file or directory\\n`));
  lb2.kill('SIGTERM');
  await lb2.exited;
  writeFileSync(state, 'garbage\n2\n');
  const lb3 = spawnLb(['-f', cfg]);
  t.teardown(() => lb3.kill('SIGKILL'));
  await lb3.waitFor(/server state file/);
  t.match(lb3.stderr, new RegExp(`config : config: Can't get version of the global server state file '${state}'\\.\\n`));
  lb3.kill('SIGTERM');
  await lb3.exited;
});
