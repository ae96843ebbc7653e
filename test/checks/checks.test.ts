import t from 'tap';
import { messages } from '../log/messages.js';
import { load } from '../helpers.js';
import { CHECKS_CASES } from './checks.cases.js';

t.test('check keywords: same messages and verdict as haproxy -c', async (t) => {
  for (const [cfg, expected, valid] of CHECKS_CASES) {
    const m = messages(cfg);
    t.same(m.lines, expected, cfg);
    t.equal(m.valid, valid, `verdict: ${cfg}`);
  }
});

t.test('option httpchk old syntax', async (t) => {
  const ck = (args: string) => load(`backend b\n option httpchk ${args}\n`).model!.proxies[0]!.check;
  t.same(ck('').httpReq, { method: 'OPTIONS', uri: '/', version: 'HTTP/1.0' });
  t.same(ck('/alive').httpReq, { method: 'OPTIONS', uri: '/alive', version: 'HTTP/1.0' });
  t.same(ck('GET /h').httpReq, { method: 'GET', uri: '/h', version: 'HTTP/1.0' });
  t.same(ck('GET /h HTTP/1.1\\r\\nHost:\\ x').httpReq, { method: 'GET', uri: '/h', version: 'HTTP/1.1', extraHeaders: 'Host: x' });
});

t.test('rules are stored in order with their arguments', async (t) => {
  const r = load('backend b\n option tcp-check\n tcp-check connect port 6379 ssl\n tcp-check send PING\\r\\n\n' +
    ' tcp-check send-binary 0a0B\n tcp-check expect ! rstring ^-ERR min-recv 4 error-status L7STS\n' +
    'backend h\n http-check send meth HEAD uri /s ver HTTP/1.1 hdr Host a.b\n http-check expect status 200-299,304\n option httpchk\n' +
    ' http-check disable-on-404\n');
  const [b, h] = r.model!.proxies;
  t.equal(b!.check.type, 'tcp-check');
  t.match(b!.check.rules, [
    { kind: 'connect', port: 6379, ssl: true },
    { kind: 'send', data: 'PING\r\n', binary: false },
    { kind: 'send', data: '0a0B', binary: true },
    { kind: 'expect', type: 'rstring', negate: true, pattern: '^-ERR', minRecv: 4, errorStatus: 'L7STS' },
  ]);
  t.equal(h!.check.type, 'http');
  t.equal(h!.check.disableOn404, true);
  t.match(h!.check.rules, [
    { kind: 'send', meth: 'HEAD', uri: '/s', ver: 'HTTP/1.1', hdrs: [['Host', 'a.b']] },
    { kind: 'expect', type: 'status', statuses: [[200, 299], [304, 304]] },
  ]);
});

t.test('defaults pass their check on; a proxy\'s own rules replace them', async (t) => {
  const r = load('defaults d\n option httpchk GET /d\n http-check expect status 200\n' +
    'backend a from d\nbackend b from d\n http-check expect status 201\nbackend c from d\n option mysql-check user u post-41\n');
  const [a, b, c] = r.model!.proxies;
  t.equal(a!.check.type, 'http');
  t.match(a!.check.rules, [{ kind: 'expect', pattern: '200' }]);
  t.equal(b!.check.rules.length, 1);
  t.match(b!.check.rules, [{ kind: 'expect', pattern: '201' }]);
  // observed on 2.6.12: own http-check rules drop the inherited request line
  t.same(b!.check.httpReq, { method: 'OPTIONS', uri: '/', version: 'HTTP/1.0' });
  t.equal(a!.check.httpReq!.uri, '/d');
  t.equal(c!.check.type, 'mysql');
  t.same(c!.check.rules, []);
  t.same(c!.check.mysql, { user: 'u', post41: true });
});

t.test('a checked server needs a port (haproxy 2.6.12 refuses the configuration)', async (t) => {
  const m = messages('defaults\n timeout client 1s\n timeout server 1s\n timeout connect 1s\nbackend b\n server s 127.0.0.1 check\n server p 127.0.0.1 check port 80\n server u /run/x.sock check\n server n 127.0.0.1\n');
  t.same(m.lines, ["[ALERT] config : config: backend 'b': server 's' has neither service port nor check port."]);
  t.equal(m.valid, false);
});

t.test('a connect rule must come first when there is one (as haproxy 2.6.12)', async (t) => {
  const m = messages('defaults\n timeout client 1s\n timeout server 1s\n timeout connect 1s\nbackend b\n option httpchk\n http-check send meth GET\n http-check connect port 80\n' +
    'backend c\n option tcp-check\n tcp-check comment x\n tcp-check connect port 80\n tcp-check connect port 81\nbackend d\n option tcp-check\n tcp-check send x\n tcp-check expect string y\n tcp-check connect\n');
  t.same(m.lines, [
    "[ALERT] config : parsing [t.cfg:8] : 'http-check connect' : first step MUST also be a 'connect', optionally preceded by a 'set-var', an 'unset-var' or a 'comment', when there is a 'connect' step in the tcp-check ruleset.",
    "[ALERT] config : parsing [t.cfg:18] : 'tcp-check connect' : first step MUST also be a 'connect', optionally preceded by a 'set-var', an 'unset-var' or a 'comment', when there is a 'connect' step in the tcp-check ruleset.",
  ]);
});
