/**
 * `balance roundrobin`: HAProxy's fast weighted round robin (FWRR), which is
 * not a smooth WRR (3:1 gives AAAB). Each group (active, backup) walks a
 * window of `currWeight` positions; a server is due at its next position
 * `npos`, advanced by nextWeight/ew per pick with the remainder carried in
 * `rweight`. Three trees: `init` (never scheduled in this window, heaviest
 * first), `curr` (ordered by npos), `next` (pushed past the window). The
 * sequences of reference §2.5.1 and the runtime changes observed on 2.6
 * (weight change, maint/ready) are reproduced exactly (test/lb).
 * Invariant: an eligible server is in exactly one of its group's trees,
 * except transiently inside pick(); `nextWeight` = Σ ew of eligible servers.
 */
import { Farm, LbNode } from './farm.js';
import { Tree, type TreeNode } from './tree.js';
import { EWEIGHT_MAX, UWEIGHT_RANGE, WEIGHT_SCALE, rrFull, type LbServer, type PickContext } from './types.js';

class RrNode extends LbNode implements TreeNode {
  key = 0;
  seq = 0;
  hidx = -1;
  /** next position, last position, weight remainder carried between picks */
  npos = 0;
  lpos = 0;
  rweight = 0;
  /** the tree this server belongs to (kept while dequeued inside pick), null when down */
  tree: Tree<RrNode> | null = null;
  /** chain of servers skipped during one pick */
  nextFull: RrNode | null = null;
}

class Group {
  readonly curr = new Tree<RrNode>();
  init = new Tree<RrNode>();
  next = new Tree<RrNode>();
  currPos = 0;
  currWeight = 0;
  nextWeight = 0;
}

export class RoundRobin extends Farm<RrNode> {
  readonly algo: string = 'roundrobin';
  private readonly act = new Group();
  private readonly bck = new Group();

  constructor(servers: LbServer[], allbackups: boolean) {
    super(servers, allbackups);
    this.start();
  }

  protected newNode(s: LbServer): RrNode {
    return new RrNode(s);
  }

  protected rebuild(): void {
    this.act.currPos = this.act.currWeight = this.act.nextWeight = this.totWact;
    this.bck.currPos = this.bck.currWeight = this.bck.nextWeight = this.totWbck;
    for (const n of this.nodes) if (n.elig) this.queueByWeight(this.groupOf(n.backup).init, n, n.ew);
  }

  private groupOf(backup: boolean): Group {
    return backup ? this.bck : this.act;
  }

  protected changed(n: RrNode, elig: boolean, ew: number, backup: boolean): void {
    if (backup !== n.backup) {
      if (n.elig) this.down(n, this.groupOf(n.backup));
      if (elig) this.up(n, this.groupOf(backup), ew);
    } else if (!n.elig && elig) this.up(n, this.groupOf(backup), ew);
    else if (n.elig && !elig) this.down(n, this.groupOf(backup));
    else if (elig) this.reweight(n, this.groupOf(backup), ew);
  }

  private down(n: RrNode, g: Group): void {
    g.nextWeight -= n.ew;
    n.tree?.remove(n);
    n.tree = null;
  }

  /** A server becomes eligible: placed just past what the window still owes. */
  private up(n: RrNode, g: Group, ew: number): void {
    g.nextWeight += ew;
    this.getSrv(n, g);
    n.npos = g.currPos + Math.trunc((g.nextWeight + g.currWeight - g.currPos) / ew);
    this.queue(n, g, ew);
  }

  /** Weight of an eligible server changed: keep its place unless it would now come too late. */
  private reweight(n: RrNode, g: Group, ew: number): void {
    g.nextWeight += ew - n.ew;
    if (n.tree === g.init) {
      g.init.remove(n);
      this.queueByWeight(g.init, n, ew);
    } else if (!n.tree) {
      this.getSrv(n, g);
      n.npos = g.currPos + Math.trunc((g.nextWeight + g.currWeight - g.currPos) / ew);
      this.queue(n, g, ew);
    } else {
      this.getSrv(n, g);
      const prevNext = n.npos;
      const step = Math.trunc(g.nextWeight / ew);
      n.npos = Math.min(n.lpos + step, prevNext);
      n.rweight = 0;
      if (n.npos < g.currPos + 2) n.npos = g.currPos + step;
      n.tree.remove(n);
      this.queue(n, g, ew);
    }
  }

  /** Bring the position of a server about to be moved into the current window's terms. */
  private getSrv(n: RrNode, g: Group): void {
    if (n.tree === g.init) { n.npos = 0; n.rweight = 0; }
    else if (n.tree === g.next) n.npos += g.currWeight;
    else if (!n.tree) n.npos = g.currPos;
  }

  private queueByWeight(t: Tree<RrNode>, n: RrNode, ew: number): void {
    t.insert(n, EWEIGHT_MAX - ew);
    n.tree = t;
  }

  /** Requeue after a pick or a move: in `curr` if due in this window, else in `next`. */
  private queue(n: RrNode, g: Group, ew: number): void {
    if (ew <= 0 || n.npos >= 2 * g.currWeight || n.npos >= g.currWeight + g.nextWeight) {
      n.npos -= g.currWeight;
      this.queueByWeight(g.next, n, ew);
    } else {
      g.curr.insert(n, (UWEIGHT_RANGE * n.npos + Math.trunc((EWEIGHT_MAX + n.rweight - ew) / WEIGHT_SCALE)) >>> 0);
      n.tree = g.curr;
    }
  }

  private candidate(g: Group): RrNode | undefined {
    let n = g.curr.first();
    if (!n || n.npos > g.currPos) {
      const i = g.init.first();
      if (i) {
        i.npos = 0; i.rweight = 0;
        n = i.ew ? i : undefined;
      }
    }
    return n;
  }

  private advance(g: Group, n: RrNode): void {
    const ew = n.ew;
    if (!ew) return;
    if (!n.npos) n.npos = g.currPos;
    n.lpos = n.npos;
    n.npos += Math.trunc(g.nextWeight / ew);
    n.rweight += g.nextWeight % ew;
    if (n.rweight >= ew) { n.rweight -= ew; n.npos++; }
  }

  pick(ctx: PickContext): LbServer | undefined {
    let g: Group;
    if (this.srvAct) g = this.act;
    else if (this.fbck) return this.fbck.s;
    else if (this.srvBck) g = this.bck;
    else return undefined;

    const avoid = ctx.avoid;
    let switched = false;
    let avoided: RrNode | null = null;
    let full: RrNode | null = null;
    let n: RrNode | undefined;
    for (;;) {
      if (!g.currWeight) g.currPos = g.currWeight = g.nextWeight;
      n = this.candidate(g);
      while (!n) {
        if (switched) break;
        switched = true;
        const t = g.init; g.init = g.next; g.next = t;
        g.currWeight = g.nextWeight;
        g.currPos = g.currWeight;
        n = this.candidate(g);
      }
      if (!n) { n = avoided ?? undefined; if (n) this.queue(n, g, n.ew); break; }
      this.advance(g, n);
      n.tree?.remove(n);
      g.currPos++;
      if (!rrFull(n.s)) {
        if (n.s !== avoid || avoided) { this.queue(n, g, n.ew); break; }
        avoided = n;
      }
      n.nextFull = full;
      full = n;
    }
    // servers skipped as full/avoided regain a place: by weight if the window switched
    for (let f = full; f; f = f.nextFull) {
      if (f === n) continue;
      if (switched) this.queueByWeight(g.init, f, f.ew); else this.queue(f, g, f.ew);
    }
    return n?.s;
  }
}
