/**
 * The stats page and the Prometheus exporter through the real binary:
 * the page's structure against HAProxy 2.6.12's page for the same
 * configuration (fixture), authentication, refresh, the CSV/JSON variants
 * against the stats socket's output, the admin form, and the metrics after
 * known traffic.
 */
import t from 'tap';
import { connect } from 'node:net';
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { freePort, httpBackend, startLb, rawExchange, type Backend, type LbProcess } from './harness.js';

const FIX = 'test/stats/fixtures';

/** One command on the stats socket, the whole answer. */
function cli(path: string, cmd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    let out = '';
    const timer = setTimeout(() => { s.destroy(); reject(new Error(`no answer to ${cmd}`)); }, 5000);
    s.on('data', (d) => { out += d.toString('latin1'); });
    s.on('close', () => { clearTimeout(timer); resolve(out); });
    s.on('error', reject);
    s.end(`${cmd}\n`);
  });
}

async function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const r = await request(url, { headers });
  return { status: r.statusCode, headers: r.headers, body: await r.body.text() };
}

/** Values out, structure kept: digits, HAProxy's digit grouping, version, bit rate. */
function shape(html: string): string {
  return html.replace(/\d+/g, 'N').replace(/N(?:<span class="rls">N<\/span>)+N?/g, 'N')
    .replace(/(version|released) [^<,]*/g, '$1 X').replace(/bit rate = [^<]*/, 'bit rate = X');
}

interface Env { lb: LbProcess; port: number; stats: number; sock: string; backends: Backend[] }

/** The fixture's configuration with this run's ports and socket. */
async function startFixture(t: { teardown(fn: () => unknown): void }, extra = ''): Promise<Env> {
  const backends = await Promise.all(['s1', 's2', 's3', 's4'].map((n) => httpBackend(n)));
  const port = await freePort(), tcp = await freePort(), stats = await freePort();
  const sock = join(mkdtempSync(join(tmpdir(), 'lb-stats-')), 'admin.sock');
  let cfg = readFileSync(join(FIX, 'haproxy-2.6.12-page.cfg'), 'utf8')
    .replace('/tmp/hp/d.sock', sock).replace(':27100', `:${port}`).replace(':27105', `:${tcp}`).replace(':27110', `:${stats}`);
  for (let i = 0; i < 4; i++) cfg = cfg.replaceAll(`:2710${i + 1}`, `:${backends[i]!.port}`);
  cfg += extra;
  const lb = await startLb(cfg, stats);
  t.teardown(async () => { await lb.stop(); await Promise.all(backends.map((b) => b.stop())); });
  return { lb, port, stats, sock, backends };
}

