/**
 * `stats timeout` and `stats maxconn` on a real bin/lb, and `show info desc`.
 */
import t from 'tap';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startLb } from '../e2e/harness.js';
import { socat, rawCli } from './helpers.js';

t.test('stats timeout closes an idle interactive session; stats maxconn holds the next one', async (t) => {
  const port = await freePort();
  const sock = join(mkdtempSync(join(tmpdir(), 'lb-cli-')), 'a.sock');
  const lb = await startLb(`global
    stats socket ${sock} level admin
    stats timeout 400ms
    stats maxconn 1
frontend fe
    mode http
    bind 127.0.0.1:${port}
    timeout client 5s
`, port);
  t.teardown(() => lb.stop());
  const first = await rawCli({ path: sock });
  t.equal(await first.send('prompt'), '\n> ');
  // a second client waits unread while the first holds the only slot
  let answered = false;
  const second = socat(`unix-connect:${sock}`, 'show cli level').then((s) => { answered = true; return s; });
  await new Promise((r) => setTimeout(r, 200));
  t.notOk(answered, 'the second session waits');
  const started = Date.now();
  t.equal(await first.closed(), '', 'the idle session is closed by stats timeout');
  t.ok(Date.now() - started < 2000);
  t.equal(await second, 'admin\n\n', 'then the waiting one is served');
});

t.test('show info desc and typed desc carry HAProxy descriptions', async (t) => {
  const port = await freePort();
  const sock = join(mkdtempSync(join(tmpdir(), 'lb-cli-')), 'a.sock');
  const lb = await startLb(`global
    stats socket ${sock}
frontend fe
    mode http
    bind 127.0.0.1:${port}
    timeout client 5s
`, port);
  t.teardown(() => lb.stop());
  const desc = await socat(`unix-connect:${sock}`, 'show info desc');
  t.match(desc, /^Name: HAProxy:"Product name"\nVersion: \S+:"Product version"\n/);
  t.match(desc, /\nNbproc: 1:"Number of started worker processes \(historical, always 1\)"\n/);
  const typed = await socat(`unix-connect:${sock}`, 'show info typed desc');
  t.match(typed, /^0\.Name\.1:POS:str:HAProxy:"Product name"\n/);
  t.match(typed, new RegExp(`\\n6\\.Pid\\.1:SGP:u32:${lb.proc.pid}:"This worker process identifier for the system"\\n`));
  const json = JSON.parse(await socat(`unix-connect:${sock}`, 'show info json'));
  t.same(json[0], { field: { pos: 0, name: 'Name' }, processNum: 1, tags: { origin: 'Product', nature: 'Output', scope: 'Service' }, value: { type: 'str', value: 'HAProxy' } });
  // Listeners counts the stats socket too; Jobs adds this CLI session
  const info = await socat(`unix-connect:${sock}`, 'show info');
  t.match(info, /\nListeners: 2\n/);
  t.match(info, /\nJobs: 3\n/);
});
