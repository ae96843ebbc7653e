/**
 * `server`, `default-server`, `server-template`: the parsed model,
 * inheritance, start-up resolution, and HAProxy's exact messages (each
 * expected line was produced by haproxy 2.6.12 -c).
 */
import t from 'tap';
import { load, alerts, warnings } from '../helpers.js';

const be = (line: string) => `backend b\n mode tcp\n server s1 ${line}\n`;
const L = '[ALERT] config : [t.cfg:3] : ';

t.test('server addresses', async (t) => {
  const r = load('backend b\n server a 1.2.3.4:80\n server b [::1]:81\n server c ::1:82\n server d 1.2.3.4\n'
    + ' server e 1.2.3.4:+10\n server f 1.2.3.4:-1\n server g unix@/tmp/s\n server h /tmp/s2\n server i localhost:8080\n server j ipv4@127.0.0.1:1\n');
  t.same(alerts(r), []);
  const s = r.model!.proxies[0]!.servers;
  t.same(s.map((x) => [x.name, x.address.family, x.address.fqdn ?? x.address.host ?? x.address.path, x.address.port]), [
    ['a', 'ipv4', '1.2.3.4', 80], ['b', 'ipv6', '::1', 81], ['c', 'ipv6', '::1', 82], ['d', 'ipv4', '1.2.3.4', 0],
    ['e', 'ipv4', '1.2.3.4', 10], ['f', 'ipv4', '1.2.3.4', -1], ['g', 'unix', '/tmp/s', 0], ['h', 'unix', '/tmp/s2', 0],
    ['i', 'ipv4', 'localhost', 8080], ['j', 'ipv4', '127.0.0.1', 1],
  ]);
  t.equal(s[4]!.address.portOffset, true);
  t.equal(s[8]!.address.host, '127.0.0.1');
  t.equal(s[8]!.address.fqdn, 'localhost');
});

t.test('options are parsed into the model', async (t) => {
  const r = load('backend b\n mode http\n server s1 ' + ('1.2.3.4:80 check port 8080 addr 127.0.0.1 inter 1s fastinter 500 downinter 5s rise 1 fall 5 weight 10 backup maxconn 20 maxqueue 5 minconn 2 slowstart 30s'
    + ' send-proxy-v2 on-marked-down shutdown-sessions on-marked-up shutdown-backup-sessions observe layer4 error-limit 3 on-error mark-down'
    + ' cookie c1 id 7 init-addr last,libc,none resolve-prefer ipv4 pool-max-conn 10 max-reuse 5 tfo source 10.0.0.1 verify none agent-check agent-port 9999 agent-inter 3s') + '\n');
  t.same(alerts(r), []);
  t.match(r.model!.proxies[0]!.servers[0], {
    check: true, checkPort: 8080, checkAddr: '127.0.0.1', inter: 1000, fastinter: 500, downinter: 5000, rise: 1, fall: 5,
    weight: 10, backup: true, maxconn: 20, maxqueue: 5, minconn: 2, slowstart: 30000, sendProxyV2: true,
    onMarkedDown: 'shutdown-sessions', onMarkedUp: 'shutdown-backup-sessions', observe: 'layer4', errorLimit: 3,
    onError: 'mark-down', cookie: 'c1', id: 7, initAddr: ['last', 'libc', 'none'], resolvePrefer: 'ipv4',
    poolMaxConn: 10, maxReuse: 5, tfo: true, source: { addr: '10.0.0.1' }, verify: 'none', ssl: false,
    agentCheck: true, agentPort: 9999, agentInter: 3000,
  });
});

t.test('defaults: initial values', async (t) => {
  const s = load(be('1.2.3.4:80')).model!.proxies[0]!.servers[0]!;
  t.match(s, { check: false, inter: 2000, rise: 2, fall: 3, weight: 1, backup: false, disabled: false, maxconn: 0, errorLimit: 10, onError: 'fail-check' });
  t.equal(s.fastinter, undefined);
});

