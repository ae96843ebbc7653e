import t from 'tap';
import { compileMatcher, type MatchProblem } from '../../src/rules/match.js';
import { compileCondition, compileSample, type CompileEnv } from '../../src/rules/eval.js';
import { parseSample } from '../../src/rules/sample.js';
import { rulesOf, req, res } from './run-helpers.js';
import type { MatchMethod } from '../../src/rules/model.js';

const W = { file: 't.cfg', line: 1 };
const m = (method: MatchMethod, pats: string[], i = false) => compileMatcher(method, pats, i, []);

/** the condition of the first http-request rule, compiled */
function cond(lines: string, env: CompileEnv = {}) {
  const r = rulesOf(lines);
  const rule = r.httpRequest[0]!;
  return compileCondition(rule.cond, r.acls, env, rule.where);
}
/** test `if <c>` with the acl lines given */
const check = (acls: string, c: string) => cond(`${acls}\n  http-request deny if ${c}`);

t.test('matchers', async (t) => {
  const int = m('int', ['1', '5:7', 'gt 100', ':-3']);
  t.same([0, 1, 5, 6, 7, 8, 100, 101, -3, -4, -2, '6', 'x'].map((v) => int(v)),
    [false, true, true, true, true, false, false, true, true, true, false, true, false]);
  t.same(['ge 5', 'le 5', 'lt 5', 'eq 5'].map((p) => [4, 5, 6].map((v) => m('int', [p])(v))),
    [[false, true, true], [true, true, false], [true, false, false], [false, true, false]]);
  t.same(['abc', 'ab', 'abcdef'].map((v) => m('len', ['3', 'gt 5'])(v)), [true, false, true]);
  const ip = m('ip', ['10.0.0.0/8', '192.168.1.1', '172.16.0.0/255.240.0.0', '2001:db8::/32']);
  t.same(['10.2.3.4', '11.0.0.1', '192.168.1.1', '192.168.1.2', '172.31.255.255', '172.32.0.0', '::ffff:10.9.9.9', '2001:db8:1::5', '2001:db9::1', 'garbage'].map((v) => ip(v)),
    [true, false, true, false, true, false, true, true, false, false]);
  t.same(['127.0.0.1', '::1', '::2'].map((v) => m('ip', ['127.0.0.1/8', '::1'])(v)), [true, true, false]);
  t.ok(m('ip', ['::ffff:1.2.3.4'])('1.2.3.4'), 'v4 value against a v4-mapped v6 pattern');
  const probs: MatchProblem[] = [];
  compileMatcher('ip', ['localhost'], false, probs);
  t.match(probs[0]!.what, /host name 'localhost'/);
  t.same(['GET', 'get', 'PUT'].map((v) => m('str', ['GET', 'POST'])(v)), [true, false, false]);
  t.same(['GET', 'get', 'PUT'].map((v) => m('str', ['GET', 'POST'], true)(v)), [true, true, false]);
  t.same(['a', 'b', 'c', 'D'].map((v) => m('str', ['a', 'b', 'd'], true)(v)), [true, true, false, true]);
  t.same(['xabcx', 'ABC', 'x'].map((v) => m('sub', ['abc'])(v)), [true, false, false]);
  t.same(['xabcx', 'ABC', 'x'].map((v) => m('sub', ['abc'], true)(v)), [true, true, false]);
  t.same(['/img/a.png', '/IMG/b', '/x'].map((v) => m('reg', ['^/img/'], true)(v)), [true, true, false]);
  t.same(['/api/v1', '/apix', '/x/api'].map((v) => m('beg', ['/api'])(v)), [true, true, false]);
  t.same(['/a.jpg', '/a.JPG', '/a.png'].map((v) => m('end', ['.jpg', '.gif'])(v)), [true, false, false]);
  t.same(['/a.jpg', '/a.JPG'].map((v) => m('end', ['.jpg'], true)(v)), [true, true]);
  const dir = m('dir', ['img']);
  t.same(['/img/a', '/a/img', '/imgs/a', '/a/b/img/c', 'img'].map((v) => dir(v)), [true, true, false, true, true]);
  t.ok(m('dir', ['/a/b/'])('/x/a/b/c'), 'dir pattern with slashes, trimmed');
  const dom = m('dom', ['example.com']);
  t.same(['example.com', 'www.example.com', 'example.com:80', 'myexample.com', 'example.com.evil'].map((v) => dom(v)),
    [true, true, true, false, true]);
  t.same([true, false, 1, 0, '5', '0'].map((v) => m('bool', [])(v)), [true, false, true, false, true, false]);
  t.ok(m('found', [])(''));
  t.ok(m('bin', ['414243'])('ABC'));
  t.notOk(m('str', [])('x'), 'no pattern never matches');
});

