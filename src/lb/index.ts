/**
 * The balance family's entry point: one factory from what the config
 * produced to a `Balancer`. Adding an algorithm adds a file and a case here.
 * Layer-7 hashes in a TCP backend become roundrobin, as HAProxy does after
 * warning "Layer 7 hash not possible for backend '...' (needs 'mode http').
 * Falling back to round robin." (printed by the config check, not here).
 */
import { First } from './first.js';
import { HashBalancer } from './hash.js';
import { LeastConn } from './leastconn.js';
import { RandomBalancer } from './random.js';
import { RoundRobin } from './roundrobin.js';
import { StaticRr } from './static-rr.js';
import type { ProxyCore } from '../config/proxy.js';
import type { BalanceConf, Balancer, LbServer } from './types.js';

export type { BalanceConf, Balancer, LbServer, PickContext } from './types.js';
export { isFull, slowstartEweight } from './types.js';

const L7_HASHES = new Set(['uri', 'url_param', 'hdr']);

/** Build the balancer of one backend. `servers` is kept by reference: flip
 * their fields (or append servers) and call update(). */
export function createBalancer(conf: BalanceConf, servers: LbServer[]): Balancer {
  const b = conf.balance;
  const algo = conf.mode === 'tcp' && L7_HASHES.has(b.algo) ? 'roundrobin' : b.algo;
  const all = conf.allbackups;
  switch (algo) {
    case 'roundrobin': return new RoundRobin(servers, all);
    case 'static-rr': return new StaticRr(servers, all);
    case 'leastconn': return new LeastConn(servers, all);
    case 'first': return new First(servers, all);
    case 'random': return new RandomBalancer(servers, all, b.draws ?? 2, conf.hashBalanceFactor ?? 0);
    default: return new HashBalancer(b, conf.hashType, servers, all, conf.hashBalanceFactor ?? 0);
  }
}

/** The balance part of a parsed backend (no `balance` line = roundrobin). */
export function balanceConfOf(p: ProxyCore): BalanceConf {
  return {
    balance: p.balance ?? { algo: 'roundrobin' },
    hashType: p.hashType,
    allbackups: p.flags['allbackups'] === true,
    mode: p.mode === 'http' ? 'http' : 'tcp',
    ...(p.hashBalanceFactor ? { hashBalanceFactor: p.hashBalanceFactor } : {}),
  };
}
