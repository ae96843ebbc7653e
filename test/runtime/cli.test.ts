/**
 * The stats socket as users drive it: socat and net against the real bin/lb,
 * replies compared with HAProxy 2.6.12's (reference §5, observed bytes).
 */
import t from 'tap';
import { mkdtempSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startLb, type LbProcess } from '../e2e/harness.js';
import { socat, rawCli, slowBackend, get, type SlowBackend } from './helpers.js';
import { CSV_HEADER } from '../../src/stats/fields.js';
import { HELP_ROWS } from '../../src/runtime/help.js';

const HEADER_26 = '# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,req_rate,req_rate_max,req_tot,cli_abrt,srv_abrt,comp_in,comp_out,comp_byp,comp_rsp,lastsess,last_chk,last_agt,qtime,ctime,rtime,ttime,agent_status,agent_code,agent_duration,check_desc,agent_desc,check_rise,check_fall,check_health,agent_rise,agent_fall,agent_health,addr,cookie,mode,algo,conn_rate,conn_rate_max,conn_tot,intercepted,dcon,dses,wrew,connect,reuse,cache_lookups,cache_hits,srv_icur,src_ilim,qtime_max,ctime_max,rtime_max,ttime_max,eint,idle_conn_cur,safe_conn_cur,used_conn_cur,need_conn_est,uweight,agg_server_status,agg_server_check_status,agg_check_status,-,ssl_sess,ssl_reused_sess,ssl_failed_handshake,h2_headers_rcvd,h2_data_rcvd,h2_settings_rcvd,h2_rst_stream_rcvd,h2_goaway_rcvd,h2_detected_conn_protocol_errors,h2_detected_strm_protocol_errors,h2_rst_stream_resp,h2_goaway_resp,h2_open_connections,h2_backend_open_streams,h2_total_connections,h2_backend_total_streams,h1_open_connections,h1_open_streams,h1_total_connections,h1_total_streams,h1_bytes_in,h1_bytes_out,h1_spliced_bytes_in,h1_spliced_bytes_out,';
const SERVERS_STATE_HEADER = '# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port';

let lb: LbProcess;
let s1: SlowBackend;
let s2: SlowBackend;
let port: number;
let tcpPort: number;
let dir: string;
let admin: string;
let user: string;
let oper: string;

t.before(async () => {
  s1 = await slowBackend('s1');
  s2 = await slowBackend('s2');
  port = await freePort();
  tcpPort = await freePort();
  dir = mkdtempSync(join(tmpdir(), 'lb-cli-'));
  admin = join(dir, 'admin.sock');
  user = join(dir, 'user.sock');
  oper = join(dir, 'oper.sock');
  lb = await startLb(`global
    stats socket ${admin} mode 600 level admin
    stats socket ${user} mode 660 level user
    stats socket ${oper}
    stats socket ipv4@127.0.0.1:${tcpPort} level admin
    stats timeout 5s
defaults
    mode http
    timeout client 10s
    timeout server 10s
    timeout connect 2s
frontend fe
    bind 127.0.0.1:${port}
    default_backend be
backend be
    balance roundrobin
    server s1 127.0.0.1:${s1.port}
    server s2 127.0.0.1:${s2.port} weight 3
backend empty
`, port);
});

t.teardown(async () => {
  await lb?.stop();
  await s1?.close();
  await s2?.close();
});

const A = (): string => `unix-connect:${admin}`;

t.test('no notice about the stats socket any more; socket files follow mode', async (t) => {
  t.notMatch(lb.stderr, /stats socket/);
  t.equal(statSync(admin).mode & 0o777, 0o600);
  t.equal(statSync(user).mode & 0o777, 0o660);
  t.ok(statSync(admin).isSocket());
});

