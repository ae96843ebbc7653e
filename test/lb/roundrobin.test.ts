import t from 'tap';
import { RoundRobin } from '../../src/lb/roundrobin.js';
import { by, ctx, farm, seq as run } from './helpers.js';

const c = ctx();
const seq = (b: RoundRobin, n: number) => run(b, n, c);

t.test('static weights: every sequence observed on haproxy 2.6.12 (reference §2.5.1)', async (t) => {
  const obs: [string, string][] = [
    ['3:1', 'AAABAAABAAABAAABAAABAAABAAABAA'], ['1:3', 'BBBABBBABBBABBBABBBA'],
    ['2:1', 'AABAABAABAABAABAABAA'], ['1:1:1', 'ABCABCABCABCABCABCAB'],
    ['5:3:2', 'ABACABABACABACABABACABACABABAC'],
    ['7:4:2:1', 'ABACABADABACBAABACABADABACBAABACABADABAC'],
    ['10:1', 'AAAAAAAAAABAAAAAAAAAABAAAAAAAAAABAAAAAAA'],
    ['2:3', 'BBABABBABABBABABBABABBABABBABABBABABBABA'],
    ['1:1:5', 'CCCACCBCCCACCBCCCACCBCCCACCBCCCACCBCCCAC'],
    ['3:2:2', 'ABACBACABACBACABACBACABACBACABACBACABACB'],
  ];
  for (const [spec, exp] of obs) t.equal(seq(new RoundRobin(farm(spec), false), exp.length), exp, spec);
});

t.test('runtime changes observed on haproxy 2.6.12', async (t) => {
  let ss = farm('3:1'); let b = new RoundRobin(ss, false);
  let got = seq(b, 10); by(ss, 'A').weight = 1; b.update(); got += ' ' + seq(b, 12);
  t.equal(got, 'AAABAAABAA BABABABABABA', 'set weight A 1');

  ss = farm('5:3:2'); b = new RoundRobin(ss, false);
  got = seq(b, 7); by(ss, 'C').weight = 6; b.update(); got += ' ' + seq(b, 20);
  t.equal(got, 'ABACABA BACACBACCABCACBACACB', 'set weight C 6');

  ss = farm('2:2:2'); b = new RoundRobin(ss, false);
  got = seq(b, 4); by(ss, 'B').weight = 0; b.update(); got += ' ' + seq(b, 6);
  by(ss, 'B').weight = 2; b.update(); got += ' ' + seq(b, 12);
  t.equal(got, 'ABCA CACACA CABCABCABCAB', 'set weight B 0 then 2');

  ss = farm('1:1:1'); b = new RoundRobin(ss, false);
  got = seq(b, 4); by(ss, 'B').usable = false; b.update(); got += ' ' + seq(b, 5);
  by(ss, 'B').usable = true; b.update(); got += ' ' + seq(b, 12);
  t.equal(got, 'ABCA CACAC ACBACBACBACB', 'disable/enable B');

  ss = farm('5:3:2'); b = new RoundRobin(ss, false);
  got = seq(b, 5); by(ss, 'A').usable = false; b.update(); got += ' ' + seq(b, 6);
  by(ss, 'A').usable = true; b.update(); got += ' ' + seq(b, 20);
  t.equal(got, 'ABACA BBBCBC BACABABACABACABABACA', 'disable/enable A');
});
