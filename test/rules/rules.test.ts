import t from 'tap';
import { load, alerts, warnings } from '../helpers.js';

// every expected string below was printed by haproxy 2.6.12 -c on the same lines
const fe = (body: string) => `frontend f\n bind :80\n mode http\n timeout client 1s\n${body}`;
const first = (text: string) => alerts(load(text))[0];

t.test('ACL errors', async (t) => {
  const cases: Array<[string, string]> = [
    [' acl a foo_bar x\n', "error detected while parsing ACL 'a' : unknown fetch method 'foo_bar' in ACL expression 'foo_bar'."],
    [' acl b src 1.2.3.300\n', "error detected while parsing ACL 'b' : '1.2.3.300' is not a valid IPv4 or IPv6 address."],
    [' acl c src -f /nonexist\n', "error detected while parsing ACL 'c' : failed to open pattern file </nonexist>."],
    [' acl e\n', "error detected while parsing ACL 'e' : missing fetch method in ACL expression ''."],
    [' acl f path -m foo x\n', "error detected while parsing ACL 'f' : unknown matching method 'foo' when parsing ACL expression."],
    [' acl g hdr(host),foo x\n', "error detected while parsing ACL 'g' : ACL keyword 'hdr' : unknown converter 'foo'.."],
    [' acl h int 1\n', "error detected while parsing ACL 'h' : fetch method 'int' : expected type 'integer' at position 1, but got nothing in ACL expression 'int'."],
    [' acl i hdr_cnt(a,b) 1\n', "error detected while parsing ACL 'i' : fetch method 'hdr_cnt' : expected ')' before ',b)' in ACL expression 'hdr_cnt(a,b)'."],
    [' acl j req.payload(1) x\n', "error detected while parsing ACL 'j' : fetch method 'req.payload' : missing arguments (got 1/2), type 'integer' expected in ACL expression 'req.payload(1)'."],
    [' acl k path(x) /\n', "error detected while parsing ACL 'k' : ACL keyword 'path' : expected ')' before 'x)'."],
    [' acl l path,lower(1) x\n', "error detected while parsing ACL 'l' : ACL keyword 'path' : invalid arg 1 in converter 'lower' : expected ')' before '1)'.."],
    [' acl o path,regsub(a) x\n', "error detected while parsing ACL 'o' : ACL keyword 'path' : invalid arg 2 in converter 'regsub' : missing arguments (got 1/2), type 'string' expected.."],
    [' acl p var() x\n', "error detected while parsing ACL 'p' : invalid args in fetch method 'var' : Empty variable name cannot be accepted in ACL expression 'var()'."],
    [' acl r var(txn.x,1) x\n', "error detected while parsing ACL 'r' : matching method must be specified first (using '-m') when using a sample fetch of this type ('var')."],
    [' acl t src,field(1) x\n', "error detected while parsing ACL 't' : invalid arg 2 in converter 'field' : missing arguments (got 1/2), type 'string' expected in ACL expression 'src,field(1)'."],
    [' acl u path_beg -z x\n', "error detected while parsing ACL 'u' : '-z' is not a valid ACL option. Please use '--' before any pattern beginning with a '-'."],
    [' acl v path -f /etc/hostname -m beg\n', "error detected while parsing ACL 'v' : '-m' must only be specified before patterns and files in parsing ACL expression."],
    [' acl w dst_port foo\n', "error detected while parsing ACL 'w' : 'foo' is not a number."],
    [' acl x a@b\n', "error detected while parsing ACL 'x' : unknown fetch method 'a' in ACL expression 'a@b'."],
    [' acl a@b path /\n', "character '@' is not permitted in acl name 'a@b'."],
  ];
  for (const [line, msg] of cases) t.equal(first(fe(line)), `[ALERT] config : parsing [t.cfg:5] : ${msg}`, line.trim());
});

t.test('ACL without pattern warns without location', async (t) => {
  const r = load(fe(' acl d path_beg\n'));
  t.same(alerts(r), []);
  t.equal(warnings(r)[0], "[WARNING] config : parsing acl keyword 'path_beg' :\n" +
    '  no pattern to match against were provided, so this ACL will never match.\n' +
    "  If this is what you intended, please add '--' to get rid of this warning.\n" +
    "  If you intended to match only for existence, please use '-m found'.\n" +
    "  If you wanted to force an int to match as a bool, please use '-m bool'.\n");
  t.same(warnings(load(fe(' acl d path_beg --\n acl e ssl_fc\n acl g query -m found\n'))), []);
});