t.test('one command then close; ; separates commands; every reply ends with a blank line', async (t) => {
  t.equal(await socat(A(), 'get weight be/s2'), '3 (initial 3)\n\n');
  t.equal(await socat(A(), 'get weight be/s2;show backend'), '3 (initial 3)\n\n# name\nbe\nempty\n\n');
  t.equal(await socat(A(), 'set server be/s1 state ready'), '\n');
  t.equal(await socat(A(), 'get weight be'), `Require 'backend/server'.\n\n`);
  t.equal(await socat(A(), 'get weight nope/s1'), 'No such backend.\n\n');
  t.equal(await socat(A(), 'get weight be/nope'), 'No such server.\n\n');
  t.equal(await socat(A(), 'get weight #3/#2'), '3 (initial 3)\n\n');
  t.equal(await socat(`tcp:127.0.0.1:${tcpPort}`, 'show cli level'), 'admin\n\n');
  t.equal(await socat(`unix-connect:${oper}`, 'show cli level'), 'operator\n\n');
  t.equal(await socat(A(), 'show cli sockets'), `# socket lvl processes\nunix@${admin} admin all\nunix@${user} user all\nunix@${oper} operator all\nipv4@127.0.0.1:${tcpPort} admin all\n\n`);
  t.equal(await socat(A(), 'show servers conn be'), '# bkname/svname bkid/svid addr port - purge_delay used_cur used_max need_est unsafe_nb safe_nb idle_lim idle_cur idle_per_thr[1]\n' +
    `be/s1 3/1 127.0.0.1 ${s1.port} - 5000 0 0 0 0 0 -1 0 0\nbe/s2 3/2 127.0.0.1 ${s2.port} - 5000 0 0 0 0 0 -1 0 0\n\n`);
});

t.test('prompt: interactive mode with "> ", quit closes', async (t) => {
  const c = await rawCli({ path: admin });
  t.equal(await c.send('prompt'), '\n> ');
  t.equal(await c.send('get weight be/s1'), '1 (initial 1)\n\n> ');
  t.equal(await c.send('show cli level'), 'admin\n\n> ');
  t.equal(await c.send('user'), '\n> ');
  t.equal(await c.send('show cli level'), 'user\n\n> ');
  t.equal(await c.send('operator'), 'Permission denied\n\n> ');
  c.sock.write('quit\n');
  t.equal(await c.closed(), '');
});

t.test('framing details of 2.6: an empty command lists the commands, lines received together are all answered', async (t) => {
  const empty = await socat(A(), '');
  t.ok(empty.startsWith('Unknown command. Please enter one of the following commands only:\n  abort ssl ca-file <cafile>'));
  t.ok(empty.endsWith('  quit                                    : disconnect\n\n'));
  t.equal(await socat(A(), 'show cli level\nshow cli level'), 'admin\n\nadmin\n\n');
  const c = await rawCli({ path: admin });
  c.sock.end('show cli level'); // no newline: not a command
  t.equal(await c.closed(), '');
  const p = await rawCli({ path: admin });
  t.equal(await p.send('prompt'), '\n> ');
  t.equal(await p.send('show cli level;show cli level', '> admin\n\n> '), 'admin\n\n> admin\n\n> ');
  p.sock.write('show cli level;prompt\n');
  t.equal(await p.closed(), 'admin\n\n> \n', 'prompt toggled off: answer, then close');
});

t.test('a client that half-closes after its command gets the whole answer', async (t) => {
  const c = await rawCli({ path: admin });
  c.sock.end('show stat\n');
  const out = await c.closed();
  t.ok(out.startsWith(CSV_HEADER + '\n'));
  t.ok(out.endsWith(',\n\n'));
});

t.test('show stat: the 2.6 header as one string, rows in HAProxy order', async (t) => {
  const out = await socat(A(), 'show stat');
  const lines = out.split('\n');
  t.equal(lines[0], HEADER_26);
  t.same(lines.slice(1, -2).map((l) => l.split(',').slice(0, 2).join('/')), ['fe/FRONTEND', 'be/s1', 'be/s2', 'be/BACKEND', 'empty/BACKEND']);
  t.same(lines.slice(-2), ['', '']);
  for (const l of lines.slice(1, -2)) t.equal(l.split(',').length, HEADER_26.split(',').length, 'same column count');
  // iids count the stats socket's internal proxy (reference §9 item 27)
  const be = lines.find((l) => l.startsWith('be,BACKEND'))!.split(',');
  const h = HEADER_26.slice(2).split(',');
  t.equal(be[h.indexOf('iid')], '3');
  t.equal(be[h.indexOf('status')], 'UP');
  t.equal(be[h.indexOf('weight')], '4');
  t.equal(be[h.indexOf('algo')], 'roundrobin');
  const s2row = lines.find((l) => l.startsWith('be,s2'))!.split(',');
  t.equal(s2row[h.indexOf('status')], 'no check');
  t.equal(s2row[h.indexOf('addr')], `127.0.0.1:${s2.port}`);
  t.equal(await socat(A(), 'show stat be 4 2'), `${HEADER_26}\n${lines.find((l) => l.startsWith('be,s2'))}\n\n`);
  t.equal((await socat(A(), 'show stat -1 2 -1')).split('\n').length, 5);
  t.equal(await socat(A(), 'show stat nope 1 1'), 'No such proxy.\n\n');
  const typed = await socat(A(), 'show stat typed');
  t.match(typed, /^F\.2\.0\.0\.pxname\.1:KNS:str:fe\n/);
  t.match(typed, /\nS\.3\.2\.17\.status\.1:SGP:str:no check\n/);
  const json = JSON.parse(await socat(A(), 'show stat json'));
  t.equal(json.length, 5);
  t.same(json[1][0], { objType: 'Server', proxyId: 3, id: 1, field: { pos: 0, name: 'pxname' }, processNum: 1, tags: { origin: 'Key', nature: 'Name', scope: 'Service' }, value: { type: 'str', value: 'be' } });
});

