/**
 * Whole-configuration checks of the rules (run after parsing):
 * - references made by fetch arguments (nbsrv(be), http_auth(userlist),
 *   srv_is_up(be/srv)) — HAProxy's "argument resolution errors";
 * - use-server targets;
 * - HTTP rules in TCP-mode proxies (warnings, the rules are ignored).
 */
import { Codes } from '../core/errors.js';
import { registerPostParse } from '../config/postparse.js';
import type { Model, Proxy } from '../config/model.js';

function pxType(p: Proxy): string {
  return p.kind === 'listen' ? 'proxy' : p.kind;
}

/** Resolve one argument reference; returns HAProxy's complaint or undefined. */
function resolve(model: Model, p: Proxy, r: Proxy['rules']['argRefs'][number]): string | undefined {
  const tail = `referenced in arg 1 of ACL keyword '${r.keyword}' in proxy '${p.name}'.`;
  switch (r.kind) {
    case 'backend':
      return model.proxies.some((x) => x.cap.be && x.name === r.name) ? undefined : `unable to find backend '${r.name}' ${tail}`;
    case 'frontend':
      return model.proxies.some((x) => x.cap.fe && x.name === r.name) ? undefined : `unable to find frontend '${r.name}' ${tail}`;
    case 'userlist':
      return model.others.userlist.some((u) => u.name === r.name) ? undefined : `unable to find userlist '${r.name}' ${tail}`;
    case 'server': {
      const slash = r.name.indexOf('/');
      const beName = slash < 0 ? p.name : r.name.slice(0, slash);
      const srv = slash < 0 ? r.name : r.name.slice(slash + 1);
      const be = model.proxies.find((x) => x.cap.be && x.name === beName);
      if (!be) return `unable to find backend '${beName}' ${tail}`;
      return be.servers.some((s) => s.name === srv)
        ? undefined : `unable to find server '${srv}' in proxy '${beName}', ${tail}`;
    }
    case 'table':
      return undefined;
  }
}

registerPostParse((model, diag) => {
  for (const p of model.proxies) {
    const errs: Array<{ msg: string; where: { file: string; line: number } }> = [];
    for (const r of p.rules.argRefs) {
      const m = resolve(model, p, r);
      if (m) errs.push({ msg: `parsing [${r.where.file}:${r.where.line}]: ${m}`, where: r.where });
    }
    if (errs.length === 1) diag.alert(Codes.CFG_SEMANTIC, errs[0]!.msg, errs[0]!.where, 'plain');
    else if (errs.length > 1) {
      diag.alert(Codes.CFG_SEMANTIC, `multiple argument resolution errors:${errs.map((e) => `\n        ${e.msg}`).join('')}`, errs[0]!.where, 'plain');
    }
  }
});

registerPostParse((model, diag) => {
  for (const p of model.proxies) {
    for (const u of p.rules.useServers) {
      if (u.dynamic) continue;
      if (!p.servers.some((s) => s.name === u.name)) {
        diag.alert(Codes.CFG_SEMANTIC, `proxy '${p.name}' : unable to find server '${u.name}' referenced in a 'use-server' rule.`, u.where, 'plain');
      }
    }
  }
});

registerPostParse((model, diag) => {
  for (const p of model.proxies) {
    if (p.mode !== 'tcp' || p.disabled) continue;
    const sets: Array<[string, number]> = [
      ['http-request', p.rules.httpRequest.length], ['http-response', p.rules.httpResponse.length],
      ['http-after-response', p.rules.httpAfterResponse.length], ['redirect', p.rules.redirects.length],
    ];
    for (const [kw, n] of sets) {
      if (n > 0) diag.warning(`'${kw}' rules ignored for ${pxType(p)} '${p.name}' as they require HTTP mode.`, p.where, 'plain');
    }
  }
});
