import t from 'tap';
import { readFileSync } from 'node:fs';
import type { Balance, HashType } from '../../src/config/proxy.js';
import { createBalancer } from '../../src/lb/index.js';
import type { LbServer, PickContext } from '../../src/lb/types.js';
import { ctx } from './helpers.js';

/**
 * Differential replay of random scenarios recorded on haproxy 2.6.12 by the
 * lab: weights, backups, allbackups, runtime `set weight` / `disable server`
 * / `enable server` between bursts of sequential requests.
 * - haproxy-2.6-dynamic.json (128): requests without a key, so `url_param id`
 *   and `hdr(x-k)` exercise the fallback round robin over the map or ring;
 * - haproxy-2.6-hashed.json (40): `url_param`, `uri [whole|depth]`, `hdr`
 *   with a key per request, every hash function, with and without avalanche;
 * - haproxy-2.6-maxconn.json (24): servers with maxconn, 'hold' n requests
 *   that stay open (origin sleeps), quick ones in between, 'wait' for the
 *   held ones ([servers they went to]).
 * '<NOSRV>' = haproxy had no server (%s); a `set weight` haproxy refused
 * (static algorithm) is marked 'refused' and skipped.
 */
type Op = ['req', number | number[]] | ['hold', number] | ['wait'] | ['down' | 'up', string] | ['weight', string, number, 'refused'?];
interface Scenario {
  name: string; algo: string; weights: number[]; backups?: boolean[]; allbackups?: boolean; maxconn?: number[];
  hashType?: string; ops: Op[]; observed: string;
}

const load = (f: string) => JSON.parse(readFileSync(new URL(`./fixtures/${f}`, import.meta.url), 'utf8')) as Scenario[];

/** `balance` words as the lab wrote them → Balance */
function balanceOf(algo: string): Balance {
  const w = algo.split(' ');
  const hdr = /^hdr\((.*)\)$/.exec(w[0]!);
  if (hdr) return { algo: 'hdr', header: hdr[1]! };
  if (w[0] === 'url_param') return { algo: 'url_param', param: w[1]! };
  if (w[0] === 'uri') return { algo: 'uri', ...(w[1] === 'whole' ? { uriWhole: true } : {}), ...(w[1] === 'depth' ? { uriDepth: Number(w[2]) } : {}) };
  return { algo: w[0] as Balance['algo'] };
}

/** 'consistent', 'map-based djb2 avalanche', ... → HashType (bare consistent = sdbm avalanche) */
function hashTypeOf(s: string): HashType {
  const [method, fn, av] = s.split(' ');
  return { method: method as HashType['method'], fn: (fn ?? 'sdbm') as HashType['fn'], avalanche: av === 'avalanche' || (!fn && method === 'consistent') };
}

/** the request the lab sent for key k */
function keyed(algo: string, k: number): PickContext {
  const uri = algo.startsWith('url_param') ? `/p?a=1&id=${k}` : algo.startsWith('uri') ? `/d${k % 7}/s${k}/f?q=${k}` : '/';
  return ctx({ uri, header: (n) => (n === 'x-k' ? `key-${k}` : undefined) });
}

function replay(sc: Scenario): string {
  const ss: LbServer[] = sc.weights.map((w, i) => ({
    id: i + 1, name: String.fromCharCode(65 + i), weight: w, backup: !!sc.backups?.[i], usable: true, served: 0, queued: 0, maxconn: sc.maxconn?.[i] ?? 0,
  }));
  const b = createBalancer({ balance: balanceOf(sc.algo), hashType: hashTypeOf(sc.hashType ?? 'map-based'), allbackups: !!sc.allbackups, mode: 'http' }, ss);
  const keyless = ctx({ uri: '/x' });
  const out: string[] = [];
  let held: LbServer[] = [];
  for (const op of sc.ops) {
    if (op[0] === 'hold') {
      for (let i = 0; i < op[1]; i++) { const p = b.pick(keyless)!; b.take(p); held.push(p); }
      out.push(`H${op[1]}`);
      continue;
    }
    if (op[0] === 'wait') {
      out.push(`[${held.map((s) => s.name).join('')}]`);
      for (const s of held) b.release(s);
      held = [];
      continue;
    }
    if (op[0] === 'req') {
      let s = '';
      const n = typeof op[1] === 'number' ? op[1] : op[1].length;
      for (let i = 0; i < n; i++) {
        const p = b.pick(typeof op[1] === 'number' ? keyless : keyed(sc.algo, op[1][i]!));
        if (p) { b.take(p); b.release(p); }
        s += p ? p.name : '<NOSRV>';
      }
      out.push(s);
    } else if (op[0] !== 'weight' || op[3] !== 'refused') {
      const s = ss[op[1].charCodeAt(0) - 65]!;
      if (op[0] === 'weight') s.weight = op[2]; else s.usable = op[0] === 'up';
      b.update();
    }
  }
  return out.join(' ');
}

for (const file of ['haproxy-2.6-dynamic.json', 'haproxy-2.6-hashed.json', 'haproxy-2.6-maxconn.json']) {
  t.test(file, async (t) => {
    for (const sc of load(file)) {
      const label = `${sc.name}: ${sc.algo} ${sc.hashType ?? ''}${sc.allbackups ? ' allbackups' : ''} ${sc.weights.map((w, i) => `${w}${sc.backups?.[i] ? 'b' : ''}`).join(':')}${sc.maxconn ? ` maxconn ${sc.maxconn.join(':')}` : ''}`;
      t.equal(replay(sc), sc.observed, label);
    }
  });
}