t.test('show info, show servers state, show version, help', async (t) => {
  const info = await socat(A(), 'show info');
  const names = info.split('\n').filter(Boolean).map((l) => l.slice(0, l.indexOf(':')));
  t.same(names.slice(0, 9), ['Name', 'Version', 'Release_date', 'Nbthread', 'Nbproc', 'Process_num', 'Pid', 'Uptime', 'Uptime_sec']);
  t.equal(names.at(-1), 'Tainted');
  t.match(info, new RegExp(`\\nPid: ${lb.proc.pid}\\n`));
  t.match(info, /\nUptime: 0d 0h00m\d\ds\n/);
  t.ok(info.endsWith('\n\n'));
  const st = await socat(A(), 'show servers state');
  t.equal(st, `1\n${SERVERS_STATE_HEADER}\n` +
    `3 be 1 s1 127.0.0.1 2 0 1 1 ${st.split('\n')[2]!.split(' ')[9]} 1 0 2 0 0 0 0 - ${s1.port} - 0 0 - - 0\n` +
    `3 be 2 s2 127.0.0.1 2 0 3 3 ${st.split('\n')[3]!.split(' ')[9]} 1 0 2 0 0 0 0 - ${s2.port} - 0 0 - - 0\n\n`);
  t.equal(await socat(A(), 'show servers state nope'), `Can't find backend.\n\n`);
  t.match(await socat(A(), 'show version'), /^2\.6\.12-lb\S+\n\n$/);
  const help = await socat(A(), 'help');
  t.equal(help.split('\n').length, HELP_ROWS.length + 3);
  t.match(help, /^The following commands are valid at this level:\n  abort ssl ca-file <cafile>              : abort a transaction for a CA file\n/);
  t.match(help, /\n  show stat \[desc\|json\|no-maint\|typed\|up\]\*: report counters for each proxy and server\n/);
  t.equal(await socat(A(), 'help quit'), 'The following commands are valid at this level:\n' +
    '  help [<command>]                        : list matching or all commands\n' +
    '  prompt                                  : toggle interactive mode with prompt\n' +
    '  quit                                    : disconnect\n\n');
  t.match(await socat(A(), 'foo'), /^Unknown command, but maybe one of the following ones is a better match:\n/);
});

