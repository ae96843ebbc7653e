import t from 'tap';
import type { Balance, HashType } from '../../src/config/proxy.js';
import { HashBalancer, addrKey } from '../../src/lb/hash.js';
import { crc32, djb2, fullHash, sdbm, wt6 } from '../../src/lb/hashfn.js';
import { by, ctx, farm } from './helpers.js';

// Every expectation below was observed on haproxy 2.6.12 (lab: one origin,
// servers A, B, C... in one backend per case, x-srv set from %s).
const PATHS = ['/', '/a', '/b', '/index.html', '/api/v1/users', '/api/v1/users?id=3', '/x/y/z?q=1&r=2',
  '/img/logo.png', '/%7Euser', '/caf%C3%A9', '/a/b/c/d/e', '/aaaa', '/long/path/with/many/segments/file.js',
  '/?q', '/abc?def', '/zzz'];

const ht = (method: HashType['method'], fn: HashType['fn'] = 'sdbm', avalanche = false): HashType => ({ method, fn, avalanche });
const MAP = ht('map-based');

function make(b: Balance, spec: string, h: HashType = MAP) {
  const ss = farm(spec);
  return { ss, b: new HashBalancer(b, h, ss, false) };
}

t.test('hash functions', async (t) => {
  const s = 'hello world';
  t.equal(sdbm(s, 0, s.length), 430867652);
  t.equal(djb2(s, 0, s.length), 894552257);
  t.equal(crc32(s, 0, s.length), 0x0d4a1185, 'crc32 is IEEE CRC-32');
  t.equal(sdbm('', 0, 0), 0);
  t.equal(typeof wt6(s, 0, s.length), 'number');
  t.equal(fullHash(0), fullHash(0) >>> 0);
  t.equal(addrKey('127.0.0.1'), 0x7f000001);
  t.equal(addrKey('::ffff:127.0.0.1'), 0x7f00fffe, 'IPv4-mapped: hashed as IPv6');
  t.equal(addrKey('::1'), 1);
  t.equal(addrKey('2001:db8::1'), (0x20010db8 ^ 1) >>> 0);
  t.equal(addrKey('/tmp/sock'), -1);
  t.equal(addrKey('1.2.3'), -1);
});

t.test('balance uri with every hash-type function (weights 1:2:3:1)', async (t) => {
  const obs: Record<string, string> = {
    'map-based sdbm': 'CCBDCCDBBBBCACCC', 'map-based sdbm avalanche': 'DDBBAACCBCBCADAD',
    'map-based djb2': 'CCBBDDAABCDCCCCB', 'map-based djb2 avalanche': 'BAABAACBABCCBBCC',
    'map-based wt6': 'BADCCCBACBCCABAB', 'map-based wt6 avalanche': 'BACBCCCCACBBCBAC',
    'map-based crc32': 'DBCBCCCADCACDDDC', 'map-based crc32 avalanche': 'DBBCDDCCDBCBDDCC',
    'consistent sdbm': 'CCCBCCBCDACACCDB', 'consistent sdbm avalanche': 'BDBDBBABCDCDABDC',
    'consistent djb2': 'CCCCDDBCBCADCCCC', 'consistent djb2 avalanche': 'CACACCCBBAADDCAC',
    'consistent wt6': 'ACCBCCBDADACAADC', 'consistent wt6 avalanche': 'DADBCCCAACCABDCC',
    'consistent crc32': 'BCCCBBBCDADCABCB', 'consistent crc32 avalanche': 'CBACCCBBCBBACCCC',
  };
  for (const [name, exp] of Object.entries(obs)) {
    const [m, fn, av] = name.split(' ');
    const { b } = make({ algo: 'uri' }, '1:2:3:1', ht(m as HashType['method'], fn as HashType['fn'], !!av));
    t.equal(PATHS.map((uri) => b.pick(ctx({ uri }))!.name).join(''), exp, name);
  }
});