t.test('the page has HAProxy 2.6.12\'s structure, and the CSV is the socket\'s', async (t) => {
  const e = await startFixture(t);
  for (let i = 0; i < 4; i++) t.equal((await get(`http://127.0.0.1:${e.port}/`)).status, 200);
  t.equal(await cli(e.sock, 'set server web/s2 state drain'), '\n');
  t.equal(await cli(e.sock, 'set server web/s3 state maint'), '\n');
  const page = await get(`http://127.0.0.1:${e.stats}/stats`);
  t.equal(page.status, 200);
  t.equal(page.headers['content-type'], 'text/html');
  t.equal(page.headers['cache-control'], 'no-cache');
  t.equal(page.headers['refresh'], '5', 'stats refresh 5s');
  const want = shape(readFileSync(join(FIX, 'haproxy-2.6.12-page.html'), 'latin1')).split('\n');
  const got = shape(page.body).split('\n');
  t.equal(got.length, want.length, 'same number of lines as HAProxy');
  for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) { t.equal(got[i], want[i], `line ${i + 1}`); break; }
  t.match(page.body, /<tr class="active_draining"><td><input class='web-checkbox' type="checkbox" name="s" value="s2">/);
  t.match(page.body, /<tr class="maintain"><td><input class='web-checkbox' type="checkbox" name="s" value="s3">/);
  t.match(page.body, /<tr class="backup_no_check">/);

  const nr = await get(`http://127.0.0.1:${e.stats}/stats;norefresh`);
  t.equal(nr.headers['refresh'], undefined, ';norefresh drops the refresh header');
  t.match(nr.body, /<li><a href="\/stats">Enable refresh<\/a>/);

  const csv = await get(`http://127.0.0.1:${e.stats}/stats;csv;norefresh`);
  t.equal(csv.headers['content-type'], 'text/plain');
  const sock = await cli(e.sock, 'show stat');
  const csvLines = csv.body.split('\n');
  const sockLines = sock.split('\n');
  t.equal(csvLines[0], sockLines[0], 'the same CSV header as show stat');
  t.ok(csv.body.endsWith(',\n') && sock.endsWith(',\n\n'), 'the socket ends with an empty line, the page does not');
  const rowsOf = (lines: string[], px: string): string[][] => lines.filter((l) => l.startsWith(`${px},`)).map((l) => l.split(','));
  const a = rowsOf(csvLines, 'web'), b = rowsOf(sockLines, 'web');
  t.equal(a.length, 5);
  t.equal(a.length, b.length);
  const skip = new Set([23, 55, 73, 76]); // lastchg, lastsess (time), addr, algo (hidden without show-legends)
  for (let r = 0; r < a.length; r++) {
    t.equal(a[r]!.length, b[r]!.length);
    for (let i = 0; i < a[r]!.length; i++) if (!skip.has(i)) t.equal(a[r]![i], b[r]![i], `${a[r]![1]} field ${i}`);
  }
  t.equal(a.find((r) => r[1] === 's1')![73], '', 'no address without stats show-legends');
  t.equal(b.find((r) => r[1] === 's1')![73], `127.0.0.1:${e.backends[0]!.port}`, 'the admin socket shows it');

  const json = await get(`http://127.0.0.1:${e.stats}/stats;json`);
  t.equal(json.headers['content-type'], 'application/json');
  const pj = JSON.parse(json.body) as Array<Array<{ objType: string; field: { name: string }; value: { value: unknown } }>>;
  const sj = JSON.parse(await cli(e.sock, 'show stat json')) as typeof pj;
  t.equal(pj.length, sj.length, 'as many rows as show stat json');
  const s2 = pj.find((r) => r.some((f) => f.field.name === 'svname' && f.value.value === 's2'))!;
  t.equal(s2.find((f) => f.field.name === 'status')!.value.value, 'DRAIN');
  const schema = await get(`http://127.0.0.1:${e.stats}/stats;json-schema`);
  t.equal(JSON.parse(schema.body).$schema, 'http://json-schema.org/draft-04/schema#');

  const up = await get(`http://127.0.0.1:${e.stats}/stats;up`);
  t.notMatch(up.body, /value="s3"/, ';up hides the server in maintenance');
  t.match(up.body, /value="s2"/, 'a draining server stays');
  const scoped = await get(`http://127.0.0.1:${e.stats}/stats?scope=tcp`);
  t.match(scoped.body, /name="tcpfe"/);
  t.notMatch(scoped.body, /name="web"/, 'scope keeps proxies whose name holds the text');
  t.match(scoped.body, /<li><a href="\/stats;csv;norefresh\?scope=tcp">CSV export<\/a>/, 'links keep the scope');
  t.match(scoped.body, /<input value="tcp" name="scope"/);
});

