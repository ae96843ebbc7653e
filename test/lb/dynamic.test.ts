import t from 'tap';
import { readFileSync } from 'node:fs';
import type { HashType } from '../../src/config/proxy.js';
import { createBalancer } from '../../src/lb/index.js';
import type { LbServer } from '../../src/lb/types.js';
import { ctx } from './helpers.js';

/**
 * Differential replay: 128 random scenarios (weights, backups, allbackups,
 * runtime `set weight` / `disable server` / `enable server` between bursts
 * of sequential requests) recorded on haproxy 2.6.12 by the lab, replayed
 * here. `url_param id` and `hdr(x-k)` requests carry no key: they exercise
 * the fallback round robin over the map or the ring. '<NOSRV>' = haproxy had
 * no server (%s); a `set weight` haproxy refused (static algorithm) is
 * marked 'refused' and skipped.
 */
type Op = ['req', number] | ['down' | 'up', string] | ['weight', string, number, 'refused'?];
interface Scenario {
  name: string; algo: string; weights: number[]; backups: boolean[]; allbackups?: boolean;
  hashType: HashType['method']; ops: Op[]; observed: string;
}

const scenarios = JSON.parse(readFileSync(new URL('./fixtures/haproxy-2.6-dynamic.json', import.meta.url), 'utf8')) as Scenario[];
const c = ctx({ uri: '/x' });

for (const sc of scenarios) {
  t.test(`${sc.name}: ${sc.algo} ${sc.weights.map((w, i) => `${w}${sc.backups[i] ? 'b' : ''}`).join(':')}`, async (t) => {
    const ss: LbServer[] = sc.weights.map((w, i) => ({
      id: i + 1, name: String.fromCharCode(65 + i), weight: w, backup: sc.backups[i]!, usable: true, served: 0, queued: 0, maxconn: 0,
    }));
    const [algo, param] = sc.algo.split(' ');
    const hdr = /^hdr\((.*)\)$/.exec(sc.algo);
    const b = createBalancer({
      balance: hdr ? { algo: 'hdr', header: hdr[1]! } : param ? { algo: 'url_param', param } : { algo: algo as 'roundrobin' },
      hashType: { method: sc.hashType, fn: 'sdbm', avalanche: sc.hashType === 'consistent' }, allbackups: !!sc.allbackups, mode: 'http',
    }, ss);
    const out: string[] = [];
    const srv = (n: string) => ss[n.charCodeAt(0) - 65]!;
    for (const op of sc.ops) {
      if (op[0] === 'req') {
        let s = '';
        for (let i = 0; i < op[1]; i++) {
          const p = b.pick(c);
          if (p) { b.take(p); b.release(p); }
          s += p ? p.name : '<NOSRV>';
        }
        out.push(s);
      } else if (op[0] !== 'weight' || op[3] !== 'refused') {
        if (op[0] === 'weight') srv(op[1]).weight = op[2];
        else srv(op[1]).usable = op[0] === 'up';
        b.update();
      }
    }
    t.equal(out.join(' '), sc.observed, JSON.stringify(sc.ops));
  });
}
