import t from 'tap';
import { createServer } from 'node:net';
import { load } from '../helpers.js';
import { BackendRuntime } from '../../src/backend/backend.js';
import { FrontendRuntime } from '../../src/proxy/frontend.js';
import type { Listener } from '../../src/proxy/listener.js';
import { newCounters } from '../../src/stats/counters.js';
import { CSV_HEADER, FIELDS, statRows, csvLine, renderTyped, renderJson, type ProxyView } from '../../src/stats/fields.js';

// HAProxy 2.6.12's header, as `show stat` prints it (reference §5.4), compared whole
const HEADER_26 = '# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx,hrsp_other,hanafail,req_rate,req_rate_max,req_tot,cli_abrt,srv_abrt,comp_in,comp_out,comp_byp,comp_rsp,lastsess,last_chk,last_agt,qtime,ctime,rtime,ttime,agent_status,agent_code,agent_duration,check_desc,agent_desc,check_rise,check_fall,check_health,agent_rise,agent_fall,agent_health,addr,cookie,mode,algo,conn_rate,conn_rate_max,conn_tot,intercepted,dcon,dses,wrew,connect,reuse,cache_lookups,cache_hits,srv_icur,src_ilim,qtime_max,ctime_max,rtime_max,ttime_max,eint,idle_conn_cur,safe_conn_cur,used_conn_cur,need_conn_est,uweight,agg_server_status,agg_server_check_status,agg_check_status,-,ssl_sess,ssl_reused_sess,ssl_failed_handshake,h2_headers_rcvd,h2_data_rcvd,h2_settings_rcvd,h2_rst_stream_rcvd,h2_goaway_rcvd,h2_detected_conn_protocol_errors,h2_detected_strm_protocol_errors,h2_rst_stream_resp,h2_goaway_resp,h2_open_connections,h2_backend_open_streams,h2_total_connections,h2_backend_total_streams,h1_open_connections,h1_open_streams,h1_total_connections,h1_total_streams,h1_bytes_in,h1_bytes_out,h1_spliced_bytes_in,h1_spliced_bytes_out,';

t.test('the CSV header is HAProxy 2.6.12 header, whole', async (t) => {
  t.equal(CSV_HEADER, HEADER_26);
  t.equal(FIELDS.length, 127);
});

// the configuration probed on haproxy 2.6.12 (with a stats socket: iids start at 2)
const CFG = `global
 stats socket /tmp/x.sock level admin
defaults
 mode http
 timeout client 5s
 timeout server 5s
 timeout connect 1s
frontend fe_http
 bind 127.0.0.1:39910
 default_backend be_web
frontend fe_sock
 bind 127.0.0.1:39911
 bind 127.0.0.1:39912 name second
 option socket-stats
 default_backend be_web
backend be_web
 balance roundrobin
 server web1 127.0.0.1:39920 weight 2
 server web3 127.0.0.1:39922 backup
listen lst
 bind 127.0.0.1:39913
 mode tcp
 balance static-rr
 server t1 127.0.0.1:39920
backend empty
`;

