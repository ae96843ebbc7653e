/**
 * `balance random[(draws)]`: draw `draws` random points on the consistent-hash
 * ring and keep the server with the fewest requests per unit of weight
 * (power of N choices, default 2). A full winner is not returned: the request
 * goes to the backend queue, as in HAProxy.
 */
import { ChashFarm } from './chash.js';
import { eweightOf, rrFull, type Balancer, type LbServer, type PickContext } from './types.js';

export class RandomBalancer implements Balancer {
  readonly algo: string = 'random';
  private readonly ring: ChashFarm;

  constructor(servers: LbServer[], allbackups: boolean, private readonly draws = 2, balanceFactor = 0) {
    this.ring = new ChashFarm(servers, allbackups, balanceFactor);
  }

  pick(ctx: PickContext): LbServer | undefined {
    let draws = this.draws;
    let curr: LbServer | undefined;
    do {
      const prev = curr;
      curr = this.ring.byHash(Math.floor(ctx.random() * 4294967296) >>> 0, ctx.avoid);
      if (!curr) break;
      if (prev && prev !== curr && curr.served * eweightOf(prev) > prev.served * eweightOf(curr)) curr = prev;
    } while (--draws > 0);
    return curr && rrFull(curr) ? undefined : curr;
  }

  update(): void { this.ring.update(); }
  take(s: LbServer): void { this.ring.take(s); }
  release(s: LbServer): void { this.ring.release(s); }
  hasServers(): boolean { return this.ring.hasServers(); }
}
