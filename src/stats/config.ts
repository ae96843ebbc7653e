/**
 * The stats page settings of a proxy (reference §2.13).
 * (skeleton — filled by the stats work)
 */
export interface StatsConf {
  enabled: boolean;
}

export function initStats(): StatsConf {
  return { enabled: false };
}
