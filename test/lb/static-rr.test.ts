import t from 'tap';
import { StaticRr } from '../../src/lb/static-rr.js';
import { ctx, farm, seq, by } from './helpers.js';

const c = ctx();

t.test('static weights: every sequence observed on haproxy 2.6.12 (reference §2.5.2)', async (t) => {
  const obs: [string, string][] = [
    ['5:3:2', 'AABACABABCAABACABABCAABACABABC'],
    ['7:4:2:1', 'AABABACABABACDAABABACABABACDAABABACABABA'],
    ['2:3', 'ABABBABABBABABBABABBABABBABABBABABBABABB'],
    ['1:1:5', 'ACCBCCCACCBCCCACCBCCCACCBCCCACCBCCCACCBC'],
    ['3:2:2', 'ABACABCABACABCABACABCABACABCABACABCABACA'],
    ['3:1', 'AAABAAABAAABAAABAAABAAABAAABAA'],
    ['2:0:1', 'AACAAC'],
  ];
  for (const [spec, exp] of obs) t.equal(seq(new StaticRr(farm(spec), false), exp.length, c), exp, spec);
});

t.test('runtime changes observed on haproxy 2.6.12: the map is rebuilt, the index kept', async (t) => {
  let ss = farm('5:3:2'); let b = new StaticRr(ss, false);
  let got = seq(b, 3, c); by(ss, 'C').weight = 0; b.update(); got += ' ' + seq(b, 6, c);
  by(ss, 'C').weight = 2; b.update(); got += ' ' + seq(b, 12, c);
  t.equal(got, 'AAB AABABA ABACABABCAAB', 'set weight C 0 then 100%');

  ss = farm('5:3:2'); b = new StaticRr(ss, false);
  got = seq(b, 3, c); by(ss, 'B').usable = false; b.update(); got += ' ' + seq(b, 6, c);
  by(ss, 'B').usable = true; b.update(); got += ' ' + seq(b, 12, c);
  t.equal(got, 'AAB CAACAA BACABABCAABA', 'disable/enable B');
});
