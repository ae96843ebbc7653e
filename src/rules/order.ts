/**
 * HAProxy's "a 'x' rule placed after a 'y' rule will still be processed
 * before." warnings. Rules run in a fixed order whatever their position in
 * the file; a rule written after one of a LATER stage gets a warning naming
 * the first later stage, in processing order, that already has rules.
 */
import type { ProxyDraft } from '../config/model.js';

export type RuleKind =
  | 'tcp-request connection' | 'tcp-request session' | 'tcp-request content'
  | 'monitor fail' | 'http-request' | 'redirect' | 'use_backend' | 'use-server';

/** processing order; each kind is checked against the kinds after it */
const ORDER: readonly RuleKind[] = [
  'tcp-request connection', 'tcp-request session', 'tcp-request content',
  'monitor fail', 'http-request', 'redirect', 'use_backend', 'use-server',
];

const ARTICLE: Record<RuleKind, string> = {
  'tcp-request connection': 'a', 'tcp-request session': 'a', 'tcp-request content': 'a',
  'monitor fail': 'a', 'http-request': 'an', 'redirect': 'a', 'use_backend': 'a', 'use-server': 'a',
};

function has(p: ProxyDraft, k: RuleKind): boolean {
  const r = p.rules;
  switch (k) {
    case 'tcp-request connection': return r.tcpRequestConnection.length > 0;
    case 'tcp-request session': return r.tcpRequestSession.length > 0;
    case 'tcp-request content': return r.tcpRequestContent.length > 0;
    case 'monitor fail': return r.monitorFail.length > 0;
    case 'http-request': return r.httpRequest.length > 0;
    case 'redirect': return r.redirects.length > 0;
    case 'use_backend': return r.useBackends.length > 0;
    case 'use-server': return r.useServers.length > 0;
  }
}

/** The warning for a rule of `kind` just added to `p`, if any. */
export function misplaced(p: ProxyDraft, kind: RuleKind): string | undefined {
  // use_backend and use-server are never reported as misplaced
  if (kind === 'use_backend' || kind === 'use-server') return undefined;
  const self = kind.startsWith('tcp-request') ? 'tcp-request' : kind;
  for (const later of ORDER.slice(ORDER.indexOf(kind) + 1)) {
    if (has(p, later)) return `a '${self}' rule placed after ${ARTICLE[later]} '${later}' rule will still be processed before.`;
  }
  return undefined;
}
