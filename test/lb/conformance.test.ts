import t from 'tap';
import type { Balance, HashType } from '../../src/config/proxy.js';
import { createBalancer } from '../../src/lb/index.js';
import type { Balancer, LbServer, PickContext } from '../../src/lb/types.js';
import { by, farm } from './helpers.js';

/**
 * The one suite every balance algorithm passes (STYLE rule 3). A new
 * algorithm adds a row to ALGOS. `kind` says how freely it chooses:
 *  - 'free'   picks among all eligible servers and skips full ones;
 *  - 'random' never returns a full winner (the request is queued instead);
 *  - 'hash'   keeps affinity: a hashed server is returned even when full
 *             (HAProxy queues on it), only the no-key fallback skips.
 * `dynamic` algorithms honour any runtime weight; static ones only 0/initial.
 */
interface Algo { name: string; balance: Balance; hash?: HashType; kind: 'free' | 'random' | 'hash'; dynamic: boolean }
const CONS: HashType = { method: 'consistent', fn: 'sdbm', avalanche: true };
const MAP: HashType = { method: 'map-based', fn: 'sdbm', avalanche: false };
const ALGOS: Algo[] = [
  { name: 'roundrobin', balance: { algo: 'roundrobin' }, kind: 'free', dynamic: true },
  { name: 'static-rr', balance: { algo: 'static-rr' }, kind: 'free', dynamic: false },
  { name: 'leastconn', balance: { algo: 'leastconn' }, kind: 'free', dynamic: true },
  { name: 'first', balance: { algo: 'first' }, kind: 'free', dynamic: false },
  { name: 'random', balance: { algo: 'random', draws: 2 }, kind: 'random', dynamic: true },
  { name: 'source', balance: { algo: 'source' }, kind: 'hash', dynamic: false },
  { name: 'source consistent', balance: { algo: 'source' }, hash: CONS, kind: 'hash', dynamic: true },
  { name: 'uri', balance: { algo: 'uri' }, kind: 'hash', dynamic: false },
  { name: 'uri consistent', balance: { algo: 'uri', uriDepth: 3 }, hash: CONS, kind: 'hash', dynamic: true },
  { name: 'url_param', balance: { algo: 'url_param', param: 'id' }, kind: 'hash', dynamic: false },
  { name: 'hdr', balance: { algo: 'hdr', header: 'x-k' }, kind: 'hash', dynamic: false },
  { name: 'hdr consistent', balance: { algo: 'hdr', header: 'x-k' }, hash: { ...CONS, fn: 'wt6' }, kind: 'hash', dynamic: true },
  { name: 'rdp-cookie', balance: { algo: 'rdp-cookie', cookie: 'mstshash' }, hash: { ...MAP, fn: 'crc32' }, kind: 'hash', dynamic: false },
  { name: 'hash', balance: { algo: 'hash', expr: 'req.hdr(x-k)' }, hash: { ...MAP, fn: 'djb2', avalanche: true }, kind: 'hash', dynamic: false },
  { name: 'hash consistent', balance: { algo: 'hash', expr: 'req.hdr(x-k)' }, hash: CONS, kind: 'hash', dynamic: true },
];

/** A varied request stream: every key an algorithm may hash changes with i. */
function requests(n: number, withKey = true): PickContext[] {
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296);
  return Array.from({ length: n }, (_, i) => ({
    src: withKey ? `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` : '',
    uri: withKey ? `/k${i}/x/y?a=1&id=${i * 7919}` : '/',
    header: (name: string) => (withKey && name === 'x-k' ? `v${i * 31}` : undefined),
    key: withKey ? `k${i}` : undefined,
    random,
  }));
}

const make = (a: Algo, ss: LbServer[], allbackups = false): Balancer =>
  createBalancer({ balance: a.balance, hashType: a.hash ?? MAP, allbackups, mode: 'http' }, ss);

/** Counts per server name over `n` requests; `hold` keeps every connection open. */
function drive(b: Balancer, n: number, opts: { hold?: boolean; withKey?: boolean } = {}): Record<string, number> {
  const seen: Record<string, number> = {};
  for (const c of requests(n, opts.withKey ?? true)) {
    const s = b.pick(c);
    const k = s ? s.name : '-';
    seen[k] = (seen[k] ?? 0) + 1;
    if (s) { b.take(s); if (!opts.hold) b.release(s); }
  }
  return seen;
}
const names = (seen: Record<string, number>) => Object.keys(seen).sort().join('');