t.test('fetches through ACLs', async (t) => {
  const r = req('GET', '/img/a.png?x=1&y=2&x=3', ['Host: www.example.com:8080', 'X-List: a, b', 'X-List: c',
    'Cookie: sid=abc; lang=fr', 'Content-Length: 12', 'X-Fwd: 10.1.2.3', 'X-Num: 42']);
  const cases: Array<[string, string, boolean]> = [
    ['acl a hdr(host) -i www.example.com:8080', 'a', true],
    ['acl a hdr(host) www.example.com', 'a', false],
    ['acl a hdr_dom(host) -i example.com', 'a', true],
    ['acl a hdr_beg(host) www.', 'a', true],
    ['acl a hdr_end(host) :8080', 'a', true],
    ['acl a hdr_sub(x-list) b', 'a', true],
    ['acl a hdr(x-list) b', 'a', true],
    ['acl a hdr(x-list,1) b', 'a', false],
    ['acl a hdr(x-list,2) b', 'a', true],
    ['acl a hdr(x-list,-1) c', 'a', true],
    ['acl a req.fhdr(x-list) b', 'a', false],
    ['acl a req.fhdr(x-list) "a, b"', 'a', true],
    ['acl a hdr_cnt(x-list) 3', 'a', true],
    ['acl a req.fhdr_cnt(x-list) 2', 'a', true],
    ['acl a hdr_cnt(nope) 0', 'a', true],
    ['acl a hdr_len(x-num) 2', 'a', true],
    ['acl a hdr_reg(x-num) ^4[0-9]$', 'a', true],
    ['acl a hdr_ip(x-fwd) 10.0.0.0/8', 'a', true],
    ['acl a req.hdr_val(x-num) gt 40', 'a', true],
    ['acl a hdr(nope) -m found', 'a', false],
    ['acl a hdr(host) -m found', 'a', true],
    ['acl a path /img/a.png', 'a', true],
    ['acl a path_beg /img/', 'a', true],
    ['acl a path_end .png', 'a', true],
    ['acl a path_dir img', 'a', true],
    ['acl a path_reg ^/img/.*\\.png$', 'a', true],
    ['acl a path_sub mg/a', 'a', true],
    ['acl a path_len 10', 'a', true],
    ['acl a url /img/a.png?x=1&y=2&x=3', 'a', true],
    ['acl a url_beg /img', 'a', true],
    ['acl a query x=1&y=2&x=3', 'a', true],
    ['acl a url_param(y) 2', 'a', true],
    ['acl a urlp(x) 3', 'a', true],
    ['acl a urlp(z) -m found', 'a', false],
    ['acl a method GET', 'a', true],
    ['acl a method get', 'a', false],
    ['acl a method -i get', 'a', true],
    ['acl a src 192.168.0.0/16', 'a', true],
    ['acl a src 10.0.0.0/8', 'a', false],
    ['acl a src_port 40000', 'a', true],
    ['acl a dst 10.0.0.1', 'a', true],
    ['acl a dst_port 8080', 'a', true],
    ['acl a base www.example.com:8080/img/a.png', 'a', true],
    ['acl a base_beg www.example.com', 'a', true],
    ['acl a req.cook(sid) abc', 'a', true],
    ['acl a cook(lang) fr', 'a', true],
    ['acl a cook(lang) en', 'a', false],
    ['acl a req.cook_cnt(sid) 1', 'a', true],
    ['acl a req.cook(sid) -m found', 'a', true],
    ['acl a ssl_fc', 'a', false],
    ['acl a ssl_fc', '!a', true],
    ['acl a nbsrv(be) 2', 'a', true],
    ['acl a nbsrv(be) lt 1', 'a', false],
    ['acl a always_true', 'a', true],
    ['acl a always_false', 'a', false],
    ['acl a req.ver 1.1', 'a', true],
    ['acl a str(abc) abc', 'a', true],
    ['acl a int(5) 5', 'a', true],
    ['acl a hdr(host),lower -m beg www', 'a', true],
    ['acl a path,upper -m beg /IMG', 'a', true],
    ['acl a hdr(host),field(1,:) www.example.com', 'a', true],
  ];
  for (const [acl, c, want] of cases) t.equal(check(`  ${acl}`, c)(r), want, `${acl} → if ${c}`);
});

