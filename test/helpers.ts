/**
 * Test helpers: load a configuration given as text, the way `lb -c` would.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type LoadResult } from '../src/config/parse.js';
import { formatDiagnostic } from '../src/config/diag.js';

export interface Loaded extends LoadResult {
  /** diagnostics formatted without the pid: "[ALERT] config : parsing [t.cfg:3] : ..." */
  lines: string[];
  dir: string;
}

/** Write `text` to <tmp>/t.cfg (cwd-relative name 't.cfg' in messages) and load it. */
export function load(text: string, env: Record<string, string | undefined> = {}, extra: Partial<Parameters<typeof loadConfig>[1]> = {}): Loaded {
  const dir = mkdtempSync(join(tmpdir(), 'lbt-'));
  writeFileSync(join(dir, 't.cfg'), text);
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    const r = loadConfig(['t.cfg'], { env: { ...env }, ...extra });
    const lines = r.diag.list.map((d) => formatDiagnostic(d, 0).replace(/^(\[\w+\]) +\(0\) : /, '$1 '));
    return { ...r, lines, dir };
  } finally {
    process.chdir(cwd);
  }
}

/** Only the ALERT lines (without the closing "Error(s) found" summary). */
export function alerts(r: Loaded): string[] {
  return r.lines.filter((l) => l.startsWith('[ALERT]') && !l.includes('Error(s) found in configuration file'));
}

export function warnings(r: Loaded): string[] {
  return r.lines.filter((l) => l.startsWith('[WARNING]'));
}
