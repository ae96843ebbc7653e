/**
 * `bind` and `stats socket` lines: address forms, options, and HAProxy's
 * exact messages (each expected line was produced by haproxy 2.6.12 -c).
 */
import t from 'tap';
import { load, alerts, warnings } from '../helpers.js';

const fe = (bind: string) => `frontend f\n bind ${bind}\n`;

t.test('address forms', async (t) => {
  const r = load(fe('127.0.0.1:8000-8002,ipv6@:::81,/tmp/x.sock,') + ' bind *:80\n bind :::80\n bind [::1]:81\n bind unix@rel.sock\n');
  t.same(alerts(r), []);
  const [b1, b2, b3, b4, b5] = r.model!.proxies[0]!.binds;
  t.same(b1!.addrs.map((a) => [a.family, a.host ?? a.path, a.port]), [
    ['ipv4', '127.0.0.1', 8000], ['ipv4', '127.0.0.1', 8001], ['ipv4', '127.0.0.1', 8002],
    ['ipv6', '::', 81], ['unix', '/tmp/x.sock', 0],
  ]);
  t.same(b2!.addrs, [{ family: 'ipv4', host: '', port: 80, portEnd: 80 }]);
  t.same(b3!.addrs[0]!.family, 'ipv6');
  t.same(b4!.addrs[0], { family: 'ipv6', host: '::1', port: 81, portEnd: 81 });
  t.same(b5!.addrs[0]!.path, 'rel.sock');
  t.equal(b1!.spec, '127.0.0.1:8000-8002,ipv6@:::81,/tmp/x.sock,');
});

t.test('environment variables in addresses', async (t) => {
  const r = load('frontend f\n bind "${ADDR}:${PORT}"\n', { ADDR: '127.0.0.1', PORT: '8080' });
  t.same(alerts(r), []);
  t.same(r.model!.proxies[0]!.binds[0]!.addrs[0], { family: 'ipv4', host: '127.0.0.1', port: 8080, portEnd: 8080 });
  t.same(alerts(load('frontend f\n bind "${NOPE}:80"\n')), []);
});

t.test('options are parsed into the model', async (t) => {
  const r = load('frontend f\n mode http\n bind ' + (':80 name web maxconn 100 backlog 50 accept-proxy v4v6 transparent defer-accept tfo interface lo mss 1400 tcp-ut 5s id 7 nice 10 thread 1 alpn h2,http/1.1 proto h2 no-sslv3') + '\n');
  t.same(alerts(r), []);
  const b = r.model!.proxies[0]!.binds[0]!;
  t.match(b, {
    name: 'web', maxconn: 100, backlog: 50, acceptProxy: true, v4v6: true, transparent: true,
    deferAccept: true, tfo: true, interface: 'lo', mss: 1400, tcpUt: 5000, id: 7, nice: 10, thread: '1',
    alpn: 'h2,http/1.1', proto: 'h2', ssl: false, level: 'operator',
  });
  t.same(b.tls, { 'no-sslv3': '' });
});

t.test('stats socket options', async (t) => {
  const r = load('global\n stats socket /run/x.sock mode 660 level admin expose-fd listeners user root group root\n');
  t.same(alerts(r), []);
  const b = r.model!.global.statsSockets[0]!.bind;
  t.match(b, { mode: 0o660, level: 'admin', exposeFdListeners: true, user: 'root', uid: 0, group: 'root', gid: 0 });
  t.same(b.addrs, [{ family: 'unix', path: '/run/x.sock', port: 0, portEnd: 0 }]);
  t.equal(load('global\n stats socket /run/y.sock\n').model!.global.statsSockets[0]!.bind.level, 'operator');
});