t.test('condition errors per rule kind', async (t) => {
  const cases: Array<[string, string]> = [
    [' use_backend b if zz\n', "error detected while parsing switching rule : no such ACL : 'zz'."],
    [' use_backend b if { path /\n', "error detected while parsing switching rule : missing closing '}' in condition."],
    [' use_backend b if { }\n', "error detected while parsing switching rule : missing fetch method in ACL expression ''."],
    [' use_backend b if { foo x }\n', "error detected while parsing switching rule : unknown fetch method 'foo' in ACL expression 'foo'."],
    [' use_backend b foo\n', "unexpected keyword 'foo' after switching rule, only 'if' and 'unless' are allowed."],
    [' use_backend\n', "'use_backend' expects a backend name."],
    [' redirect location / if zz\n', "error detected in frontend 'f' while parsing redirect rule : error in condition: no such ACL : 'zz'."],
    [' monitor fail if zz\n', "error detected while parsing a 'monitor fail' condition : no such ACL : 'zz'."],
    [' monitor foo\n', "'monitor' only supports 'fail'."],
    [' tcp-request content accept if zz\n', "'tcp-request content accept' : error detected in frontend 'f' while parsing 'if' condition : no such ACL : 'zz'"],
    [' http-response deny if zz\n', "error detected while parsing an 'http-response deny' condition : no such ACL : 'zz'."],
  ];
  for (const [line, msg] of cases) t.equal(first(fe(line) + 'backend b\n mode http\n'), `[ALERT] config : parsing [t.cfg:5] : ${msg}`, line.trim());
  t.same(alerts(load(fe(' use_backend b if TRUE OR FALSE\n use_backend b if !{ path / } || !!FALSE or ! TRUE\n use_backend b if\n') + 'backend b\n mode http\n')), []);
});

