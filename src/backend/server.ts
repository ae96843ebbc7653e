/**
 * `server`, `default-server`, `server-template` (reference §2.6).
 * (skeleton — filled by the backend work)
 */
import { ConfigError } from '../core/errors.js';
import { register, type KeywordRow } from '../config/keywords.js';
import type { Where } from '../config/diag.js';

/** Settings a server line may carry; `default-server` sets the same ones. */
export interface ServerParams {
  check: boolean;
  inter: number;
  rise: number;
  fall: number;
  weight: number;
  backup: boolean;
  disabled: boolean;
  maxconn: number;
}

export function initServerParams(): ServerParams {
  return { check: false, inter: 2000, rise: 2, fall: 3, weight: 1, backup: false, disabled: false, maxconn: 0 };
}

export interface ServerConf extends ServerParams {
  readonly name: string;
  readonly where: Where;
  readonly addr: string;
}

const rows: KeywordRow[] = [
  {
    name: 'server',
    sections: 'bl',
    cap: 'be',
    capAlert: true,
    parse: (a, c) => {
      if (a.length < 2) throw new ConfigError(`'server' expects <name> and <addr>[:<port>] as arguments.`, 'located');
      const px = c.proxy();
      px.servers.push({ ...structuredClone(px.defaultServer), name: a[0]!, where: c.where, addr: a[1]! });
    },
  },
  {
    name: 'default-server',
    sections: 'dbl',
    cap: 'be',
    capAlert: true,
    parse: () => undefined,
  },
];

register('proxy', rows);
