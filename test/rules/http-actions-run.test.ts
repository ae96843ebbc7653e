import t from 'tap';
import { compileHttpRequestRules, compileHttpResponseRules, compileRedirectRules } from '../../src/rules/http-actions-run.js';
import { renderVerdict, monitorReply } from '../../src/rules/reply.js';
import { compileMonitorFail } from '../../src/rules/eval.js';
import { rulesOf, req, res } from './run-helpers.js';
import { load } from '../helpers.js';
import type { HttpReqCtx } from '../../src/rules/eval.js';

/** Compile the frontend's http-request rules from config lines. */
function reqRules(lines: string) {
  const r = rulesOf(lines);
  return compileHttpRequestRules(r.httpRequest, r.acls, { proxy: 'fe' });
}
/** Run and render: the exact bytes the client gets (or '' when the request goes on). */
function answer(lines: string, ctx: HttpReqCtx, close = false): string {
  const v = reqRules(lines)(ctx);
  return v ? renderVerdict(v, { close }) : '';
}
const hdr = (ctx: { rawHeaders: string[] }, n: string) => {
  const out: string[] = [];
  for (let i = 0; i < ctx.rawHeaders.length; i += 2) if (ctx.rawHeaders[i] === n) out.push(ctx.rawHeaders[i + 1]!);
  return out;
};

// Every expected byte string below was captured from HAProxy 2.6.12 (see the commit message).
t.test('header actions', async (t) => {
  const run = reqRules([
    '  http-request set-header X-S %[src]',
    '  http-request add-header X-A1 a',
    '  http-request add-header X-A1 b',
    '  http-request del-header x-del -m beg',
    '  http-request replace-header X-Rep (.*)-old \\1-new',
    '  http-request replace-value X-Val ^a(.*) z\\1',
    '  http-request set-header X-Old %[req.hdr(x-s)]',
  ].join('\n'));
  const ctx = req('GET', '/sh', ['Host: h', 'X-S: old', 'x-del-me: 1', 'X-Rep: abc-old', 'X-Val: ab, cd, ae']);
  t.equal(run(ctx), undefined);
  t.same(ctx.rawHeaders, ['host', 'h', 'x-rep', 'abc-new', 'x-val', 'zb, cd,ze', 'x-s', '192.168.1.10', 'x-a1', 'a', 'x-a1', 'b', 'x-old', '192.168.1.10']);
  t.same(run.unsupported, []);
  const del = reqRules('  http-request del-header X-A\n  http-request del-header ^x-b -m reg\n  http-request del-header ^Y-B -m reg\n  http-request del-header bc -m end\n  http-request del-header sub -m sub');
  const c2 = req('GET', '/', ['X-A: 1', 'x-a: 2', 'X-B1: 3', 'Y-B: 4', 'abc: 5', 'zsubz: 6', 'keep: 7']);
  del(c2);
  t.same(c2.rawHeaders, ['y-b', '4', 'keep', '7']);
  // -m beg/sub compare names case-insensitively (2.6.12)
  const c3 = req('GET', '/d', ['x-del-a: 1', 'x-dd: 2', 'x-keep: 3']);
  reqRules('  http-request del-header X-DEL -m beg\n  http-request del-header DD -m sub')(c3);
  t.same(c3.rawHeaders, ['x-keep', '3']);
});

t.test('URI actions', async (t) => {
  const url = (lines: string, target: string, method = 'GET') => { const c = req(method, target, ['Host: h']); reqRules(lines)(c); return `${c.method} ${c.target}`; };
  t.equal(url('  http-request set-path /new%[path]', '/sp/q?x=1'), 'GET /new/sp/q?x=1');
  t.equal(url('  http-request set-path /n', 'http://h:81/a?b'), 'GET http://h:81/n?b');
  t.equal(url('  http-request set-query a=b', '/sq?x'), 'GET /sq?a=b');
  t.equal(url('  http-request set-query a=b', '/sq'), 'GET /sq?a=b');
  t.equal(url('  http-request set-query %[req.hdr(nope)]', '/sq?x'), 'GET /sq?');
  t.equal(url('  http-request set-uri /u2?z=1', '/su?x'), 'GET /u2?z=1');
  t.equal(url('  http-request set-pathq /pq?k=v', '/spq?x'), 'GET /pq?k=v');
  t.equal(url('  http-request replace-path /rp/(.*) /x/\\1', '/rp/a/b?q'), 'GET /x/a/b?q');
  t.equal(url('  http-request replace-path /zz/(.*) /x/\\1', '/rp/a/b?q'), 'GET /rp/a/b?q');
  t.equal(url('  http-request replace-uri ^http://[^/]*(.*) \\1', 'http://h/a?b'), 'GET /a?b');
  t.equal(url('  http-request replace-pathq ^/a\\?(.*) /b?\\1&z', '/a?q'), 'GET /b?q&z');
  // set-method reaches the server, but HAProxy's `method` fetch keeps the parsed method
  const c = req('GET', '/m');
  const run = reqRules('  http-request set-method POST\n  http-request return status 200 content-type text/plain lf-string "m=%[method]"');
  t.equal(renderVerdict(run(c)!), 'HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-type: text/plain\r\n\r\nm=GET');
  t.equal(c.method, 'POST');
});

