/**
 * Core proxy keywords and the section driver. Every expected string below
 * was printed by HAProxy 2.6.12 for the same input.
 */
import t from 'tap';
import { load, alerts, warnings } from '../helpers.js';

const A = (s: string) => `[ALERT] config : ${s}`;
const W = (s: string) => `[WARNING] config : ${s}`;

t.test('timeouts, mode, retries, maxconn', async (t) => {
  const r = load('defaults\n mode http\n timeout client 5s\n timeout connect 500\n timeout server 1m\n retries 5\n' +
    'frontend fe\n bind :8080\n maxconn 100\n default_backend be\nbackend be\n timeout server 2s\n');
  t.same(alerts(r), []);
  const [fe, be] = r.model!.proxies;
  t.equal(fe!.mode, 'http');
  t.same(fe!.timeouts, { client: 5000, connect: 500, server: 60000 });
  t.equal(fe!.maxconn, 100);
  t.same(be!.timeouts, { client: 5000, connect: 500, server: 2000 }, 'backend overrides one inherited timeout');
  t.equal(be!.retries, 5);
  t.ok(Object.isFrozen(be!.timeouts), 'the model is frozen');
});

t.test('errors in core keywords', async (t) => {
  const r = load('frontend fe\n bind :8080\n foo bar\n option foo\n timeout foo 1s\n timeout client\n timeout client 1x\n mode htttp\n option\n mode\n');
  t.same(alerts(r), [
    A("parsing [t.cfg:3] : unknown keyword 'foo' in 'frontend' section"),
    A("parsing [t.cfg:4] : unknown option 'foo'."),
    A("parsing [t.cfg:5] : 'timeout' supports 'client', 'server', 'connect', 'check', 'queue', 'http-keep-alive', 'http-request', 'tunnel', 'tarpit', 'client-fin' and 'server-fin' (got 'foo')"),
    A("parsing [t.cfg:6] : 'timeout client' expects an integer value (in milliseconds)"),
    A("parsing [t.cfg:7] : unexpected character 'x' in 'timeout client'"),
    A("parsing [t.cfg:8] : unknown proxy mode 'htttp'."),
    A("parsing [t.cfg:9]: 'option' expects an option name."),
    A("parsing [t.cfg:10] : unknown proxy mode ''."),
    A('Fatal errors found in configuration.'),
  ].slice(0, 8));
});

t.test('did-you-mean on unknown keywords and options', async (t) => {
  const r = load('frontend f\n bind :80\n mod x\n tiemout x\n use_backnd x\n maxconnn 1\n descr x\n option httplg\n option forwardfr\n option abc\n');
  t.same(alerts(r), [
    A("parsing [t.cfg:3] : unknown keyword 'mod' in 'frontend' section; did you mean 'mode' maybe ?"),
    A("parsing [t.cfg:4] : unknown keyword 'tiemout' in 'frontend' section; did you mean 'timeout' maybe ?"),
    A("parsing [t.cfg:5] : unknown keyword 'use_backnd' in 'frontend' section; did you mean 'use_backend' maybe ?"),
    A("parsing [t.cfg:6] : unknown keyword 'maxconnn' in 'frontend' section; did you mean 'maxconn' maybe ?"),
    A("parsing [t.cfg:7] : unknown keyword 'descr' in 'frontend' section"),
    A("parsing [t.cfg:8] : unknown option 'httplg'; did you mean 'httplog' maybe ?"),
    A("parsing [t.cfg:9] : unknown option 'forwardfr'; did you mean 'forwardfor' maybe ?"),
    A("parsing [t.cfg:10] : unknown option 'abc'."),
  ]);
});