// observed on haproxy 2.6.12 with this configuration, lastchg normalised to 0
const OBSERVED = `fe_http,FRONTEND,,,0,0,9983,0,0,0,0,0,0,,,,,OPEN,,,,,,,,,1,2,0,,,,0,0,0,0,,,,0,0,0,0,0,0,,0,0,0,,,0,0,0,0,,,,,,,,,,,,,,,,,,,,,http,,0,0,0,0,0,0,0,,,0,0,,,,,,,0,,,,,,,,,-,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
fe_sock,FRONTEND,,,0,0,9983,0,0,0,0,0,0,,,,,OPEN,,,,,,,,,1,3,0,,,,0,0,0,0,,,,0,0,0,0,0,0,,0,0,0,,,0,0,0,0,,,,,,,,,,,,,,,,,,,,,http,,0,0,0,0,0,0,0,,,0,0,,,,,,,0,,,,,,,,,-,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
fe_sock,sock-1,,,0,0,0,0,0,0,0,0,0,,,,,OPEN,,,,,,,,,1,3,1,,,,3,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,127.0.0.1:39911,,http,,,,,,0,0,0,,,,,,,,,,,0,,,,,,,,,-,0,0,0,,,,,,,,,,,,,,,,,,,,,,
fe_sock,second,,,0,0,0,0,0,0,0,0,0,,,,,OPEN,,,,,,,,,1,3,2,,,,3,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,127.0.0.1:39912,,http,,,,,,0,0,0,,,,,,,,,,,0,,,,,,,,,-,0,0,0,,,,,,,,,,,,,,,,,,,,,,
be_web,web1,0,0,0,0,,0,0,0,,0,,0,0,0,0,no check,2,1,0,,,0,,,1,4,1,,0,,2,0,,0,,,,0,0,0,0,0,0,,,,0,0,0,,,,,-1,,,0,0,0,0,,,,,,,,,,,,127.0.0.1:39920,,http,,,,,,,,0,0,0,,,0,,0,0,0,0,0,0,0,0,0,2,,,,-,0,0,0,,,,,,,,,,,,,,,,,,,,,,
be_web,web3,0,0,0,0,,0,0,0,,0,,0,0,0,0,no check,1,0,1,,,0,,,1,4,2,,0,,2,0,,0,,,,0,0,0,0,0,0,,,,0,0,0,,,,,-1,,,0,0,0,0,,,,,,,,,,,,127.0.0.1:39922,,http,,,,,,,,0,0,0,,,0,,0,0,0,0,0,0,0,0,0,1,,,,-,0,0,0,,,,,,,,,,,,,,,,,,,,,,
be_web,BACKEND,0,0,0,0,1997,0,0,0,0,0,,0,0,0,0,UP,2,1,1,,0,0,0,,1,4,0,,0,,1,0,,0,,,,0,0,0,0,0,0,,,,0,0,0,0,0,0,0,-1,,,0,0,0,0,,,,,,,,,,,,,,http,roundrobin,,,,,,,0,0,0,0,0,,,0,0,0,0,0,,,,,2,0,0,0,-,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
lst,FRONTEND,,,0,0,9983,0,0,0,0,0,0,,,,,OPEN,,,,,,,,,1,5,0,,,,0,0,0,0,,,,,,,,,,,0,0,0,,,0,0,0,0,,,,,,,,,,,,,,,,,,,,,tcp,,0,0,0,,0,0,0,,,,,,,,,,,0,,,,,,,,,-,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
lst,t1,0,0,0,0,,0,0,0,,0,,0,0,0,0,no check,1,1,0,,,0,,,1,5,1,,0,,2,0,,0,,,,,,,,,,,,,,0,0,,,,,-1,,,0,0,0,0,,,,,,,,,,,,127.0.0.1:39920,,tcp,,,,,,,,0,0,0,,,0,,0,0,0,0,0,0,0,0,0,1,,,,-,0,0,0,,,,,,,,,,,,,,,,,,,,,,
lst,BACKEND,0,0,0,0,999,0,0,0,0,0,,0,0,0,0,UP,1,1,0,,0,0,0,,1,5,0,,0,,1,0,,0,,,,,,,,,,,,,,0,0,0,0,0,0,-1,,,0,0,0,0,,,,,,,,,,,,,,tcp,static-rr,,,,,,,0,0,0,,,,,0,0,0,0,0,,,,,1,0,0,0,-,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
empty,BACKEND,0,0,0,0,1,0,0,0,0,0,,0,0,0,0,UP,0,0,0,,0,0,,,1,6,0,,0,,1,0,,0,,,,0,0,0,0,0,0,,,,0,0,0,0,0,0,0,-1,,,0,0,0,0,,,,,,,,,,,,,,http,roundrobin,,,,,,,0,0,0,0,0,,,0,0,0,0,0,,,,,0,0,0,0,-,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,
`;

function view(): { proxies: ProxyView[]; close(): void } {
  const r = load(CFG);
  const model = r.model!;
  const backends = new Map<string, BackendRuntime>();
  for (const p of model.proxies) if (p.cap.be) backends.set(p.name, new BackendRuntime(p));
  const servers: ReturnType<typeof createServer>[] = [];
  const proxies: ProxyView[] = model.proxies.map((p) => {
    const fe = p.cap.fe ? new FrontendRuntime(p, backends, model.global) : undefined;
    if (fe) {
      for (const b of p.binds) for (const a of b.addrs) {
        const server = createServer();
        servers.push(server);
        fe.listeners.push({ bind: b, addr: a, server, label: '', counters: newCounters() } as Listener);
      }
    }
    return { conf: p, fe, be: backends.get(p.name) };
  });
  return { proxies, close: () => servers.forEach((s) => s.close()) };
}

t.test('rows right after start-up are the ones haproxy 2.6.12 prints', async (t) => {
  const v = view();
  const rows = statRows({ proxies: v.proxies, globalMaxconn: 9983 });
  t.equal(rows.map(csvLine).join('\n') + '\n', OBSERVED);
  v.close();
});