t.test('servers with health checks: the page has 2.6.12\'s check columns and colours', async (t) => {
  // s1, s3, s4, s6 checked against live backends, s2 against a refusing port, s5 without check
  const live = await Promise.all(['s1', 's3', 's4'].map((n) => httpBackend(n)));
  const refused = await freePort(), port = await freePort(), stats = await freePort();
  const sock = join(mkdtempSync(join(tmpdir(), 'lb-stats-')), 'admin.sock');
  const cfg = readFileSync(join(FIX, 'haproxy-2.6.12-page-checks.cfg'), 'utf8')
    .replace('/tmp/hp/c.sock', sock).replace(':27210', `:${port}`).replace(':27211', `:${stats}`)
    .replaceAll(':27201', `:${live[0]!.port}`).replace(':27202', `:${refused}`)
    .replaceAll(':27203', `:${live[1]!.port}`).replace(':27204', `:${live[2]!.port}`);
  const lb = await startLb(cfg, stats);
  t.teardown(async () => { await lb.stop(); await Promise.all(live.map((b) => b.stop())); });
  const statuses = async (): Promise<string[]> => (await cli(sock, 'show stat')).split('\n')
    .filter((l) => l.startsWith('web,s')).map((l) => l.split(',')[17]!);
  const want = ['UP', 'DOWN', 'UP', 'UP', 'no check', 'UP'];
  let st: string[] = [];
  for (const end = Date.now() + 10_000; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
    st = await statuses();
    if (st.join() === want.join()) break;
  }
  t.same(st, want, 'the checks settled: s2 DOWN, the others UP');
  t.equal(await cli(sock, 'set server web/s3 state drain'), '\n');
  t.equal(await cli(sock, 'set server web/s4 state maint'), '\n');
  const page = await get(`http://127.0.0.1:${stats}/`);
  // '* ' marks a check in progress at that instant
  const norm = (html: string): string[] => shape(html).replace(/<u> \* /g, '<u> ').split('\n');
  const fix = norm(readFileSync(join(FIX, 'haproxy-2.6.12-page-checks.html'), 'latin1'));
  const got = norm(page.body);
  t.equal(got.length, fix.length, 'same number of lines as HAProxy');
  let same = true;
  for (let i = 0; i < fix.length; i++) if (got[i] !== fix[i]) { t.equal(got[i], fix[i], `line ${i + 1}`); same = false; break; }
  t.ok(same, 'every line has HAProxy\'s structure');
  t.match(page.body, /<td class=ac><u> (\* )?L4CON in \d+ms<div class=tips>Layer4 connection problem: Connection refused<\/div><\/u><\/td>/, 'the failed check and its reason');
  t.match(page.body, /<tr class="maintain">[^\n]*MAINT<\/td><td><\/td>/, 'maintenance pauses the check: no last check');
  t.match(page.body, /<tr class="active_draining">[^\n]*DRAIN<\/td>[^\n]*<td class=ac>1\/1<\/td>/, 'a draining server keeps its weight');
  t.match(page.body, /<tr class="active_no_check">[^\n]*<i>no check<\/i>/);
  t.match(page.body, /<tr class="backup_up">/);
});

t.test('stats auth, realm, hide-version, show-node, show-legends, scope', async (t) => {
  const port = await freePort();
  const cfg = `global
  node edge-1
defaults
  mode http
  timeout client 5s
  timeout server 5s
  timeout connect 2s
listen stats
  bind 127.0.0.1:${port}
  stats enable
  stats auth admin:pw
  stats auth ops:s3cret
  stats realm MyRealm
  stats hide-version
  stats show-node
  stats show-legends
  stats scope stats
backend other
  server o1 127.0.0.1:1
`;
  const lb = await startLb(cfg, port);
  t.teardown(() => lb.stop());
  const raw = await rawExchange(port, 'GET /haproxy?stats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  t.equal(raw, 'HTTP/1.1 401 Unauthorized\r\ncontent-length: 112\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n' +
    'www-authenticate: Basic realm="MyRealm"\r\nconnection: close\r\n\r\n<html><body><h1>401 Unauthorized</h1>\n' +
    'You need a valid user and password to access this content.\n</body></html>\n', 'HAProxy\'s 401 with the realm');
  const auth = (u: string): Record<string, string> => ({ authorization: `Basic ${Buffer.from(u).toString('base64')}` });
  t.equal((await get(`http://127.0.0.1:${port}/haproxy?stats`, auth('admin:nope'))).status, 401, 'wrong password');
  const ok = await get(`http://127.0.0.1:${port}/haproxy?stats`, auth('ops:s3cret'));
  t.equal(ok.status, 200, 'second account');
  t.match(ok.body, /<title>Statistics Report for HAProxy on edge-1<\/title>/);
  t.match(ok.body, /<h1><a href="http:\/\/www.haproxy.org\/" style="text-decoration: none;">HAProxy<\/a><\/h1>/, 'hide-version');
  t.match(ok.body, /<h2>Statistics Report for pid \d+ on edge-1<\/h2>/);
  t.match(ok.body, /<div class=tips>cap: proxy, mode: http, id: \d+<\/div>/, 'show-legends');
  t.notMatch(ok.body, /name="other"/, 'stats scope');
  t.equal(ok.headers['refresh'], undefined);
  t.notMatch(ok.body, /Disable refresh/);
  t.match(ok.body, /<li><a href="\/haproxy\?stats;csv">CSV export<\/a>/);
  const other = await get(`http://127.0.0.1:${port}/other`, auth('ops:s3cret'));
  t.equal(other.status, 503, 'other URIs of a stats-only listen: no server');
});