t.test('keywords HAProxy removed', async (t) => {
  const r = load('listen a\n bind :80\n reqadd X\n contimeout 1\n option forceclose\n block if TRUE\n redispatch\n monitor-net 1.1.1.1\n mode health\n no option foo\n no timeout client\n');
  t.same(alerts(r), [
    A("parsing [t.cfg:3] : The 'reqadd' directive is not supported anymore since HAProxy 2.1. Use 'http-request add-header' instead."),
    A("parsing [t.cfg:4] : the 'contimeout' directive is not supported anymore since HAProxy 2.1. Use 'timeout connect'."),
    A("parsing [t.cfg:5]: option 'forceclose' is not supported any more since HAProxy 2.0, please just remove it, or use 'option httpclose' if absolutely needed."),
    A("parsing [t.cfg:6] : The 'block' directive is not supported anymore since HAProxy 2.1. Use 'http-request deny' which uses the exact same syntax."),
    A("parsing [t.cfg:7] : keyword 'redispatch' directive is not supported anymore since HAProxy 2.1. Use 'option redispatch'."),
    A("parsing [t.cfg:8] : 'monitor-net' doesn't exist anymore. Please use 'http-request return status 200 if { src 1.1.1.1 }' instead."),
    A("parsing [t.cfg:9] : 'mode health' doesn't exist anymore. Please use 'http-request return status 200' instead."),
    A("parsing [t.cfg:10]: negation/default is not supported for option 'foo'."),
    A('parsing [t.cfg:11]: negation/default currently supported only for options, log, busy-polling, set-dumpable, strict-limits, insecure-fork-wanted and numa-cpu-mapping.'),
  ]);
});

t.test('balance and hash-type', async (t) => {
  const ok = load('backend b\n balance uri len 3 depth 2 whole\nbackend c\n balance hdr(host) use_domain_only\nbackend d\n balance random(3)\n hash-type consistent sdbm avalanche\nbackend e\n balance url_param uid check_post\n');
  t.same(alerts(ok), []);
  const [b, c, d, e] = ok.model!.proxies;
  t.same(b!.balance, { algo: 'uri', uriLen: 3, uriDepth: 2, uriWhole: true });
  t.same(c!.balance, { algo: 'hdr', header: 'host', useDomainOnly: true });
  t.same(d!.balance, { algo: 'random', draws: 3 });
  t.same(d!.hashType, { method: 'consistent', fn: 'sdbm', avalanche: true });
  t.equal(e!.balance!.param, 'uid');
  const bad = load('backend b\n balance hdr\n balance leaseconn\n hash-type foo\n');
  const msg = "balance only supports 'roundrobin', 'static-rr', 'leastconn', 'source', 'uri', 'url_param', 'hdr(name)' and 'rdp-cookie(name)' options.";
  t.same(alerts(bad), [
    A(`parsing [t.cfg:2] : ${msg}`),
    A(`parsing [t.cfg:3] : ${msg}`),
    A("parsing [t.cfg:4] : 'hash-type' only supports 'consistent' and 'map-based'."),
  ]);
});

t.test('capabilities and defaults restrictions', async (t) => {
  const r = load('defaults\n bind :80\n use_backend x\n acl a path /\nbackend be\n bind :81\n maxconn 10\n option dontlognull\nfrontend fe\n bind :80\n balance roundrobin\n option redispatch\n');
  t.same(alerts(r), [
    A("parsing [t.cfg:2] : 'bind' not allowed in 'defaults' section."),
    A("parsing [t.cfg:3] : 'use_backend' not allowed in 'defaults' section."),
    A("parsing [t.cfg:4] : 'acl' not allowed in anonymous 'defaults' section."),
  ]);
  t.same(warnings(r), [
    W("parsing [t.cfg:6] : 'bind' ignored because backend 'be' has no frontend capability."),
    W("parsing [t.cfg:7] : 'maxconn' ignored because backend 'be' has no frontend capability. Maybe you want 'fullconn' instead ?"),
    W("parsing [t.cfg:8] : 'dontlognull' ignored because backend 'be' has no frontend capability."),
    W("parsing [t.cfg:11] : 'balance' ignored because frontend 'fe' has no backend capability."),
    W("parsing [t.cfg:12] : 'redispatch' ignored because frontend 'fe' has no backend capability."),
  ]);
});

