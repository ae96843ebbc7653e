import t from 'tap';
import { First } from '../../src/lb/first.js';
import { LeastConn } from '../../src/lb/leastconn.js';
import { RoundRobin } from '../../src/lb/roundrobin.js';
import { StaticRr } from '../../src/lb/static-rr.js';
import type { Balancer } from '../../src/lb/types.js';
import { ctx, farm, seq } from './helpers.js';

// Observed on haproxy 2.6.12: "held" requests stay open (origin sleeps) while
// the next ones arrive; '-' is where haproxy queued the request.
const c = ctx();
/** n requests that stay open: pick + take, no release */
function held(b: Balancer, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) {
    const s = b.pick(c);
    if (s) b.take(s);
    out += s ? s.name : '-';
  }
  return out;
}

t.test('leastconn: fewest (served+queued) per weight, idle servers rotate', async (t) => {
  t.equal(seq(new LeastConn(farm('1:1:1'), false), 10, c), 'ABCABCABCA', 'idle equal servers');
  t.equal(seq(new LeastConn(farm('3:1'), false), 10, c), 'ABABABABAB', 'idle servers rotate whatever their weight');
  t.equal(held(new LeastConn(farm('3:1'), false), 10), 'ABAAAABAAA', 'key (inflight+1)*4096/ew');
  t.equal(held(new LeastConn(farm('5:2:1'), false), 12), 'ABCAAABAAABA');
  const ss = farm('1:1:1');
  const b = new LeastConn(ss, false);
  const a = b.pick(c)!; b.take(a);
  t.equal(a.name, 'A');
  t.equal(seq(b, 6, c), 'BCBCBC', 'A busy');
  b.release(a);
  t.equal(seq(b, 4, c), 'BCAB', 'A back at the end of the idle ones');
});

t.test('maxconn saturation', async (t) => {
  t.equal(held(new First(farm('1:1:1', 2), false), 7), 'AABBCC-', 'first fills servers in id order');
  t.equal(held(new LeastConn(farm('1:1:1', 2), false), 7), 'ABCABC-');
  t.equal(held(new RoundRobin(farm('3:1', 2), false), 6), 'AABB--');
  t.equal(held(new StaticRr(farm('5:3:2', 2), false), 8), 'AABCBC--');
  const ss = farm('1:1:1', 1);
  const b = new RoundRobin(ss, false);
  t.equal(seq(b, 1, c), 'A');
  const s = b.pick(c)!; b.take(s);
  t.equal(s.name, 'B');
  t.equal(seq(b, 6, c), 'CACACA', 'roundrobin skips the full server');
  b.release(s);
  t.equal(seq(b, 6, c), 'BCABCA', 'and takes it back in its place');
});

t.test('first: no maxconn, everything to the first server; ids order, not declaration', async (t) => {
  t.equal(seq(new First(farm('1:1:1'), false), 6, c), 'AAAAAA');
  const ss = farm('1:1:1', 1);
  (ss[0] as { id: number }).id = 9;
  t.equal(held(new First(ss, false), 4), 'BCA-');
});

t.test('backups, observed on haproxy 2.6.12 (A active w1, B backup w2, C backup w5)', async (t) => {
  // AAA | disable A ×14 | disable B ×4 | enable B ×4 | enable A ×3
  const obs: [string, boolean, string][] = [
    ['roundrobin', false, 'AAA BBBBBBBBBBBBBB CCCC BBBB AAA'],
    ['leastconn', false, 'AAA BBBBBBBBBBBBBB CCCC BBBB AAA'],
    ['first', false, 'AAA BBBBBBBBBBBBBB CCCC BBBB AAA'],
    // static-rr sizes the map by the first backup's weight but fills it from every backup: C wins
    ['static-rr', false, 'AAA CCCCCCCCCCCCCC CCCC CCCC AAA'],
    ['roundrobin', true, 'AAA CCCBCCBCCCBCCB CCCC CCBC AAA'],
    ['static-rr', true, 'AAA CCBCCCBCCBCCCB CCCC CCBC AAA'],
  ];
  const make = { roundrobin: RoundRobin, leastconn: LeastConn, first: First, 'static-rr': StaticRr } as const;
  for (const [algo, all, exp] of obs) {
    const ss = farm('1:2b:5b');
    const b = new make[algo as keyof typeof make](ss, all);
    const out = [seq(b, 3, c)];
    ss[0]!.usable = false; b.update(); out.push(seq(b, 14, c));
    ss[1]!.usable = false; b.update(); out.push(seq(b, 4, c));
    ss[1]!.usable = true; b.update(); out.push(seq(b, 4, c));
    ss[0]!.usable = true; b.update(); out.push(seq(b, 3, c));
    t.equal(out.join(' '), exp, `${algo}${all ? ' allbackups' : ''}`);
  }
});

t.test('roundrobin weight 0 from the start (observed: ACACAC)', async (t) => {
  t.equal(seq(new RoundRobin(farm('1:0:1'), false), 6, c), 'ACACAC');
});

t.test('a server removed from the list is forgotten', async (t) => {
  for (const B of [RoundRobin, LeastConn, First, StaticRr]) {
    const ss = farm('1:1:1');
    const b = new B(ss, false);
    ss.splice(1, 1);
    b.update();
    t.equal(seq(b, 6, c).replace(/[AC]/g, ''), '', B.name);
  }
});

t.test('slowstart effective weight (observed: weight 100, slowstart 6s → 7 19 38 57 69 88 100)', async (t) => {
  const { slowstartEweight } = await import('../../src/lb/types.js');
  const shown = [0, 1000, 2000, 3000, 4000, 5000, 6000].map((ms) => Math.ceil(slowstartEweight(100, ms, 6000) / 16));
  t.same(shown, [7, 19, 38, 57, 69, 88, 100]);
  t.equal(slowstartEweight(3, 0, 0), 48, 'no slowstart: full weight');
});

t.test('avoid (redispatch): another server when there is one', async (t) => {
  const ss = farm('1:1:1');
  const b = new RoundRobin(ss, false);
  t.equal(b.pick(ctx({ avoid: ss[0] }))!.name, 'B');
  const lc = new LeastConn(ss, false);
  t.equal(lc.pick(ctx({ avoid: ss[0] }))!.name, 'B');
  const one = farm('1');
  t.equal(new RoundRobin(one, false).pick(ctx({ avoid: one[0] }))!.name, 'A', 'alone: the avoided one');
  t.equal(new StaticRr(one, false).pick(ctx({ avoid: one[0] }))!.name, 'A');
});
