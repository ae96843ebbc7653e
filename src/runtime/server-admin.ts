/**
 * Administrative changes of a server (maintenance, drain, ready, forced
 * health) as the runtime API and the stats page make them: each goes
 * through the server operations (setAdmin / setOp) and tells the process
 * event sink the message HAProxy 2.6 logs (reference §4.3, observed).
 */
import type { BackendRuntime } from '../backend/backend.js';
import type { ServerRuntime } from '../backend/server-runtime.js';
import { emitProcessEvent, ALERT, NOTICE, EMERG } from '../log/events.js';

function who(be: BackendRuntime, srv: ServerRuntime): string {
  return `${srv.backup ? 'Backup Server' : 'Server'} ${be.name}/${srv.name}`;
}

/** Usable active and backup servers after a change. */
function counts(be: BackendRuntime): { act: number; bck: number; backup: string } {
  let act = 0, bck = 0;
  for (const s of be.servers) if (s.usable) { if (s.backup) bck++; else act++; }
  return { act, bck, backup: act === 0 && bck > 0 ? ' Running on backup.' : '' };
}

function left(be: BackendRuntime, srv: ServerRuntime): string {
  const c = counts(be);
  return `${c.act} active and ${c.bck} backup servers left.${c.backup} ${srv.served} sessions active, 0 requeued, ${srv.queued} remaining in queue.`;
}

function online(be: BackendRuntime, srv: ServerRuntime): string {
  const c = counts(be);
  return `${c.act} active and ${c.bck} backup servers online.${c.backup} 0 sessions requeued, ${srv.queued} total in queue.`;
}

function noServerLeft(be: BackendRuntime, hadUsable: boolean): void {
  if (hadUsable && !be.servers.some((s) => s.usable)) {
    emitProcessEvent({ severity: EMERG, text: `backend ${be.name} has no server available!`, stderrText: `backend '${be.name}' has no server available!`, proxy: be.name });
  }
}

/** `set server b/s state maint`, `disable server`: forced maintenance. */
export function enterMaint(be: BackendRuntime, srv: ServerRuntime): void {
  if (srv.admin === 'MAINT') return;
  const hadUsable = be.servers.some((s) => s.usable);
  const wasDown = srv.op === 'DOWN';
  const wasStopping = srv.op === 'STOPPING';
  srv.setAdmin('MAINT');
  unchecked.set(srv, 0);
  if (srv.check) { srv.check.health = 0; srv.check.paused = true; }
  if (srv.agent) srv.agent.paused = true;
  if (wasDown) {
    emitProcessEvent({ severity: NOTICE, text: `${who(be, srv)} was DOWN and now enters maintenance.`, proxy: be.name });
  } else {
    emitProcessEvent({ severity: wasStopping ? NOTICE : ALERT, text: `${who(be, srv)} is going DOWN for maintenance. ${left(be, srv)}`, proxy: be.name });
  }
  noServerLeft(be, hadUsable);
}

/** `set server b/s state ready`, `enable server`: leave maintenance and drain. */
export function setReady(be: BackendRuntime, srv: ServerRuntime): void {
  if (srv.admin === 'READY') return;
  const from = srv.admin;
  if (from === 'MAINT') {
    // start OK but check at once: health = rise (reference §4.1)
    if (srv.check) { srv.check.health = srv.check.rise; srv.check.paused = false; }
    if (srv.agent) srv.agent.paused = false;
    if (srv.check && srv.op === 'DOWN') srv.setOp('UP');
  }
  srv.setAdmin('READY');
  if (from === 'MAINT') {
    emitProcessEvent({ severity: NOTICE, text: `${who(be, srv)} is ${srv.op === 'DOWN' ? 'DOWN' : 'UP'}/READY (leaving forced maintenance).`, proxy: be.name });
  } else {
    emitProcessEvent({ severity: NOTICE, text: `${who(be, srv)} is ${srv.op === 'DOWN' ? 'DOWN' : 'UP'} (leaving forced drain).`, proxy: be.name });
  }
}

