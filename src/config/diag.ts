/**
 * Diagnostics gathered while loading a configuration, printed the way
 * HAProxy prints them (reference §6.2):
 *   "[ALERT]    (pid) : config : parsing [file:line] : message"
 * Every entry that comes from a line keeps its file and line for tests.
 */
import type { MsgStyle } from '../core/errors.js';

export type Level = 'ALERT' | 'WARNING' | 'NOTICE' | 'DIAG';

export interface Where {
  readonly file: string;
  readonly line: number;
}

export interface Diagnostic {
  readonly level: Level;
  readonly code: string;
  /** text after "config : " (or after the level prefix when `config` is false) */
  readonly text: string;
  readonly file?: string;
  readonly line?: number;
  /** false for process-level messages that HAProxy prints without "config : " */
  readonly config: boolean;
  /** an ALERT that does not by itself make the configuration invalid */
  readonly nonFatal?: boolean;
  /** a WARNING that nevertheless makes the configuration invalid (HAProxy does this, e.g. for cache sizes) */
  readonly fatal?: boolean;
}

export function placed(where: Where | undefined, msg: string, style: MsgStyle): string {
  if (!where || style === 'plain') return msg;
  switch (style) {
    case 'parsing': return `parsing [${where.file}:${where.line}] : ${msg}`;
    case 'parsing:': return `parsing [${where.file}:${where.line}]: ${msg}`;
    case 'located': return `[${where.file}:${where.line}] : ${msg}`;
  }
}

export class Diagnostics {
  readonly list: Diagnostic[] = [];
  /** when set, warnings are fatal (-dW / zero-warning) */
  zeroWarning = false;
  /** when set, DIAG messages are kept (-dD) */
  diagMode = false;

  add(level: Level, code: string, msg: string, where?: Where, style: MsgStyle = 'parsing', config = true): void {
    if (level === 'DIAG' && !this.diagMode) return;
    const d: Diagnostic = where
      ? { level, code, text: placed(where, msg, style), file: where.file, line: where.line, config }
      : { level, code, text: msg, config };
    this.list.push(d);
  }

  alert(code: string, msg: string, where?: Where, style: MsgStyle = 'parsing'): void {
    this.add('ALERT', code, msg, where, style);
  }

  warning(msg: string, where?: Where, style: MsgStyle = 'parsing'): void {
    this.add('WARNING', 'LB_WARN_CFG', msg, where, style);
  }

  notice(msg: string, where?: Where, style: MsgStyle = 'parsing'): void {
    this.add('NOTICE', 'LB_NOTICE_CFG', msg, where, style);
  }

  /** an alert HAProxy prints without failing the configuration */
  nonFatalAlert(code: string, msg: string, where?: Where, style: MsgStyle = 'parsing'): void {
    const d: Diagnostic = where
      ? { level: 'ALERT', code, text: placed(where, msg, style), file: where.file, line: where.line, config: true, nonFatal: true }
      : { level: 'ALERT', code, text: msg, config: true, nonFatal: true };
    this.list.push(d);
  }

  /** a warning HAProxy prints while failing the configuration */
  fatalWarning(msg: string, where?: Where, style: MsgStyle = 'parsing'): void {
    const d: Diagnostic = where
      ? { level: 'WARNING', code: 'LB_ERR_CFG_INVALID', text: placed(where, msg, style), file: where.file, line: where.line, config: true, fatal: true }
      : { level: 'WARNING', code: 'LB_ERR_CFG_INVALID', text: msg, config: true, fatal: true };
    this.list.push(d);
  }

  /** number of alerts (and fatal warnings) that make the configuration invalid */
  get alerts(): number {
    let n = 0;
    for (const d of this.list) if ((d.level === 'ALERT' && !d.nonFatal) || d.fatal) n++;
    return n;
  }

  get warnings(): number {
    let n = 0;
    for (const d of this.list) if (d.level === 'WARNING') n++;
    return n;
  }
}

/** "[ALERT]    (1234) : " — the level padded as HAProxy pads it. */
export function levelPrefix(level: Level, pid: number): string {
  return `[${level}]`.padEnd(11, ' ') + `(${pid}) : `;
}

/** Format one diagnostic as a full stderr line (may span several lines). */
export function formatDiagnostic(d: Diagnostic, pid: number): string {
  return levelPrefix(d.level, pid) + (d.config ? 'config : ' : '') + d.text;
}