t.test('balance uri options (1:1:1)', async (t) => {
  const obs: [Balance, string][] = [
    [{ algo: 'uri', uriWhole: true }, 'CABACABAABACACAC'],
    [{ algo: 'uri', uriLen: 3 }, 'CABCCCCBCBACACAB'],
    [{ algo: 'uri', uriDepth: 2 }, 'CABABBBAABCCACAC'],
    [{ algo: 'uri', uriPathOnly: true }, 'CABACCBAABACACAC'],
    [{ algo: 'uri', uriWhole: true, uriPathOnly: true }, 'CABACABAABACACAC'],
  ];
  for (const [bal, exp] of obs) {
    const { b } = make(bal, '1:1:1');
    t.equal(PATHS.map((uri) => b.pick(ctx({ uri }))!.name).join(''), exp, JSON.stringify(bal));
  }
});

t.test('balance source, map-based and consistent', async (t) => {
  const srcs = Array.from({ length: 29 }, (_, i) => `127.0.0.${i + 1}`);
  let { b } = make({ algo: 'source' }, '1:1:1');
  t.equal(srcs.map((src) => b.pick(ctx({ src }))!.name).join(''), 'CABCABCABCABCABCABCABCABCABCA');
  ({ b } = make({ algo: 'source' }, '1:1:1', ht('consistent', 'sdbm', true)));
  t.equal(srcs.map((src) => b.pick(ctx({ src }))!.name).join(''), 'BACABACAACBCCCAAACAAABBAAAACA');
  // 7 servers; an IPv4 listener, then "bind :::port v4v6" (mapped addresses), then ::1
  const seven = Array.from({ length: 14 }, (_, i) => `127.0.0.${i + 1}`);
  for (const [h, v4, mapped, v6] of [[MAP, 'CDEFGABCDEFGAB', 'BAGFEDCBAGFEDC', 'B'], [ht('consistent', 'sdbm', true), 'FDGADACAFEBDDC', 'GCACADEDDDFCFE', 'C']] as const) {
    ({ b } = make({ algo: 'source' }, '1:1:1:1:1:1:1', h));
    t.equal(seven.map((src) => b.pick(ctx({ src }))!.name).join(''), v4, `${h.method} IPv4`);
    t.equal(seven.map((src) => b.pick(ctx({ src: '::ffff:' + src }))!.name).join(''), mapped, `${h.method} IPv4-mapped`);
    t.equal(b.pick(ctx({ src: '::1' }))!.name, v6, `${h.method} ::1`);
  }
});

t.test('balance url_param: value hashed, absent name falls back to round robin', async (t) => {
  const { b } = make({ algo: 'url_param', param: 'id' }, '1:1:1');
  let got = ['', '1', '2', 'abc', 'hello', '42', 'x y'].map((v) => b.pick(ctx({ uri: '/p?a=1&id=' + encodeURIComponent(v) }))!.name).join('');
  const rr = (uri: string, n: number) => Array.from({ length: n }, () => b.pick(ctx({ uri }))!.name).join('');
  got += '|' + rr('/p?a=1', 4) + '|' + rr('/p?id', 2) + '|' + rr('/p?xid=1', 3);
  t.equal(got, 'ABCCCAC|ABCA|BC|ABC');
});

t.test('balance hdr / hash: value hashed, absent or empty falls back to round robin', async (t) => {
  const vals = ['a', 'b', 'hello', 'some value', '42', '7'];
  const hdr = (v: string | undefined) => ctx({ header: (n) => (n === 'x-k' ? v : undefined) });
  let { b } = make({ algo: 'hdr', header: 'X-K' }, '1:1:1');
  const run = (v: string | undefined, n: number) => Array.from({ length: n }, () => b.pick(hdr(v))!.name).join('');
  t.equal(vals.map((v) => b.pick(hdr(v))!.name).join('') + '|' + run(undefined, 4) + '|' + run('', 4), 'BCCAAB|ABCA|BCAB');
  ({ b } = make({ algo: 'hash', expr: 'req.hdr(x-k)' }, '1:1:1'));
  t.equal(vals.map((key) => b.pick(ctx({ key }))!.name).join('') + '|' + Array.from({ length: 4 }, () => b.pick(ctx())!.name).join(''), 'BCCAAB|ABCA');
});