t.test('section headers', async (t) => {
  t.same(alerts(load('frontend\n')), [A("parsing [t.cfg:1] : 'frontend' expects an <id> argument")]);
  t.same(alerts(load('backend "x y"\n')), [A("parsing [t.cfg:1] : character ' ' is not permitted in 'backend' name 'x y'.")]);
  t.same(alerts(load('backend z from nodef\n')), [A("parsing [t.cfg:1] : defaults section 'nodef' not found for backend 'z'.")]);
  t.same(alerts(load('frontend a\n bind :80\nfrontend a\n')), [A("Parsing [t.cfg:3]: frontend 'a' has the same name as frontend 'a' declared at t.cfg:1.")]);
  t.same(alerts(load('foo\n')), [A("parsing [t.cfg:1]: unknown keyword 'foo' out of section.")]);
  const old = load('listen mysql 0.0.0.0:3306\n mode tcp\n');
  t.same(alerts(old), [
    A("parsing [t.cfg:1] : please use the 'bind' keyword for listening addresses."),
    A("parsing [t.cfg:2] : 'listen' or 'defaults' expected."),
  ]);
  t.equal(load('frontend a b\n').diag.alerts, 0, 'the old listen syntax alone is not fatal, as in HAProxy');
});

t.test('named defaults and from', async (t) => {
  const r = load('defaults base\n mode http\n timeout client 1s\ndefaults\n mode tcp\nfrontend f1 from base\n bind :80\nfrontend f2\n bind :81\n');
  t.same(alerts(r), []);
  const [f1, f2] = r.model!.proxies;
  t.equal(f1!.mode, 'http');
  t.equal(f1!.from, 'base');
  t.equal(f2!.mode, 'tcp', 'inherits from the last defaults seen');
  t.equal(f2!.timeouts.client, undefined);
});

t.test('post-parse checks', async (t) => {
  const r = load('frontend f\n mode http\n bind :80\n default_backend b\n use_backend nx if TRUE\nbackend b\n mode tcp\n');
  t.same(alerts(r).slice(0, 1), [
    A("http frontend 'f' (t.cfg:1) tries to use incompatible tcp backend 'b' (t.cfg:6) as its default backend (see 'mode')."),
  ]);
  const m = load('frontend f\n bind :80\n default_backend nx\n');
  t.same(alerts(m), [A("Proxy 'f': unable to find required default_backend: 'nx'.")]);
  t.equal(m.diag.list[0]!.line, 3, 'the alert still carries the line of default_backend');
  const w = load('frontend a\nbackend a\n server s 127.0.0.1:80\n');
  t.same(warnings(w).map((l) => l.split('\n')[0]), [
    W("frontend 'a' has no 'bind' directive. Please declare it as a backend if this was intended."),
    W("missing timeouts for frontend 'a'."),
    W("missing timeouts for backend 'a'."),
  ]);
});

t.test('conditional blocks and messages', async (t) => {
  const r = load('global\n.if defined(A) && version_atleast(2.4)\n .notice "A is ${A}"\n.elif 1\n .notice "elif"\n.else\n .notice "else"\n.endif\n.if 0\n .if 1\n  .notice "never"\n .endif\n.endif\n.warning "w"\n.diag "d"\n', { A: 'x' });
  t.same(r.lines, ["[NOTICE] config : parsing [t.cfg:3]: 'A is x'.", "[WARNING] config : parsing [t.cfg:14]: 'w'."]);
  for (const [body, msg] of [
    ['.elif 1', "parsing [t.cfg:2]: lone '.elif' with no matching '.if'."],
    ['.endif', "parsing [t.cfg:2]: lone '.endif' with no matching '.if'."],
    ['.if 1\n.else\n.else\n.endif', "parsing [t.cfg:4]: '.else' after '.else' is not permitted."],
    ['.if 1', "parsing [t.cfg:2]: non-terminated '.if' block."],
    ['.foo bar', "parsing [t.cfg:2]: unknown directive '.foo'."],
    ['.alert "a"', "parsing [t.cfg:2]: 'a'."],
    ['.notice "a" "b"', "parsing [t.cfg:2]: Unexpected argument 'b' for '.notice'. Use quotes if the message should contain spaces."],
    ['.if bogus(1)\n.endif', "parsing [t.cfg:2]: unparsable conditional expression 'bogus(1)' in '.if' at position 1:\n  .if bogus(1)\n      ^"],
  ] as const) {
    t.same(alerts(load(`global\n${body}\n`)).slice(0, 1), [A(msg)], body);
  }
});