t.test('variables and log-format values', async (t) => {
  const lines = [
    '  http-request set-var(txn.a) str(hello),upper',
    '  http-request set-var-fmt(txn.b) "x-%[var(txn.a)]-%[src]"',
    '  http-request set-var(txn.gone) str(x)',
    '  http-request unset-var(txn.gone)',
    '  http-request return status 200 content-type text/plain lf-string "a=%[var(txn.a)] b=%[var(txn.b)] l=%[var(txn.a),lower] g=[%[var(txn.gone)]] f=%[str(a.b.c),field(2,.)] w=%[str(a/b/c),word(2,/)] r=%[str(aXbXc),regsub(X,-,g)] len=%[str(abc),length] %ci:%cp %fi:%fp %% %[dst_port] %[nbsrv(be)] %[ssl_fc] %[req.hdr_ip(x-ip)]"',
  ].join('\n');
  const out = answer(lines, req('GET', '/v', ['Host: h', 'x-ip: 10.1.2.3'], { src: '127.0.0.1', srcPort: 38720, dst: '127.0.0.1', dstPort: 28083, nbsrv: () => 1 }));
  t.equal(out, 'HTTP/1.1 200 OK\r\ncontent-length: 115\r\ncontent-type: text/plain\r\n\r\n' +
    'a=HELLO b=x-HELLO-127.0.0.1 l=hello g=[] f=b w=b r=a-b-c len=3 127.0.0.1:38720 127.0.0.1:28083 % 28083 1 0 10.1.2.3');
  // HAProxy: a missing sample is empty, values split on commas, the last one in a sample context
  t.equal(answer('  http-request return status 200 content-type text/plain lf-string "[%[req.hdr(nope)]][%[req.hdr(x)]]"', req('GET', '/a', ['X: 1, 2'])),
    'HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-type: text/plain\r\n\r\n[][2]');
  t.equal(answer('  http-request return status 200 content-type text/plain lf-string "%[hdr(host)] %[req.hdr(host,1)] %[hdr_cnt(x)] %[urlp(a)] %[url_param(b)] %[req.cook(c)] %[cook(d)] %[req.hdr(x,-2)]"',
    req('GET', '/f?a=1&b=2&a=3', ['Host: hh:1, gg', 'x: 1', 'x: 2,3', 'Cookie: c=5; d=6'])),
  'HTTP/1.1 200 OK\r\ncontent-length: 19\r\ncontent-type: text/plain\r\n\r\ngg hh:1 3 1 2 5 6 2');
  t.equal(answer('  http-request return status 200 content-type text/plain lf-string "url=%[url] p=%[path]"', req('GET', 'http://h:81/abs/x?y')),
    'HTTP/1.1 200 OK\r\ncontent-length: 32\r\ncontent-type: text/plain\r\n\r\nurl=http://h:81/abs/x?y p=/abs/x');
});