for (const a of ALGOS) {
  t.test(a.name, async (t) => {
    t.test('every eligible server gets traffic, down servers are skipped', async (t) => {
      const ss = farm('1:1:1');
      const b = make(a, ss);
      t.equal(names(drive(b, 600)), a.name === 'first' ? 'A' : 'ABC');
      by(ss, a.name === 'first' ? 'A' : 'B').usable = false;
      b.update();
      t.equal(names(drive(b, 600)), a.name === 'first' ? 'B' : 'AC');
    });

    t.test('a weight 0 server is never picked, from the start or at runtime', async (t) => {
      const ss = farm('1:0:1');
      const b = make(a, ss);
      t.notOk(drive(b, 600).B);
      by(ss, 'A').weight = 0;
      b.update();
      t.equal(names(drive(b, 600)), 'C');
    });

    t.test('backups only when every active server is down; the first one only', async (t) => {
      const ss = farm('1:1:1b:1b');
      const b = make(a, ss);
      t.equal(names(drive(b, 600)), a.name === 'first' ? 'A' : 'AB');
      by(ss, 'A').usable = false; b.update();
      t.equal(names(drive(b, 600)), 'B', 'one active left');
      by(ss, 'B').usable = false; b.update();
      t.equal(names(drive(b, 600)), 'C', 'first backup only');
      by(ss, 'C').usable = false; b.update();
      t.equal(names(drive(b, 600)), 'D', 'next backup when the first is down');
      by(ss, 'C').usable = true; b.update();
      t.equal(names(drive(b, 600)), 'C', 'the first backup takes over again');
      by(ss, 'A').usable = true; b.update();
      t.equal(names(drive(b, 600)), 'A', 'an active server comes back: backups idle');
    });

    t.test('option allbackups balances all usable backups', async (t) => {
      const ss = farm('1:1b:1b');
      const b = make(a, ss, true);
      by(ss, 'A').usable = false; b.update();
      t.equal(names(drive(b, 600)), a.name === 'first' ? 'B' : 'BC');
    });

    t.test('a server coming back gets traffic again', async (t) => {
      const ss = farm('1:1');
      const b = make(a, ss);
      by(ss, 'A').usable = false; b.update();
      t.equal(names(drive(b, 300)), 'B');
      by(ss, 'A').usable = true; b.update();
      t.ok(drive(b, 300).A, 'A back');
    });

    t.test('runtime weight change', async (t) => {
      const ss = farm('1:1');
      const b = make(a, ss);
      const hold = a.balance.algo === 'leastconn';
      const before = drive(b, 4000, { hold });
      if (hold) for (const s of ss) while (s.served) b.release(s);
      by(ss, 'B').weight = a.dynamic ? 3 : 0;
      b.update();
      const after = drive(b, 4000, { hold });
      if (a.name === 'first') { t.same([names(before), names(after)], ['A', 'A']); return; }
      const share = (x: Record<string, number>) => (x.B ?? 0) / 4000;
      if (!a.dynamic) { t.equal(share(after), 0, 'static: weight 0 accepted'); return; }
      t.ok(share(after) > share(before) + 0.1, `B share ${share(before)} → ${share(after)}`);
      if (a.kind === 'free') t.equal(share(after), 0.75, 'exact 3:1');
    });

    t.test('saturated servers', async (t) => {
      const ss = farm('1:1:1', 1);
      const b = make(a, ss);
      const A = by(ss, a.name === 'first' ? 'A' : 'B');
      b.take(A);
      // every request has a URI: `balance uri` always hashes
      const keyless = a.balance.algo !== 'uri';
      if (a.kind === 'hash') {
        if (keyless) t.notOk(drive(b, 300, { withKey: false })[A.name], 'no key: round robin skips the full server');
        t.ok(drive(b, 300)[A.name], 'hashed requests keep going to it (the caller queues on it)');
      } else {
        t.notOk(drive(b, 300)[A.name], 'never picked while full');
      }
      b.release(A);
      t.ok(drive(b, 300)[A.name], 'picked again once free');
      for (const s of ss) b.take(s);
      if (keyless) t.same(drive(b, 30, { withKey: false }), { '-': 30 }, 'all full: nothing picked, the request waits in the backend queue');
      t.ok(b.hasServers());
    });

    t.test('nothing usable: undefined', async (t) => {
      const ss = farm('1:1b');
      const b = make(a, ss);
      for (const s of ss) s.usable = false;
      b.update();
      t.notOk(b.hasServers());
      t.same(drive(b, 20), { '-': 20 });
      t.notOk(make(a, []).pick(requests(1)[0]!), 'empty backend');
    });

    t.test('servers appended at runtime join after update()', async (t) => {
      const ss = farm('1:1');
      const b = make(a, ss);
      ss.push({ id: 3, name: 'C', weight: 1, backup: false, usable: true, served: 0, queued: 0, maxconn: 0 });
      b.update();
      ss[0]!.usable = false; ss[1]!.usable = false;
      b.update();
      t.equal(names(drive(b, 100)), 'C');
    });
  });
}