t.test('balance hdr(host) use_domain_only hashes the domain label', async (t) => {
  const { b } = make({ algo: 'hdr', header: 'host', useDomainOnly: true }, '1:1:1');
  const hosts = ['www.example.com', 'example.com', 'foo.bar.example.org:8080', 'localhost', 'a.b', 'www.a.b.c.d', '1.2.3.4', 'x'];
  t.equal(hosts.map((h) => b.pick(ctx({ header: (n) => (n === 'host' ? h : undefined) }))!.name).join(''), 'BBBABAAA');
});

t.test('consistent hashing: removing a server moves only its keys; weight change observed', async (t) => {
  const keys = Array.from({ length: 40 }, (_, i) => '/k' + i);
  // bare "hash-type consistent" = sdbm avalanche (config test)
  const { ss, b } = make({ algo: 'uri' }, '1:1:1:1', ht('consistent', 'sdbm', true));
  const run = () => keys.map((uri) => b.pick(ctx({ uri }))!.name).join('');
  const before = run();
  t.equal(before, 'ACDCCBBCCCDDCBBDCCDBCCDDDADBBCACBDDCCBAC');
  by(ss, 'B').usable = false; b.update();
  const after = run();
  t.equal(after, 'ACDCCCDCCCDDCCADCCDACCDDDADDDCACDDDCCCAC');
  for (let i = 0; i < keys.length; i++) if (before[i] !== 'B') t.equal(after[i], before[i], `key ${keys[i]} stays`);
  const w = make({ algo: 'uri' }, '1:1:1:1', ht('consistent', 'sdbm', true));
  by(w.ss, 'C').weight = 3; w.b.update();
  t.equal(keys.map((uri) => w.b.pick(ctx({ uri }))!.name).join(''), 'ACDCCBBCCCDDCBBDCCDBCCDCCADCBCCCBDDCCBAC');
});

t.test('mode tcp: layer 7 hashes fall back to roundrobin', async (t) => {
  const { createBalancer } = await import('../../src/lb/index.js');
  const b = createBalancer({ balance: { algo: 'uri' }, hashType: MAP, allbackups: false, mode: 'tcp' }, farm('3:1'));
  t.equal(b.algo, 'roundrobin');
  t.equal(Array.from({ length: 8 }, () => b.pick(ctx({ uri: '/same' }))!.name).join(''), 'AAABAAAB');
});

t.test('hash-balance-factor bounds the load of a hot key', async (t) => {
  const ss = farm('1:1');
  const b = new HashBalancer({ algo: 'uri' }, ht('consistent', 'sdbm', true), ss, false, 100);
  for (let i = 0; i < 10; i++) { const s = b.pick(ctx({ uri: '/hot' }))!; b.take(s); }
  t.same(ss.map((s) => s.served), [5, 5]);
  const plain = farm('1:1');
  const p = new HashBalancer({ algo: 'uri' }, ht('consistent', 'sdbm', true), plain, false);
  for (let i = 0; i < 10; i++) { const s = p.pick(ctx({ uri: '/hot' }))!; p.take(s); }
  t.same(plain.map((s) => s.served).sort(), [0, 10], 'without it, affinity wins');
});

