/**
 * The consistent-hash ring (`hash-type consistent`, and `random`): a server
 * with effective weight ew owns ew points (16 per unit of user weight) at
 * fullHash(id × 4096 + i), i = 0..ew-1, so changing its weight or removing it
 * only moves the keys near its own points. A hash goes to the closest point
 * (the previous one on equal distance); without a key, requests walk the ring
 * point by point (HAProxy's chash round robin).
 * Invariant: act/bck hold the points of eligible servers, sorted by key, ties
 * by (declaration, point index); rebuilt on update(), never on pick().
 */
import { Farm, LbNode } from './farm.js';
import { fullHash } from './hashfn.js';
import { EWEIGHT_MAX, rrFull, type LbServer, type PickContext } from './types.js';

export class ChNode extends LbNode {
  /** sum of the committed weights of the servers declared before it in its group */
  cumw = 0;
  /** point keys by index, computed lazily and kept across rebuilds */
  points: number[] = [];
  /** most points it ever had; growing past it re-queues all its points */
  nodesTot = 0;
  regrown = false;
}

class Ring {
  keys = new Uint32Array(0);
  /** point index within its owner's points, for each ring position */
  pidx = new Uint32Array(0);
  owners: ChNode[] = [];
  /** index of the point last used by the round robin walk, -1 = none */
  last = -1;
}

export class ChashFarm extends Farm<ChNode> {
  readonly algo: string = 'consistent';
  private readonly act = new Ring();
  private readonly bck = new Ring();
  /** hash-balance-factor (0 = off) and the backend's in-flight count it needs */
  private readonly balanceFactor: number;
  private inflight = 0;

  constructor(servers: LbServer[], allbackups: boolean, balanceFactor = 0) {
    super(servers, allbackups);
    this.balanceFactor = balanceFactor;
    this.start();
  }

  protected newNode(s: LbServer): ChNode {
    return new ChNode(s);
  }

  protected changed(): void {}

  override update(): void {
    super.update();
    this.rebuild();
  }

  protected rebuild(): void {
    for (const n of this.nodes) {
      n.regrown = n.ew > n.nodesTot;
      if (n.regrown) n.nodesTot = n.ew;
    }
    this.fill(this.act, false);
    this.fill(this.bck, true);
  }

  private fill(r: Ring, backup: boolean): void {
    const owners: ChNode[] = [];
    const idx: number[] = [];
    let cumw = 0;
    for (const n of this.nodes) {
      if (!n.elig || n.backup !== backup) continue;
      n.cumw = cumw; cumw += n.ew;
      for (let i = n.points.length; i < n.ew; i++) n.points.push(fullHash((n.s.id * EWEIGHT_MAX + i) >>> 0));
      for (let i = 0; i < n.ew; i++) { owners.push(n); idx.push(i); }
    }
    const order = owners.map((_, i) => i);
    const key = (i: number) => owners[i]!.points[idx[i]!]!;
    order.sort((a, b) => key(a) - key(b) || a - b);
    const old = { keys: r.keys, owners: r.owners, pidx: r.pidx, last: r.last };
    r.keys = new Uint32Array(order.length);
    r.pidx = new Uint32Array(order.length);
    r.owners = new Array<ChNode>(order.length);
    for (let j = 0; j < order.length; j++) {
      r.keys[j] = key(order[j]!);
      r.pidx[j] = idx[order[j]!]!;
      r.owners[j] = owners[order[j]!]!;
    }
    r.last = -1;
    // the walk resumes after its last point; if that point left the ring (or
    // was re-queued: weight above its maximum), from the next one still on it
    // (HAProxy moves `last` on before deleting)
    const len = old.keys.length;
    for (let k = 0; old.last >= 0 && k < len; k++) {
      const j = (old.last + k) % len;
      const n = old.owners[j]!;
      if (!n.elig || n.backup !== backup || old.pidx[j]! >= n.ew || n.regrown) continue;
      r.last = this.find(r, old.keys[j]!, n, old.pidx[j]!);
      break;
    }
  }

  /** index of point `pidx` of `n` (key `k`) in `r` */
  private find(r: Ring, k: number, n: ChNode, pidx: number): number {
    let lo = 0, hi = r.keys.length;
    while (lo < hi) { const m = (lo + hi) >> 1; if (r.keys[m]! < k) lo = m + 1; else hi = m; }
    for (let j = lo; j < r.keys.length && r.keys[j] === k; j++) if (r.owners[j] === n && r.pidx[j] === pidx) return j;
    return -1;
  }

  private ring(): Ring | undefined {
    if (this.srvAct) return this.act;
    if (this.srvBck && !this.fbck) return this.bck;
    return undefined;
  }

  /** HAProxy's chash_server_is_eligible: bounded load when hash-balance-factor is set. */
  private underFactor(n: ChNode): boolean {
    const tot = this.totWeight;
    const slotsTot = Math.trunc(((this.inflight + 1) * this.balanceFactor + 99) / 100);
    const perWeight = Math.trunc(slotsTot / tot), rem = slotsTot % tot;
    let slots = n.ew * perWeight + Math.trunc(((n.cumw + n.ew) * rem) / tot) - Math.trunc((n.cumw * rem) / tot);
    if (slots === 0) slots = 1;
    return n.s.served < slots;
  }

  /** The server owning the point closest to `h` (unsigned 32-bit). */
  byHash(h: number, avoid?: LbServer): LbServer | undefined {
    const r = this.ring();
    if (!r) return this.fbck?.s;
    const keys = r.keys, len = keys.length;
    if (!len) return undefined;
    h >>>= 0;
    let lo = 0, hi = len;
    while (lo < hi) { const m = (lo + hi) >> 1; if (keys[m]! < h) lo = m + 1; else hi = m; }
    let next = lo === len ? 0 : lo;
    const prev = next === 0 ? len - 1 : next - 1;
    const dp = (h - keys[prev]!) >>> 0, dn = (keys[next]! - h) >>> 0;
    if (dp <= dn) next = prev;
    let n = r.owners[next]!;
    let loop = 0;
    while (n.s === avoid || (this.balanceFactor && !this.underFactor(n))) {
      if (++next === len) { next = 0; if (++loop > 1) break; }
      n = r.owners[next]!;
    }
    return n.s;
  }

  /** Round robin over the ring's points, skipping full servers (no usable key). */
  pick(ctx: PickContext): LbServer | undefined {
    const r = this.ring();
    if (!r) return this.fbck?.s;
    const len = r.keys.length;
    if (!len) return undefined;
    const avoid = ctx.avoid;
    let avoided: LbServer | undefined;
    let node = r.last;
    let stop = node;
    do {
      node = node + 1 >= len ? 0 : node + 1;
      r.last = node;
      if (stop < 0) stop = node;
      const s = r.owners[node]!.s;
      if (!rrFull(s)) {
        if (s !== avoid) return s;
        avoided = s;
      }
    } while (node !== stop);
    return avoided;
  }

  override take(s: LbServer): void {
    super.take(s);
    this.inflight++;
  }

  override release(s: LbServer): void {
    if (s.served > 0 && this.inflight > 0) this.inflight--;
    super.release(s);
  }
}
