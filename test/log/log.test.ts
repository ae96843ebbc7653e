import t from 'tap';
import { load } from '../helpers.js';
import { LOG_CASES } from './log.cases.js';
import { messages } from './messages.js';


t.test('log keywords: same messages and verdict as haproxy -c', async (t) => {
  for (const [cfg, expected, valid] of LOG_CASES) {
    const m = messages(cfg);
    t.same(m.lines, expected, cfg);
    t.equal(m.valid, valid, `verdict: ${cfg}`);
  }
});

t.test('log targets are parsed into plain data', async (t) => {
  const r = load('global\n log 127.0.0.1:5140 len 2048 format rfc5424 local3 notice err\n log stdout format raw daemon\n' +
    'defaults\n log global\n option httplog\nfrontend f\n mode http\n bind :1\n timeout client 1s\n log udp@127.0.0.1 sample 1-2:5 local0\n' +
    ' capture request header Host len 20\n capture cookie SID len 100\n unique-id-format %{+X}o\\ %ci:%cp\n');
  t.ok(r.model);
  const g = r.model!.global.logs;
  t.match(g[0], { transport: 'udp', host: '127.0.0.1', port: 5140, maxLen: 2048, format: 'rfc5424', facility: 'local3', facilityCode: 19, level: 'notice', minLevel: 'err' });
  t.match(g[1], { transport: 'fd', fd: 1, format: 'raw', facility: 'daemon', level: 'debug', minLevel: 'emerg' });
  const f = r.model!.proxies[0]!;
  t.equal(f.log.global, true, 'log global inherited from defaults');
  t.equal(f.log.style, 'httplog');
  t.same(f.log.targets[0]!.sample, { ranges: [[1, 2]], size: 5 });
  t.equal(f.log.targets[0]!.port, 514);
  t.same(f.log.captures.request, [{ name: 'Host', len: 20 }]);
  t.same(f.log.captures.cookie, { name: 'SID', len: 63 });
  t.equal(f.log.uniqueIdFormat, '%{+X}o %ci:%cp');
});

t.test('no log drops inherited targets', async (t) => {
  const r = load('defaults\n log 127.0.0.1 local0\n log global\nbackend b\n no log\n');
  t.same(r.model!.proxies[0]!.log.targets, []);
  t.equal(r.model!.proxies[0]!.log.global, false);
});

t.test('ring targets are refused as not implemented', async (t) => {
  const m = messages('frontend f\n bind :1\n timeout client 1s\n log ring@buf local0\n');
  t.equal(m.valid, false);
  t.match(m.lines[0], /log : logging to a ring buffer \('ring@buf'\) is not implemented in lb/);
});