t.test('return, deny, tarpit, auth bytes', async (t) => {
  const g = req('GET', '/', ['Host: h']);
  t.equal(answer('  http-request return status 200 content-type text/plain string "hello\\n"', g, true),
    'HTTP/1.1 200 OK\r\ncontent-length: 6\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\nhello\n');
  t.equal(answer('  http-request return', g), 'HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n');
  t.equal(answer('  http-request return status 200 content-type text/plain lf-string "x" hdr X-H %[path]', req('GET', '/c', [], { version: 10 }), true),
    'HTTP/1.1 200 OK\r\nx-h: /c\r\ncontent-length: 1\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\nx');
  t.equal(answer('  http-request set-var(txn.t) int(5),add(3)\n  http-request set-header X-Up Hello\n  http-request return status 200 content-type text/plain lf-string "u=%[req.hdr(x-up)] t=%[var(txn.t)] n=%[var(txn.none,def)]"', g),
    'HTTP/1.1 200 OK\r\ncontent-length: 17\r\ncontent-type: text/plain\r\n\r\nu=Hello t=8 n=def');
  t.equal(answer('  http-request return status 404', g), 'HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n');
  t.equal(answer('  http-request return status 204', g), 'HTTP/1.1 204 No Content\r\n\r\n');
  t.equal(answer('  http-request return status 302', g), 'HTTP/1.1 302 Moved Temporarily\r\ncontent-length: 0\r\n\r\n');
  t.equal(answer('  http-request return status 599', g), 'HTTP/1.1 599 Server Error\r\ncontent-length: 0\r\n\r\n');
  t.equal(answer('  http-request return status 503 default-errorfiles', g),
    'HTTP/1.1 503 Service Unavailable\r\ncontent-length: 107\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n' +
    '<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n');
  t.equal(answer('  http-request return status 200 hdr X-One 1 hdr X-Two %[src] string ok content-type text/plain', g),
    'HTTP/1.1 200 OK\r\nx-one: 1\r\nx-two: 192.168.1.10\r\ncontent-length: 2\r\ncontent-type: text/plain\r\n\r\nok');
  t.equal(answer('  http-request deny', g),
    'HTTP/1.1 403 Forbidden\r\ncontent-length: 93\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n' +
    '<html><body><h1>403 Forbidden</h1>\nRequest forbidden by administrative rules.\n</body></html>\n');
  t.equal(answer('  http-request deny deny_status 429', g),
    'HTTP/1.1 429 Too Many Requests\r\ncontent-length: 117\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n' +
    '<html><body><h1>429 Too Many Requests</h1>\nYou have sent too many requests in a given amount of time.\n</body></html>\n');
  t.equal(answer('  http-request deny deny_status 400 content-type text/plain string "nope" hdr X-A b', g),
    'HTTP/1.1 400 Bad Request\r\nx-a: b\r\ncontent-length: 4\r\ncontent-type: text/plain\r\n\r\nnope');
  t.equal(answer('  http-request deny hdr X y', g), 'HTTP/1.1 403 Forbidden\r\nx: y\r\ncontent-length: 0\r\n\r\n', 'hdr without payload: empty reply');
  t.equal(answer('  http-request deny content-type text/plain', g), 'HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n', 'content-type alone: dropped');
  t.equal(answer('  http-request return status 404 hdr X y', g), 'HTTP/1.1 404 Not Found\r\nx: y\r\ncontent-length: 0\r\n\r\n');
  const tp = reqRules('  http-request tarpit')(g)!;
  t.same({ kind: tp.kind, status: (tp as { status: number }).status }, { kind: 'tarpit', status: 500 });
  t.equal(renderVerdict(tp), 'HTTP/1.1 500 Internal Server Error\r\ncontent-length: 97\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n' +
    '<html><body><h1>500 Internal Server Error</h1>\nAn internal server error occurred.\n</body></html>\n');
  t.match(renderVerdict(reqRules('  http-request tarpit deny_status 403')(g)!), /^HTTP\/1.1 403 Forbidden\r\n/);
  const page401 = '<html><body><h1>401 Unauthorized</h1>\nYou need a valid user and password to access this content.\n</body></html>\n';
  t.equal(answer('  http-request auth', g),
    `HTTP/1.1 401 Unauthorized\r\ncontent-length: 112\r\ncache-control: no-cache\r\ncontent-type: text/html\r\nwww-authenticate: Basic realm="fe"\r\n\r\n${page401}`);
  t.equal(answer('  http-request auth realm "My Realm"', g, true),
    `HTTP/1.1 401 Unauthorized\r\ncontent-length: 112\r\ncache-control: no-cache\r\ncontent-type: text/html\r\nwww-authenticate: Basic realm="My Realm"\r\nconnection: close\r\n\r\n${page401}`);
  // an errorfile of the proxy replaces the built-in page
  const v = reqRules('  http-request deny')(g)!;
  t.equal(renderVerdict(v, { errorPage: (s) => (s === 403 ? 'X' : undefined) }), 'X');
  const { writeFileSync, mkdtempSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const f = join(mkdtempSync(join(tmpdir(), 'lbef-')), '503.http');
  writeFileSync(f, 'HTTP/1.0 503 Service Unavailable\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n<html><body><h1>Custom 503</h1></body></html>\n');
  t.equal(answer(`  http-request return errorfile ${f}`, g),
    'HTTP/1.0 503 Service Unavailable\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n<html><body><h1>Custom 503</h1></body></html>\n');
});

t.test('redirect bytes', async (t) => {
  const g = (target: string, h = ['Host: h']) => req('GET', target, h);
  t.equal(answer('  http-request redirect location /new', g('/'), true),
    'HTTP/1.1 302 Found\r\ncontent-length: 0\r\nlocation: /new\r\ncache-control: no-cache\r\nconnection: close\r\n\r\n');
  t.equal(answer('  http-request redirect scheme https', g('/sch', ['Host: example.com']), true),
    'HTTP/1.1 302 Found\r\ncontent-length: 0\r\nlocation: https://example.com/sch\r\ncache-control: no-cache\r\nconnection: close\r\n\r\n');
  t.equal(answer('  http-request redirect scheme https code 301', g('/sch/x?q=1', ['Host: h:8080'])),
    'HTTP/1.1 301 Moved Permanently\r\ncontent-length: 0\r\nlocation: https://h:8080/sch/x?q=1\r\n\r\n');
  t.equal(answer('  http-request redirect scheme https code 301', g('/sch/x?q=1', [])),
    'HTTP/1.1 301 Moved Permanently\r\ncontent-length: 0\r\nlocation: https:///sch/x?q=1\r\n\r\n');
  t.equal(answer('  http-request redirect prefix /pfx code 301', g('/rp/abc?q=1'), true),
    'HTTP/1.1 301 Moved Permanently\r\ncontent-length: 0\r\nlocation: /pfx/rp/abc?q=1\r\nconnection: close\r\n\r\n');
  t.equal(answer('  http-request redirect location /l303 code 303', g('/')),
    'HTTP/1.1 303 See Other\r\ncontent-length: 0\r\nlocation: /l303\r\ncache-control: no-cache\r\n\r\n');
  t.equal(answer('  http-request redirect location /l307 code 307', g('/')),
    'HTTP/1.1 307 Temporary Redirect\r\ncontent-length: 0\r\nlocation: /l307\r\ncache-control: no-cache\r\n\r\n');
  t.equal(answer('  http-request redirect location /l308 code 308', g('/')),
    'HTTP/1.1 308 Permanent Redirect\r\ncontent-length: 0\r\nlocation: /l308\r\n\r\n');
  t.equal(answer('  http-request redirect prefix /', g('/pslash/a?b')),
    'HTTP/1.1 302 Found\r\ncontent-length: 0\r\nlocation: /pslash/a?b\r\ncache-control: no-cache\r\n\r\n');
  t.equal(answer('  http-request redirect prefix https://ex.com', g('/pabs/a?b')),
    'HTTP/1.1 302 Found\r\ncontent-length: 0\r\nlocation: https://ex.com/pabs/a?b\r\ncache-control: no-cache\r\n\r\n');
  t.equal(answer('  http-request redirect location /x set-cookie FOO=bar', g('/r1')),
    'HTTP/1.1 302 Found\r\ncontent-length: 0\r\nlocation: /x\r\ncache-control: no-cache\r\nset-cookie: FOO=bar; path=/;\r\n\r\n');
  t.equal(answer('  http-request redirect location /x clear-cookie FOO', g('/r2')),
    'HTTP/1.1 302 Found\r\ncontent-length: 0\r\nlocation: /x\r\ncache-control: no-cache\r\nset-cookie: FOO; path=/; Max-Age=0;\r\n\r\n');
  t.equal(answer('  http-request redirect location %[req.hdr(nope)] ignore-empty', g('/ign')), '', 'ignore-empty: the rule is skipped');
  t.equal(answer('  http-request redirect location /loc drop-query append-slash', g('/l/x?y')),
    'HTTP/1.1 302 Found\r\ncontent-length: 0\r\nlocation: /loc\r\ncache-control: no-cache\r\n\r\n', 'location ignores drop-query/append-slash');
  t.equal(answer('  http-request redirect prefix /p code 301 set-cookie A=1', g('/p/x?y')),
    'HTTP/1.1 301 Moved Permanently\r\ncontent-length: 0\r\nlocation: /p/p/x?y\r\nset-cookie: A=1; path=/;\r\n\r\n');
  t.equal(answer('  http-request redirect prefix /q append-slash', g('/q/x?y')),
    'HTTP/1.1 302 Found\r\ncontent-length: 0\r\nlocation: /q/q/x?y/\r\ncache-control: no-cache\r\n\r\n', 'append-slash without drop-query appends after the query');
  // legacy `redirect` rules
  const r = rulesOf('  redirect prefix /p drop-query append-slash if { path_beg /r3 }');
  const run = compileRedirectRules(r.redirects, r.acls);
  t.equal(renderVerdict(run(g('/r3/x?q=1'))!), 'HTTP/1.1 302 Found\r\ncontent-length: 0\r\nlocation: /p/r3/x/\r\ncache-control: no-cache\r\n\r\n');
  t.equal(renderVerdict(run(g('/r3/x.html'))!, { close: true }),
    'HTTP/1.1 302 Found\r\ncontent-length: 0\r\nlocation: /p/r3/x.html/\r\ncache-control: no-cache\r\nconnection: close\r\n\r\n');
  t.equal(run(g('/other')), undefined);
});

t.test('rule order, conditions and terminal verdicts', async (t) => {
  const run = reqRules([
    '  acl admin src 10.0.0.0/8',
    '  http-request add-header X-Seen 1',
    '  http-request allow if admin',
    '  http-request deny if { path_beg /private }',
    '  http-request add-header X-After 1',
  ].join('\n'));
  const a = req('GET', '/private', [], { src: '10.1.1.1' });
  t.same(run(a), { kind: 'allow' });
  t.same(a.rawHeaders, ['x-seen', '1']);
  const b = req('GET', '/private');
  t.equal(run(b)!.kind, 'deny');
  const c = req('GET', '/public');
  t.equal(run(c), undefined);
  t.same(c.rawHeaders, ['x-seen', '1', 'x-after', '1']);
  t.same(reqRules('  http-request reject')(req('GET', '/')), { kind: 'reject' });
  t.same(reqRules('  http-request silent-drop')(req('GET', '/')), { kind: 'silent-drop' });
  const ll = req('GET', '/');
  reqRules('  http-request set-log-level silent\n  http-request capture req.hdr(host) len 10')(ll);
  t.equal(ll.logLevel, 'silent');
});

t.test('http-response rules', async (t) => {
  const r = rulesOf([
    '  http-response set-header X-R1 r1',
    '  http-response add-header X-R2 %[status]',
    '  http-response del-header x-orig',
    '  http-response replace-header x-rep (.*) <\\1>',
    '  http-response set-status 201 if { status 200 } { res.hdr(x-mark) -m found }',
    '  http-response set-status 299 reason "Custom Yes" if { res.hdr(x-mark) two }',
    '  http-response deny if { res.hdr(x-deny) -m found }',
    '  http-response return status 202 content-type text/plain string resp if { res.hdr(x-ret) -m found }',
  ].join('\n'));
  const run = compileHttpResponseRules(r.httpResponse, r.acls, { proxy: 'fe' });
  const x = res(req('GET', '/'), 200, ['X-Orig: o', 'X-Rep: abc', 'Content-Length: 11', 'Content-Type: text/plain']);
  t.equal(run(x), undefined);
  t.same(x.resHeaders, ['x-rep', '<abc>', 'content-length', '11', 'content-type', 'text/plain', 'x-r1', 'r1', 'x-r2', '200']);
  const y = res(req('GET', '/'), 200, ['X-Mark: two']);
  run(y);
  t.equal(y.status, 299);
  t.equal(y.reason, 'Custom Yes');
  const z = res(req('GET', '/'), 200, ['X-Deny: 1']);
  t.equal(renderVerdict(run(z)!), 'HTTP/1.1 502 Bad Gateway\r\ncontent-length: 107\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n' +
    '<html><body><h1>502 Bad Gateway</h1>\nThe server returned an invalid or incomplete response.\n</body></html>\n');
  t.equal(renderVerdict(run(res(req('GET', '/'), 200, ['X-Ret: 1']))!), 'HTTP/1.1 202 Accepted\r\ncontent-length: 4\r\ncontent-type: text/plain\r\n\r\nresp');
});

t.test('monitor-uri replies', async (t) => {
  t.equal(monitorReply(false), 'HTTP/1.1 200 OK\r\ncontent-length: 58\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n<html><body><h1>200 OK</h1>\nService ready.\n</body></html>\n');
  t.match(monitorReply(true), /^HTTP\/1.1 503 Service Unavailable\r\ncontent-length: 107\r\n/);
  const r = rulesOf('  monitor-uri /health\n  acl down nbsrv(be) lt 1\n  monitor fail if down');
  const fail = compileMonitorFail(r.monitorFail, r.acls);
  t.equal(fail(req('GET', '/health')), false);
  t.equal(fail(req('GET', '/health', [], { nbsrv: () => 0 })), true);
});

t.test('actions lb does not execute are listed with file:line', async (t) => {
  const run = reqRules([
    '  http-request set-tos 10',
    '  http-request set-priority-class int(1)',
    '  http-request early-hint Link "</a.css>"',
    '  http-request set-header X %[req.body_param(x)]',
    '  http-request deny',
  ].join('\n'));
  t.same(run.unsupported, [
    "t.cfg:8: 'http-request set-tos' is not executed by lb",
    "t.cfg:9: 'http-request set-priority-class' is not executed by lb",
    "t.cfg:10: 'http-request early-hint' is not executed by lb",
    "t.cfg:11: fetch 'req.body_param' is not executed by lb",
  ]);
  t.equal(run(req('GET', '/'))!.kind, 'deny', 'the executable rules still run');
});

t.test('http-after-response, tcp-request rules, use_backend and use-server', async (t) => {
  const { compileHttpAfterResponseRules } = await import('../../src/rules/http-actions-run.js');
  const { compileTcpRequestRules, compileUseBackend, compileUseServer } = await import('../../src/rules/tcp-actions-run.js');
  const r = rulesOf([
    '  http-after-response set-header X-After 1 if { status 503 }',
    '  tcp-request connection reject if { src 10.0.0.0/8 }',
    '  tcp-request connection accept if { src 192.168.0.0/16 }',
    '  tcp-request connection reject',
    '  tcp-request content set-var(txn.p) dst_port',
    '  tcp-request content accept if { var(txn.p) -m int 8080 }',
    '  use_backend be if { path_beg /api }',
    '  use_backend %[req.hdr(x-be)] if { req.hdr(x-be) -m found }',
  ].join('\n'));
  const after = compileHttpAfterResponseRules(r.httpAfterResponse, r.acls);
  const x = res(req('GET', '/'), 503);
  after(x);
  t.same(x.resHeaders, ['x-after', '1']);
  const conn = compileTcpRequestRules(r.tcpRequestConnection, r.acls, 'connection');
  t.same(conn(req('GET', '/', [], { src: '10.1.1.1' })), { kind: 'reject' });
  t.same(conn(req('GET', '/')), { kind: 'allow' });
  t.same(conn(req('GET', '/', [], { src: '8.8.8.8' })), { kind: 'reject' });
  const content = compileTcpRequestRules(r.tcpRequestContent, r.acls, 'content');
  const c = req('GET', '/');
  t.same(content(c), { kind: 'allow' });
  t.equal(c.vars.get('txn.p'), 8080);
  t.same(conn.unsupported, []);
  const ub = compileUseBackend(r.useBackends, r.acls);
  t.equal(ub(req('GET', '/api/x')), 'be');
  t.equal(ub(req('GET', '/x', ['X-Be: other'])), 'other');
  t.equal(ub(req('GET', '/x')), undefined);
  const b = load('defaults\n  mode http\nbackend be\n  use-server s2 if { path_beg /two }\n  server s1 127.0.0.1:80\n  server s2 127.0.0.1:81\n');
  const be = b.model!.proxies.find((p) => p.name === 'be')!;
  const us = compileUseServer(be.rules.useServers, be.rules.acls);
  t.equal(us(req('GET', '/two')), 's2');
  t.equal(us(req('GET', '/one')), undefined);
  const u: string[] = [];
  compileTcpRequestRules(rulesOf('  tcp-request connection expect-proxy layer4').tcpRequestConnection, [], 'connection', { unsupported: u });
  t.same(u, ["t.cfg:8: 'tcp-request connection expect-proxy' is not executed by lb"]);
});
