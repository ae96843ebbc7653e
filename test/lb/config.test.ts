import t from 'tap';
import { alerts, load } from '../helpers.js';

// The hash-type row feeds the balancers: its defaults decide where keys land.
const A = (m: string) => `[ALERT] config : ${m}`;

t.test('bare "hash-type consistent" means sdbm avalanche (as haproxy 2.6 hashes)', async (t) => {
  const r = load('backend b\n hash-type consistent\nbackend c\n hash-type map-based\nbackend d\n hash-type consistent djb2\n');
  t.same(alerts(r), []);
  const [b, c, d] = r.model!.proxies;
  t.same(b!.hashType, { method: 'consistent', fn: 'sdbm', avalanche: true });
  t.same(c!.hashType, { method: 'map-based', fn: 'sdbm', avalanche: false });
  t.same(d!.hashType, { method: 'consistent', fn: 'djb2', avalanche: false });
});

t.test('hash-type messages verified against haproxy 2.6.12', async (t) => {
  const r = load('backend b\n hash-type consistent foo\n hash-type map-based none\n hash-type consistent sdbm foo\n');
  t.same(alerts(r), [
    A("parsing [t.cfg:2] : 'hash-type' only supports 'sdbm', 'djb2', 'crc32', or 'wt6' hash functions."),
    A("parsing [t.cfg:3] : 'hash-type' only supports 'sdbm', 'djb2', 'crc32', or 'wt6' hash functions."),
    A("parsing [t.cfg:4] : 'hash-type' only supports 'avalanche' as a modifier for hash functions."),
  ]);
});

t.test('balanceConfOf: from a parsed backend to its balancer', async (t) => {
  const { balanceConfOf, createBalancer } = await import('../../src/lb/index.js');
  const r = load('defaults\n mode http\nbackend b\n balance uri whole\n option allbackups\n hash-type consistent\nbackend c\nbackend d\n mode tcp\n balance hdr(host)\n');
  const [b, c, d] = r.model!.proxies;
  t.same(balanceConfOf(b!), {
    balance: { algo: 'uri', uriWhole: true }, hashType: { method: 'consistent', fn: 'sdbm', avalanche: true }, allbackups: true, mode: 'http',
  });
  t.equal(createBalancer(balanceConfOf(c!), []).algo, 'roundrobin', 'no balance line');
  t.equal(createBalancer(balanceConfOf(d!), []).algo, 'roundrobin', 'layer 7 hash in tcp mode');
  t.equal(createBalancer(balanceConfOf(b!), []).algo, 'uri');
});

t.test('hash-balance-factor messages verified against haproxy 2.6.12', async (t) => {
  const r = load('backend b\n hash-balance-factor\n hash-balance-factor 99\n hash-balance-factor 100\n hash-balance-factor 101\n');
  t.same(alerts(r), [
    A("parsing [t.cfg:2] : 'hash-balance-factor' expects an integer argument."),
    A("parsing [t.cfg:3] : 'hash-balance-factor' must be 0 or greater than 100."),
    A("parsing [t.cfg:4] : 'hash-balance-factor' must be 0 or greater than 100."),
  ]);
  const ok = load('backend b\n hash-balance-factor 101\nbackend c\n hash-balance-factor abc\n');
  t.same(alerts(ok), []);
  t.same(ok.model!.proxies.map((p) => p.hashBalanceFactor ?? 0), [101, 0]);
});