t.test('absolute-form URIs and header lists, observed on haproxy 2.6.12', async (t) => {
  const abs = ['http://example.com/a/b?x=1', 'http://example.com', 'http://example.com/', 'https://h:8080/idx.html', '/a/b?x=1', '/', '/idx.html'];
  const obs: [Balance, string][] = [
    [{ algo: 'uri' }, 'ABCACCC'],
    [{ algo: 'uri', uriPathOnly: true }, 'CACCCCC'],
    [{ algo: 'uri', uriLen: 4, uriDepth: 1 }, 'CCCCACC'],
  ];
  for (const [bal, exp] of obs) {
    const { b } = make(bal, '1:1:1');
    t.equal(abs.map((uri) => b.pick(ctx({ uri }))!.name).join(''), exp, JSON.stringify(bal));
  }
  // Node joins repeated headers with ', '; haproxy hashes the first value, trimmed
  const { b } = make({ algo: 'hdr', header: 'x-k' }, '1:1:1');
  const vals = ['a, b', 'a,b', ' a ', 'a', 'b', 'b, a', '  hello  , x', 'hello'];
  t.equal(vals.map((v) => b.pick(ctx({ header: () => v }))!.name).join(''), 'BBBBCCCC');
});

t.test('consistent hashing without a key walks the ring (observed on haproxy 2.6.12)', async (t) => {
  const cons = ht('consistent', 'sdbm', true);
  let { b } = make({ algo: 'url_param', param: 'id' }, '1:1:1', cons);
  const run = (n: number) => Array.from({ length: n }, () => b.pick(ctx({ uri: '/x' }))!.name).join('');
  t.equal(run(60), 'CCBACAABCAAABBCACCBCABCCABACBCBAACBABBCBACBACBABCCBACAABCAAA');
  let ss; ({ b, ss } = make({ algo: 'url_param', param: 'id' }, '1:2:1', cons));
  const got = [run(40)];
  by(ss, 'B').usable = false; b.update(); got.push(run(20));
  by(ss, 'B').usable = true; b.update(); got.push(run(30));
  t.equal(got.join(' '), 'CCBACAABCAAABBCACCBCABBCCABBBACBBBCBBAAC ACACACACCACAACAAACAC CBCABBCCABBBACBBBCBBAACBABBBBB');
  ({ b } = make({ algo: 'url_param', param: 'id' }, '1:2:1'));
  t.equal(run(12), 'ABBCABBCABBC', 'map-based: the static-rr map');
});

t.test('the ring walk moves on when its last point leaves the ring (observed)', async (t) => {
  const cons = ht('consistent', 'sdbm', true);
  const runs = (mid: number) => {
    const { ss, b } = make({ algo: 'url_param', param: 'id' }, '13:17', cons);
    const run = (n: number) => Array.from({ length: n }, () => b.pick(ctx({ uri: '/x' }))!.name).join('');
    const out = [run(6)];
    by(ss, 'A').usable = false; b.update();
    if (mid) out.push(run(mid));
    by(ss, 'A').usable = true; b.update();
    out.push(run(30));
    return out.join(' ');
  };
  t.equal(runs(0), 'BABBBA BBBBBBBBAAAAAABBBABBBAAABBAAAB');
  t.equal(runs(3), 'BABBBA BBB BBBBBAAAAAABBBABBBAAABBAAABAAB');
});

t.test('hash-balance-factor with held requests, observed on haproxy 2.6.12', async (t) => {
  const obs: [string, number, number[], string][] = [
    ['1:1:1', 125, Array(12).fill(7), 'CACBCAACACBA'],
    ['1:2:3', 150, [1, 1, 1, 2, 2, 2, 3, 3, 3, 1, 1, 1, 1, 1, 1, 1], 'CCCBBBCCCCCCCCCA'],
    ['3:1', 101, [5, 5, 5, 5, 5, 5, 5, 5, 9, 9], 'BAABAAABAA'],
    ['2:2:1:4', 200, Array.from({ length: 20 }, (_, i) => i % 3), 'ADDDADADDADDAADADDAD'],
  ];
  for (const [spec, factor, keys, exp] of obs) {
    const ss = farm(spec);
    const b = new HashBalancer({ algo: 'uri' }, ht('consistent', 'sdbm', true), ss, false, factor);
    let got = '';
    for (const k of keys) { const s = b.pick(ctx({ uri: `/k${k}` }))!; b.take(s); got += s.name; }
    t.equal(got, exp, `${spec} factor ${factor}`);
  }
});
