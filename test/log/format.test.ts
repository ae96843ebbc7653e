import t from 'tap';
import {
  parseLogFormat, effectiveLogFormat, TCP_LOG_FORMAT, HTTP_LOG_FORMAT, CLF_HTTP_LOG_FORMAT, HTTPS_LOG_FORMAT,
} from '../../src/log/format.js';

t.test('formats split into text, variables and expressions', async (t) => {
  t.same(parseLogFormat('%ci:%cp [%tr] %{+Q}r %[src,lower] 100%%'), [
    { kind: 'var', name: 'ci', flags: [] },
    { kind: 'text', text: ':' },
    { kind: 'var', name: 'cp', flags: [] },
    { kind: 'text', text: ' [' },
    { kind: 'var', name: 'tr', flags: [] },
    { kind: 'text', text: '] ' },
    { kind: 'var', name: 'r', flags: ['+Q'] },
    { kind: 'text', text: ' ' },
    { kind: 'expr', expr: 'src,lower', flags: [] },
    { kind: 'text', text: ' 100%' },
  ]);
  t.same(parseLogFormat('%ci_x'), [{ kind: 'var', name: 'ci', flags: [] }, { kind: 'text', text: '_x' }]);
});

t.test('errors carry HAProxy 2.6 reasons', async (t) => {
  const err = (f: string) => { try { parseLogFormat(f); } catch (e) { return (e as Error).message; } return undefined; };
  t.equal(err('%zz'), `no such format variable 'zz'. If you wanted to emit the '%' character verbatim, you need to use '%%'.`);
  t.equal(err('%[src'), `missing ']' after 'src'.`);
  t.equal(err('%{+Q'), `truncated line after '+Q'.`);
  t.equal(err('%{+Q}'), `parse argument modifier without variable name near '%{+Q}'.`);
  t.equal(err('%'), `truncated line after '%'.`);
});

t.test('built-in formats parse and are picked by style', async (t) => {
  for (const f of [TCP_LOG_FORMAT, HTTP_LOG_FORMAT, CLF_HTTP_LOG_FORMAT, HTTPS_LOG_FORMAT]) t.ok(parseLogFormat(f).length > 0);
  t.equal(effectiveLogFormat({ style: 'default' }), undefined);
  t.equal(effectiveLogFormat({ style: 'httplog' }), HTTP_LOG_FORMAT);
  t.equal(effectiveLogFormat({ style: 'custom', format: '%ci' }), '%ci');
});
