import t from 'tap';
import { messages } from '../log/messages.js';
import { load } from '../helpers.js';
import { STATS_CASES } from './stats.cases.js';

t.test('stats keywords: same messages and verdict as haproxy -c', async (t) => {
  for (const [cfg, expected, valid] of STATS_CASES) {
    const m = messages(cfg);
    t.same(m.lines, expected, cfg);
    t.equal(m.valid, valid, `verdict: ${cfg}`);
  }
});

t.test('stats refresh without a value prints what HAProxy prints (up to its NUL)', async (t) => {
  const m = messages('defaults\n mode http\nfrontend f\n bind :1\n timeout client 1s\n stats refresh\n');
  t.same(m.lines, ["[ALERT] config : parsing [t.cfg:6]: unexpected character '"]);
});

t.test('stats settings, defaults and inheritance', async (t) => {
  const r = load('defaults\n mode http\n timeout client 1s\n stats enable\n stats auth admin:secret\n stats refresh 1m\n' +
    'listen l\n bind :1\n stats uri /st\n stats realm My\\ Realm\n stats admin if TRUE\n stats show-desc hello world\n' +
    'frontend f\n bind :2\n');
  const [l, f] = r.model!.proxies;
  t.match(l!.stats, { enabled: true, uri: '/st', realm: 'My Realm', refresh: 60, showDesc: 'hello world' });
  t.same(l!.stats.auths, [{ user: 'admin', password: 'secret' }]);
  t.same(l!.stats.admin.map((a) => a.words), [['if', 'TRUE']]);
  t.match(f!.stats, { enabled: true, uri: '/haproxy?stats', realm: 'HAProxy Statistics', refresh: 60 });
});
