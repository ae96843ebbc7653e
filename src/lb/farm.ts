/**
 * What every algorithm shares: the committed per-server state (HAProxy's
 * "cur_*" values, versus the live `LbServer` fields that are the "next_*"
 * ones), the usable counts and the first-backup rule. An algorithm extends
 * `Farm`, says how a state change moves its structures (`changed`) and how it
 * picks. Nothing here runs on the pick path except reading the counters.
 */
import { eweightOf, type Balancer, type LbServer, type PickContext } from './types.js';

/** One server as an algorithm sees it. `elig`/`ew`/`backup` are the committed
 * state; an algorithm adds its own positions in a subclass. */
export class LbNode {
  elig = false;
  ew = 0;
  backup = false;
  constructor(readonly s: LbServer) {}
}

export abstract class Farm<N extends LbNode = LbNode> implements Balancer {
  abstract readonly algo: string;
  protected nodes: N[] = [];
  protected readonly byServer = new Map<LbServer, N>();
  /** usable active / backup servers and their summed committed weights */
  protected srvAct = 0;
  protected srvBck = 0;
  protected totWact = 0;
  protected totWbck = 0;
  /** first usable backup in declaration order, only without `option allbackups` */
  protected fbck: N | undefined;
  /** weight and count of the group in use (HAProxy's tot_weight / tot_used) */
  protected totWeight = 0;
  protected totUsed = 0;

  constructor(protected readonly servers: LbServer[], protected readonly allbackups: boolean) {}

  /** Subclass constructors call this once their own fields exist: commits
   * every server's state as the initial one, then builds from scratch. */
  protected start(): void {
    for (const s of this.servers) {
      const n = this.newNode(s);
      this.byServer.set(s, n);
      this.nodes.push(n);
      n.ew = this.ewOf(s);
      n.elig = s.usable && n.ew > 0;
      n.backup = s.backup;
    }
    this.recount();
    this.rebuild();
  }

  /** Build the structures from the committed state (start, and whatever a
   * static algorithm needs after changes). */
  protected abstract rebuild(): void;

  protected abstract newNode(s: LbServer): N;
  /** Called for each server whose committed state differs from the live one,
   * before the node is committed: `n` still holds the old state. */
  protected abstract changed(n: N, elig: boolean, ew: number, backup: boolean): void;
  abstract pick(ctx: PickContext): LbServer | undefined;

  /** The effective weight this algorithm uses for `s` (dynamic ×16 scale by default). */
  protected ewOf(s: LbServer): number {
    return eweightOf(s);
  }

  update(): void {
    const live = new Set(this.servers);
    for (const n of this.nodes) {
      if (live.has(n.s)) continue;
      if (n.elig) { this.changed(n, false, n.ew, n.backup); this.commit(n, false, n.ew, n.backup); }
      this.byServer.delete(n.s);
    }
    const nodes: N[] = [];
    for (const s of this.servers) {
      let n = this.byServer.get(s);
      if (!n) { n = this.newNode(s); this.byServer.set(s, n); }
      nodes.push(n);
    }
    this.nodes = nodes;
    for (const n of nodes) {
      const ew = this.ewOf(n.s);
      const elig = n.s.usable && ew > 0;
      if (elig === n.elig && ew === n.ew && n.s.backup === n.backup) continue;
      this.changed(n, elig, ew, n.s.backup);
      this.commit(n, elig, ew, n.s.backup);
    }
  }

  private commit(n: N, elig: boolean, ew: number, backup: boolean): void {
    n.elig = elig; n.ew = ew; n.backup = backup;
    this.recount();
  }

  /** HAProxy's recount_servers + update_backend_weight, from the committed state. */
  protected recount(): void {
    this.srvAct = this.srvBck = this.totWact = this.totWbck = 0;
    this.fbck = undefined;
    for (const n of this.nodes) {
      if (!n.elig) continue;
      if (n.backup) {
        if (!this.srvBck && !this.allbackups) this.fbck = n;
        this.srvBck++; this.totWbck += n.ew;
      } else {
        this.srvAct++; this.totWact += n.ew;
      }
    }
    if (this.srvAct) { this.totWeight = this.totWact; this.totUsed = this.srvAct; }
    else if (this.fbck) { this.totWeight = this.fbck.ew; this.totUsed = 1; }
    else { this.totWeight = this.totWbck; this.totUsed = this.srvBck; }
  }

  /** number of servers in the group in use (the single first backup counts 1) */
  get used(): number {
    return this.totUsed;
  }

  hasServers(): boolean {
    return this.totWeight > 0;
  }

  take(s: LbServer): void {
    s.served++;
    this.moved(s);
  }

  release(s: LbServer): void {
    if (s.served > 0) s.served--;
    this.moved(s);
  }

  /** Load of `s` changed; algorithms ordered by load reposition it. */
  protected moved(_s: LbServer): void {}
}