const P = '[ALERT] config : parsing [t.cfg:2] : ';
const bindErrors: Array<[string, string]> = [
  ['', `'bind' expects {<path>|[addr1]:port1[-end1]}{,[addr]:port[-end]}... as arguments.`],
  ['a:1,b:2', `'bind' : invalid address: 'a' in 'a:1'`],
  ['nonexist.invalid:80', `'bind' : invalid address: 'nonexist.invalid' in 'nonexist.invalid:80'`],
  [':99999', `'bind' : invalid port '99999'`],
  [':0', `'bind' : invalid port '0'`],
  [':80-70', `'bind' : invalid port range '80-70'`],
  [':80-99999', `'bind' : invalid port '99999'`],
  [':80-', `'bind' : invalid port ''`],
  [':80-8x', `'bind' : invalid port range '80-8'`],
  [':abc', `'bind' : invalid character 'a' in port number 'abc' in ':abc'`],
  ['127.0.0.1', `'bind' : missing port specification in '127.0.0.1'`],
  ['*', `'bind' : missing port specification in '*'`],
  ['[::1]', `'bind' : missing port specification in '[::1]'`],
  ['ipv4@127.0.0.1', `'bind' : missing port specification in 'ipv4@127.0.0.1'`],
  ['ipv6@1.2.3.4:80', `'bind' : invalid address: '1.2.3.4' in 'ipv6@1.2.3.4:80'`],
  ['1.2.3.4:+5', `'bind' : port offset not permitted here in '1.2.3.4:+5'`],
  ['foo@:80', `'bind' : invalid address: 'foo@' in 'foo@:80'`],
  ['udp@:80', `'bind' : dgram-type address not acceptable in 'udp@:80'`],
  ['quic4@:443', `'bind' : unsupported stream protocol for datagram family 2 address 'quic4@:443'; QUIC is not compiled in if this is what you were looking for.`],
  ['fd@x', `'bind' : file descriptor 'x' is not a valid integer in 'fd@x'`],
  ['sockpair@x', `'bind' : file descriptor 'x' is not a valid integer in 'sockpair@x'`],
  [',:80', `'bind' : '' resolves to an empty address (environment variable missing?)`],
  ['${X}', `'bind' : '\${X}' resolves to an empty address (environment variable missing?)`],
  ['/tmp/' + 'a'.repeat(100), `'bind' : socket path '/tmp/${'a'.repeat(100)}' too long (max 97)`],
  [':80 nme x', `'bind :80' in section 'frontend': unknown keyword 'nme'; did you mean 'name' maybe ?`],
  [':80 acept-proxy', `'bind :80' in section 'frontend': unknown keyword 'acept-proxy'; did you mean 'accept-proxy' maybe ?`],
  [':80 foo', `'bind :80' in section 'frontend': unknown keyword 'foo'; did you mean 'tfo' maybe ?`],
  [':80 accept-proxy zzzzzzzzz', `'bind :80' in section 'frontend': unknown keyword 'zzzzzzzzz'.`],
  [':80 name', `'bind :80' in section 'frontend' : 'name' : missing name`],
  [':80 maxconn', `'bind :80' in section 'frontend' : 'maxconn' : missing value`],
  [':80 maxconn -1', `'bind :80' in section 'frontend' : 'maxconn' : invalid value -1, must be >= 0`],
  [':80 backlog -1', `'bind :80' in section 'frontend' : 'backlog' : invalid value -1, must be > 0`],
  [':80 id', `'bind :80' in section 'frontend' : 'id' : expects an integer argument`],
  [':80 id x', `'bind :80' in section 'frontend' : 'id' : expects an integer argument, found 'x'`],
  [':80 id 0', `'bind :80' in section 'frontend' : 'id' : custom id has to be > 0`],
  [':80 id 2147483648', `'bind :80' in section 'frontend' : 'id' : custom id has to be > 0`],
  [':80 accept-netscaler-cip 1234', `'bind :80' in section 'frontend' : 'accept-netscaler-cip' (NetScaler Client IP insertion) is not implemented in lb yet.`],
  [':80,:81 id 5', `'bind :80,:81' in section 'frontend' : 'id' can only be used with a single socket`],
  [':80 mss', `'bind :80' in section 'frontend' : 'mss' : missing MSS value`],
  [':80 mss x', `'bind :80' in section 'frontend' : 'mss' : expects an MSS with and absolute value between 1 and 65535`],
  [':80 nice 2000', `'bind :80' in section 'frontend' : 'nice' : invalid value 2000, allowed range is -1024..1024`],
  [':80 interface', `'bind :80' in section 'frontend' : 'interface' : missing interface name`],
  [':80 mode', `'bind :80' in section 'frontend' : 'mode' : missing or invalid mode '' (octal integer expected)`],
  [':80 mode 1778', `'bind :80' in section 'frontend' : 'mode' : missing or invalid mode '1778' (octal integer expected)`],
  [':80 level foo', `'bind :80' in section 'frontend' : 'level' only supports 'user', 'operator', and 'admin' (got 'foo')`],
  [':80 level', `'bind :80' in section 'frontend' : 'level' : missing level`],
  [':80 expose-fd foo', `'bind :80' in section 'frontend' : 'expose-fd' only supports 'listeners' (got 'foo')`],
  [':80 user nosuchuser', `'bind :80' in section 'frontend' : 'user' : unknown user name 'nosuchuser'`],
  [':80 group nosuchgroup', `'bind :80' in section 'frontend' : 'group' : unknown group name 'nosuchgroup'`],
  [':80 uid', `'bind :80' in section 'frontend' : 'uid' : missing value`],
  [':80 process x', `'bind :80' in section 'frontend' : 'process' : 'x' is not a valid number/range.`],
  [':80 process 0', `'bind :80' in section 'frontend' : 'process' : '0' is not a valid number/range. It supports numbers from 1 to 1.`],
  [':80 thread x', `'bind :80' in section 'frontend' : 'x' : 'x' is not a valid number/range.`],
  [':80 thread 0', `'bind :80' in section 'frontend' : '0' : '0' is not a valid number/range. It supports numbers from 1 to 64.`],
  [':80 thread', `'bind :80' in section 'frontend' : '' : '' is not a valid number/range. It supports numbers from 1 to 64.`],
  [':80 thread 2/1', `'bind :80' in section 'frontend' : '2/1' thread-group number must be between 1 and 1 (was 2)`],
  [':80 thread 1/65', `'bind :80' in section 'frontend' : '65' : '65' is not a valid number/range. It supports numbers from 1 to 64.`],
  [':80 thread x/1', `'bind :80' in section 'frontend' : 'x/1' : 'x/1' is not a valid number/range.`],
  [':80 tcp-ut', `'bind :80' in section 'frontend' : 'tcp-ut' : missing TCP User Timeout value`],
  [':80 tcp-ut x', `'bind :80' in section 'frontend' : 'tcp-ut' : expects a positive delay in milliseconds`],
  [':80 proto', `'bind :80' in section 'frontend' : 'proto' : missing value`],
  [':80 proto foo', `'bind :80' in section 'frontend' : 'proto' :  unknown MUX protocol 'foo'`],
  [':80 severity-output x', `'bind :80' in section 'frontend' : 'severity-output' only supports 'none', 'number', and 'string' (got 'x')`],
  [':80 shards 65', `'bind :80' in section 'frontend' : 'shards' : invalid value 65, allowed range is 1..64 or 'by-thread'`],
  [':80 alpn', `'bind :80' in section 'frontend' : 'alpn' : missing the comma-delimited ALPN protocol suite`],
  [':80 npn', `'bind :80' in section 'frontend' : 'npn' : missing the comma-delimited NPN protocol suite`],
  [':80 crt', `'bind :80' in section 'frontend' : 'crt' : missing certificate location`],
  [':80 ssl crt /x.pem', `'bind :80' in section 'frontend' : unable to stat SSL certificate from file '/x.pem' : No such file or directory.`],
  [':80 crt x.pem', `'bind :80' in section 'frontend' : unable to stat SSL certificate from file 'x.pem' : No such file or directory.`],
  [':80 crt-list /x', `'bind :80' in section 'frontend' : 'crt-list' : cannot open file '/x' : No such file or directory`],
  [':80 verify foo', `'bind :80' in section 'frontend' : 'verify' : unknown verify method 'foo', only 'none', 'optional', and 'required' are supported`],
  [':80 verify', `'bind :80' in section 'frontend' : 'verify' : missing verify method`],
  [':80 ssl-min-ver foo', `'bind :80' in section 'frontend' : 'foo' : unknown ssl/tls version`],
  [':80 ssl-min-ver', `'bind :80' in section 'frontend' : 'ssl-min-ver' : missing the ssl/tls version`],
  [':80 ciphers', `'bind :80' in section 'frontend' : 'ciphers' : missing cipher suite`],
  [':80 curves', `'bind :80' in section 'frontend' : 'curves' : missing curve suite`],
  [':80 ecdhe', `'bind :80' in section 'frontend' : 'ecdhe' : missing named curve`],
  [':80 ca-sign-file', `'bind :80' in section 'frontend' : 'ca-sign-file' : missing CAfile path`],
  [':80 tls-ticket-keys /x', `'bind :80' in section 'frontend' : '/x' : unable to load ssl tickets keys file`],
];

