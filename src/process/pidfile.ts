/**
 * `-p <pidfile>` / `pidfile`: the pid of the process users signal (the
 * standalone or daemon process, or the master in master-worker mode),
 * written once listeners are bound, as HAProxy does (reference §6.1).
 */
import { writeFileSync } from 'node:fs';
import { levelPrefix } from '../config/diag.js';
import { errnoText } from '../config/reader.js';

/** Returns false (after HAProxy's alert) when the file cannot be written. */
export function writePidfile(path: string, pid: number, err: (line: string) => void): boolean {
  try {
    writeFileSync(path, `${pid}\n`, { mode: 0o644 });
    return true;
  } catch (e) {
    err(`${levelPrefix('ALERT', process.pid)}[haproxy.main()] Cannot create pidfile ${path}: ${errnoText(e)}`);
    return false;
  }
}
