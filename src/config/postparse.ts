/**
 * Checks that need the whole configuration (reference §6.2): references
 * between proxies, missing timeouts, frontends without bind. Concepts add
 * their own with `registerPostParse()`; all run once, in registration order.
 */
import type { Diagnostics } from './diag.js';
import type { LoadOptions, Model } from './model.js';

export type PostParseCheck = (model: Model, diag: Diagnostics, opts: LoadOptions) => void;

const checks: PostParseCheck[] = [];

export function registerPostParse(fn: PostParseCheck): void {
  checks.push(fn);
}

export function runPostParse(model: Model, diag: Diagnostics, opts: LoadOptions): void {
  for (const fn of checks) fn(model, diag, opts);
}
