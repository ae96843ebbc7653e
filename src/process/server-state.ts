/**
 * `server-state-file` + `load-server-state-from-file` (reference §5.5): at
 * start-up (so after every reload), servers take back the state saved with
 * `show servers state > file` before the reload: maintenance and drain
 * forced at run time, the weight set at run time (when the configuration's
 * weight has not changed since), and DOWN for checked servers that were
 * down. Through the server operations only (setAdmin/setWeight/setOp).
 * Messages as HAProxy 2.6 prints them.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { levelPrefix } from '../config/diag.js';
import { errnoText } from '../config/reader.js';
import type { Model, Proxy } from '../config/model.js';
import type { BackendRuntime } from '../backend/backend.js';

/** srv_admin_state bits */
const FMAINT = 0x01, FDRAIN = 0x08;

interface Row { be: string; srv: string; op: number; admin: number; uweight: number; iweight: number }

function parseState(text: string): { rows: Row[] } | 'version' {
  const lines = text.split('\n');
  if (lines[0]?.trim() !== '1') return 'version';
  const rows: Row[] = [];
  for (const l of lines.slice(1)) {
    if (l.startsWith('#') || l.trim() === '') continue;
    const w = l.trim().split(/\s+/);
    if (w.length < 9) continue;
    rows.push({ be: w[1]!, srv: w[3]!, op: Number(w[5]), admin: Number(w[6]), uweight: Number(w[7]), iweight: Number(w[8]) });
  }
  return { rows };
}

function stateFile(model: Model, p: Proxy, mode: 'global' | 'local'): string | undefined {
  const g = model.global;
  const base = (f: string): string => (g.serverStateBase && !isAbsolute(f) ? join(g.serverStateBase, f) : f);
  if (mode === 'global') return g.serverStateFile === undefined ? undefined : base(g.serverStateFile);
  const name = (p as Proxy & { serverStateFileName?: string }).serverStateFileName;
  return base(name === undefined || name === 'use-backend-name' ? p.name : name);
}

export function loadServerStates(model: Model, backends: ReadonlyMap<string, BackendRuntime>, err: ((line: string) => void) | undefined): void {
  const say = (level: 'WARNING' | 'ALERT', text: string): void => err?.(`${levelPrefix(level, process.pid)}config : ${text}`);
  const cache = new Map<string, Row[] | undefined>();
  const read = (file: string, what: string): Row[] | undefined => {
    if (cache.has(file)) return cache.get(file);
    let rows: Row[] | undefined;
    try {
      const r = parseState(readFileSync(file, 'latin1'));
      if (r === 'version') say('WARNING', `config: Can't get version of the ${what} server state file '${file}'.`);
      else rows = r.rows;
    } catch (e) {
      say('WARNING', `config: Can't open ${what} server state file '${file}': ${errnoText(e)}`);
    }
    cache.set(file, rows);
    return rows;
  };
  for (const be of backends.values()) {
    const p = be.conf;
    const dflt = p.from ? model.defaults.find((d) => d.name === p.from) : undefined;
    const mode = p.loadServerStateFromFile ?? dflt?.loadServerStateFromFile ?? 'none';
    if (mode === 'none') continue;
    const file = stateFile(model, p, mode);
    if (file === undefined) continue;
    const rows = read(file, mode === 'global' ? 'global' : 'local');
    if (!rows) continue;
    for (const row of rows) {
      if (row.be !== be.name) continue;
      const srv = be.servers.find((s) => s.name === row.srv);
      if (!srv) continue;
      // a run-time weight survives unless the configuration's weight changed since
      if (row.iweight === srv.initialWeight && row.uweight !== srv.weight) srv.setWeight(row.uweight);
      const wasDown = row.op === 0 && srv.conf.check;
      if (row.admin & FMAINT) srv.setAdmin('MAINT');
      else if (row.admin & FDRAIN) srv.setAdmin('DRAIN');
      if (wasDown) srv.setOp('DOWN');
      if (row.admin & FMAINT || wasDown) {
        const act = be.servers.filter((s) => s.usable && !s.backup).length;
        const bck = be.servers.filter((s) => s.usable && s.backup).length;
        say('WARNING', `Server ${be.name}/${srv.name} is DOWN, changed from server-state after a reload. ${act} active and ${bck} backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`);
      }
      if (row.admin & FDRAIN) say('WARNING', `Server ${be.name}/${srv.name} remains in forced drain mode.`);
    }
  }
}
