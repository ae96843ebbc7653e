/**
 * The error catalogue. Every error lb raises on purpose carries a stable
 * `code`; a code, once shipped, is never reused for another meaning.
 */
export class LbError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'LbError';
    this.code = code;
  }
}

/**
 * How a config message is placed after "config : " on HAProxy's stderr:
 * - 'parsing'   → "parsing [file:line] : <msg>"
 * - 'parsing:'  → "parsing [file:line]: <msg>"   (lexer, .if, stats, http-request)
 * - 'located'   → "[file:line] : <msg>"          (server lines)
 * - 'plain'     → "<msg>"                        (post-parse checks)
 */
export type MsgStyle = 'parsing' | 'parsing:' | 'located' | 'plain';

/** A config error raised by a keyword parser; the reader adds file:line. */
export class ConfigError extends LbError {
  readonly style: MsgStyle;
  constructor(message: string, style: MsgStyle = 'parsing', code = 'LB_ERR_CFG_INVALID') {
    super(code, message);
    this.name = 'ConfigError';
    this.style = style;
  }
}

/** An HAProxy keyword that lb recognises but does not implement (yet). */
export class NotImplementedError extends ConfigError {
  constructor(message: string, style: MsgStyle = 'parsing') {
    super(message, style, 'LB_ERR_CFG_NOT_IMPLEMENTED');
    this.name = 'NotImplementedError';
  }
}

export const Codes = {
  CFG_INVALID: 'LB_ERR_CFG_INVALID',
  CFG_UNKNOWN_KEYWORD: 'LB_ERR_CFG_UNKNOWN_KEYWORD',
  CFG_NOT_IMPLEMENTED: 'LB_ERR_CFG_NOT_IMPLEMENTED',
  CFG_LEX: 'LB_ERR_CFG_LEX',
  CFG_COND: 'LB_ERR_CFG_COND',
  /** an error after which HAProxy stops reading the configuration (ERR_ABORT) */
  CFG_ABORT: 'LB_ERR_CFG_ABORT',
  CFG_FILE: 'LB_ERR_CFG_FILE',
  CFG_SEMANTIC: 'LB_ERR_CFG_SEMANTIC',
  CFG_WARNING: 'LB_WARN_CFG',
  CFG_MESSAGE: 'LB_CFG_MESSAGE',
} as const;