t.test('variables', async (t) => {
  const r = req('GET', '/');
  r.vars.set('txn.role', 'admin');
  t.equal(check('  acl a var(txn.role) -m str admin', 'a')(r), true);
  t.equal(check('  acl a var(txn.none) -m found', 'a')(r), false);
});

t.test('condition precedence and negation', async (t) => {
  const acls = '  acl A path_beg /a\n  acl B hdr(x) 1\n  acl C method POST';
  const truth = (p: string, h: string, meth: string) => req(meth, p, h ? [`X: ${h}`] : []);
  const rows: Array<[string, boolean[]]> = [
    // contexts: (/a,1,GET) (/a,0,GET) (/b,1,POST) (/b,0,GET)
    ['A B', [true, false, false, false]],
    ['A B or C', [true, false, true, false]],
    ['A || C', [true, true, true, false]],
    ['!A', [false, false, true, true]],
    ['! A', [false, false, true, true]],
    ['A !B', [false, true, false, false]],
    ['A OR !B C', [true, true, false, false]],
  ];
  const ctxs = [truth('/a', '1', 'GET'), truth('/a', '0', 'GET'), truth('/b', '1', 'POST'), truth('/b', '0', 'GET')];
  for (const [c, want] of rows) {
    t.same(ctxs.map((x) => check(acls, c)(x)), want, `if ${c}`);
    const un = cond(`${acls}\n  http-request deny unless ${c}`);
    t.same(ctxs.map((x) => un(x)), want.map((w) => !w), `unless ${c}`);
  }
  // same-name ACLs are OR-ed
  const or = check('  acl X path /a\n  acl X path /b', 'X');
  t.same(['/a', '/b', '/c'].map((p) => or(req('GET', p))), [true, true, false]);
  // anonymous ACLs
  t.equal(check('', '{ path_beg /a } { method GET }')(req('GET', '/ab')), true);
  t.equal(check('', '!{ path_beg /a }')(req('GET', '/ab')), false);
  t.equal(compileCondition(undefined, [])(req('GET', '/')), true, 'no condition = always');
});

t.test('predefined ACLs', async (t) => {
  const rows: Array<[string, ReturnType<typeof req>, boolean]> = [
    ['TRUE', req('GET', '/'), true],
    ['FALSE', req('GET', '/'), false],
    ['HTTP', req('GET', '/'), true],
    ['HTTP_1.0', req('GET', '/', [], { version: 10 }), true],
    ['HTTP_1.0', req('GET', '/'), false],
    ['HTTP_1.1', req('GET', '/'), true],
    ['HTTP_CONTENT', req('POST', '/', ['Content-Length: 3']), true],
    ['HTTP_CONTENT', req('POST', '/', ['Content-Length: 0']), false],
    ['HTTP_URL_ABS', req('GET', 'http://h/x'), true],
    ['HTTP_URL_ABS', req('GET', '/x'), false],
    ['HTTP_URL_SLASH', req('GET', '/x'), true],
    ['HTTP_URL_STAR', req('OPTIONS', '*'), true],
    ['LOCALHOST', req('GET', '/', [], { src: '127.0.0.9' }), true],
    ['LOCALHOST', req('GET', '/', [], { src: '::1' }), true],
    ['LOCALHOST', req('GET', '/'), false],
    ['METH_GET', req('GET', '/'), true],
    ['METH_GET', req('HEAD', '/'), true],
    ['METH_GET', req('POST', '/'), false],
    ['METH_HEAD', req('HEAD', '/'), true],
    ['METH_POST', req('POST', '/'), true],
    ['METH_PUT', req('PUT', '/'), true],
    ['METH_DELETE', req('DELETE', '/'), true],
    ['METH_OPTIONS', req('OPTIONS', '*'), true],
    ['METH_TRACE', req('TRACE', '/'), true],
    ['METH_CONNECT', req('CONNECT', 'h:443'), true],
  ];
  for (const [name, ctx, want] of rows) t.equal(check('', name)(ctx), want, `${name} ${ctx.method} ${ctx.target}`);
});

