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
