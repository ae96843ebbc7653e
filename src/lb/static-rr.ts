/**
 * `balance static-rr`, and the map every map-based hash indexes: a table of
 * `totWeight` slots filled once per state change by a scoring pass that
 * favours declaration order (reference §2.5.2). Weights are divided by the
 * GCD of all configured weights, computed once (weights are static: only 0
 * and the initial weight are accepted at runtime). Requests walk the table
 * from `rrIdx`, which survives rebuilds.
 * Invariant: map.length >= totWeight and map[0..totWeight) are eligible
 * servers of the group in use.
 */
import { Farm, LbNode } from './farm.js';
import { rrFull, type LbServer, type PickContext } from './types.js';

export class MapNode extends LbNode {
  wscore = 0;
}

function gcd(a: number, b: number): number {
  while (b) { const t = a % b; a = b; b = t; }
  return a;
}

export class MapFarm extends Farm<MapNode> {
  readonly algo: string = 'static-rr';
  protected map: MapNode[] = [];
  private rrIdx = 0;
  private readonly wmult: number;

  constructor(servers: LbServer[], allbackups: boolean) {
    super(servers, allbackups);
    let g = 0;
    for (const s of servers) if (s.weight > 0) g = g ? gcd(g, s.weight) : s.weight;
    this.wmult = g || 1;
    this.start();
  }

  protected newNode(s: LbServer): MapNode {
    return new MapNode(s);
  }

  protected override ewOf(s: LbServer): number {
    return Math.ceil(s.weight / this.wmult);
  }

  protected changed(): void {}

  override update(): void {
    super.update();
    this.rebuild();
  }

  /** HAProxy's recalc_server_map: every slot goes to the best score, first declared on ties. */
  protected rebuild(): void {
    const tot = this.totWeight;
    if (!this.totUsed || !tot) return;
    const backup = this.srvAct === 0;
    const nodes = this.nodes;
    for (const n of nodes) n.wscore = 0;
    for (let o = 0; o < tot; o++) {
      let best: MapNode | undefined;
      let max = 0;
      for (const n of nodes) {
        if (n.backup !== backup || !n.elig) continue;
        if (tot === 1) { best = n; break; }
        n.wscore += n.ew;
        const v = Math.trunc((n.wscore + tot) / tot);
        if (!best || v > max) { max = v; best = n; }
      }
      this.map[o] = best!;
      best!.wscore -= tot;
    }
  }

  /** The slot for an unsigned 32-bit hash (map-based hashing). */
  byHash(h: number): LbServer | undefined {
    return this.totWeight ? this.map[(h >>> 0) % this.totWeight]!.s : undefined;
  }

  pick(ctx: PickContext): LbServer | undefined {
    const tot = this.totWeight;
    if (!tot) return undefined;
    if (this.rrIdx < 0 || this.rrIdx >= tot) this.rrIdx = 0;
    const avoid = ctx.avoid;
    let i = this.rrIdx;
    let avoided: MapNode | undefined;
    let avoidedIdx = 0;
    do {
      const n = this.map[i++]!;
      if (!rrFull(n.s)) {
        avoided = n; avoidedIdx = i;
        if (n.s !== avoid) { this.rrIdx = i; return n.s; }
      }
      if (i === tot) i = 0;
    } while (i !== this.rrIdx);
    if (avoided) this.rrIdx = avoidedIdx;
    return avoided?.s;
  }
}

export class StaticRr extends MapFarm {}
