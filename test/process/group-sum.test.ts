/**
 * Summing several workers' counters (process/group.ts): totals and current
 * values add up, maxima are the largest worker's (never below the sum of
 * the current values), time averages are weighted by each worker's requests.
 */
import t from 'tap';
import { newCounters, timeAvg } from '../../src/stats/counters.js';
import { sumCounters, fansOut, aggregated } from '../../src/process/group.js';

t.test('sumCounters', async (t) => {
  const a = newCounters(), b = newCounters();
  // rtime holds a sum over min(lbtot, 512) requests: averages of 10 and 30 ms
  Object.assign(a, { scur: 3, smax: 5, stot: 10, bin: 100, reqTot: 7, lbtot: 100, rtime: 1000, rtimeMax: 40, lastSess: 1000 });
  Object.assign(b, { scur: 4, smax: 4, stot: 20, bin: 50, reqTot: 9, lbtot: 300, rtime: 9000, rtimeMax: 90, lastSess: 2000 });
  a.hrsp[2] = 6; b.hrsp[2] = 8; b.hrsp[5] = 1;
  const s = sumCounters([a, b]);
  t.equal(s.stot, 30);
  t.equal(s.bin, 150);
  t.equal(s.reqTot, 16);
  t.equal(s.scur, 7);
  t.equal(s.smax, 7, 'a maximum is never below the summed current value');
  t.same(s.hrsp, [0, 0, 14, 0, 0, 1]);
  t.equal(s.rtimeMax, 90);
  t.equal(s.lastSess, 2000);
  t.equal(timeAvg(s, s.rtime), 25, 'averages weighted by the requests');
  // past the 512-request window, each worker's sum covers 512 requests
  Object.assign(a, { lbtot: 1000, rtime: 10 * 512 });
  Object.assign(b, { lbtot: 3000, rtime: 30 * 512 });
  const w = sumCounters([a, b]);
  t.equal(timeAvg(w, w.rtime), 25, 'the same past the window');
  t.same(sumCounters([]), newCounters());
});

t.test('which commands are the group\'s', async (t) => {
  t.ok(aggregated(['show', 'stat']));
  t.ok(aggregated(['show', 'info', 'json']));
  t.notOk(aggregated(['show', 'sess']));
  for (const w of [['disable', 'server', 'be/s1'], ['set', 'weight', 'be/s1', '5'], ['set', 'server', 'be/s1', 'state', 'maint'],
    ['add', 'server', 'be/s3', '127.0.0.1:1'], ['del', 'server', 'be/s3'], ['clear', 'counters'], ['shutdown', 'sessions', 'server', 'be/s1']]) {
    t.ok(fansOut(w), w.join(' '));
  }
  for (const w of [['show', 'stat'], ['set', 'timeout', 'cli', '5'], ['shutdown', 'session', '0x1'], ['prompt'], ['help']]) t.notOk(fansOut(w), w.join(' '));
});
