/**
 * An ordered set of nodes keyed by a 32-bit unsigned key where equal keys keep
 * insertion order: the ordering of HAProxy's eb32 trees with duplicates, which
 * the round-robin tie rules depend on. Implemented as an indexed binary heap
 * on (key, seq): O(log n) insert/remove, O(1) first, no allocation after the
 * array has grown. A node is in at most one tree at a time.
 */
export interface TreeNode {
  key: number;
  /** insertion stamp: breaks key ties in insertion order */
  seq: number;
  /** position in its tree's heap, -1 when not queued */
  hidx: number;
}

let stamp = 0;

export class Tree<T extends TreeNode> {
  private heap: T[] = [];

  get size(): number {
    return this.heap.length;
  }

  first(): T | undefined {
    return this.heap[0];
  }

  /** Queue `n` with `key` after every node already holding an equal key. */
  insert(n: T, key: number): void {
    n.key = key;
    n.seq = ++stamp;
    this.reinsert(n);
  }

  /** Queue `n` again with its previous key and stamp (restores its exact place). */
  reinsert(n: T): void {
    const h = this.heap;
    n.hidx = h.length;
    h.push(n);
    this.up(n.hidx);
  }

  remove(n: T): void {
    const h = this.heap;
    const i = n.hidx;
    if (i < 0 || h[i] !== n) return;
    n.hidx = -1;
    const last = h.pop()!;
    if (i === h.length) return;
    h[i] = last;
    last.hidx = i;
    this.down(i);
    this.up(last.hidx);
  }

  /** Remove and return the first node. */
  shift(): T | undefined {
    const n = this.heap[0];
    if (n) this.remove(n);
    return n;
  }

  private less(a: T, b: T): boolean {
    return a.key < b.key || (a.key === b.key && a.seq < b.seq);
  }

  private up(i: number): void {
    const h = this.heap;
    const n = h[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pn = h[p]!;
      if (!this.less(n, pn)) break;
      h[i] = pn; pn.hidx = i; i = p;
    }
    h[i] = n; n.hidx = i;
  }

  private down(i: number): void {
    const h = this.heap;
    const len = h.length;
    const n = h[i]!;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= len) break;
      if (c + 1 < len && this.less(h[c + 1]!, h[c]!)) c++;
      const cn = h[c]!;
      if (!this.less(cn, n)) break;
      h[i] = cn; cn.hidx = i; i = c;
    }
    h[i] = n; n.hidx = i;
  }
}
