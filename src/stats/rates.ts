/**
 * Per-second rates of the stats (rate, conn_rate, req_rate and their
 * maxima; show info's ConnRate/SessRate) computed from the counters' totals
 * the way HAProxy's frequency counters read: the events of the current
 * second plus the previous second's share of what remains of it. A timer
 * ticks once a second (unref'd); the hot path only increments totals.
 */
import type { Counters } from './counters.js';
import type { RateReader } from './fields.js';

interface Track {
  /** totals at the start of the current period */
  start: number;
  /** events counted in the previous period */
  prev: number;
  max: number;
}

type Which = 'stot' | 'connTot' | 'reqTot';

export class Rates implements RateReader {
  private readonly tracks = new Map<Counters, Record<Which, Track>>();
  private periodStart = Date.now();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    this.periodStart = now();
    this.timer = setInterval(() => this.tick(), 1000);
    this.timer.unref();
  }

  /** Start following a counters object (frontends, backends, servers, listeners). */
  follow(c: Counters): void {
    if (this.tracks.has(c)) return;
    const t = (v: number): Track => ({ start: v, prev: 0, max: 0 });
    this.tracks.set(c, { stot: t(c.stot), connTot: t(c.connTot), reqTot: t(c.reqTot) });
  }

  private tick(): void {
    const now = this.now();
    for (const [c, tr] of this.tracks) {
      for (const k of ['stot', 'connTot', 'reqTot'] as const) {
        const t = tr[k];
        const total = c[k];
        if (total < t.start) t.start = total; // cleared counters
        t.prev = total - t.start;
        t.start = total;
        if (t.prev > t.max) t.max = t.prev;
      }
    }
    this.periodStart = now;
  }

  private read(c: Counters, k: Which): number {
    const tr = this.tracks.get(c);
    if (!tr) return 0;
    const t = tr[k];
    const elapsed = Math.min(1000, Math.max(0, this.now() - this.periodStart));
    const cur = Math.max(0, c[k] - t.start);
    const r = cur + Math.floor((t.prev * (1000 - elapsed)) / 1000);
    if (r > t.max) t.max = r;
    return r;
  }

  private maxOf(c: Counters, k: Which): number {
    this.read(c, k);
    return this.tracks.get(c)?.[k].max ?? 0;
  }

  /** `clear counters`: forget the maxima. */
  clearMax(): void {
    for (const tr of this.tracks.values()) for (const t of Object.values(tr)) t.max = 0;
  }

  rate(c: Counters): number { return this.read(c, 'stot'); }
  rateMax(c: Counters): number { return this.maxOf(c, 'stot'); }
  connRate(c: Counters): number { return this.read(c, 'connTot'); }
  connRateMax(c: Counters): number { return this.maxOf(c, 'connTot'); }
  reqRate(c: Counters): number { return this.read(c, 'reqTot'); }
  reqRateMax(c: Counters): number { return this.maxOf(c, 'reqTot'); }

  stop(): void {
    clearInterval(this.timer);
  }
}
