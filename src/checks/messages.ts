/**
 * The words HAProxy 2.6.12 prints about checks and server state changes,
 * as captured from the real binary (stderr in the foreground, syslog):
 *
 *   Health check for server be/s failed, reason: Layer7 wrong status, code: 500, info: "Internal Server Error", check duration: 0ms, status: 0/2 DOWN.
 *   Server be/s is DOWN, reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms. 1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.
 *   Server be/s is UP, reason: Layer7 check passed, code: 200, check duration: 1ms. 2 active and 1 backup servers online. 0 sessions requeued, 0 total in queue.
 *   backend be has no server available!   (stderr: backend 'be' has no server available!)
 *
 * With `option log-health-checks` every change of a check's result is
 * logged ("Health check for ...") and the DOWN/UP lines drop their reason.
 */
import type { ServerRuntime } from '../backend/server-runtime.js';
import type { BackendRuntime } from '../backend/backend.js';
import { CODES, statusTail, type CheckResult } from './status.js';
import type { CheckState } from '../backend/server-runtime.js';

/** Result codes whose log lines carry `code: N`. */
const WITH_CODE = new Set(['L7OK', 'L7OKC', 'L7STS']);

/** "reason: Layer7 wrong status, code: 500, info: "Internal Server Error", check duration: 0ms" */
export function reasonText(r: CheckResult): string {
  let s = `reason: ${CODES[r.status]?.[2] ?? 'Unknown'}`;
  if (WITH_CODE.has(r.status)) s += `, code: ${r.code ?? 0}`;
  if (r.info) s += `, info: "${r.info}"`;
  return `${s}, check duration: ${r.duration}ms`;
}

const who = (srv: ServerRuntime, be: BackendRuntime): string => `${srv.backup ? 'Backup Server' : 'Server'} ${be.name}/${srv.name}`;

export function checkLine(kind: 'Health' | 'Agent', srv: ServerRuntime, be: BackendRuntime, r: CheckResult, verdict: string, st: CheckState): string {
  return `${kind} check for ${srv.backup ? 'backup ' : ''}server ${be.name}/${srv.name} ${verdict}, ${reasonText(r)}, status: ${statusTail(st)}.`;
}

export function counts(be: BackendRuntime): { act: number; bck: number } {
  let act = 0, bck = 0;
  for (const s of be.servers) if (s.usable) { if (s.backup) bck++; else act++; }
  return { act, bck };
}

export function downLine(srv: ServerRuntime, be: BackendRuntime, r: CheckResult | undefined, sessions: number, requeued: number): string {
  const { act, bck } = counts(be);
  const onBackup = act === 0 && bck > 0 ? ' Running on backup.' : '';
  return `${who(srv, be)} is DOWN${r ? `, ${reasonText(r)}` : ''}. ${act} active and ${bck} backup servers left.${onBackup} ${sessions} sessions active, ${requeued} requeued, ${srv.queued} remaining in queue.`;
}

export function upLine(srv: ServerRuntime, be: BackendRuntime, r: CheckResult | undefined, requeued: number, state = 'UP'): string {
  const { act, bck } = counts(be);
  const onBackup = act === 0 && bck > 0 ? ' Running on backup.' : '';
  return `${who(srv, be)} is ${state}${r ? `, ${reasonText(r)}` : ''}. ${act} active and ${bck} backup servers online.${onBackup} ${requeued} sessions requeued, ${srv.queued} total in queue.`;
}

export function noServerLine(be: BackendRuntime, quoted: boolean): string {
  return quoted ? `backend '${be.name}' has no server available!` : `backend ${be.name} has no server available!`;
}
