import t from 'tap';
import { messages } from '../log/messages.js';
import { load } from '../helpers.js';
import { OTHER_CASES } from './sections-other.cases.js';

t.test('other sections and error pages: same messages and verdict as haproxy -c', async (t) => {
  for (const [cfg, expected, valid] of OTHER_CASES) {
    const m = messages(cfg);
    t.same(m.lines, expected, cfg);
    t.equal(m.valid, valid, `verdict: ${cfg}`);
  }
});

t.test('what lb refuses (HAProxy would run it)', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['log-forward l\n bind :5140\n', /'log-forward' sections are not implemented in lb/],
    ['global\n master-worker\nprogram p\n command /bin/true\n', /'program' sections are not implemented in lb/],
    ['ring r\n server s 127.0.0.1:6514\n', /'server' is not implemented in lb/],
  ];
  for (const [cfg, re] of cases) {
    const m = messages(cfg);
    t.equal(m.valid, false, cfg);
    t.match(m.lines.join('\n'), re, cfg);
  }
});

t.test('resolvers and userlist become plain data', async (t) => {
  const r = load('resolvers dns\n nameserver a 127.0.0.1:53\n nameserver b tcp@10.0.0.1:5353\n hold valid 5s\n timeout retry 2s\n' +
    'userlist u\n group admin users alice\n user alice insecure-password pw\n user bob password $5$x$y groups admin\n');
  const dns = r.model!.others.resolvers[0]!;
  t.match(dns.resolvers!.nameservers, [{ name: 'a', transport: 'udp', host: '127.0.0.1', port: 53 }, { name: 'b', transport: 'tcp', port: 5353 }]);
  t.equal(dns.resolvers!.hold['valid'], 5000);
  t.equal(dns.resolvers!.timeoutRetry, 2000);
  const u = r.model!.others.userlist[0]!.userlist!;
  t.match(u.users, [{ name: 'alice', password: 'pw', insecure: true }, { name: 'bob', insecure: false, groups: ['admin'] }]);
});

t.test('error pages end up as raw responses', async (t) => {
  const r = load('http-errors site\n errorfile 503 /dev/null\nfrontend f\n bind :1\n timeout client 1s\n errorfiles site\n' +
    ' errorloc303 403 https://x/denied\n http-error status 429 content-type text/plain string slow\\ down\n');
  const e = r.model!.proxies[0]!.errorfiles;
  t.same(Object.keys(e).map(Number).sort(), [403, 429, 503]);
  t.equal(e[503]!.raw, '');
  t.match(e[403]!.raw, /^HTTP\/1\.1 303 See Other\r\n[^]*Location: https:\/\/x\/denied\r\n\r\n$/);
  t.equal(e[429]!.raw, 'HTTP/1.1 429 Too Many Requests\r\ncontent-type: text/plain\r\ncontent-length: 9\r\n\r\nslow down');
});
