/**
 * `balance first`: the eligible server with the lowest id that still has a
 * free slot (served + queued < maxconn); weights only matter through weight 0
 * (never picked). Without maxconn everything goes to the first server.
 * Invariant: act/bck hold the eligible servers of each group sorted by id.
 */
import { Farm, LbNode } from './farm.js';
import { lcFull, type LbServer, type PickContext } from './types.js';

export class First extends Farm<LbNode> {
  readonly algo: string = 'first';
  private act: LbNode[] = [];
  private bck: LbNode[] = [];

  constructor(servers: LbServer[], allbackups: boolean) {
    super(servers, allbackups);
    this.start();
  }

  protected newNode(s: LbServer): LbNode {
    return new LbNode(s);
  }

  protected changed(): void {}

  override update(): void {
    super.update();
    this.rebuild();
  }

  protected rebuild(): void {
    const byId = (a: LbNode, b: LbNode) => a.s.id - b.s.id;
    this.act = this.nodes.filter((n) => n.elig && !n.backup).sort(byId);
    this.bck = this.nodes.filter((n) => n.elig && n.backup).sort(byId);
  }

  pick(ctx: PickContext): LbServer | undefined {
    let list: LbNode[];
    if (this.srvAct) list = this.act;
    else if (this.fbck) return this.fbck.s;
    else if (this.srvBck) list = this.bck;
    else return undefined;
    const avoid = ctx.avoid;
    let avoided: LbServer | undefined;
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!.s;
      if (lcFull(s)) continue;
      if (s !== avoid) return s;
      avoided = s;
    }
    return avoided;
  }
}
