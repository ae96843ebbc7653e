/**
 * Whole-configuration checks owned by the proxy core (reference §2.2, §2.4,
 * §6.2): backend references and their modes, missing timeouts, frontends
 * without `bind`, HTTP-only settings on TCP proxies.
 */
import { Codes } from '../core/errors.js';
import { registerPostParse } from './postparse.js';
import type { Model, Proxy } from './model.js';

const TIMEOUT_HELP =
  '   | While not properly invalid, you will certainly encounter various problems\n' +
  '   | with such a configuration. To fix this, please ensure that all following\n' +
  "   | timeouts are set to a non-zero value: 'client', 'connect', 'server'.";

/** "frontend", "backend", or "proxy" for a listen, as HAProxy names them in messages. */
export function proxyType(p: Proxy): string {
  return p.kind === 'listen' ? 'proxy' : p.kind;
}

/** The backend a static name refers to (backends and listens). */
export function findBackend(model: Model, name: string): Proxy | undefined {
  return model.proxies.find((p) => p.cap.be && p.name === name);
}

/** A use_backend name is dynamic when it is a log-format expression. */
export function isDynamicName(name: string): boolean {
  return name.includes('%');
}

registerPostParse((model, diag) => {
  for (const px of model.proxies) {
    if (!px.cap.fe || px.disabled) continue;
    const targets: Array<{ name: string; file: string; line: number; what: string }> = [];
    if (px.defaultBackend) targets.push({ ...px.defaultBackend, what: 'default_backend' });
    for (const u of px.rules.useBackends) if (!isDynamicName(u.name)) targets.push({ ...u, what: 'use_backend' });
    for (const t of targets) {
      const be = findBackend(model, t.name);
      if (!be) {
        diag.alert(Codes.CFG_SEMANTIC, `Proxy '${px.name}': unable to find required ${t.what}: '${t.name}'.`, t, 'plain');
        continue;
      }
      if (px.mode === 'http' && be.mode === 'tcp') {
        const as = t.what === 'default_backend' ? 'as its default backend' : 'in a \'use_backend\' rule';
        diag.alert(Codes.CFG_SEMANTIC,
          `http frontend '${px.name}' (${px.where.file}:${px.where.line}) tries to use incompatible tcp backend '${be.name}' (${be.where.file}:${be.where.line}) ${as} (see 'mode').`,
          t, 'plain');
      }
    }
  }
});

registerPostParse((model, diag) => {
  for (const px of model.proxies) {
    if (px.disabled) continue;
    if (px.kind === 'frontend' && px.binds.length === 0) {
      diag.warning(`frontend '${px.name}' has no 'bind' directive. Please declare it as a backend if this was intended.`, px.where, 'plain');
    }
    const t = px.timeouts;
    const missing = (px.cap.fe && !t.client) || (px.cap.be && px.servers.length > 0 && (!t.connect || !t.server));
    if (missing) {
      diag.warning(`missing timeouts for ${proxyType(px)} '${px.name}'.\n${TIMEOUT_HELP}`, px.where, 'plain');
    }
    if (px.mode === 'tcp') {
      if (px.forwardfor) {
        diag.warning(`'option forwardfor' ignored for ${proxyType(px)} '${px.name}' as it requires HTTP mode.`, px.where, 'plain');
      }
      const hashL7 = px.balance && (px.balance.algo === 'uri' || px.balance.algo === 'url_param' || px.balance.algo === 'hdr');
      if (px.cap.be && hashL7) {
        diag.warning(`Layer 7 hash not possible for ${proxyType(px)} '${px.name}' (needs 'mode http'). Falling back to round robin.`, px.where, 'plain');
      }
    }
  }
});

/** True when the configuration would open at least one listener. */
export function hasListener(model: Model): boolean {
  if (model.global.statsSockets.length > 0) return true;
  return model.proxies.some((p) => !p.disabled && p.cap.fe && p.binds.length > 0);
}