t.test('default-server inheritance and cancellation', async (t) => {
  const r = load('defaults\n default-server check inter 3s rise 5 backup disabled\nbackend b\n default-server weight 20\n'
    + ' server s1 1.1.1.1:80 no-check no-backup enabled\n server s2 1.1.1.1:81\nbackend c\n server s3 1.1.1.1:82\n');
  t.same(alerts(r), []);
  const [b, c] = r.model!.proxies;
  t.match(b!.servers[0], { check: false, backup: false, disabled: false, inter: 3000, rise: 5, weight: 20 });
  t.match(b!.servers[1], { check: true, backup: true, disabled: true, inter: 3000, rise: 5, weight: 20 });
  t.match(c!.servers[0], { check: true, weight: 1, inter: 3000 });
});

t.test('server-template', async (t) => {
  const r = load('backend b\n server-template web 3 1.1.1.1:80 check\n server-template api 5-6 /tmp/s weight 4\n');
  t.same(alerts(r), []);
  const s = r.model!.proxies[0]!.servers;
  t.same(s.map((x) => x.name), ['web1', 'web2', 'web3', 'api5', 'api6']);
  t.same(s[4]!.template, { prefix: 'api', index: 6 });
  t.equal(s[4]!.weight, 4);
  t.equal(s[0]!.check, true);
});

