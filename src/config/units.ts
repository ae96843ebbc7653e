/**
 * Time and size units (reference §1.6). Parsers return numbers or a
 * string describing the problem in HAProxy's words; callers own the message.
 */

const TIME_UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export type UnitResult = { value: number; error?: undefined } | { value?: undefined; error: string };

/** HAProxy's longest accepted timer: 2^31-1 ms (about 24.8 days). */
export const TIME_MAX_MS = 0x7fffffff;

/**
 * Where HAProxy's "unexpected character after the timer value" warnings go.
 * HAProxy emits them from its time parser itself, without a location; the
 * config driver points this at the current line while a keyword row runs.
 */
export const timeWarnings: { emit?: (msg: string) => void } = {};

/**
 * Parse a time like `5000`, `5s`, `100ms`, `2m`. `defaultUnit` is ms unless a
 * keyword documents seconds. As in HAProxy 2.6, the unit is recognised by
 * its first letter(s) (`m` = minutes unless followed by `s`); anything after
 * a recognised unit is tolerated with a warning ("15min" = 15 minutes).
 */
export function parseTime(text: string, defaultUnit: 'ms' | 's' = 'ms'): UnitResult & { badChar?: string } {
  const m = /^(\d+)(.*)$/.exec(text);
  if (!m) return { error: 'not a number', badChar: text[0] ?? '' };
  const rest = m[2]!;
  let unit: string;
  let used: number;
  if (rest === '') { unit = defaultUnit; used = 0; }
  else if (rest.startsWith('us')) { unit = 'us'; used = 2; }
  else if (rest.startsWith('ms')) { unit = 'ms'; used = 2; }
  else if (rest[0] === 'm' || rest[0] === 's' || rest[0] === 'h' || rest[0] === 'd') { unit = rest[0]; used = 1; }
  else return { error: 'unexpected character', badChar: rest[0] };
  if (used < rest.length) {
    timeWarnings.emit?.(`unexpected character '${rest[used]}' after the timer value '${text}', only (us=microseconds,ms=milliseconds,s=seconds,m=minutes,h=hours,d=days) are supported. This will be reported as an error in next versions.`);
  }
  const v = Number(m[1]) * TIME_UNITS[unit]!;
  if (v > TIME_MAX_MS) return { error: 'overflow' };
  if (v > 0 && v < 1) return { value: 1 };
  return { value: Math.floor(v) };
}

/** Parse a size like `16384`, `16k`, `1m`, `2g` (×1024 powers). */
export function parseSize(text: string): UnitResult {
  const m = /^(\d+)([kKmMgG]?)$/.exec(text);
  if (!m) return { error: 'invalid size' };
  const mul = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase()]!;
  const v = Number(m[1]) * mul;
  if (!Number.isSafeInteger(v) || v > 0xffffffff) return { error: 'overflow' };
  return { value: v };
}

/** Strict unsigned integer, as atol() callers in HAProxy that check digits. */
export function parseUint(text: string | undefined, max = 0x7fffffff): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  const v = Number(text);
  return v > max ? undefined : v;
}

/** Lenient integer like C atoi(): leading digits, else 0. */
export function atoi(text: string | undefined): number {
  const m = /^\s*([-+]?\d+)/.exec(text ?? '');
  return m ? Number(m[1]) : 0;
}
