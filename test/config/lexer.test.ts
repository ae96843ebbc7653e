import t from 'tap';
import { tokenize, caretExcerpt } from '../../src/config/lexer.js';

const env: Record<string, string> = { A: 'hello', LST: 'x y z', EMPTY: '' };
const ctx = { env: (n: string) => env[n], file: 'env.cfg', line: 14, section: 'global' };
const words = (s: string) => {
  const r = tokenize(s, ctx);
  if (r.error) throw new Error(`${r.error.message} at ${r.error.position}`);
  return r.words;
};

t.test('splits on blanks and drops comments', async (t) => {
  t.same(words('  bind  :80\tname x   # trailing'), ['bind', ':80', 'name', 'x']);
  t.same(words('global#comment'), ['global']);
  t.same(words(''), []);
  t.same(words('   # only a comment'), []);
});

t.test('quotes: weak, strong, glued', async (t) => {
  t.same(words(`"x"'y'"z"`), ['xyz']);
  t.same(words(`a "b c" 'd e'`), ['a', 'b c', 'd e']);
  t.same(words(`"a#b" 'c#d'`), ['a#b', 'c#d']);
  t.same(words(`""`), ['']);
});

t.test('backslash escapes as HAProxy observed them', async (t) => {
  t.same(words('"8 escapes: [\\$ \\" \\\\ \\x41 tab\\there]"'), ['8 escapes: [$ " \\ A tab\there]']);
  t.same(words('a\\ b\\#c'), ['a b#c']);
  t.same(words('^/(\\d+)$'), ['^/(\\d+)$']);
  t.same(words(`'\\x41'`), ['\\x41']);
});

t.test('environment expansion only inside double quotes', async (t) => {
  t.same(words('"${A}" "$A" ${A} \'${A}\''), ['hello', 'hello', '${A}', '${A}']);
  t.same(words('"${A}"suffix'), ['hellosuffix']);
  t.same(words('"[${UNSET-def}]" "[${EMPTY-def}]" "[${UNSET}]"'), ['[def]', '[]', '[]']);
  t.same(words('"${LST[*]}"'), ['x', 'y', 'z']);
  t.same(words('"${A[*]}x"'), ['hellox']);
  t.same(words('"${.FILE} ${.LINE} ${.SECTION}"'), ['env.cfg 14 global']);
  t.same(words('"cost $ 5"'), ['cost $ 5']);
});

t.test('errors carry HAProxy positions', async (t) => {
  t.same(tokenize('    .notice "unmatched', ctx).error, { message: 'unmatched quote', position: 13 });
  t.same(tokenize(" .notice 'sq", ctx).error, { message: 'unmatched quote', position: 10 });
  t.same(tokenize('\t\t.notice "\\xZZ"', ctx).error, { message: 'truncated or invalid hexadecimal sequence', position: 12 });
  t.same(tokenize(' .notice "${A"', ctx).error, { message: 'unmatched brace in environment variable name', position: 12 });
  t.same(tokenize(' .notice "${UNSET_V:-x}"', ctx).error?.message, 'unmatched brace in environment variable name');
  t.equal(caretExcerpt('    .notice "unmatched', 13), '  .notice "unmatched\n          ^');
});
