import type { Balancer, LbServer, PickContext } from '../../src/lb/types.js';

/** Servers A, B, C... from a spec like '3:1' or '1:2b:5b' ('b' = backup). */
export function farm(spec: string, maxconn = 0): LbServer[] {
  return spec.split(':').map((w, i) => ({
    id: i + 1, name: String.fromCharCode(65 + i), weight: Number(w.replace('b', '')),
    backup: w.includes('b'), usable: true, served: 0, queued: 0, maxconn,
  }));
}

export function ctx(over: Partial<PickContext> = {}): PickContext {
  let seed = 12345;
  const headers: Record<string, string> = {};
  return {
    src: '127.0.0.1', uri: '/', header: (n: string) => headers[n], key: undefined,
    random: () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296), ...over,
  };
}

/** n sequential requests (each finishes before the next), as the lab's curl loop */
export function seq(b: Balancer, n: number, c: PickContext): string {
  let out = '';
  for (let i = 0; i < n; i++) {
    const s = b.pick(c);
    if (!s) { out += '-'; continue; }
    b.take(s); b.release(s); out += s.name;
  }
  return out;
}

export const by = (ss: LbServer[], name: string): LbServer => ss.find((s) => s.name === name)!;
