/**
 * Check result codes and the health counter (reference §4.1, §4.3).
 *
 * health runs from 0 to rise+fall-1; the server is UP while health >= rise.
 * A success raises it by one and jumps to the top once it reaches rise; a
 * failure lowers it by one and drops to 0 once it falls below rise. So a
 * DOWN server needs `rise` successes in a row and an UP one `fall` failures
 * in a row; anything else (flapping) changes nothing.
 */
import type { CheckState } from '../backend/server-runtime.js';

export type ResultKind = 'passed' | 'failed' | 'cond' | 'neutral';

/** code → [number used by `show servers state`, result kind, check_desc text] */
export const CODES: Record<string, readonly [number, ResultKind, string]> = {
  UNK: [0, 'neutral', 'Unknown'],
  INI: [1, 'neutral', 'Initializing'],
  SOCKERR: [5, 'failed', 'Socket error'],
  L4OK: [6, 'passed', 'Layer4 check passed'],
  L4TOUT: [7, 'failed', 'Layer4 timeout'],
  L4CON: [8, 'failed', 'Layer4 connection problem'],
  L6OK: [9, 'passed', 'Layer6 check passed'],
  L6TOUT: [10, 'failed', 'Layer6 timeout'],
  L6RSP: [11, 'failed', 'Layer6 invalid response'],
  L7TOUT: [12, 'failed', 'Layer7 timeout'],
  L7RSP: [13, 'failed', 'Layer7 invalid response'],
  L7OK: [15, 'passed', 'Layer7 check passed'],
  L7OKC: [16, 'cond', 'Layer7 check conditionally passed'],
  L7STS: [17, 'failed', 'Layer7 wrong status'],
  HANA: [4, 'failed', 'Health analyze'],
};

export function kindOf(status: string): ResultKind {
  return CODES[status]?.[1] ?? 'neutral';
}

/** What one check found. */
export interface CheckResult {
  status: string;
  /** HTTP status (or the agent/tcp-check status code) for L7 results */
  code?: number;
  /** last_chk text: reason phrase, OS error, tcp-check explanation */
  info: string;
  duration: number;
}

export function newCheckState(rise: number, fall: number, health: number): CheckState {
  return { status: 'INI', running: false, code: undefined, duration: undefined, info: '', desc: CODES['INI']![2], health, rise, fall, paused: false };
}

export type Transition = 'up' | 'down' | undefined;

/** One success; returns 'up' when the server crosses into UP. */
export function countSuccess(c: CheckState): Transition {
  const top = c.rise + c.fall - 1;
  const wasUp = c.health >= c.rise;
  if (c.health < top) {
    c.health++;
    if (c.health >= c.rise) c.health = top;
  }
  return !wasUp && c.health >= c.rise ? 'up' : undefined;
}

/** One failure; returns 'down' when the server crosses into DOWN. */
export function countFailure(c: CheckState): Transition {
  if (c.health <= 0) return undefined;
  const wasUp = c.health >= c.rise;
  c.health--;
  if (c.health < c.rise) c.health = 0;
  return wasUp && c.health < c.rise ? 'down' : undefined;
}

/** "UP", "UP 1/3", "DOWN", "DOWN 1/2" as stats and the health-check log lines say it. */
export function healthText(c: CheckState): string {
  if (c.health >= c.rise) {
    const top = c.rise + c.fall - 1;
    return c.health === top ? 'UP' : `UP ${c.health - c.rise + 1}/${c.fall}`;
  }
  return c.health === 0 ? 'DOWN' : `DOWN ${c.health}/${c.rise}`;
}

/** The "status: x/y UP" tail of a `Health check for server ...` line. */
export function statusTail(c: CheckState): string {
  if (c.health >= c.rise) return `${c.health - c.rise + 1}/${c.fall} UP`;
  return `${c.health}/${c.rise} DOWN`;
}

/** Record a result into a CheckState (stats columns). */
export function record(c: CheckState, r: CheckResult): void {
  c.status = r.status;
  c.code = r.code;
  c.info = r.info;
  c.duration = r.duration;
  c.desc = CODES[r.status]?.[2] ?? 'Unknown';
  c.running = false;
}