const lineErrors: Array<[string, string]> = [
  ['1.2.3.4:80 chek', `'server b/s1' : unknown keyword 'chek'; did you mean 'check' maybe ?`],
  ['1.2.3.4:80 wieght 3', `'server b/s1' : unknown keyword 'wieght'; did you mean 'weight' maybe ?`],
  ['1.2.3.4:80 foo', `'server b/s1' : unknown keyword 'foo'; did you mean 'tfo' maybe ?`],
  ['1.2.3.4:80 zzzzzzzz', `'server b/s1' : unknown keyword 'zzzzzzzz'.`],
  ['1.2.3.4:80 weight 257', `'server b/s1' : weight of server s1 is not within 0 and 256 (257)..`],
  ['1.2.3.4:80 weight -1', `'server b/s1' : weight of server s1 is not within 0 and 256 (-1)..`],
  ['1.2.3.4:80 rise 0', `'server b/s1' : 'rise' has to be > 0..`],
  ['1.2.3.4:80 rise x', `'server b/s1' : 'rise' has to be > 0..`],
  ['1.2.3.4:80 rise', `'server b/s1' : 'rise' expects an integer argument..`],
  ['1.2.3.4:80 fall -1', `'server b/s1' : 'fall' has to be > 0..`],
  ['1.2.3.4:80 inter 0', `'server b/s1' : invalid value 0 for argument 'inter' of server s1..`],
  ['1.2.3.4:80 inter x', `'server b/s1' : unexpected character 'x' in 'agent-inter' argument of server s1..`],
  ['1.2.3.4:80 inter 10x', `'server b/s1' : unexpected character 'x' in 'agent-inter' argument of server s1..`],
  ['1.2.3.4:80 inter', `'server b/s1' : 'inter' expects a delay as argument..`],
  ['1.2.3.4:80 inter 30d', `'server b/s1' : timer overflow in argument <30d> to <inter> of server s1, maximum value is 2147483647 ms (~24.8 days)..`],
  ['1.2.3.4:80 fastinter 0', `'server b/s1' : invalid value 0 for argument 'fastinter' of server s1..`],
  ['1.2.3.4:80 agent-inter 0', `'server b/s1' : invalid value 0 for argument 'agent-inter' of server s1..`],
  ['1.2.3.4:80 slowstart x', `'server b/s1' : unexpected character 'x' in 'slowstart' argument of server s1..`],
  ['1.2.3.4:80 slowstart', `'server b/s1' : unexpected character '.`],
  ['1.2.3.4:80 slowstart 30d', `'server b/s1' : overflow in argument <30d> to <slowstart> of server s1, maximum value is 2147483647 ms (~24.8 days)..`],
  ['1.2.3.4:80 port', `'server b/s1' : 'port' expects a port number as argument..`],
  ['1.2.3.4:80 addr', `'server b/s1' : 'addr' expects <ipv4|ipv6> as argument..`],
  ['1.2.3.4:80 addr x.invalid', `'server b/s1' : 'addr' : invalid address: 'x.invalid' in 'x.invalid'.`],
  ['1.2.3.4:80 addr 1.2.3.4:abc', `'server b/s1' : 'addr' : invalid character 'a' in port number 'abc' in '1.2.3.4:abc'.`],
  ['1.2.3.4:80 id', `'server b/s1' : 'id' : expects an integer argument.`],
  ['1.2.3.4:80 id 0', `'server b/s1' : 'id' : custom id has to be > 0.`],
  ['1.2.3.4:80 id x', `'server b/s1' : 'id' : custom id has to be > 0.`],
  ['1.2.3.4:80 cookie', `'server b/s1' : 'cookie' expects <value> as argument..`],
  ['1.2.3.4:80 on-marked-down x', `'server b/s1' : 'on-marked-down' expects 'shutdown-sessions' but got 'x'.`],
  ['1.2.3.4:80 on-marked-up x', `'server b/s1' : 'on-marked-up' expects 'shutdown-backup-sessions' but got 'x'.`],
  ['1.2.3.4:80 observe x', `'server b/s1' : 'observe' expects one of 'none', 'layer4', 'layer7' but got 'x'.`],
  ['1.2.3.4:80 observe', `'server b/s1' : 'observe' expects <mode> as argument..`],
  ['1.2.3.4:80 on-error x', `'server b/s1' : 'on-error' expects one of 'fastinter', 'fail-check', 'sudden-death' or 'mark-down' but got 'x'.`],
  ['1.2.3.4:80 observe layer7', `'server b/s1' : 'layer7' can only be used in http proxies..`],
  ['1.2.3.4:80 resolve-net 10.0.0.0/33', `'server b/s1' : 'resolve-net' invalid network '10.0.0.0/33'..`],
  ['1.2.3.4:80 error-limit 0', `'server b/s1' : error-limit has to be > 0..`],
  ['1.2.3.4:80 error-limit', `'server b/s1' : 'error-limit' expects an integer argument..`],
  ['1.2.3.4:80 agent-check', `'server b/s1' : server s1 does not have agent port. Agent check has been disabled.`],
  ['1.2.3.4:80 agent-send', `'server b/s1' : 'agent-send' expects a string as argument..`],
  ['1.2.3.4:80 agent-addr x.invalid', `'server b/s1' : parsing agent-addr failed. Check if 'x.invalid' is correct address..`],
  ['1.2.3.4:80 track', `'server b/s1' : 'track' expects [<proxy>/]<server> as argument..`],
  ['1.2.3.4:80 proto', `'server b/s1' : 'proto' : missing value.`],
  ['1.2.3.4:80 proto foo', `'server b/s1' : 'proto' :  unknown MUX protocol 'foo'.`],
  ['1.2.3.4:80 check-proto x', `'server b/s1' : 'check-proto' :  unknown MUX protocol 'x'.`],
  ['1.2.3.4:80 init-addr foo', `'server b/s1' : 'init-addr' : unknown init-addr method 'foo', supported methods are 'libc', 'last', 'none'..`],
  ['1.2.3.4:80 resolve-prefer foo', `'server b/s1' : 'resolve-prefer' expects either ipv4 or ipv6 as argument..`],
  ['1.2.3.4:80 resolve-opts foo', `'server b/s1' : 'resolve-opts' : unknown resolve-opts option 'foo', supported methods are 'allow-dup-ip', 'ignore-weight', and 'prevent-dup-ip'..`],
  ['1.2.3.4:80 resolve-net foo', `'server b/s1' : 'resolve-net' invalid network 'foo'..`],
  ['1.2.3.4:80 resolve-net', `'server b/s1' : 'resolve-net' expects a list of networks..`],
  ['1.2.3.4:80 source', `'server b/s1' : 'source' expects <addr>[:<port>[-<port>]], and optionally 'usesrc' <addr>, and 'interface' <name> as argument..`],
  ['1.2.3.4:80 source 1.2.3.4:99999', `'server b/s1' : 'source 1.2.3.4:99999' : invalid port '99999'.`],
  ['1.2.3.4:80 source x.invalid', `'server b/s1' : \n  'source x.invalid' : invalid address: 'x.invalid' in 'x.invalid'\n  \n.`],
  ['1.2.3.4:80 source 1.2.3.4 foo', `'server b/s1' : unknown keyword 'foo'; did you mean 'tfo' maybe ?`],
  ['1.2.3.4:80 redir', `'server b/s1' : 'redir' expects <prefix> as argument..`],
  ['1.2.3.4:80 verify foo', `'server b/s1' : 'verify' : unknown verify method 'foo', only 'none' and 'required' are supported.`],
  ['1.2.3.4:80 sni', `'server b/s1' : 'sni' : missing sni expression.`],
  ['1.2.3.4:80 tcp-ut x', `'server b/s1' : 'tcp-ut' : expects a positive delay in milliseconds.`],
  ['1.2.3.4:80 namespace x', `'server b/s1' : Cannot open namespace 'x'.`],
  ['1.2.3.4:80 pool-purge-delay x', `'server b/s1' : unexpected character 'x' in argument to <pool-purge-delay>..`],
  ['1.2.3.4:80 log-proto x', `'server b/s1' : 'log-proto' expects one of 'legacy' or 'octet-count' but got 'x'.`],
  ['1.2.3.4:80 ws x', `'server b/s1' : 'ws' has to be 'auto', 'h1' or 'h2'.`],
  ['1.2.3.4:80 proxy-v2-options foo', `'server b/s1' : 'foo' : proxy v2 option not implemented.`],
  ['1.2.3.4:80 usesrc', `'server b/s1' : 'usesrc' only allowed after a 'source' statement..`],
  ['1.2.3.4:80-81', `'server b/s1' : port range not permitted here in '1.2.3.4:80-81'`],
  ['1.2.3.4:99999', `'server b/s1' : invalid port '99999'`],
  ['1.2.3.4:abc', `'server b/s1' : invalid character 'a' in port number 'abc' in '1.2.3.4:abc'`],
  ['fd@3', `'server b/s1' : a file descriptor is not acceptable here in 'fd@3'`],
  ['udp@1.2.3.4:80', `'server b/s1' : dgram-type address not acceptable in 'udp@1.2.3.4:80'`],
  ['""', `'server' expects <name> and <addr>[:<port>] as arguments.`],
];