t.test('filters: <iid> <type> <sid>', async (t) => {
  const v = view();
  const names = (iid: number, types: number, sid: number): string[] =>
    statRows({ proxies: v.proxies, globalMaxconn: 9983 }, { iid, types, sid }).map((r) => `${r.values[0]}/${r.values[1]}`);
  // observed on 2.6.12: listeners are type bit 8, and <sid> selects them too
  t.same(names(-1, 1, -1), ['fe_http/FRONTEND', 'fe_sock/FRONTEND', 'lst/FRONTEND']);
  t.same(names(-1, 9, -1), ['fe_http/FRONTEND', 'fe_sock/FRONTEND', 'fe_sock/sock-1', 'fe_sock/second', 'lst/FRONTEND']);
  t.same(names(3, 8, 2), ['fe_sock/second']);
  t.equal(names(-1, -1, -1).length, 11);
  t.same(names(4, 4, -1), ['be_web/web1', 'be_web/web3']);
  t.same(names(4, 4, 2), ['be_web/web3']);
  t.same(names(4, 2, -1), ['be_web/BACKEND']);
  // `up` / `no-maint` count the running servers in the backend status
  const be = v.proxies.find((p) => p.conf.name === 'be_web')!.be!;
  be.servers[0]!.setAdmin('MAINT');
  const rows = statRows({ proxies: v.proxies, globalMaxconn: 9983 }, { iid: 4, types: 6, sid: -1, noMaint: true });
  t.same(rows.map((r) => `${r.values[1]} ${r.values[17]}`), ['web3 no check', 'BACKEND UP (1/2)']);
  v.close();
});

t.test('typed and json forms name the same fields as haproxy', async (t) => {
  const v = view();
  const rows = statRows({ proxies: v.proxies, globalMaxconn: 9983 }, { iid: 2, types: 1, sid: -1 });
  const typed = renderTyped(rows).split('\n');
  t.equal(typed[0], 'F.2.0.0.pxname.1:KNS:str:fe_http');
  t.equal(typed[2], 'F.2.0.4.scur.1:MGP:u32:0');
  t.ok(typed.includes('F.2.0.6.slim.1:CLP:u32:9983'));
  t.ok(typed.includes('F.2.0.17.status.1:SGP:str:OPEN'));
  t.ok(typed.includes('F.2.0.103.ssl_sess.1:MCP:u64:0'));
  t.equal(typed.at(-3), 'F.2.0.126.h1_spliced_bytes_out.1:MCP:u64:0');
  t.equal(typed.at(-2), '');
  const json = renderJson(rows);
  t.ok(json.startsWith('[[{"objType":"Frontend","proxyId":2,"id":0,"field":{"pos":0,"name":"pxname"},"processNum":1,"tags":{"origin":"Key","nature":"Name","scope":"Service"},"value":{"type":"str","value":"fe_http"}},'));
  t.ok(json.endsWith('"value":{"type":"u64","value":0}}]]\n\n'));
  t.equal(JSON.parse(json)[0].length, typed.length - 2);
  v.close();
});

t.test('checked servers: status, check and agent columns as 2.6.12 prints them', async (t) => {
  const r = load(`global
 stats socket /tmp/x.sock level admin
defaults
 mode http
 timeout client 5s
 timeout server 5s
 timeout connect 1s
frontend fe_http
 bind 127.0.0.1:39910
 default_backend be_web
backend be_web
 server web2 127.0.0.1:39921 check inter 60s
`);
  const model = r.model!;
  const backends = new Map<string, BackendRuntime>();
  for (const p of model.proxies) if (p.cap.be) backends.set(p.name, new BackendRuntime(p));
  const proxies = model.proxies.map((p) => ({ conf: p, fe: p.cap.fe ? new FrontendRuntime(p, backends, model.global) : undefined, be: backends.get(p.name) }));
  const srv = backends.get('be_web')!.servers[0]!;
  const h = CSV_HEADER.slice(2).split(',');
  const row = (): string[] => csvLine(statRows({ proxies, globalMaxconn: 9983 }, { iid: 3, types: 4, sid: -1 })[0]!).split(',');
  // before the first check: UP 1/3, INI, Initializing, health = rise
  srv.check = { status: 'INI', running: false, code: undefined, duration: undefined, info: '', desc: 'Initializing', health: 2, rise: 2, fall: 3, paused: false };
  let f = row();
  t.same([f[h.indexOf('status')], f[h.indexOf('check_status')], f[h.indexOf('check_code')], f[h.indexOf('check_duration')], f[h.indexOf('check_desc')], f[h.indexOf('check_health')], f[h.indexOf('chkfail')]],
    ['UP 1/3', 'INI', '', '', 'Initializing', '2', '0']);
  // refused: the row observed on 2.6.12 (lastchg, downtime and need_conn_est aside)
  srv.check = { status: 'L4CON', running: false, code: undefined, duration: 0, info: 'Connection refused', desc: 'Layer4 connection problem', health: 0, rise: 2, fall: 3, paused: false };
  srv.chkfail = 1;
  srv.setOp('DOWN');
  f = row();
  const observed = 'be_web,web2,0,0,0,0,,0,0,0,,0,,0,0,0,0,DOWN,1,1,0,1,1,1,1,,1,3,1,,0,,2,0,,0,L4CON,,0,0,0,0,0,0,0,,,,0,0,0,,,,,-1,Connection refused,,0,0,0,0,,,,Layer4 connection problem,,2,3,0,,,,127.0.0.1:39921,,http,,,,,,,,0,0,0,,,0,,0,0,0,0,0,0,0,0,1,1,,,,-,0,0,0,,,,,,,,,,,,,,,,,,,,,,'.split(',');
  for (const col of ['lastchg', 'downtime', 'need_conn_est']) { f[h.indexOf(col)] = ''; observed[h.indexOf(col)] = ''; }
  t.same(f, observed);
  // a check in progress shows the previous result with '* '; going up: DOWN 1/2
  srv.check = { ...srv.check, running: true, health: 1 };
  f = row();
  t.same([f[h.indexOf('status')], f[h.indexOf('check_status')]], ['DOWN 1/2', '* L4CON']);
  // disabled at run time: no check, check columns empty
  srv.setOp('UP');
  srv.check = { ...srv.check, running: false, paused: true, health: 4 };
  f = row();
  t.same([f[h.indexOf('status')], f[h.indexOf('check_status')], f[h.indexOf('check_rise')]], ['no check', '', '']);
  // drain and maintenance
  srv.check = { ...srv.check, paused: false };
  srv.setAdmin('DRAIN');
  t.equal(row()[h.indexOf('status')], 'DRAIN');
  // 2.6.12 keeps the server's weight in its row while it drains (the backend's sum drops it)
  t.equal(row()[h.indexOf('weight')], '1');
  // maintenance pauses the checks: counters stay, the last result and health go
  srv.setAdmin('MAINT');
  srv.check = { ...srv.check, paused: true };
  f = row();
  t.equal(f[h.indexOf('status')], 'MAINT');
  t.same(['check_status', 'check_desc', 'last_chk', 'check_rise', 'check_fall', 'check_health'].map((n) => f[h.indexOf(n)]), ['', '', '', '', '', '']);
  t.same(['chkfail', 'chkdown'].map((n) => f[h.indexOf(n)] !== ''), [true, true], 'the check counters stay');
});

