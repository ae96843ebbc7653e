/**
 * Health-check configuration of a backend (reference §2.7).
 * (skeleton — filled by the checks work)
 */
export interface CheckConf {
  type: 'tcp' | 'http';
}

export function initCheck(): CheckConf {
  return { type: 'tcp' };
}
