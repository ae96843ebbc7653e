/**
 * The process's own messages about its life and its servers ("Server be/s1 is
 * DOWN, reason: ...", "backend be has no server available!", "Proxy fe
 * started."): one sink, written by checks/, the runtime API and the process,
 * and routed by log/ (stderr in the foreground as HAProxy does, syslog
 * targets of `log global`). Levels are syslog severities.
 */
import { levelPrefix } from '../config/diag.js';

export type Severity = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;
export const EMERG = 0, ALERT = 1, CRIT = 2, ERR = 3, WARNING = 4, NOTICE = 5, INFO = 6, DEBUG = 7;

export interface ProcessEvent {
  severity: Severity;
  /** the message without prefix, e.g. "Server be/s1 is DOWN, reason: ..." */
  text: string;
  /** proxy the message is about, when any (syslog lines name it) */
  proxy?: string;
  /** the foreground (stderr) wording when it differs from the log line */
  stderrText?: string;
  /** the stderr level when it is not the usual one (runtime API notices: `add server`) */
  stderrLevel?: 'NOTICE' | 'WARNING' | 'ALERT';
}

type Sink = (e: ProcessEvent) => void;
const sinks: Sink[] = [];

/** Add a receiver of process events; returns a function that removes it. */
export function onProcessEvent(sink: Sink): () => void {
  sinks.push(sink);
  return () => { const i = sinks.indexOf(sink); if (i >= 0) sinks.splice(i, 1); };
}

let muted = 0;

export function emitProcessEvent(e: ProcessEvent): void {
  if (muted > 0) return;
  for (const s of sinks) s(e);
}

/**
 * Run fn with process events silenced: a worker applying a change that
 * another worker of the group already announced (master-worker with
 * several workers) must not log it a second time.
 */
export function muteProcessEvents<T>(fn: () => T): T {
  muted++;
  try { return fn(); } finally { muted--; }
}

/**
 * HAProxy's stderr rendering in the foreground, as observed on 2.6.12 with
 * -db: every server and check message is a [WARNING] whatever its syslog
 * level (DOWN is alert, UP and check results notice), and only the emerg
 * "backend 'be' has no server available!" is an [ALERT] (quoted name on
 * stderr, bare in syslog).
 */
export function stderrLine(e: ProcessEvent, pid = process.pid): string {
  const level = e.stderrLevel ?? (e.severity <= EMERG ? 'ALERT' : 'WARNING');
  return levelPrefix(level, pid) + (e.stderrText ?? e.text);
}