t.test('server line errors (HAProxy wording)', async (t) => {
  for (const [line, msg] of lineErrors) t.same(alerts(load(be(line))), [L + msg], line);
});

t.test('errors printed as two alerts', async (t) => {
  t.same(alerts(load(be('1.2.3.4:80 source 1.2.3.4 usesrc'))), [
    L + `'server b/s1' : 'usesrc' expects <addr>[:<port>], 'client', 'clientip', or 'hdr_ip(name,#)' as argument.`,
    `[ALERT] config : error encountered while processing 'usesrc'.`,
  ]);
  t.same(alerts(load(be('1.2.3.4:80 ca-file /x'))), [
    L + `'server b/s1' : Couldn't open the ca-file '/x' (No such file or directory).`,
    `[ALERT] config : 'ca-file' : unable to load /x.`,
  ]);
});

t.test('names, ids and sections', async (t) => {
  t.same(alerts(load('backend b\n server s/1 1.1.1.1:99999\n')), [`[ALERT] config : [t.cfg:2] : character '/' is not permitted in server name 's/1'.`]);
  t.same(alerts(load('backend b\n server s1\n')), [`[ALERT] config : [t.cfg:2] : 'server' expects <name> and <addr>[:<port>] as arguments.`]);
  t.same(alerts(load('backend b\n server s1 1.1.1.1:80 id 5\n server s2 1.1.1.1:80 id 5\n')), [
    `[ALERT] config : [t.cfg:3] : 'server b/s2' : 'id' : custom id 5 already used at t.cfg:2 ('server s1').`,
  ]);
  t.same(alerts(load('defaults\n server s1 1.1.1.1:80\n')), [`[ALERT] config : [t.cfg:2] : 'server' not allowed in 'defaults' section.`]);
});