t.test('response context: request-only fetches never match, res fetches do', async (t) => {
  const r = rulesOf('  http-response set-header X 1 if { status 200 } { res.hdr(x-a) -m found }\n  http-response set-header Y 1 if { path_beg / }');
  const c0 = compileCondition(r.httpResponse[0]!.cond, r.acls, { res: true });
  t.equal(c0(res(req('GET', '/'), 200, ['X-A: 1'])), true);
  t.equal(c0(res(req('GET', '/'), 404, ['X-A: 1'])), false);
  const c1 = compileCondition(r.httpResponse[1]!.cond, r.acls, { res: true, usage: 1 << 16 });
  t.equal(c1(res(req('GET', '/'), 200)), false, 'path in http-response never matches, as in HAProxy');
});

t.test('samples and converters', async (t) => {
  const s = (text: string, ctx = req('GET', '/a/b?q=1', ['Host: Ex.com:81', 'X: a, b'])) =>
    compileSample(parseSample(text, false).expr, W)(ctx);
  t.equal(s('req.hdr(x)'), 'b', 'sample context: last value');
  t.equal(s('req.hdr(x,1)'), 'a');
  t.equal(s('req.fhdr(x)'), 'a, b');
  t.equal(s('hdr(host),lower'), 'ex.com:81');
  t.equal(s('hdr(host),host_only'), 'Ex.com');
  t.equal(s('hdr(host),port_only'), 81);
  t.equal(s('str(a.b.c),field(2,.)'), 'b');
  t.equal(s('str(a.b.c),field(-1,.)'), 'c');
  t.equal(s('str(a..b),word(2,.)'), 'b');
  t.equal(s('str(aXbXc),regsub(X,-,g)'), 'a-b-c');
  t.equal(s('str(aXbXc),regsub(X,-)'), 'a-bXc');
  t.equal(s('str(abc),length'), 3);
  t.equal(s('int(7),add(3),mul(2)'), 20);
  t.equal(s('int(7),div(2)'), 3);
  t.equal(s('int(7),mod(4)'), 3);
  t.equal(s('int(0),bool'), false);
  t.equal(s('src,ipmask(16)'), '192.168.0.0');
  t.equal(s('str(hello),base64'), 'aGVsbG8=');
  t.equal(s('str(hello),upper'), 'HELLO');
  t.equal(s('req.hdr(nope)'), undefined);
  t.equal(s('path'), '/a/b');
  t.equal(s('query'), 'q=1');
  t.equal(s('url'), '/a/b?q=1');
  t.equal(s('path', req('GET', 'http://h:81/abs/x?y')), '/abs/x');
  t.equal(s('query', req('GET', '/p')), undefined);
  t.equal(s('query', req('GET', '/p?')), '');
  // 2.6.12: the last cookie wins; ',' also ends a value; quotes are kept
  t.equal(s('req.cook(c)', req('GET', '/', ['Cookie: c=1; d=2', 'Cookie: c=3'])), '3');
  t.equal(s('req.cook_cnt(c)', req('GET', '/', ['Cookie: c=1; d=2', 'Cookie: c=3'])), 2);
  t.equal(s('req.cook(c)', req('GET', '/', ['Cookie: c=1, d=2'])), '1');
  t.equal(s('req.cook(c)', req('GET', '/', ['Cookie: c="q;x"; d=2'])), '"q;x"');
  t.equal(s('res.cook(s)', { ...req('GET', '/'), status: 200, resHeaders: ['set-cookie', 's=v, w; Path=/'] } as never), 'v, w');
  // empty values count (a,,b: 3 values, the 2nd is empty)
  t.equal(s('req.hdr_cnt(x)', req('GET', '/', ['X: a,,b'])), 3);
  t.equal(s('req.hdr(x,2)', req('GET', '/', ['X: a,,b'])), '');
});

