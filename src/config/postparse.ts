/**
 * Checks that need the whole configuration (reference §6.2): references
 * between proxies, missing timeouts, frontends without bind. Concepts add
 * their own with `registerPostParse()`; all run once, in registration order.
 */
import type { Diagnostics } from './diag.js';
import type { LoadOptions, Model } from './model.js';

export type PostParseCheck = (model: Model, diag: Diagnostics, opts: LoadOptions) => void;

const checks: Array<{ fn: PostParseCheck; phase: number }> = [];

/**
 * `phase` orders checks whose messages HAProxy prints before others
 * (lower first); equal phases run in registration order.
 */
export function registerPostParse(fn: PostParseCheck, phase = 0): void {
  checks.push({ fn, phase });
}

export function runPostParse(model: Model, diag: Diagnostics, opts: LoadOptions): void {
  for (const c of [...checks].sort((a, b) => a.phase - b.phase)) c.fn(model, diag, opts);
}