t.test('the admin form changes server states through the server operations', async (t) => {
  const e = await startFixture(t);
  const post = async (body: string): Promise<{ status: number; location: string | undefined }> => {
    const r = await request(`http://127.0.0.1:${e.stats}/stats`, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    await r.body.text();
    return { status: r.statusCode, location: r.headers['location'] as string | undefined };
  };
  t.same(await post('s=s1&action=drain&b=web'), { status: 303, location: '/stats;st=DONE' });
  t.match(await cli(e.sock, 'show stat'), /\nweb,s1,(?:[^,]*,){15}DRAIN,/, 's1 is draining');
  t.match(e.lb.stderr, /Server web\/s1 enters drain state/, 'the same log line as the socket command');
  for (let i = 0; i < 6; i++) await get(`http://127.0.0.1:${e.port}/`);
  t.equal(e.backends[0]!.seen.length, 0, 'no new request reaches a draining server');
  t.same(await post('s=s1&s=s2&action=maint&b=%233'), { status: 303, location: '/stats;st=DONE' }, 'b=#<iid>, several servers');
  t.match(await cli(e.sock, 'show servers state web'), /\n\d+ web 1 s1 \S+ 0 1 /, 's1 in maintenance');
  t.same(await post('s=s1&s=zz&action=ready&b=web'), { status: 303, location: '/stats;st=PART' });
  t.same(await post('s=zz&action=ready&b=web'), { status: 303, location: '/stats;st=ERRP' });
  t.same(await post('s=s1&action=bogus&b=web'), { status: 303, location: '/stats;st=ERRP' });
  t.same(await post('action=ready&b=web'), { status: 303, location: '/stats;st=NONE' });
  t.same(await post('s=s1&b=web'), { status: 303, location: '/stats;st=NONE' }, 'no action');
  t.same(await post('s=s1&action=ready'), { status: 303, location: '/stats;st=NONE' }, 'no backend');
  t.same(await post('action=ready&b=nope'), { status: 303, location: '/stats;st=ERRP' }, 'unknown backend');
  // a chunked form body is read too
  const chunked = await rawExchange(e.stats, 'POST /stats HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n' +
    '5\r\ns=s1&\r\n12\r\naction=drain&b=web\r\n0\r\n\r\n');
  t.match(chunked, /^HTTP\/1.1 303 See Other\r\n[^]*location: \/stats;st=DONE\r\nconnection: close\r\n\r\n$/);
  t.match(await cli(e.sock, 'show stat'), /\nweb,s1,(?:[^,]*,){15}DRAIN,/, 'the chunked POST drained s1');
  // methods other than GET, HEAD and POST are not the stats page's: they reach the backend
  const put = await request(`http://127.0.0.1:${e.stats}/stats`, { method: 'PUT', body: 'x' });
  await put.body.text();
  t.equal(put.statusCode, 503, 'PUT to the stats uri of a listen without servers: 503');
  const head = await rawExchange(e.stats, 'HEAD /stats HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  t.equal(head, 'HTTP/1.1 200 OK\r\ncache-control: no-cache\r\ncontent-type: text/html\r\nrefresh: 5\r\nconnection: close\r\n\r\n', 'HEAD: the headers only');
  t.same(await post('s=s2&action=ready&b=nope'), { status: 303, location: '/stats;st=ERRP' });
  const done = await get(`http://127.0.0.1:${e.stats}/stats;st=DONE`);
  t.match(done.body, /<p><div class=active_up><a class=lfsb href="\/stats" title="Remove this message">\[X\]<\/a> Action processed successfully.<\/div>\n<p>\n/);
  // pipelined after a POST: the body is read exactly, the next request answered
  const raw = await rawExchange(e.stats, 'POST /stats HTTP/1.1\r\nHost: x\r\nContent-Length: 27\r\n\r\ns=s2&action=ready&b=web&x=1' +
    'GET /stats;csv HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  t.match(raw, /^HTTP\/1.1 303 See Other\r\ncache-control: no-cache\r\ncontent-type: text\/plain\r\ncontent-length: 0\r\nlocation: \/stats;st=DONE\r\n\r\nHTTP\/1.1 200 OK\r\n/);
});

t.test('without stats admin, POST is denied', async (t) => {
  const port = await freePort();
  const b = await httpBackend('b1');
  const lb = await startLb(`defaults\n mode http\n timeout client 5s\n timeout server 5s\n timeout connect 2s\n` +
    `listen l\n bind 127.0.0.1:${port}\n stats enable\n stats uri /st\n server b1 127.0.0.1:${b.port}\n`, port);
  t.teardown(async () => { await lb.stop(); await b.stop(); });
  const r = await request(`http://127.0.0.1:${port}/st`, { method: 'POST', body: 's=b1&action=maint&b=l' });
  await r.body.text();
  t.equal(r.statusCode, 303);
  t.equal(r.headers['location'], '/st;st=DENY');
  const page = await get(`http://127.0.0.1:${port}/st`);
  t.notMatch(page.body, /<form method="post">/, 'no admin form');
  t.match(page.body, /<tr class="active_no_check"><td class=ac><a name="l\/b1"><\/a>/);
  t.equal((await get(`http://127.0.0.1:${port}/other`)).body, 'b1\n', 'other URIs are forwarded');
  t.notMatch(lb.stderr, /not served yet/);
});

/** Prometheus text → { 'name{labels}': value } */
function parseMetrics(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const sp = line.lastIndexOf(' ');
    m.set(line.slice(0, sp), Number(line.slice(sp + 1)));
  }
  return m;
}

t.test('Prometheus exporter: HAProxy 2.6 names and labels, counters after known traffic', async (t) => {
  const e = await startFixture(t);
  const N = 8;
  for (let i = 0; i < N; i++) t.equal((await get(`http://127.0.0.1:${e.port}/`)).status, 200);
  t.equal(await cli(e.sock, 'set server web/s2 state drain'), '\n');
  t.equal(await cli(e.sock, 'set server web/s3 state maint'), '\n');
  const r = await get(`http://127.0.0.1:${e.stats}/metrics`);
  t.equal(r.status, 200);
  t.equal(r.headers['content-type'], 'text/plain; version=0.0.4');
  // same metric families, HELP/TYPE lines and label sets as HAProxy for this configuration
  const shapeOf = (s: string): string => s.split('\n').filter((l) => !l.startsWith('haproxy_process_build_info'))
    .map((l) => l.replace(/ [-0-9.e+NaN]+$/, ' V')).join('\n');
  const want = shapeOf(readFileSync(join(FIX, 'haproxy-2.6.12-metrics.txt'), 'utf8'));
  t.equal(shapeOf(r.body), want, 'the exposition has HAProxy 2.6.12\'s layout');
  const m = parseMetrics(r.body);
  t.equal(m.get('haproxy_frontend_http_requests_total{proxy="fe"}'), N);
  t.equal(m.get('haproxy_frontend_http_responses_total{proxy="fe",code="2xx"}'), N);
  t.equal(m.get('haproxy_backend_http_responses_total{proxy="web",code="2xx"}'), N);
  const conns = m.get('haproxy_frontend_connections_total{proxy="fe"}')!;
  t.ok(conns >= 1 && conns <= N, 'keep-alive: at most one connection per request');
  let perServer = 0;
  for (const s of ['s1', 's2', 's3']) perServer += m.get(`haproxy_server_sessions_total{proxy="web",server="${s}"}`)!;
  t.equal(perServer, N, 'sessions spread over the active servers add up');
  t.equal(m.get('haproxy_backend_loadbalanced_total{proxy="web"}'), N);
  t.equal(m.get('haproxy_server_status{proxy="web",server="s1",state="UP"}'), 1);
  t.equal(m.get('haproxy_server_status{proxy="web",server="s2",state="DRAIN"}'), 1);
  t.equal(m.get('haproxy_server_status{proxy="web",server="s3",state="MAINT"}'), 1);
  t.equal(m.get('haproxy_backend_agg_server_status{proxy="web",state="UP"}'), 2);
  t.equal(m.get('haproxy_frontend_status{proxy="tcpfe",state="UP"}'), 1);
  t.ok(Number.isNaN(m.get('haproxy_server_limit_sessions{proxy="web",server="s1"}')), 'no maxconn: NaN');
  t.equal(m.get('haproxy_process_requests_total'), N + 1, 'the exporter\'s own request counts');
  t.ok(m.get('haproxy_frontend_intercepted_requests_total{proxy="stats"}')! >= 1);
  const again = await rawExchange(e.stats, 'GET /metrics HTTP/1.0\r\n\r\n');
  t.match(again, /^HTTP\/1.1 200 OK\r\ncache-control: no-cache\r\ncontent-type: text\/plain; version=0.0.4\r\nconnection: close\r\ncontent-length: \d+\r\n\r\n# HELP haproxy_process_nbthread /);
});
