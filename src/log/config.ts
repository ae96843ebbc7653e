/**
 * Log targets and formats of the global section and proxies (reference §2.14, §7).
 * (skeleton — filled by the logging work)
 */
import { ConfigError } from '../core/errors.js';
import type { KwContext } from '../config/keywords.js';

export interface LogTarget {
  readonly target: string;
  readonly facility: string;
}

export interface LogConf {
  targets: LogTarget[];
  global: boolean;
}

export function initLog(): LogConf {
  return { targets: [], global: false };
}

/** Parse `log <target> [len N] [format F] <facility> [max [min]]`. */
export function parseLogTarget(args: readonly string[], _ctx: KwContext, _where: 'global' | 'proxy'): LogTarget {
  if (args.length < 2) throw new ConfigError(`log : expects <address> and <facility>  as arguments`);
  return { target: args[0]!, facility: args[args.length - 1]! };
}
