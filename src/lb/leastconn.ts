/**
 * `balance leastconn`: the eligible server with the fewest in-flight requests
 * (served + queued) per unit of weight. Each group is a tree keyed by
 * `(inflight + 1) × 4096 / ew`, 0 when idle, so idle servers rotate whatever
 * their weight; a server whose key changes is reinserted after its equals,
 * which makes ties round-robin (ABCABC with idle equal servers, observed).
 * Invariant: an eligible server is queued in its group's tree with the key of
 * its last take/release; a server at maxconn stays queued and is skipped.
 */
import { Farm, LbNode } from './farm.js';
import { Tree, type TreeNode } from './tree.js';
import { EWEIGHT_MAX, lcFull, type LbServer, type PickContext } from './types.js';

class LcNode extends LbNode implements TreeNode {
  key = 0;
  seq = 0;
  hidx = -1;
  tree: Tree<LcNode> | null = null;
}

function lcKey(s: LbServer, ew: number): number {
  const inflight = s.served + s.queued;
  return inflight ? Math.trunc(((inflight + 1) * EWEIGHT_MAX) / ew) >>> 0 : 0;
}

export class LeastConn extends Farm<LcNode> {
  readonly algo: string = 'leastconn';
  private readonly act = new Tree<LcNode>();
  private readonly bck = new Tree<LcNode>();
  /** nodes popped while skipping saturated ones, reused by every pick */
  private readonly skipped: LcNode[] = [];

  constructor(servers: LbServer[], allbackups: boolean) {
    super(servers, allbackups);
    this.start();
  }

  protected newNode(s: LbServer): LcNode {
    return new LcNode(s);
  }

  protected rebuild(): void {
    for (const n of this.nodes) if (n.elig) this.queue(n, n.backup, n.ew);
  }

  private queue(n: LcNode, backup: boolean, ew: number): void {
    n.tree = backup ? this.bck : this.act;
    n.tree.insert(n, lcKey(n.s, ew));
  }

  protected changed(n: LcNode, elig: boolean, ew: number, backup: boolean): void {
    if (n.tree) { n.tree.remove(n); n.tree = null; }
    if (elig) this.queue(n, backup, ew);
  }

  protected override moved(s: LbServer): void {
    const n = this.byServer.get(s);
    if (!n || !n.tree || !n.ew) return;
    const key = lcKey(s, n.ew);
    if (n.hidx >= 0 && n.key === key) return;
    n.tree.remove(n);
    n.tree.insert(n, key);
  }

  pick(ctx: PickContext): LbServer | undefined {
    let t: Tree<LcNode>;
    if (this.srvAct) t = this.act;
    else if (this.fbck) return this.fbck.s;
    else if (this.srvBck) t = this.bck;
    else return undefined;

    const avoid = ctx.avoid;
    let found: LcNode | undefined;
    let avoided: LcNode | undefined;
    let n = t.first();
    if (n && !lcFull(n.s) && n.s !== avoid) return n.s;
    // slow path: walk the tree in order by popping, then restore the exact order
    const skipped = this.skipped;
    while ((n = t.shift())) {
      skipped.push(n);
      if (lcFull(n.s)) continue;
      if (n.s !== avoid) { found = n; break; }
      avoided = n;
    }
    for (const m of skipped) t.reinsert(m);
    skipped.length = 0;
    return (found ?? avoided)?.s;
  }
}