/** `set server b/s state drain`: no new load-balanced traffic, in-flight work finishes. */
export function enterDrain(be: BackendRuntime, srv: ServerRuntime): void {
  if (srv.admin === 'DRAIN') return;
  const hadUsable = be.servers.some((s) => s.usable);
  if (srv.admin === 'MAINT') {
    if (srv.check) { srv.check.health = srv.check.rise; srv.check.paused = false; }
    if (srv.agent) srv.agent.paused = false;
  }
  srv.setAdmin('DRAIN');
  emitProcessEvent({ severity: NOTICE, text: `${who(be, srv)} enters drain state. ${online(be, srv)}`, proxy: be.name });
  noServerLeft(be, hadUsable);
}

/** `set server b/s health up|stopping|down`: force the check result. */
export function forceHealth(be: BackendRuntime, srv: ServerRuntime, to: 'up' | 'stopping' | 'down'): void {
  const c = srv.check;
  const hadUsable = be.servers.some((s) => s.usable);
  if (to === 'up') {
    if (c) c.health = c.rise + c.fall - 1;
    if (srv.op === 'UP') return;
    srv.setOp('UP');
    if (srv.admin !== 'MAINT') emitProcessEvent({ severity: NOTICE, text: `${who(be, srv)} is UP, changed from CLI. ${online(be, srv)}`, proxy: be.name });
  } else if (to === 'stopping') {
    if (srv.op === 'STOPPING') return;
    srv.setOp('STOPPING');
    if (srv.admin !== 'MAINT') emitProcessEvent({ severity: NOTICE, text: `${who(be, srv)} is stopping, changed from CLI. ${online(be, srv)}`, proxy: be.name });
    noServerLeft(be, hadUsable);
  } else {
    if (c) c.health = 0;
    if (srv.op === 'DOWN') return;
    srv.setOp('DOWN');
    if (srv.admin !== 'MAINT') emitProcessEvent({ severity: ALERT, text: `${who(be, srv)} is DOWN, changed from CLI. ${left(be, srv)}`, proxy: be.name });
    noServerLeft(be, hadUsable);
  }
}

/** `set server b/s agent up|down`: force the agent's verdict. */
export function forceAgent(be: BackendRuntime, srv: ServerRuntime, to: 'up' | 'down'): void {
  const a = srv.agent;
  if (!a) return;
  if (to === 'up') {
    a.health = a.rise + a.fall - 1;
    if (!srv.check || srv.check.health >= srv.check.rise) forceHealthOp(be, srv, 'UP');
  } else {
    a.health = 0;
    forceHealthOp(be, srv, 'DOWN');
  }
}

function forceHealthOp(be: BackendRuntime, srv: ServerRuntime, op: 'UP' | 'DOWN'): void {
  if (srv.op === op) return;
  const hadUsable = be.servers.some((s) => s.usable);
  srv.setOp(op);
  if (srv.admin === 'MAINT') return;
  if (op === 'UP') emitProcessEvent({ severity: NOTICE, text: `${who(be, srv)} is UP, changed from CLI. ${online(be, srv)}`, proxy: be.name });
  else {
    emitProcessEvent({ severity: ALERT, text: `${who(be, srv)} is DOWN, changed from CLI. ${left(be, srv)}`, proxy: be.name });
    noServerLeft(be, hadUsable);
  }
}

/** Servers put in maintenance at run time (show servers state: FMAINT rather than CMAINT). */
export const forcedMaint = new WeakSet<ServerRuntime>();

/** The health counter HAProxy keeps for servers without checks (rise, 0 once put in maintenance). */
const unchecked = new WeakMap<ServerRuntime, number>();
export function uncheckedHealth(srv: ServerRuntime): number {
  return unchecked.get(srv) ?? (srv.conf.disabled ? 0 : srv.conf.rise);
}
export function setUncheckedHealth(srv: ServerRuntime, v: number): void {
  unchecked.set(srv, v);
}
