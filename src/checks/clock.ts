/**
 * The time source of the checks. The scheduler never calls Date.now() or
 * setTimeout() directly, so tests drive check time with a ManualClock and
 * no test sleeps through real intervals. Socket I/O stays real.
 */
export interface Clock {
  now(): number;
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  set: (fn, ms) => { const t = setTimeout(fn, ms); t.unref?.(); return t; },
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
};

interface ManualTimer { at: number; seq: number; fn: () => void; live: boolean }

/** A clock that only moves when told to (tests). */
export class ManualClock implements Clock {
  private t: number;
  private seq = 0;
  private timers: ManualTimer[] = [];
  constructor(start = 1_000_000) { this.t = start; }
  now(): number { return this.t; }
  set(fn: () => void, ms: number): unknown {
    const timer: ManualTimer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn, live: true };
    this.timers.push(timer);
    return timer;
  }
  clear(h: unknown): void { if (h) (h as ManualTimer).live = false; }
  /** Pending timers, soonest first. */
  pending(): number[] {
    return this.timers.filter((x) => x.live).map((x) => x.at - this.t).sort((a, b) => a - b);
  }
  /** Move time forward by `ms`, firing every timer due on the way, in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: ManualTimer | undefined;
      for (const x of this.timers) {
        if (!x.live || x.at > end) continue;
        if (!next || x.at < next.at || (x.at === next.at && x.seq < next.seq)) next = x;
      }
      if (!next) break;
      next.live = false;
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.t = end;
    this.timers = this.timers.filter((x) => x.live);
  }
}