t.test('duplicate server names (checked after parsing)', async (t) => {
  t.same(alerts(load('backend b\n server s1 1.1.1.1:80\n server s1 1.1.1.2:80\n server s1 1.1.1.3:80\n')), [
    `[ALERT] config : parsing [t.cfg:3] : backend 'b', another server named 's1' was already defined at line 2, please use distinct names.`,
    `[ALERT] config : parsing [t.cfg:4] : backend 'b', another server named 's1' was already defined at line 2, please use distinct names.`,
  ]);
  t.same(alerts(load('listen l\n bind :80\n server s1 1.1.1.1:80\n server s1 1.1.1.1:80\n')), [
    `[ALERT] config : parsing [t.cfg:4] : proxy 'l', another server named 's1' was already defined at line 3, please use distinct names.`,
  ]);
  t.same(alerts(load('backend b\n server-template s 3 1.1.1.1:80\n server s1 1.1.1.1:80\n')), [
    `[ALERT] config : parsing [t.cfg:3] : backend 'b', another server named 's1' was already defined at line 2, please use distinct names.`,
  ]);
  // a parse error hides the post-parse duplicate check, as in HAProxy
  t.same(alerts(load('backend b\n server s1 1.1.1.1:80\n server s1 1.1.1.2:80\n foo\n')), [
    `[ALERT] config : parsing [t.cfg:4] : unknown keyword 'foo' in 'backend' section`,
  ]);
});

t.test('default-server errors', async (t) => {
  const D = '[ALERT] config : [t.cfg:2] : ';
  t.same(alerts(load('backend b\n default-server chek\n')), [D + `unknown keyword 'chek'; did you mean 'check' maybe ? Hint: no address was expected for this server.`]);
  t.same(alerts(load('backend b\n default-server 1.2.3.4:80\n')), [D + `unknown keyword '1.2.3.4:80'. Hint: no address was expected for this server.`]);
  t.same(alerts(load('backend b\n default-server weight 300\n')), [D + `weight of server default-server is not within 0 and 256 (300)..`]);
  t.same(alerts(load('defaults\n default-server check inter 1x\n')), [D + `unexpected character 'x' in 'agent-inter' argument of server default-server..`]);
  // refused but not fatal in HAProxy
  const r = load('backend b\n default-server id 5\n');
  t.same(r.lines.filter((l) => l.startsWith('[ALERT]')), [D + `'id' option is not accepted in default-server sections`]);
  t.ok(r.model);
});

t.test('server-template errors', async (t) => {
  const T = '[ALERT] config : [t.cfg:2] : ';
  t.same(alerts(load('backend b\n server-template s 0 1.1.1.1:80\n')), [T + `Wrong server-template number or range arg '0'.`]);
  t.same(alerts(load('backend b\n server-template s 3-1 1.1.1.1:80\n')), [T + `Wrong server-template number or range arg '3-1'.`]);
  t.same(alerts(load('backend b\n server-template s x 1.1.1.1:80\n')), [T + `Wrong server-template number or range arg 'x'.`]);
  t.same(alerts(load('backend b\n server-template s 3\n')), [T + `'server-template' expects <prefix> <nb | range> <addr>[:<port>] as arguments.`]);
  t.same(alerts(load('backend b\n server-template s 3 1.1.1.1:80 chek\n')), [T + `'server b/(null)' : unknown keyword 'chek'; did you mean 'check' maybe ?`]);
  t.same(alerts(load('backend b\n server-template s/ 2 1.1.1.1:80\n')), [T + `character '/' is not permitted in server-template prefix 's/'.`]);
  t.same(alerts(load('backend b\n server x 1.1.1.1:80 id 3\n server-template s 3 1.1.1.1:80 id 3\n')), [
    `[ALERT] config : [t.cfg:3] : 'server b/(null)' : 'id' : custom id 3 already used at t.cfg:2 ('server x').`,
  ]);
  t.same(alerts(load('backend b\n server-template s 3 1.1.1.1:80 id 3\n server x 1.1.1.1:80 id 3\n')), [
    `[ALERT] config : [t.cfg:3] : 'server b/x' : 'id' : custom id 3 already used at t.cfg:2 ('server s1').`,
  ]);
  const r = load('backend b\n server-template s 3 1.1.1.1:80 id 3\n server x 1.1.1.1:80 id 4\n');
  t.same(alerts(r), []);
  t.same(r.model!.proxies[0]!.servers.map((x) => x.id), [3, undefined, undefined, 4]);
  t.same(alerts(load('backend b\n server-template s 3 1.1.1.1:80 weight 999\n')), [T + `'server b/(null)' : weight of server (null) is not within 0 and 256 (999)..`]);
});

