/**
 * `bind` lines: address forms and bind options (reference §2.3).
 * (skeleton — filled by the listener work)
 */
import { ConfigError } from '../core/errors.js';
import { register, type KeywordRow, type KwContext } from '../config/keywords.js';
import type { Where } from '../config/diag.js';

export interface Bind {
  readonly where: Where;
  /** the address words as written */
  readonly spec: string;
}

/** Parse a bind line's arguments (address, then options). */
export function parseBindLine(args: readonly string[], ctx: KwContext, kw = 'bind'): Bind {
  if (args.length === 0) throw new ConfigError(`'${kw}' expects {<path>|[addr1]:port1[-end1]}{,[addr]:port[-end]}... as arguments.`);
  return { where: ctx.where, spec: args[0]! };
}

const rows: KeywordRow[] = [
  {
    name: 'bind',
    sections: 'fl',
    cap: 'fe',
    parse: (a, c) => { c.proxy().binds.push(parseBindLine(a, c)); },
  },
];

register('proxy', rows);