t.test('unsupported fetches and converters are listed with file:line', async (t) => {
  const unsupported: string[] = [];
  const c = cond('  acl a req.payload(0,3) -m bin 474554\n  http-request deny if a || { hdr(x),json(ascii) -m found }', { unsupported });
  t.same(unsupported, [
    "t.cfg:8: fetch 'req.payload' is not executed by lb",
    "t.cfg:9: converter 'json' is not executed by lb",
  ]);
  t.equal(c(req('GET', '/', ['X: 1'])), false, 'never throws, never matches');
  const u2: string[] = [];
  cond('  http-request deny if REQ_CONTENT', { unsupported: u2 });
  t.same(u2, ["t.cfg:8: fetch 'req.len' is not executed by lb"]);
});

t.test('-f pattern files', async (t) => {
  const { writeFileSync, mkdtempSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const d = mkdtempSync(join(tmpdir(), 'lbacl-'));
  writeFileSync(join(d, 'ips.lst'), '# blocked\n10.0.0.0/8\n\n192.168.1.10\n');
  const c = check(`  acl bad src -f ${join(d, 'ips.lst')}`, 'bad');
  t.equal(c(req('GET', '/')), true);
  t.equal(c(req('GET', '/', [], { src: '172.16.0.1' })), false);
});

t.test('map converters read their file once', async (t) => {
  const { writeFileSync, mkdtempSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const d = mkdtempSync(join(tmpdir(), 'lbmap-'));
  writeFileSync(join(d, 'hosts.map'), '# host → backend\nwww.a.com be_a\napi.a.com   be_api\n');
  writeFileSync(join(d, 'paths.map'), '/api v1\n/api/v2 v2\n');
  writeFileSync(join(d, 'nets.map'), '10.0.0.0/8 wide\n10.1.0.0/16 narrow\n');
  const s = (text: string, ctx = req('GET', '/api/v2/x', ['Host: api.a.com'], { src: '10.1.2.3' })) =>
    compileSample(parseSample(text, false).expr, W)(ctx);
  t.equal(s(`req.hdr(host),map(${d}/hosts.map)`), 'be_api');
  t.equal(s(`req.hdr(host),map(${d}/hosts.map,none)`, req('GET', '/', ['Host: x'])), 'none');
  t.equal(s(`req.hdr(host),map(${d}/hosts.map)`, req('GET', '/', ['Host: x'])), undefined);
  // 2.6.12: map_beg takes the longest prefix, map_sub the first line that matches
  t.equal(s(`path,map_beg(${d}/paths.map)`), 'v2');
  t.equal(s(`path,map_sub(${d}/paths.map)`), 'v1');
  t.equal(s(`req.hdr(host),map_dom(${d}/hosts.map)`, req('GET', '/', ['Host: x.www.a.com'])), 'be_a');
  t.equal(s(`src,map_ip(${d}/nets.map)`), 'narrow', 'most specific network');
  t.equal(s(`src,map_ip(${d}/nets.map)`, req('GET', '/', [], { src: '10.9.9.9' })), 'wide');
  const u: string[] = [];
  compileSample(parseSample(`path,map_regm(${d}/paths.map)`, false).expr, W, { unsupported: u });
  t.same(u, ["t.cfg:1: converter 'map_regm' is not executed by lb"]);
});