t.test('whole-configuration checks', async (t) => {
  t.same(alerts(load(be('1.2.3.4:80 track x'))), [L + `'server b/s1' : unable to find required server 'x' for tracking.`]);
  t.same(alerts(load('backend b\n server s1 1.1.1.1:80 track s2\n server s2 1.1.1.1:80\n')), [
    `[ALERT] config : [t.cfg:2] : 'server b/s1' : unable to use b/s2 for tracking as it does not have any check nor agent enabled.`,
  ]);
  t.same(alerts(load('backend b\n server s1 1.1.1.1:80 check\n server s2 1.1.1.1:80 track c/s1\n')), [
    `[ALERT] config : [t.cfg:3] : 'server b/s2' : unable to find required proxy 'c' for tracking.`,
  ]);
  t.same(alerts(load('backend b\n server s1 1.1.1.1:80 track b/s1 check\n')), [
    `[ALERT] config : [t.cfg:2] : 'server b/s1' : unable to enable checks and tracking at the same time!`,
  ]);
  t.same(alerts(load('backend b\n server s1 1.1.1.1:80 check\n server s2 1.1.1.1:80 track s1\n')), []);
  t.same(alerts(load(be('1.2.3.4:80 proto h2'))), [`[ALERT] config : backend 'b' : MUX protocol 'h2' is not usable for server 's1' at [t.cfg:3].`]);
  t.same(alerts(load('backend b\n mode http\n server s1 1.1.1.1:80 proto h2\n')), []);
  t.same(alerts(load('backend b\n mode http\n server s1 1.1.1.1:80 proto none\n')), [`[ALERT] config : backend 'b' : MUX protocol 'none' is not usable for server 's1' at [t.cfg:3].`]);
  t.same(alerts(load('backend b\n server s1 1.1.1.1:80 proto fcgi\n')), [`[ALERT] config : backend 'b' : MUX protocol 'fcgi' is not usable for server 's1' at [t.cfg:2].`]);
  t.same(alerts(load('backend b\n server s1 1.1.1.1:80 proto none\n')), []);
  t.same(alerts(load('backend b\n server s1 1.1.1.1:80 redir x cookie y\n server s2 1.1.1.1:80 cookie z\n')), [
    `[ALERT] config : backend 'b' : server cannot have cookie or redirect prefix in non-HTTP mode.`,
  ]);
  let r = load('backend b\n server s1 1.1.1.1:80 cookie a\n server s2 1.1.1.1:80 tfo\n');
  t.same(alerts(r), []);
  t.same(warnings(r).filter((w) => !w.includes('timeouts')), [
    `[WARNING] config : backend 'b' : ignoring cookie for server 's1' as HTTP mode is disabled.`,
    `[WARNING] config : [t.cfg:3] : 'server b/s2' : server has tfo activated, the backend should be configured with at least 'conn-failure', 'empty-response' and 'response-timeout' or we wouldn't be able to retry the connection on failure.`,
  ]);
  r = load('backend b\n mode http\n server s1 1.1.1.1:80 observe layer7 cookie x redir y\n');
  t.same(r.lines.filter((l) => /ALERT|WARNING/.test(l) && !l.includes('timeouts')), []);
  t.same(alerts(load(be('1.2.3.4:80 resolvers foo'))), [`[ALERT] config : backend 'b', server 's1': unable to find required resolvers 'foo'`]);
});