t.test('a level user socket refuses admin and operator commands with HAProxy message', async (t) => {
  const U = `unix-connect:${user}`;
  for (const cmd of ['set server be/s1 state drain', 'disable server be/s1', 'set weight be/s1 2', 'clear counters', 'show env', 'show sess', 'shutdown frontend fe', 'set maxconn global 10', 'operator']) {
    t.equal(await socat(U, cmd), 'Permission denied\n\n', cmd);
  }
  t.equal(await socat(U, 'get weight be/s1'), '1 (initial 1)\n\n');
  t.match(await socat(U, 'show stat'), /^# pxname/);
  // operator level: clear counters yes, clear counters all no
  t.equal(await socat(`unix-connect:${oper}`, 'clear counters'), '\n');
  t.equal(await socat(`unix-connect:${oper}`, 'clear counters all'), 'Permission denied\n\n');
  t.equal(await socat(`unix-connect:${oper}`, 'set server be/s1 state maint'), 'Permission denied\n\n');
});

t.test('weights and addresses: HAProxy replies', async (t) => {
  t.equal(await socat(A(), 'set server be/s2 weight 300'), 'Absolute weight can only be between 0 and 256 inclusive.\n\n');
  t.equal(await socat(A(), 'set server be/s2 weight 50%'), '\n');
  t.equal(await socat(A(), 'get weight be/s2'), '1 (initial 3)\n\n');
  t.equal(await socat(A(), 'set weight be/s2 abc'), 'Empty weight string empty or preceded by garbage\n');
  t.equal(await socat(A(), 'set weight be/s2'), 'Require <weight> or <weight%>.\n\n');
  t.equal(await socat(A(), 'set weight be/s2 3'), '\n');
  t.equal(await socat(A(), 'set server be/s1 state foo'), `'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n\n`);
  t.equal(await socat(A(), 'set server be/s1'), 'usage: set server <backend>/<server> addr | agent | agent-addr | agent-port | agent-send | check-addr | check-port | fqdn | health | ssl | state | weight\n\n');
  t.equal(await socat(A(), 'set server be/s1 addr 999.1.1.1'), `Invalid addr '999.1.1.1' by 'stats socket command'\n\n`);
  t.equal(await socat(A(), 'set server be/s1 addr 127.0.0.1'), `no need to change the addr by 'stats socket command'\n\n`);
  t.equal(await socat(A(), `set server be/s1 addr 127.0.0.1 port ${s2.port}`), `no need to change the addr, port changed from '${s1.port}' to '${s2.port}' by 'stats socket command'\n\n`);
  t.equal(await socat(A(), `set server be/s1 addr 127.0.0.1 port ${s1.port}`), `no need to change the addr, port changed from '${s2.port}' to '${s1.port}' by 'stats socket command'\n\n`);
  t.equal(await socat(A(), 'enable agent be/s1'), 'Agent was not configured on this server, cannot enable.\n\n');
  t.equal(await socat(A(), 'enable health be/s1'), 'Health check was not configured on this server, cannot enable.\n\n');
  t.equal(await socat(A(), 'set maxconn frontend nope 10'), 'No such frontend.\n\n');
  t.equal(await socat(A(), 'set maxconn server be/s1'), 'Require <maxconn>.\n\n');
  t.equal(await socat(A(), 'set maxconn server be/s1 0'), '\n');
});

t.test('maintenance from the socket: status, traffic and the log line', async (t) => {
  t.equal(await socat(A(), 'disable server be/s1'), '\n');
  const h = HEADER_26.slice(2).split(',');
  const row = (await socat(A(), 'show stat be 4 1')).split('\n')[1]!.split(',');
  t.equal(row[h.indexOf('status')], 'MAINT');
  const before = s1.hits;
  for (let i = 0; i < 6; i++) t.equal((await get(port, '/')).body, 's2\n');
  t.equal(s1.hits, before, 'no request to a server in maintenance');
  t.match((await socat(A(), 'show servers state be')).split('\n')[2], / 0 1 1 1 /);
  t.equal(await socat(A(), 'enable server be/s1'), '\n');
  const deadline = Date.now() + 3000;
  while (!/is UP\/READY \(leaving forced maintenance\)/.test(lb.stderr) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  t.match(lb.stderr, /\[WARNING\] +\(\d+\) : Server be\/s1 is going DOWN for maintenance\. 1 active and 0 backup servers left\. 0 sessions active, 0 requeued, 0 remaining in queue\.\n/);
  t.match(lb.stderr, /Server be\/s1 is UP\/READY \(leaving forced maintenance\)\.\n/);
});

t.test('drain under steady traffic: no new request to s1, in-flight ones finish, ready brings it back', async (t) => {
  // a slow request in flight on s1, then drain
  const seen: string[] = [];
  let inflight: Promise<{ status: number; body: string }> | undefined;
  for (let i = 0; i < 4 && !inflight; i++) {
    const before = s1.hits;
    const p = get(port, '/?ms=700');
    await new Promise((r) => setTimeout(r, 100));
    if (s1.hits > before) inflight = p; else seen.push((await p).body);
  }
  t.ok(inflight, 'a slow request reached s1');
  t.equal(await socat(A(), 'set server be/s1 state drain'), '\n');
  const hitsAtDrain = s1.hits;
  // steady traffic while draining
  const bodies: string[] = [];
  for (let i = 0; i < 20; i++) bodies.push((await get(port, '/')).body);
  t.same([...new Set(bodies)], ['s2\n'], 'every new request went to s2');
  t.equal(s1.hits, hitsAtDrain, 's1 received nothing new');
  t.same(await inflight, { status: 200, body: 's1\n' }, 'the in-flight request on s1 finished');
  const h = HEADER_26.slice(2).split(',');
  const row = (await socat(A(), 'show stat be 4 1')).split('\n')[1]!.split(',');
  t.equal(row[h.indexOf('status')], 'DRAIN');
  t.equal(row[h.indexOf('weight')], '1', 'a draining server keeps its weight in its row, as 2.6.12 shows it');
  t.match(await socat(A(), 'show servers state be'), /\n3 be 1 s1 127\.0\.0\.1 2 8 /);
  t.match(lb.stderr, /Server be\/s1 enters drain state\. 1 active and 0 backup servers online\. 0 sessions requeued, 0 total in queue\.\n/);
  t.equal(await socat(A(), 'set server be/s1 state ready'), '\n');
  const after: string[] = [];
  for (let i = 0; i < 8; i++) after.push((await get(port, '/')).body);
  t.ok(after.includes('s1\n'), 's1 serves again after state ready');
});

t.test('frontend pause, resume and maxconn', async (t) => {
  t.equal(await socat(A(), 'disable frontend fe'), '\n');
  t.equal(await socat(A(), 'disable frontend fe'), 'All sockets are already disabled.\n\n');
  const h = HEADER_26.slice(2).split(',');
  t.equal((await socat(A(), 'show stat fe 1 -1')).split('\n')[1]!.split(',')[h.indexOf('status')], 'PAUSED');
  await t.rejects(get(port, '/', 1000));
  t.equal(await socat(A(), 'enable frontend fe'), '\n');
  t.equal((await get(port, '/')).status, 200);
  t.equal(await socat(A(), 'set maxconn frontend fe 100'), '\n');
  t.equal((await socat(A(), 'show stat fe 1 -1')).split('\n')[1]!.split(',')[h.indexOf('slim')], '100');
  t.match(lb.stderr, /Paused frontend fe\.\n[^]*Resumed frontend fe\.\n/);
});

t.test('dynamic servers: add server starts in maintenance, takes traffic once ready, del server', async (t) => {
  const s3 = await slowBackend('s3');
  t.teardown(() => s3.close());
  t.equal(await socat(A(), `add server be/s3 127.0.0.1:${s3.port} weight 2`), 'New server registered.\n\n');
  t.equal(await socat(A(), `add server be/s3 127.0.0.1:${s3.port}`), 'Already exists a server with the same name in backend.\n\n');
  t.equal(await socat(A(), 'add server be/s4'), `'server' expects <name> and <addr>[:<port>] as arguments.\n\n`);
  t.equal(await socat(A(), 'add server be/s4 127.0.0.1:1 foo'), `unknown keyword 'foo'; did you mean 'tfo' maybe ?\n\n`);
  t.equal(await socat(A(), 'add server be/s4 127.0.0.1:1 cookie c'), `'cookie' option is not accepted for dynamic server\n\n`);
  t.equal(await socat(A(), 'add server nope/s4 127.0.0.1:1'), 'No such backend.\n');
  t.match(await socat(A(), 'show servers state be'), new RegExp(`\n3 be 3 s3 127\\.0\\.0\\.1 0 1 2 2 \\d+ 1 0 0 0 0 0 0 - ${s3.port} - 0 0 - - 0\n`));
  for (let i = 0; i < 4; i++) await get(port, '/');
  t.equal(s3.hits, 0, 'no traffic while in maintenance');
  t.equal(await socat(A(), 'del server be/s1'), 'Only servers in maintenance mode can be deleted.\n');
  t.equal(await socat(A(), 'set server be/s3 state ready'), '\n');
  for (let i = 0; i < 12; i++) await get(port, '/');
  t.ok(s3.hits > 0, 'the new server takes traffic');
  t.equal(await socat(A(), 'set server be/s3 state maint'), '\n');
  t.equal(await socat(A(), 'del server be/s3'), 'Server deleted.\n');
  t.equal(await socat(A(), 'del server be/s3'), 'No such server.\n');
  const bodies = new Set<string>();
  for (let i = 0; i < 6; i++) bodies.add((await get(port, '/')).body);
  t.same([...bodies].sort(), ['s1\n', 's2\n']);
  t.match(lb.stderr, /\[NOTICE\] +\(\d+\) : 'server be\/s3' : New server registered\.\n/);
});

t.test('the unix socket file stays after exit, as with HAProxy 2.6', async (t) => {
  await lb.stop();
  t.ok(existsSync(admin));
});
