/**
 * ALERT and WARNING lines of `lb -c` on a text, in order, without the
 * "Error(s) found" summary, plus the verdict (a model was built).
 */
import { load } from '../helpers.js';

export function messages(text: string): { lines: string[]; valid: boolean } {
  const r = load(text);
  return {
    lines: r.lines.filter((l) => /^\[(ALERT|WARNING)\]/.test(l) && !l.includes('Error(s) found in configuration file')),
    valid: r.model !== undefined,
  };
}
