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
import type { Where } from '../config/diag.js';
import type { Condition } from './model.js';
import { predefinedDefs } from './condition.js';
import { checkLogFormat } from './sample.js';

function pxType(p: Proxy): string {
  return p.kind === 'listen' ? 'proxy' : p.kind;
}

/** Resolve one argument reference; returns HAProxy's complaint or undefined. */
function resolve(model: Model, p: Proxy, r: Proxy['rules']['argRefs'][number]): string | undefined {
  const tail = `referenced in arg 1 of ${r.label ?? `ACL keyword '${r.keyword}'`} in proxy '${p.name}'.`;
  if (r.name === '' && (r.kind === 'backend' || r.kind === 'frontend')) {
    const has = r.kind === 'backend' ? p.cap.be : p.cap.fe;
    return has ? undefined : `proxy '${p.name}', referenced in arg 1 of ACL keyword '${r.keyword}' in proxy '${p.name}', has not ${r.kind} capability.`;
  }
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
      if (!be) return `unable to find proxy '${beName}' ${tail}`;
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

registerPostParse((model, diag) => {
  for (const p of model.proxies) {
    const sets: Array<[readonly Proxy['rules']['httpRequest'][number][], number, string]> = [
      [p.rules.httpRequest, p.log.captures.request.length, 'http-request'],
      [p.rules.httpResponse, p.log.captures.response.length, 'http-response'],
      [p.rules.httpAfterResponse, p.log.captures.response.length, 'http-response'],
    ];
    for (const [rules, n, kw] of sets) {
      for (const r of rules) {
        const id = r.params['id'];
        if (r.action === 'capture' && typeof id === 'number' && id >= n) {
          diag.alert(Codes.CFG_SEMANTIC, `Proxy '${p.name}': unable to find capture id '${id}' referenced by ${kw} capture rule.`, r.where, 'plain');
        }
      }
    }
  }
});

registerPostParse((model, diag) => {
  for (const p of model.proxies) {
    if (!p.cap.fe || !p.cap.be || p.disabled) continue;
    for (const u of p.rules.useBackends) {
      if (!u.dynamic && u.name === p.name) {
        diag.alert(Codes.CFG_SEMANTIC, `Proxy '${p.name}': loop detected for use_backend: '${u.name}'.`, { file: u.file, line: u.line }, 'plain');
      }
    }
  }
});

registerPostParse((model, diag) => {
  for (const p of model.proxies) {
    for (const u of p.rules.useBackends) {
      if (!u.dynamic) continue;
      try {
        checkLogFormat(u.name);
      } catch (e) {
        diag.alert(Codes.CFG_SEMANTIC, `Parsing [${u.file}:${u.line}]: failed to parse use_backend rule '${u.name}' : ${(e as Error).message}`,
          { file: u.file, line: u.line }, 'plain');
      }
    }
  }
});

/** Layer 6 (buffer contents) fetches: ignored by HTTP proxies. */
const L6_FETCHES = new Set([
  'distcc_body', 'distcc_param', 'payload', 'payload_lv', 'req.len', 'req_len', 'req.payload', 'req.payload_lv',
  'req.rdp_cookie', 'rdp_cookie', 'req.rdp_cookie_cnt', 'rdp_cookie_cnt', 'req.ssl_alpn', 'req.ssl_ec_ext',
  'req.ssl_hello_type', 'req_ssl_hello_type', 'req.ssl_sni', 'req_ssl_sni', 'req.ssl_st_ext', 'req.ssl_ver',
  'req_ssl_ver', 'res.len', 'res.payload', 'res.payload_lv', 'res.ssl_hello_type', 'rep_ssl_hello_type',
]);

/** Every condition of a proxy with the place of its rule, in declaration order. */
function conditions(p: Proxy): Array<{ cond: Condition; where: Where }> {
  const r = p.rules;
  const out: Array<{ cond: Condition; where: Where }> = [];
  for (const set of [r.tcpRequestConnection, r.tcpRequestSession, r.tcpRequestContent, r.tcpResponseContent,
    r.httpRequest, r.httpResponse, r.httpAfterResponse, r.redirects]) {
    for (const x of set) if (x.cond) out.push({ cond: x.cond, where: x.where });
  }
  for (const u of r.useBackends) if (u.cond) out.push({ cond: u.cond, where: { file: u.file, line: u.line } });
  for (const u of r.useServers) out.push({ cond: u.cond, where: u.where });
  return out.sort((a, b) => a.where.line - b.where.line);
}

function usesL6(p: Proxy, cond: Condition): boolean {
  for (const g of cond.or) {
    for (const t of g.and) {
      const defs = t.anon ? [t.anon] : p.rules.acls.some((a) => a.name === t.acl)
        ? p.rules.acls.filter((a) => a.name === t.acl) : predefinedDefs(t.acl!);
      if (defs.some((d) => L6_FETCHES.has(d.expr.fetch) || L6_FETCHES.has(d.keyword))) return true;
    }
  }
  return false;
}

registerPostParse((model, diag) => {
  for (const p of model.proxies) {
    if (p.mode !== 'http') continue;
    const hit = conditions(p).find((c) => usesL6(p, c.cond));
    if (hit) {
      diag.warning(`Proxy '${p.name}': L6 sample fetches ignored on HTTP proxies (declared at ${hit.where.file}:${hit.where.line}).`, hit.where, 'plain');
    }
  }
});

registerPostParse((model, diag) => {
  for (const p of model.proxies) {
    for (const r of p.rules.errorfilesRefs) {
      if (!model.others['http-errors'].some((h) => h.name === r.name)) {
        diag.alert(Codes.CFG_SEMANTIC, `Proxy '${p.name}': unknown http-errors section '${r.name}' referenced by an http reply .`, r.where, 'plain');
      }
    }
  }
});