t.test('bind errors (HAProxy wording)', async (t) => {
  for (const [line, msg] of bindErrors) {
    t.same(alerts(load(fe(line))), [P + msg], line);
  }
});

t.test('errors that HAProxy prints as two alerts or unplaced', async (t) => {
  t.same(alerts(load(fe(':80 ca-file /x'))), [
    `[ALERT] config : Couldn't open the ca-file '/x' (No such file or directory).`,
    P + `'bind :80' in section 'frontend' : 'ca-file' : unable to load /x`,
  ]);
  t.same(alerts(load(fe(':80 namespace foo'))), [
    `[ALERT] config : Cannot open namespace 'foo'.`,
    P + `'bind :80' in section 'frontend' : error encountered while processing 'namespace'.`,
  ]);
  t.same(alerts(load(fe(':80 ssl'))), [
    `[ALERT] config : Proxy 'f': no SSL certificate specified for bind ':80' at [t.cfg:2] (use 'crt').`,
  ]);
  t.same(alerts(load(`frontend f\n bind :80 id 5\n bind :81 id 5\n`)), [
    `[ALERT] config : parsing [t.cfg:3] : 'bind :81' in section 'frontend' : 'id' : custom id 5 already used at t.cfg:2 ('bind :80')`,
  ]);
  t.same(alerts(load(`listen l\n bind :80 nme\n`)), [
    P + `'bind :80' in section 'listen': unknown keyword 'nme'; did you mean 'name' maybe ?`,
  ]);
});

