import t from 'tap';
import { evalCondition, CondError, compareVersion } from '../../src/config/cond.js';

const env: Record<string, string> = { HOME: '/root', X: '1' };
const ev = (s: string) => evalCondition(s, { env: (n) => env[n] });
const err = (s: string) => {
  try { ev(s); } catch (e) { if (e instanceof CondError) return e.message; throw e; }
  return undefined;
};

// every case below was answered by `haproxy -cc` 2.6.12
t.test('truth values', async (t) => {
  for (const [c, v] of [
    ['', false], ['0', false], ['12', true], ['-1', true], [' 1 ', true], ['(1)', true], ['!!1', true],
    ['1 && 0 || 1', true], ['1||0', true], ['version_atleast(2.4)', true], ['version_atleast(2.7)', false],
    ['version_before(2.6.13)', true], ['version_before(2.6)', false], ['version_atleast(2.6-dev1)', true],
    ['defined(HOME) && !defined(NOPE)', true], ['defined()', false], ['feature(FOO)', false],
    ['streq(a,a)', true], ['strneq("a",b)', true], ['streq("a b",a b)', true], ['version_atleast()', true],
    ['version_atleast(abc)', true],
  ] as const) t.equal(ev(c), v, c);
});

t.test('errors with HAProxy wording', async (t) => {
  t.equal(err('bogus(1)'), "unparsable conditional expression 'bogus(1)'");
  t.equal(err('1 || (0'), "expected ')' after conditional expression '(0'");
  t.equal(err('streq(a)'), "missing arguments (got 1/2), type 'string' expected in argument 1 of predicate 'streq' used in conditional expression");
  t.equal(err('defined(A,B)'), "expected ')' before ',B)' in argument 1 of predicate 'defined' used in conditional expression");
  t.equal(err('a'), "unparsable conditional expression 'a'");
  t.equal(err('1 1'), "unexpected character '1' at the end of conditional expression '1 1'");
  t.equal(err('1 | 0'), "unexpected character '|' at the end of conditional expression '1 | 0'");
  t.equal(err('1 &&'), "unparsable conditional expression '&&'");
  t.equal(err('!'), "unparsable conditional expression '!'");
  t.equal(err('( )'), "unparsable conditional expression ')'");
});

t.test('version comparison', async (t) => {
  t.equal(compareVersion('2.6.12', '2.6'), 1);
  t.equal(compareVersion('2.6', '2.6.0'), 0);
  t.equal(compareVersion('2.6-dev3', '2.6'), -1);
});