t.test('http-request errors', async (t) => {
  const px = "error detected in frontend 'f' while parsing";
  const cases: Array<[string, string]> = [
    ['http-request deny foo', "parsing [t.cfg:5]: 'http-request deny' expects either 'if' or 'unless' followed by a condition but found 'foo'."],
    ['http-request deny deny_status 999', `parsing [t.cfg:5] : ${px} 'http-request deny' rule : Unexpected status code '999'.`],
    ['http-request set-header x', `parsing [t.cfg:5] : ${px} 'http-request set-header' rule : expects exactly 2 arguments.`],
    ['http-request add-header x y z', "parsing [t.cfg:5]: 'http-request add-header' expects either 'if' or 'unless' followed by a condition but found 'z'."],
    ['http-request del-header x -m foo', `parsing [t.cfg:5] : ${px} 'http-request del-header' rule : -m with unsupported matching method 'foo'.`],
    ['http-request set-var(x) str(a)', `parsing [t.cfg:5] : ${px} 'http-request set-var(x)' rule : invalid variable name 'x'. A variable name must be start by its scope. The scope can be 'proc', 'sess', 'txn', 'req', 'res' or 'check'.`],
    ['http-request set-var(txn.x) foo', `parsing [t.cfg:5] : ${px} 'http-request set-var(txn.x)' rule : unknown fetch method 'foo'.`],
    ['http-request set-var(txn.x) int(x)', `parsing [t.cfg:5] : ${px} 'http-request set-var(txn.x)' rule : fetch method 'int' : failed to parse 'x' as type 'integer' at position 1.`],
    ['http-request capture req.hdr(x) len x', `parsing [t.cfg:5] : ${px} 'http-request capture' rule : length must be > 0.`],
    ['http-request redirect foo', `parsing [t.cfg:5] : ${px} 'http-request redirect' rule : expects 'code', 'prefix', 'location', 'scheme', 'set-cookie', 'clear-cookie', 'drop-query', 'ignore-empty' or 'append-slash' (was 'foo').`],
    ['http-request redirect location / code 999', `parsing [t.cfg:5] : ${px} 'http-request redirect' rule : 'code': unsupported HTTP code '999' (must be one of 301, 302, 303, 307 or 308).`],
    ['http-request return file /nope', `parsing [t.cfg:5] : ${px} 'http-request return' rule : error opening file '/nope'.`],
    ['http-request use-service foo', `parsing [t.cfg:5] : ${px} 'http-request use-service' rule : 'foo' unknown service name..`],
    ['http-request set-header x %[foo]', `parsing [t.cfg:5] : ${px} 'http-request set-header' rule : failed to parse sample expression <foo]> : unknown fetch method 'foo'.`],
  ];
  for (const [line, msg] of cases) t.equal(first(fe(` ${line}\n`)), `[ALERT] config : ${msg}`, line);
  t.match(first(fe(' http-request foo\n')), /^\[ALERT\] config : parsing \[t.cfg:5\]: 'http-request' expects 'wait-for-handshake', 'ot-group', .* 'set-priority-offset', but got 'foo'\.$/);
  t.equal(first(fe(' http-request use-service prometheus-exporter if { path /metrics }\n')), undefined, 'the Prometheus exporter is accepted');
  t.match(first(fe(' http-request track-sc0 src\n')), /not implemented in lb \(stick tables/);
});

t.test('tcp rules', async (t) => {
  t.equal(first(fe(' tcp-request content accept foo\n')), "[ALERT] config : parsing [t.cfg:5] : 'tcp-request content accept' only accepts 'if' or 'unless', in frontend 'f' (got 'foo')");
  t.equal(first(fe(' tcp-request inspect-delay 2x\n')), "[ALERT] config : parsing [t.cfg:5] : 'tcp-request inspect-delay' expects a positive delay in milliseconds, in frontend 'f' (unexpected character 'x')");
  t.equal(first(fe(' tcp-response content accept\n')), "[ALERT] config : parsing [t.cfg:5] : tcp-response content is only allowed in 'backend' sections or 'defaults' section with a name");
  t.equal(first('backend b\n tcp-request connection accept\n'), "[ALERT] config : parsing [t.cfg:2] : tcp-request connection is not allowed because backend b is not a frontend");
  t.equal(first('defaults\n tcp-request content accept\n'), "[ALERT] config : parsing [t.cfg:2] : tcp-request content is not allowed in anonymous 'defaults' sections");
  t.equal(first('defaults\n http-request deny\n'), "[ALERT] config : parsing [t.cfg:2] : 'http-request' not allowed in anonymous 'defaults' section.");
  t.equal(first('defaults\n acl a path /\n'), "[ALERT] config : parsing [t.cfg:2] : 'acl' not allowed in anonymous 'defaults' section.");
});

t.test('ordering and mode warnings', async (t) => {
  const r = load('listen l\n bind :80\n mode http\n timeout client 1s\n timeout server 1s\n timeout connect 1s\n use-server s if TRUE\n use_backend l if TRUE\n redirect location / if TRUE\n http-request deny\n tcp-request content accept\n tcp-request session accept\n tcp-request connection accept\n monitor fail if TRUE\n server s 1.1.1.1:80\n');
  t.same(warnings(r), [
    "[WARNING] config : parsing [t.cfg:9] : a 'redirect' rule placed after a 'use_backend' rule will still be processed before.",
    "[WARNING] config : parsing [t.cfg:10] : a 'http-request' rule placed after a 'redirect' rule will still be processed before.",
    "[WARNING] config : parsing [t.cfg:11] : a 'tcp-request' rule placed after an 'http-request' rule will still be processed before.",
    "[WARNING] config : parsing [t.cfg:12] : a 'tcp-request' rule placed after a 'tcp-request content' rule will still be processed before.",
    "[WARNING] config : parsing [t.cfg:13] : a 'tcp-request' rule placed after a 'tcp-request session' rule will still be processed before.",
    "[WARNING] config : parsing [t.cfg:14] : a 'monitor fail' rule placed after an 'http-request' rule will still be processed before.",
  ]);
  const w = warnings(load('listen l\n bind :80\n http-request deny\n redirect location /\n'));
  t.ok(w.includes("[WARNING] config : 'http-request' rules ignored for proxy 'l' as they require HTTP mode."));
  t.ok(w.includes("[WARNING] config : 'redirect' rules ignored for proxy 'l' as they require HTTP mode."));
  t.equal(warnings(load(fe(' http-request deny if { status 200 }\n')))[0],
    "[WARNING] config : parsing [t.cfg:5] : anonymous acl will never match because it uses keyword 'status' which is incompatible with 'frontend http-request header rule'");
});

t.test('post-parse references', async (t) => {
  t.equal(first('listen l\n bind :80\n mode http\n use-server s2 if TRUE\n server s 1.1.1.1:80\n'),
    "[ALERT] config : proxy 'l' : unable to find server 's2' referenced in a 'use-server' rule.");
  t.equal(first(fe(' acl c http_auth(nope)\n')),
    "[ALERT] config : parsing [t.cfg:5]: unable to find userlist 'nope' referenced in arg 1 of ACL keyword 'http_auth' in proxy 'f'.");
  t.equal(first(fe(' acl c nbsrv(nope) 1\n acl d nbsrv(nope) 1\n')),
    "[ALERT] config : multiple argument resolution errors:\n        parsing [t.cfg:5]: unable to find backend 'nope' referenced in arg 1 of ACL keyword 'nbsrv' in proxy 'f'.\n        parsing [t.cfg:6]: unable to find backend 'nope' referenced in arg 1 of ACL keyword 'nbsrv' in proxy 'f'.");
});

t.test('model shape', async (t) => {
  const r = load(fe(' acl a path_beg -i /x /y\n acl a hdr(host) -m dom example.com\n acl n dst_port gt 5 10\n http-request deny deny_status 429 if a !{ src 10.0.0.0/8 } or METH_POST\n use_backend %[req.hdr(host)] if TRUE\n'));
  t.same(alerts(r), []);
  const p = r.model!.proxies[0]!;
  t.equal(p.rules.acls.length, 3);
  t.match(p.rules.acls[0], { name: 'a', keyword: 'path_beg', match: 'beg', ignoreCase: true, patterns: ['/x', '/y'], expr: { fetch: 'path' } });
  t.match(p.rules.acls[1], { name: 'a', match: 'dom', expr: { fetch: 'req.hdr', args: ['host'] } });
  t.same(p.rules.acls[2]!.patterns, ['gt 5', '10']);
  const rule = p.rules.httpRequest[0]!;
  t.match(rule, { action: 'deny', params: { status: 429 } });
  t.equal(rule.cond!.pol, 'if');
  t.equal(rule.cond!.or.length, 2);
  t.match(rule.cond!.or[0]!.and[0], { acl: 'a', neg: false });
  t.match(rule.cond!.or[0]!.and[1], { neg: true, anon: { name: '', match: 'ip', patterns: ['10.0.0.0/8'] } });
  t.match(rule.cond!.or[1]!.and[0], { acl: 'METH_POST', neg: false });
  t.match(p.rules.useBackends[0], { name: '%[req.hdr(host)]', dynamic: true });
});

t.test('named defaults accept rules; ACLs are not inherited', async (t) => {
  const r = load('defaults d\n mode http\n acl a path /\n http-request deny if a\nfrontend f from d\n bind :80\n http-request deny if a\n');
  t.equal(alerts(r)[0], "[ALERT] config : parsing [t.cfg:7] : error detected while parsing an 'http-request deny' condition : no such ACL : 'a'.");
});

t.test('more action arguments (haproxy 2.6 wording)', async (t) => {
  const px = "error detected in frontend 'f' while parsing";
  const cases: Array<[string, string]> = [
    ['http-request wait-for-body', `${px} 'http-request wait-for-body' rule : expects time <time> [ at-least <bytes> ].`],
    ['http-request normalize-uri path-merge-slashes', "'normalize-uri' action is experimental, must be allowed via a global 'expose-experimental-directives'"],
    ['http-request strict-mode foo', `${px} 'http-request strict-mode' rule : Unexpected value 'foo'. Only 'on' and 'off' are supported.`],
    ['http-request set-nice', `${px} 'http-request set-nice' rule : expects exactly 1 argument (integer value).`],
    ['http-request replace-uri (.*)', `${px} 'http-request replace-uri' rule : expects exactly 2 arguments <match-regex> and <replace-format>.`],
    ['http-request del-header x -m', `${px} 'http-request del-header' rule : -m flag expects exactly 1 argument.`],
    ['http-response set-status 99', `${px} 'http-response set-status' rule : expects an integer status code between 100 and 999.`],
    ['http-response set-status', `${px} 'http-response set-status' rule : expects 1 argument: <status>; or 3 arguments: <status> reason <fmt>.`],
    ['http-response capture res.hdr(x) len 10', `${px} 'http-response capture' rule : expects 'id', found 'len'.`],
    ['tcp-request content switch-mode tcp', "'tcp-request switch-mode' expects a valid mode (got 'tcp')."],
    ['tcp-request content use-service prometheus-exporter', "Prometheus exporter service only available on 'http-request' rulesets"],
    ['tcp-request content expect-netscaler-cip layer4', "'expect-netscaler-cip layer4' is not allowed in 'tcp-request content' rules in frontend 'f'"],
    ['tcp-request connection expect-proxy', "'tcp-request connection expect-proxy' only supports 'layer4' in frontend 'f' (got '')"],
    ['tcp-request connection capture src len 10', "'capture src' is not allowed in 'tcp-request connection' rules in frontend 'f'"],
  ];
  for (const [line, msg] of cases) t.equal(first(fe(` ${line}\n`)), `[ALERT] config : parsing [t.cfg:5] : ${msg}`, line);
  t.equal(first(fe(' http-request capture req.hdr(x) id 0\n')), "[ALERT] config : Proxy 'f': unable to find capture id '0' referenced by http-request capture rule.");
  t.same(alerts(load(fe(' http-request capture req.hdr(x) len 10\n http-request capture req.hdr(y) id 0\n'))), []);
  t.same(alerts(load(fe(' http-request deny status 429\n http-request return status 404 content-type text/plain string "nope" hdr x y\n'))), []);
});

t.test('ACL details', async (t) => {
  t.equal(first(fe(' acl a url_reg ^/(a|b\n')), "[ALERT] config : parsing [t.cfg:5] : error detected while parsing ACL 'a' : regex '^/(a|b' is invalid (error=missing closing parenthesis, erroffset=6).");
  t.same(alerts(load(fe(' acl a path_reg (?i)^/x\n acl b src 1.2.3\n acl c req.hdr(x) -m reg a++\n'))), []);
  t.equal(warnings(load(fe(' acl f hdr (host)\n')))[0], "[WARNING] config : parsing acl 'f' :\n" +
    "  matching 'hdr' for pattern '(host)' is likely a mistake and probably\n" +
    "  not what you want. Maybe you need to remove the extraneous space before '('.\n" +
    "  If you are really sure this is not an error, please insert '--' between the\n" +
    '  match and the pattern to make this warning message disappear.');
  t.match(warnings(load(fe(' acl d path_beg "" x\n')))[0], /no pattern to match against/);
  t.equal(first(fe(' http-request deny if { req.payload(0,1) x }\n')), "[ALERT] config : parsing [t.cfg:5] : error detected while parsing an 'http-request deny' condition : matching method must be specified first (using '-m') when using a sample fetch of this type ('req.payload').");
  t.equal(first(fe(' acl a nbsrv gt 0\n')), "[ALERT] config : parsing [t.cfg:5]: proxy 'f', referenced in arg 1 of ACL keyword 'nbsrv' in proxy 'f', has not backend capability.");
});

t.test('L6 fetches and context warnings', async (t) => {
  t.same(warnings(load(fe(' tcp-request content accept if { req.ssl_hello_type 1 }\n'))),
    ["[WARNING] config : Proxy 'f': L6 sample fetches ignored on HTTP proxies (declared at t.cfg:5)."]);
  t.same(warnings(load(fe(' http-request deny if HTTP WAIT_END\n'))), []);
  t.same(warnings(load('frontend f\n bind :80\n timeout client 1s\n tcp-request content accept\n tcp-request connection accept if { path / }\n')), [
    "[WARNING] config : parsing [t.cfg:5] : a 'tcp-request' rule placed after a 'tcp-request content' rule will still be processed before.",
    "[WARNING] config : parsing [t.cfg:5] : anonymous acl will never match in 'tcp-request connection' because it uses keyword 'path' which is incompatible with 'frontend tcp-request connection rule'",
  ]);
  t.same(warnings(load(fe(' http-request deny\n monitor fail if { status 200 }\n'))),
    ["[WARNING] config : parsing [t.cfg:6] : a 'monitor fail' rule placed after an 'http-request' rule will still be processed before."]);
});

t.test('an ACL refused as not implemented does not cascade', async (t) => {
  const a = alerts(load(fe(' acl abuse src_http_req_rate gt 10\n http-request deny if abuse\n')));
  t.equal(a.length, 1);
  t.match(a[0], /needs stick tables/);
});

t.test('a broken http rule stops the parse, as in HAProxy', async (t) => {
  const r = load(fe(' http-request deny if zz\n foo\n'));
  t.same(r.lines.filter((l) => l.startsWith('[ALERT]')), [
    "[ALERT] config : parsing [t.cfg:5] : error detected while parsing an 'http-request deny' condition : no such ACL : 'zz'.",
    '[ALERT] config : Error(s) found in configuration file : t.cfg',
  ]);
  // other rule errors do not stop it
  t.equal(alerts(load(fe(' use_backend b if zz\n foo\n'))).length, 2);
});

t.test('inheriting rules from a defaults section', async (t) => {
  const cases: Array<[string, string]> = [
    ['defaults d\n mode http\n http-request deny\nlisten l from d\n bind :80\n', 'parsing [t.cfg:4]: a listen section cannot inherit from a defaults section defining TCP/HTTP rules.'],
    ['defaults d\n mode http\n tcp-request connection accept\nbackend b\n', "parsing [t.cfg:4]: a backend section cannot inherit from a defaults section defining 'tcp-request connection' or 'tcp-request session' rules (defaults section at t.cfg:1)."],
    ['defaults d\n mode http\n http-request deny\nfrontend f\n bind :80\nfrontend g\n bind :81\nbackend b\n', 'parsing [t.cfg:8]: frontends and backends cannot inherit from the same defaults section if it defines TCP/HTTP rules (defaults section at t.cfg:1).'],
    ['defaults d\n mode http\n tcp-response content accept\nfrontend f\n bind :80\n', "parsing [t.cfg:4]: a frontend section cannot inherit from a defaults section defining 'tcp-response content' rules (defaults section at t.cfg:1)."],
    ['defaults d\n mode http\n http-request deny\ndefaults e from d\n', 'parsing [t.cfg:4]: a defaults section cannot inherit from a defaults section defining TCP/HTTP rules (defaults section at t.cfg:1).'],
  ];
  for (const [cfg, msg] of cases) t.same(alerts(load(cfg)), [`[ALERT] config : ${msg}`], msg);
  t.same(alerts(load('defaults d\n mode http\n http-request deny\ndefaults\nfrontend g from d\n bind :81\n timeout client 1s\nbackend b\n')), []);
});

t.test('http replies and reference labels', async (t) => {
  const px = "error detected in frontend 'f' while parsing 'http-request return' rule :";
  const cases: Array<[string, string]> = [
    ['http-request return status 200 string', `${px} 'string' expects <str> as argument.`],
    ['http-request return status 200 content-type', `${px} 'content-type' expects <ctype> as argument.`],
    ['http-request return status 200 hdr x', `${px} 'hdr' expects <name> and <value> as arguments.`],
    ['http-request return status 200 errorfile', `${px} 'errorfile' expects <fmt> as argument.`],
    ['http-request return status 200 string x file /etc/hostname', `${px} unexpected 'file' argument, 'string' already defined.`],
    ['http-request return status 200 lf-string x', `${px} a content type must be defined with a log-format payload.`],
    ['http-request deny deny_status 200 string x', "error detected in frontend 'f' while parsing 'http-request deny' rule : a content type must be defined when non-empty payload is configured."],
  ];
  for (const [line, msg] of cases) t.equal(first(fe(` ${line}\n`)), `[ALERT] config : parsing [t.cfg:5] : ${msg}`, line);
  t.equal(warnings(load(fe(' http-request return content-type x hdr a b\n')))[0],
    "[WARNING] config : parsing [t.cfg:5] : content-type 'x' ignored by the http reply because neither errorfile nor payload defined.");
  t.equal(first(fe(' http-request deny deny_status 500 errorfiles zz\n')), "[ALERT] config : Proxy 'f': unknown http-errors section 'zz' referenced by an http reply .");
  const ref = (line: string) => first(fe(` ${line}\n`));
  t.equal(ref('http-request set-var(txn.x) nbsrv(zz)'), "[ALERT] config : parsing [t.cfg:5]: unable to find backend 'zz' referenced in arg 1 of sample fetch keyword 'nbsrv' in http-request expression in proxy 'f'.");
  t.equal(ref('http-response set-header x %[nbsrv(zz)]'), "[ALERT] config : parsing [t.cfg:5]: unable to find backend 'zz' referenced in arg 1 of sample fetch keyword 'nbsrv' in http-response response in proxy 'f'.");
  t.equal(ref('http-request redirect location %[nbsrv(zz)]'), "[ALERT] config : parsing [t.cfg:5]: unable to find backend 'zz' referenced in arg 1 of sample fetch keyword 'nbsrv' in redirect format string in proxy 'f'.");
  t.equal(ref('tcp-request content capture nbsrv(zz) len 1'), "[ALERT] config : parsing [t.cfg:5]: unable to find backend 'zz' referenced in arg 1 of sample fetch keyword 'nbsrv' in capture rule in proxy 'f'.");
  t.equal(ref('http-request capture nbsrv(zz) len 1'), "[ALERT] config : parsing [t.cfg:5]: unable to find backend 'zz' referenced in arg 1 of ACL keyword 'nbsrv' in proxy 'f'.");
  t.equal(ref('acl a srv_is_up(x/s)'), "[ALERT] config : parsing [t.cfg:5]: unable to find proxy 'x' referenced in arg 1 of ACL keyword 'srv_is_up' in proxy 'f'.");
  t.equal(first('backend b\n http-request capture req.hdr(x) len 10\n'), "[ALERT] config : parsing [t.cfg:2] : error detected in backend 'b' while parsing 'http-request capture' rule : proxy 'b' has no frontend capability.");
});

t.test('types, patterns and names as HAProxy checks them', async (t) => {
  const acl = (line: string) => first(fe(` ${line}\n`));
  const P = "[ALERT] config : parsing [t.cfg:5] : error detected while parsing ACL 'a' :";
  t.equal(acl('acl a ssl_fc_cipherlist_hex -m ip x'), `${P} matching method 'ip' cannot be used with fetch keyword 'ssl_fc_cipherlist_hex'.`);
  t.equal(acl('acl a req.payload_lv(1,2),map_ip_ip(x,y) 1'), `${P} converter 'map_ip_ip' cannot be applied in ACL expression 'req.payload_lv(1,2),map_ip_ip(x,y)'.`);
  t.equal(acl('acl a base_dom(x),lower x'), `${P} ACL keyword 'base_dom' : expected ')' before 'x),lower'.`);
  t.equal(acl('acl a queue(a,b,c),upper x'), `${P} fetch method 'queue' : expected ')' before ',b,c),upper' in ACL expression 'queue(a,b,c),upper'.`);
  t.equal(acl('acl a ssl_s_version,hmac -m found'), `${P} invalid arg 2 in converter 'hmac' : missing arguments (got 1/2), type 'string' expected in ACL expression 'ssl_s_version,hmac'.`);
  t.equal(acl('acl a dst_port 10.0'), `${P} '10.0' is not a number.`);
  t.equal(acl('acl a dst_port 1:2:3'), `${P} '1:2:3' is not a valid number range.`);
  t.equal(acl('acl a src x'), `${P} 'x' is not a valid IPv4 or IPv6 address.`);
  t.equal(acl('acl a src -n localhost'), `${P} 'localhost' is not a valid IPv4 or IPv6 address.`);
  t.same(alerts(load(fe(' acl a dst_port 1-5 :5 5: gt\n acl b src localhost\n acl c path -m ip 1.2.3.4\n acl d src -m beg 1\n'))), []);
  // the "no pattern" warning only looks at the word right after the expression
  t.same(warnings(load(fe(' acl a var(txn.x) -m str ""\n acl b hdr -n\n'))), []);
  t.equal(first(fe(' http-request set-timeout client 5s\n') + 'backend b\n'), "[ALERT] config : parsing [t.cfg:5] : error detected in frontend 'f' while parsing 'http-request set-timeout' rule : proxy 'f' has no backend capability.");
  t.equal(first('listen f\n bind :80\n mode http\n http-request set-timeout client 5s\n'), "[ALERT] config : parsing [t.cfg:4] : error detected in proxy 'f' while parsing 'http-request set-timeout' rule : 'set-timeout' rule supports 'server'/'tunnel' (got 'client').");
  t.equal(first('listen f\n bind :80\n mode http\n use_backend f if TRUE\n'), "[ALERT] config : Proxy 'f': loop detected for use_backend: 'f'.");
});

t.test('log-format arguments', async (t) => {
  const px = "error detected in frontend 'f' while parsing";
  t.equal(first(fe(' http-request set-header x %zz\n')), `[ALERT] config : parsing [t.cfg:5] : ${px} 'http-request set-header' rule : no such format variable 'zz'. If you wanted to emit the '%' character verbatim, you need to use '%%'.`);
  t.equal(first(fe(' http-request set-header x %[src\n')), `[ALERT] config : parsing [t.cfg:5] : ${px} 'http-request set-header' rule : missing ']' after 'src'.`);
  t.equal(first(fe(' http-request redirect location /%zz\n')), `[ALERT] config : parsing [t.cfg:5] : ${px} 'http-request redirect' rule : no such format variable 'zz'. If you wanted to emit the '%' character verbatim, you need to use '%%'.`);
  t.equal(first(fe(' use_backend be_%zz\n')), "[ALERT] config : Parsing [t.cfg:5]: failed to parse use_backend rule 'be_%zz' : no such format variable 'zz'. If you wanted to emit the '%' character verbatim, you need to use '%%'.");
  t.same(alerts(load(fe(' http-request set-header x "%ci %{+Q}[src] 100%%"\n use_backend be_%[req.hdr(host)]\n'))), []);
});

t.test('partly incompatible ACLs', async (t) => {
  const w = warnings(load(fe(' acl a path /\n acl a src 1.1.1.1\n acl b status 200\n tcp-request connection reject if a\n http-request deny if a b\n http-request deny if a\n')));
  t.same(w, [
    "[WARNING] config : parsing [t.cfg:8] : acl 'a' involves keyword 'path' which is incompatible with 'frontend tcp-request connection rule'",
    "[WARNING] config : parsing [t.cfg:9] : acl 'b' will never match because it only involves keywords that are incompatible with 'frontend http-request header rule'",
  ]);
  t.equal(first(fe(' use_backend b if a\n acl a path /\n') + 'backend b\n'), "[ALERT] config : parsing [t.cfg:5] : error detected while parsing switching rule : no such ACL : 'a'.");
});

t.test('argument counting and tcp rule messages', async (t) => {
  const px = "error detected in frontend 'f' while parsing";
  const cases: Array<[string, string]> = [
    ['http-request set-path 301 200 unless TRUE', `${px} 'http-request set-path' rule : expects exactly 1 argument <format>.`],
    ['http-request replace-header x unless y 1', "'http-request replace-header' expects either 'if' or 'unless' followed by a condition but found '1'."],
    ['http-request set-mark', `${px} 'http-request set-mark' rule : expects exactly 1 argument (integer/hex value).`],
    ['http-request strict-mode', `${px} 'http-request strict-mode' rule : expects exactly 1 arguments.`],
    ['http-request capture 1s hdr time', `${px} 'http-request capture' rule : unknown fetch method '1s'.`],
    ['http-response capture src', `${px} 'http-response capture' rule : expects <expression> id <idx>.`],
    ['tcp-request connection set-src', 'missing fetch method'],
    ['tcp-request content set-mark "a b"', "invalid character starting at 'a b' (integer/hex value expected)"],
    ['tcp-request content set-log-level x', "expects exactly 1 argument (log level name or 'silent')"],
  ];
  for (const [line, msg] of cases) {
    const style = msg.startsWith("'http-request replace") ? ']: ' : '] : ';
    t.equal(first(fe(` ${line}\n`)), `[ALERT] config : parsing [t.cfg:5${style}${msg}`, line);
  }
  t.same(alerts(load(fe(' http-response replace-value x unless 1s\n'))), []);
  t.match(first(fe(' http-request allw\n')), /but got 'allw'\. Did you mean 'allow' maybe \?$/);
  t.match(first(fe(' tcp-request content rejet\n')), /\(got 'rejet'\)\. Did you mean 'reject' maybe \?\n$/);
});