t.test('TLS to servers: HAProxy errors first, then not implemented', async (t) => {
  t.same(alerts(load(be('1.2.3.4:80 ssl'))), [L + `'server b/s1' : verify is enabled by default but no CA file specified. If you're running on a LAN where you're certain to trust the server's certificate, please set an explicit 'verify none' statement on the 'server' line, or use 'ssl-server-verify none' in the global section to disable server-side verifications by default.`]);
  t.same(alerts(load(be('1.2.3.4:80 ssl verify none crt /x'))), [L + `'server b/s1' : unable to stat SSL certificate from file '/x' : No such file or directory.`]);
  const r = load(be('1.2.3.4:80 ssl verify none'));
  t.same(alerts(r), [L + `'server b/s1' : TLS to servers ('ssl') is not implemented in lb yet.`]);
  t.ok(r.diag.list.some((d) => d.code === 'LB_ERR_CFG_NOT_IMPLEMENTED'));
  // TLS options without 'ssl' change nothing, as in HAProxy
  t.same(alerts(load(be('1.2.3.4:80 verify none crt /x sni str(x)'))), []);
});

t.test('runtime DNS (resolvers) is not implemented', async (t) => {
  const r = load('resolvers dns\nbackend b\n server s1 1.1.1.1:80 resolvers dns\n');
  t.same(alerts(r).filter((l) => l.includes('server b/s1')), [`[ALERT] config : [t.cfg:3] : 'server b/s1' : runtime DNS resolution ('resolvers dns') is not implemented in lb yet; remove it to resolve the name once at start-up.`]);
});

t.test('start-up resolution', async (t) => {
  t.same(alerts(load('backend b\n server s1 nosuch.invalid:80\n server s2 nosuch2.invalid:80\nbackend c\n server s1 x.invalid\n')), [
    `[ALERT] config : [t.cfg:2] : 'server b/s1' : could not resolve address 'nosuch.invalid'.`,
    `[ALERT] config : [t.cfg:3] : 'server b/s2' : could not resolve address 'nosuch2.invalid'.`,
    `[ALERT] config : [t.cfg:5] : 'server c/s1' : could not resolve address 'x.invalid'.`,
    `[ALERT] config : Failed to initialize server(s) addr.`,
  ]);
  t.same(alerts(load(be('::1'))), [L + `'server b/s1' : could not resolve address ':'.`, `[ALERT] config : Failed to initialize server(s) addr.`]);
  t.same(alerts(load(be('nosuch.invalid:80 init-addr last'))), [
    L + `'server b/s1' : no method found to resolve address 'nosuch.invalid'.`, `[ALERT] config : Failed to initialize server(s) addr.`,
  ]);
  let r = load(be('nosuch.invalid:80 init-addr libc,none'));
  t.same(alerts(r), []);
  t.same(warnings(r).filter((w) => w.includes('resolve')), [`[WARNING] config : [t.cfg:3] : 'server b/s1' : could not resolve address 'nosuch.invalid', disabling server.`]);
  t.equal(r.model!.proxies[0]!.servers[0]!.maintResolution, true);
  r = load(be('nosuch.invalid:80 init-addr libc,1.2.3.4'));
  t.same(warnings(r).filter((w) => w.includes('resolve')), [`[WARNING] config : [t.cfg:3] : 'server b/s1' : could not resolve address 'nosuch.invalid', falling back to configured address.`]);
  t.equal(r.model!.proxies[0]!.servers[0]!.address.host, '1.2.3.4');
  r = load(be('nosuch.invalid:80 init-addr none'));
  t.same(r.lines.filter((l) => l.includes('resolve')), []);
  // resolution runs only when everything else is valid
  t.same(alerts(load('backend b\n server s1 nosuch.invalid:80\n server s1 1.1.1.1:80\n')), [
    `[ALERT] config : parsing [t.cfg:3] : backend 'b', another server named 's1' was already defined at line 2, please use distinct names.`,
  ]);
});

t.test('-dr: resolution failures disable the server', async (t) => {
  const r = load('backend b\n server s1 nosuch.invalid:80\n server s2 x.invalid init-addr last\n', {}, { ignoreResolveFailures: true });
  t.same(alerts(r), []);
  t.same(warnings(r).filter((w) => w.includes('resolve')), [
    `[WARNING] config : [t.cfg:2] : 'server b/s1' : could not resolve address 'nosuch.invalid', disabling server.`,
  ]);
  t.same(r.model!.proxies[0]!.servers.map((s) => s.maintResolution), [true, true]);
});
