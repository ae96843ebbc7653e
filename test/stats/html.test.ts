import t from 'tap';
import { u2h, humanTime, serverClass, esc } from '../../src/stats/html.js';
import { F, NFIELDS, type StatRow } from '../../src/stats/fields.js';

t.test('digit grouping as HAProxy prints numbers on the page', async (t) => {
  t.equal(u2h(0), '0');
  t.equal(u2h(999), '999');
  t.equal(u2h(9983), '<span class="rls">9</span>983');
  t.equal(u2h(36432), '3<span class="rls">6</span>432');
  t.equal(u2h(1234567), '<span class="rls">1</span>23<span class="rls">4</span>567');
  t.equal(u2h('-'), '-');
});

t.test('durations: two units at most, ? when unknown', async (t) => {
  t.equal(humanTime(0), '0s');
  t.equal(humanTime(45), '45s');
  t.equal(humanTime(121), '2m1s');
  t.equal(humanTime(3600), '1h');
  t.equal(humanTime(3725), '1h2m');
  t.equal(humanTime(90061), '1d1h');
  t.equal(humanTime(-1), '?');
  t.equal(humanTime(undefined), '?');
});

function srvRow(fields: Record<string, number | string>): StatRow {
  const values = new Array<number | string | undefined>(NFIELDS).fill(undefined);
  for (const [k, v] of Object.entries(fields)) values[F[k]!] = v;
  return { type: 'S', iid: 1, sid: 1, values };
}

t.test('row classes follow the status text (reference §8)', async (t) => {
  const chk = { chkfail: 0, check_rise: 2, check_fall: 3 };
  t.equal(serverClass(srvRow({ status: 'UP', weight: 1, bck: 0, ...chk, check_health: 4 })), 'active_up');
  t.equal(serverClass(srvRow({ status: 'UP 2/3', weight: 1, bck: 0, ...chk, check_health: 3 })), 'active_going_down');
  t.equal(serverClass(srvRow({ status: 'DOWN 1/2', weight: 1, bck: 0, ...chk, check_health: 1 })), 'active_going_up');
  t.equal(serverClass(srvRow({ status: 'DOWN', weight: 1, bck: 1, ...chk, check_health: 0 })), 'backup_down');
  t.equal(serverClass(srvRow({ status: 'DRAIN', weight: 0, bck: 0 })), 'active_draining');
  t.equal(serverClass(srvRow({ status: 'NOLB', weight: 1, bck: 1 })), 'backup_nolb');
  t.equal(serverClass(srvRow({ status: 'MAINT (via b/s)', weight: 1, bck: 0 })), 'maintain');
  t.equal(serverClass(srvRow({ status: 'no check', weight: 1, bck: 0 })), 'active_no_check');
  t.equal(serverClass(srvRow({ status: 'UP', weight: 0, bck: 0 })), 'active_draining', 'UP with weight 0 drains');
});

t.test('names are escaped in the page', async (t) => {
  t.equal(esc(`a<b>&"'`), 'a&lt;b&gt;&amp;&quot;&#39;');
});

t.test('a tracking server: MAINT without the via text, and whom it follows in the check columns', async (t) => {
  const { proxyHtml } = await import('../../src/stats/html.js');
  const r = srvRow({ pxname: 'web', svname: 's2', status: 'MAINT (via web/s1)', tracked: 's1', lastchg: 0, weight: 1, uweight: 1, bck: 0, mode: 'http' });
  const html = proxyHtml({ view: { conf: { name: 'web', kind: 'backend', mode: 'http', iid: 3 } } as never, rows: [r] },
    { uri: '/', refresh: 0, noRefresh: false, hideDown: false, scope: '', admin: false, legends: false });
  // observed on 2.6.12 with 'server s2 ... track s1' and s1 in maintenance
  t.match(html, '<td class=ac>0s MAINT</td><td></td><td class=ac>1/1</td><td class=ac>Y</td><td class=ac>-</td><td class=ac colspan=3><a class=lfsb href="#web/s1">via web/s1</a></td><td class=ac>-</td></tr>');
  t.match(html, '<tr class="maintain">');
});
