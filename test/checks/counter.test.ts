/**
 * The health counter (reference §4.1) on every transition, and flapping.
 */
import t from 'tap';
import { countFailure, countSuccess, healthText, newCheckState, statusTail } from '../../src/checks/status.js';

t.test('starts UP with health = rise, one failure left ("UP 1/3", INI)', async (t) => {
  const c = newCheckState(2, 3, 2);
  t.equal(c.health, 2);
  t.equal(c.status, 'INI');
  t.equal(healthText(c), 'UP 1/3');
  t.equal(countFailure(c), 'down', 'a single failure marks it DOWN');
  t.equal(c.health, 0);
  t.equal(healthText(c), 'DOWN');
});

t.test('the observed walk of reference §4.1 (rise 2, fall 3)', async (t) => {
  const c = newCheckState(2, 3, 0);
  const seen: Array<[number, string, string, string | undefined]> = [];
  const ok = () => { const tr = countSuccess(c); seen.push([c.health, healthText(c), statusTail(c), tr]); };
  const ko = () => { const tr = countFailure(c); seen.push([c.health, healthText(c), statusTail(c), tr]); };
  ok(); ok(); ko(); ko(); ko();
  t.same(seen, [
    [1, 'DOWN 1/2', '1/2 DOWN', undefined],
    [4, 'UP', '3/3 UP', 'up'],
    [3, 'UP 2/3', '2/3 UP', undefined],
    [2, 'UP 1/3', '1/3 UP', undefined],
    [0, 'DOWN', '0/2 DOWN', 'down'],
  ]);
});

t.test('every transition for rise 1..4 and fall 1..4', async (t) => {
  for (let rise = 1; rise <= 4; rise++) {
    for (let fall = 1; fall <= 4; fall++) {
      const top = rise + fall - 1;
      // from DOWN: rise-1 successes stay DOWN, the rise-th goes UP at the top
      const c = newCheckState(rise, fall, 0);
      for (let i = 1; i < rise; i++) { t.equal(countSuccess(c), undefined); t.equal(c.health, i); }
      t.equal(countSuccess(c), 'up', `rise ${rise} fall ${fall}: up after ${rise}`);
      t.equal(c.health, top);
      t.equal(countSuccess(c), undefined, 'more successes stay at the top');
      t.equal(c.health, top);
      // from the top: fall-1 failures stay UP, the fall-th goes DOWN
      for (let i = 1; i < fall; i++) { t.equal(countFailure(c), undefined); t.equal(c.health, top - i); t.ok(c.health >= rise); }
      t.equal(countFailure(c), 'down', `rise ${rise} fall ${fall}: down after ${fall}`);
      t.equal(c.health, 0);
      t.equal(countFailure(c), undefined, 'a DOWN server stays at 0');
      t.equal(c.health, 0);
      // a failure while going up starts again from 0
      if (rise > 1) {
        countSuccess(c);
        t.equal(countFailure(c), undefined);
        t.equal(c.health, 0, 'one failure while going up drops to 0');
      }
      // a success while going down goes back to the top
      if (fall > 1) {
        const d = newCheckState(rise, fall, top);
        countFailure(d);
        countSuccess(d);
        t.equal(d.health, top, 'one success while going down returns to the top');
      }
    }
  }
});

t.test('flapping with rise 2 fall 3 never changes state', async (t) => {
  for (const startUp of [true, false]) {
    const c = newCheckState(2, 3, startUp ? 4 : 0);
    const transitions: string[] = [];
    for (let i = 0; i < 200; i++) {
      const tr = i % 2 === 0 ? countFailure(c) : countSuccess(c);
      if (tr) transitions.push(tr);
      if (startUp) t.ok(c.health >= 2, 'stays UP'); else t.ok(c.health < 2, 'stays DOWN');
    }
    t.same(transitions, [], `${startUp ? 'UP' : 'DOWN'} server: no transition in 200 alternating results`);
  }
  // and starting with a success
  const c = newCheckState(2, 3, 0);
  for (let i = 0; i < 100; i++) { t.equal(i % 2 === 0 ? countSuccess(c) : countFailure(c), undefined); }
});
