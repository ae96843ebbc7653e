/**
 * Traffic counters of frontends, backends and servers, with HAProxy's CSV
 * names (reference §5.4). Plain objects of numbers, mutated in place on the
 * hot path (no allocation per request); stats/ and log/ read them.
 */

export interface Counters {
  /** current sessions / max / total */
  scur: number;
  smax: number;
  stot: number;
  /** bytes in (from clients / to servers) and out */
  bin: number;
  bout: number;
  /** denied requests / responses */
  dreq: number;
  dresp: number;
  /** request errors, connection errors, response errors */
  ereq: number;
  econ: number;
  eresp: number;
  /** retries and redispatches */
  wretr: number;
  wredis: number;
  /** queue current / max */
  qcur: number;
  qmax: number;
  /** times selected by the balancer */
  lbtot: number;
  cliAbrt: number;
  srvAbrt: number;
  /** HTTP responses by class: index 0 = other, 1..5 = 1xx..5xx */
  hrsp: [number, number, number, number, number, number];
  reqTot: number;
  /** intercepted requests (redirects, returns, stats) */
  intercepted: number;
  connTot: number;
  /** last session start, ms since epoch (0 = never) */
  lastSess: number;
  /** connections denied by tcp-request connection / session rules */
  dcon: number;
  dses: number;
  /** failed header rewrites, internal errors */
  wrew: number;
  eint: number;
  /** connection attempts to servers, and reuses of idle ones */
  connect: number;
  reuse: number;
  /**
   * Queue, connect, response and total times of the last requests (ms), as
   * HAProxy's sliding sums over TIME_STATS_SAMPLES (read them with
   * timeAvg()), and their maxima. Fed by recordTimes() when an HTTP exchange
   * with a server completes (queue, connect, response and total time).
   */
  qtime: number;
  ctime: number;
  rtime: number;
  ttime: number;
  qtimeMax: number;
  ctimeMax: number;
  rtimeMax: number;
  ttimeMax: number;
}

export function newCounters(): Counters {
  return {
    scur: 0, smax: 0, stot: 0, bin: 0, bout: 0, dreq: 0, dresp: 0, ereq: 0, econ: 0, eresp: 0,
    wretr: 0, wredis: 0, qcur: 0, qmax: 0, lbtot: 0, cliAbrt: 0, srvAbrt: 0,
    hrsp: [0, 0, 0, 0, 0, 0], reqTot: 0, intercepted: 0, connTot: 0, lastSess: 0,
    dcon: 0, dses: 0, wrew: 0, eint: 0, connect: 0, reuse: 0,
    qtime: 0, ctime: 0, rtime: 0, ttime: 0, qtimeMax: 0, ctimeMax: 0, rtimeMax: 0, ttimeMax: 0,
  };
}

/** A session starts: count it and keep the maximum. */
export function sessionStart(c: Counters, now: number): void {
  c.scur++;
  c.stot++;
  if (c.scur > c.smax) c.smax = c.scur;
  c.lastSess = now;
}

export function sessionEnd(c: Counters): void {
  if (c.scur > 0) c.scur--;
}

/** Count a response status in its class. */
export function countStatus(c: Counters, status: number): void {
  const k = status >= 100 && status < 600 ? (status / 100) | 0 : 0;
  c.hrsp[k]++;
}

/** `clear counters`: reset the maxima. */
export function clearMax(c: Counters): void {
  c.smax = c.scur;
  c.qmax = c.qcur;
  c.qtimeMax = 0; c.ctimeMax = 0; c.rtimeMax = 0; c.ttimeMax = 0;
}

/** `clear counters all`: reset every counter except the current gauges. */
export function clearAll(c: Counters): void {
  const scur = c.scur, qcur = c.qcur;
  Object.assign(c, newCounters());
  c.scur = scur;
  c.qcur = qcur;
  c.smax = scur;
  c.qmax = qcur;
}

/** HAProxy's TIME_STATS_SAMPLES: the window of the time averages. */
export const TIME_STATS_SAMPLES = 512;

/** The averaging window: the requests counted so far (lbtot), at most TIME_STATS_SAMPLES. */
function window(c: Counters): number {
  return Math.min(c.lbtot, TIME_STATS_SAMPLES);
}

/**
 * swrate_add_dynamic(): add a value to a sliding sum. Until the window has
 * TIME_STATS_SAMPLES values the sum is a plain sum (HAProxy passes n = 0
 * then); past it, each new value pushes out an average one.
 */
function swrateAdd(sum: number, v: number, c: Counters): number {
  const n = c.lbtot > TIME_STATS_SAMPLES ? TIME_STATS_SAMPLES : 0;
  return sum - (n > 0 ? Math.floor((sum + n - 1) / n) : 0) + v;
}

/** swrate_avg() over the counters' window: the average a sliding sum stands for (0 before any request). */
export function timeAvg(c: Counters, sum: number): number {
  const n = window(c);
  if (n === 0) return 0;
  return Math.floor((sum + n - 1) / n);
}

/**
 * One finished request's times (ms; -1 = that phase did not happen, as in
 * the log's timers): queue, connect, response, total, on a backend's or a
 * server's counters (after its lbtot counted the request).
 */
export function recordTimes(c: Counters, q: number, ct: number, r: number, t: number): void {
  if (q >= 0) { c.qtime = swrateAdd(c.qtime, q, c); if (q > c.qtimeMax) c.qtimeMax = q; }
  if (ct >= 0) { c.ctime = swrateAdd(c.ctime, ct, c); if (ct > c.ctimeMax) c.ctimeMax = ct; }
  if (r >= 0) { c.rtime = swrateAdd(c.rtime, r, c); if (r > c.rtimeMax) c.rtimeMax = r; }
  if (t >= 0) { c.ttime = swrateAdd(c.ttime, t, c); if (t > c.ttimeMax) c.ttimeMax = t; }
}
