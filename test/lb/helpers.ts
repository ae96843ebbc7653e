import type { LbServer, PickContext } from '../../src/lb/types.js';

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