t.test('time averages: HAProxy sliding sums over the requests seen, at most 512', async (t) => {
  const { newCounters, recordTimes, timeAvg } = await import('../../src/stats/counters.js');
  const c = newCounters();
  t.equal(timeAvg(c, c.rtime), 0);
  // two requests answered in 1 and 47 ms: 2.6.12 shows rtime 24, rtime_max 47
  c.lbtot = 1; recordTimes(c, 0, 0, 1, 2);
  c.lbtot = 2; recordTimes(c, 0, 1, 47, 51);
  t.equal(timeAvg(c, c.rtime), 24);
  t.equal(c.rtimeMax, 47);
  t.equal(timeAvg(c, c.ttime), 27);
  t.equal(c.ttimeMax, 51);
  // below 512 samples the sum is plain: three answers in 300, 500 and 100 ms average
  // 300 (2.6.12 showed rtime 303 for such requests over HTTP, ttime 302 for tcp
  // sessions of 300, 500 and 100 ms; lb's former decaying sum gave 179)
  const d = newCounters();
  [300, 500, 100].forEach((ms, i) => { d.lbtot = i + 1; recordTimes(d, 0, 0, ms, ms); });
  t.equal(timeAvg(d, d.rtime), 300);
  // a steady 10 ms over many requests settles at 10, past the 512 window too
  for (let i = 3; i < 3000; i++) { c.lbtot = i; recordTimes(c, -1, -1, 10, -1); }
  t.equal(timeAvg(c, c.rtime), 10);
});

t.test('proxy and server ids as 2.6.12 assigns them around explicit ids', async (t) => {
  const r = load(`global
 stats socket /tmp/x.sock level admin
defaults
 mode http
 timeout client 5s
 timeout server 5s
 timeout connect 1s
backend b
 id 7
 server a 127.0.0.1:1
 server b 127.0.0.1:2 id 1
 server c 127.0.0.1:3
 server d 127.0.0.1:4 id 3
 server e 127.0.0.1:5
frontend f
 bind 127.0.0.1:39781
 default_backend b
backend x
 server y 127.0.0.1:1
`);
  // observed: b 7, f 3, x 4 (the counter moves on explicit ids too); servers a 2, b 1, c 4, d 3, e 6
  t.same(r.model!.proxies.map((p) => `${p.name}=${p.iid}`), ['b=7', 'f=3', 'x=4']);
  const be = new BackendRuntime(r.model!.proxies[0]!);
  t.same(be.servers.map((s) => `${s.name}=${s.id}`), ['a=2', 'b=1', 'c=4', 'd=3', 'e=6']);
});