t.test('a last line without LF is rejected', async (t) => {
  const r = load('global\n daemon');
  t.same(alerts(r), [A('parsing [t.cfg:2]: Missing LF on last line, file might have been truncated at position 8.')]);
});

t.test('lexer errors show the line with a caret and parsing continues', async (t) => {
  const r = load('global\n    .notice "unmatched\n    daemon x\n');
  t.same(alerts(r), [
    A('parsing [t.cfg:2]: unmatched quote at position 13:\n  .notice "unmatched\n          ^'),
    A("parsing [t.cfg:3] : 'daemon' cannot handle unexpected argument 'x'."),
  ]);
});

t.test('proxy ids as HAProxy assigns them', async (t) => {
  const plain = load('frontend a\n bind :80\nbackend b\nlisten c\n bind :81\n');
  t.same(plain.model!.proxies.map((p) => p.iid), [1, 2, 3]);
  const sock = load('global\n stats socket /tmp/lb-test.sock\nfrontend a\n bind :80\nbackend b\n id 3\nbackend c\n');
  t.same(sock.model!.proxies.map((p) => p.iid), [2, 3, 4], 'GLOBAL takes 1; explicit ids are kept');
});

t.test('timer units are read by their first letters, as in HAProxy 2.6', async (t) => {
  const r = load('defaults\n timeout client 30min\n timeout server 5mn\n timeout connect 1.5s\n timeout check 10sec\n timeout queue 2hours\n timeout tunnel 1d\n timeout tarpit 250us\n');
  t.same(alerts(r), [A("parsing [t.cfg:4] : unexpected character '.' in 'timeout connect'")]);
  t.same(warnings(r), [
    W("unexpected character 'i' after the timer value '30min', only (us=microseconds,ms=milliseconds,s=seconds,m=minutes,h=hours,d=days) are supported. This will be reported as an error in next versions."),
    W("unexpected character 'n' after the timer value '5mn', only (us=microseconds,ms=milliseconds,s=seconds,m=minutes,h=hours,d=days) are supported. This will be reported as an error in next versions."),
    W("unexpected character 'e' after the timer value '10sec', only (us=microseconds,ms=milliseconds,s=seconds,m=minutes,h=hours,d=days) are supported. This will be reported as an error in next versions."),
    W("unexpected character 'o' after the timer value '2hours', only (us=microseconds,ms=milliseconds,s=seconds,m=minutes,h=hours,d=days) are supported. This will be reported as an error in next versions."),
  ]);
  t.equal(r.diag.list.find((d) => d.level === 'WARNING')!.line, 2, 'the warning keeps its line for tooling');
});

t.test('regression: a NUL byte in a server address is an error, not a crash', async (t) => {
  const r = load('backend b\n server s "127.0.\\x000.1:80"\n');
  t.equal(r.model, undefined);
  t.match(alerts(r)[0], /\[t\.cfg:2\] : 'server b\/s' : could not resolve address/);
});

t.test('a NUL byte ends the line, as HAProxy reads it', async (t) => {
  const r = load('global\n  daemon\x00junk\n  maxconn 10\n');
  t.same(alerts(r), [A('parsing [t.cfg:2]: Stray NUL character at position 9.')]);
  t.equal(r.model, undefined);
});
