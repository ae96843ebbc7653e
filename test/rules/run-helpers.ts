/**
 * Helpers for the data-plane rule tests: load a frontend's rules from
 * config text and build request contexts.
 */
import { load } from '../helpers.js';
import type { HttpReqCtx, HttpResCtx } from '../../src/rules/eval.js';
import type { ProxyRules } from '../../src/rules/model.js';

/** Load `lines` inside `frontend fe` (mode http) and return its rules. */
export function rulesOf(lines: string, extra = ''): ProxyRules {
  const r = load(`defaults\n  mode http\n  timeout client 1s\n  timeout server 1s\n  timeout connect 1s\nfrontend fe\n  bind 127.0.0.1:8080\n${lines}\n  default_backend be\nbackend be\n  server s 127.0.0.1:80\n${extra}`);
  if (!r.model) throw new Error(`config failed:\n${r.lines.join('\n')}`);
  const fe = r.model.proxies.find((p) => p.name === 'fe')!;
  return fe.rules as ProxyRules;
}

/** A request context; headers as "Name: value" lines. */
export function req(method: string, target: string, headers: string[] = [], more: Partial<HttpReqCtx> = {}): HttpReqCtx {
  const raw: string[] = [];
  for (const h of headers) {
    const c = h.indexOf(':');
    raw.push(h.slice(0, c).toLowerCase(), h.slice(c + 1).trim());
  }
  return {
    method, target, version: 11, rawHeaders: raw, src: '192.168.1.10', srcPort: 40000, dst: '10.0.0.1', dstPort: 8080,
    frontend: 'fe', nbsrv: (b) => (b === 'be' ? 2 : 0), vars: new Map(), ...more,
  };
}

export function res(r: HttpReqCtx, status: number, headers: string[] = []): HttpResCtx {
  const raw: string[] = [];
  for (const h of headers) {
    const c = h.indexOf(':');
    raw.push(h.slice(0, c).toLowerCase(), h.slice(c + 1).trim());
  }
  return { ...r, status, resHeaders: raw };
}