t.test('crt is relative to crt-base', async (t) => {
  t.same(alerts(load('global\n crt-base /nonexist\nfrontend f\n bind :80 ssl crt x.pem\n')), [
    `[ALERT] config : parsing [t.cfg:4] : 'bind :80' in section 'frontend' : unable to stat SSL certificate from file '/nonexist/x.pem' : No such file or directory.`,
  ]);
});

t.test('TLS termination is not implemented', async (t) => {
  const r = load(fe(':443 ssl crt /etc/passwd alpn h2'));
  t.same(alerts(r), [P + `'bind :443' in section 'frontend' : TLS termination ('ssl') is not implemented in lb yet; terminate TLS in front of lb or run this configuration with HAProxy.`]);
  t.equal(r.diag.list[0]!.code, 'LB_ERR_CFG_NOT_IMPLEMENTED');
});

t.test('process is deprecated', async (t) => {
  const r = load(fe(':80 process 1'));
  t.same(alerts(r), []);
  t.same(warnings(r).slice(0, 1), [
    `[WARNING] config : parsing [t.cfg:2] : 'bind :80' in section 'frontend' : 'process 1' on 'bind' lines is deprecated and will be removed in 2.7.`,
  ]);
});

const S = (opts: string) => `global\n stats socket ${opts}\n`;
t.test('stats socket errors (HAProxy wording)', async (t) => {
  const cases: Array<[string, string]> = [
    ['', `'stats socket' in global section expects an address or a path to a UNIX socket`],
    ['/tmp/x levl admin', `'stats socket' : unknown keyword 'levl'. Did you mean 'level' maybe ?`],
    ['/tmp/x zzzzzzzzzz', `'stats socket' : unknown keyword 'zzzzzzzzzz'.`],
    ['/tmp/x maxconn', `'stats socket' : ''maxconn' : missing value'`],
    ['/tmp/x level foo', `'stats socket' : ''level' only supports 'user', 'operator', and 'admin' (got 'foo')'`],
    [':99999', `parsing [t.cfg:2] : 'stats socket' : invalid port '99999'`],
    ['127.0.0.1', `parsing [t.cfg:2] : 'stats socket' : missing port specification in '127.0.0.1'`],
    ['/tmp/x ssl crt /x.pem', `'stats socket' : 'unable to stat SSL certificate from file '/x.pem' : No such file or directory.\n'`],
  ];
  for (const [line, msg] of cases) t.same(alerts(load(S(line))), [P + msg], line);
  t.same(alerts(load(S('/tmp/x ssl'))), [P + `'stats socket' : TLS termination ('ssl') is not implemented in lb yet; terminate TLS in front of lb or run this configuration with HAProxy.`]);
  t.same(warnings(load(S('/tmp/x process 1'))), [
    `[WARNING] config : parsing [t.cfg:2] : 'stats socket' : 'process 1' on 'bind' lines is deprecated and will be removed in 2.7.`,
  ]);
});

t.test('forced mux must suit the proxy mode (checked after parsing)', async (t) => {
  t.same(alerts(load('frontend f\n bind :80 proto h1\n')), [`[ALERT] config : frontend 'f' : MUX protocol 'h1' is not usable for 'bind :80' at [t.cfg:2].`]);
  t.same(alerts(load('listen l\n bind :80 proto h2\n')), [`[ALERT] config : proxy 'l' : MUX protocol 'h2' is not usable for 'bind :80' at [t.cfg:2].`]);
  t.same(alerts(load('frontend f\n mode http\n bind :80 proto fcgi\n')), [`[ALERT] config : frontend 'f' : MUX protocol 'fcgi' is not usable for 'bind :80' at [t.cfg:3].`]);
  t.same(alerts(load('frontend f\n mode http\n bind :80 proto none\n')), [`[ALERT] config : frontend 'f' : MUX protocol 'none' is not usable for 'bind :80' at [t.cfg:3].`]);
  t.same(alerts(load('frontend f\n mode http\n bind :80 proto h2\n')), []);
  t.same(alerts(load('frontend f\n bind :80 proto none\n')), []);
});
