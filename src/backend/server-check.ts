/**
 * Whole-configuration server checks (reference §2.6), run after parsing the
 * way HAProxy's check_config_validity() does, then start-up address
 * resolution (HAProxy's srv_init_addr(), which runs only when everything
 * else was valid). Both only read the model, except that resolution records
 * the address found (or MAINT) on each server.
 */
import { statSync } from 'node:fs';
import { Codes } from '../core/errors.js';
import { registerPostParse } from '../config/postparse.js';
import type { Diagnostics } from '../config/diag.js';
import type { LoadOptions, Model, Proxy } from '../config/model.js';
import { resolveHost, parseIp } from '../proxy/address.js';
import type { ServerConf } from './server.js';
import { muxUsable } from '../proxy/bind.js';
import { proxyType as pxType } from '../config/validate.js';

const label = (px: Proxy, s: ServerConf): string => `'server ${px.name}/${s.name}'`;

function checkProxy(model: Model, px: Proxy, diag: Diagnostics): void {
  const seen = new Map<string, ServerConf>();
  for (const s of px.servers) {
    const first = seen.get(s.name);
    if (first) {
      diag.alert(Codes.CFG_SEMANTIC,
        `${pxType(px)} '${px.name}', another server named '${s.name}' was already defined at line ${first.where.line}, please use distinct names.`, s.where);
    } else {
      seen.set(s.name, s);
    }
  }
  for (const s of px.servers) {
    if (s.proto !== undefined) {
      if (!muxUsable(s.proto, px.mode, 'be')) {
        diag.alert(Codes.CFG_SEMANTIC,
          `${pxType(px)} '${px.name}' : MUX protocol '${s.proto}' is not usable for server '${s.name}' at [${s.where.file}:${s.where.line}].`, s.where, 'plain');
      } else if (s.proto === 'fcgi') {
        diag.alert(Codes.CFG_NOT_IMPLEMENTED, `${label(px, s)} : FastCGI servers ('proto fcgi') are not implemented in lb yet.`, s.where, 'located');
      }
    }
    if (px.mode !== 'http' && s.cookie !== undefined) {
      diag.warning(`${pxType(px)} '${px.name}' : ignoring cookie for server '${s.name}' as HTTP mode is disabled.`, s.where, 'plain');
    }
    if (px.mode !== 'http' && s.redir !== undefined) {
      diag.alert(Codes.CFG_SEMANTIC, `${pxType(px)} '${px.name}' : server cannot have cookie or redirect prefix in non-HTTP mode.`, s.where, 'plain');
    }
    if (s.tfo && !retriesTfo(px)) {
      diag.warning(`${label(px, s)} : server has tfo activated, the backend should be configured with at least 'conn-failure', 'empty-response' and 'response-timeout' or we wouldn't be able to retry the connection on failure.`, s.where, 'located');
    }
    if (s.track !== undefined) checkTrack(model, px, s, diag);
    if (s.resolvers !== undefined) {
      const found = model.others.resolvers.some((r) => r.name === s.resolvers);
      if (!found) {
        diag.alert(Codes.CFG_SEMANTIC, `${pxType(px)} '${px.name}', server '${s.name}': unable to find required resolvers '${s.resolvers}'`, s.where, 'plain');
      } else {
        diag.alert(Codes.CFG_NOT_IMPLEMENTED,
          `${label(px, s)} : runtime DNS resolution ('resolvers ${s.resolvers}') is not implemented in lb yet; remove it to resolve the name once at start-up.`, s.where, 'located');
      }
    }
    if (s.ssl || s.checkSsl) checkTls(model, px, s, diag);
  }
}

/** `retry-on` covers what a TFO connection needs (read if the proxy core records `retryOn`). */
function retriesTfo(px: Proxy): boolean {
  const r = (px as Proxy & { retryOn?: readonly string[] }).retryOn ?? [];
  return r.includes('all-retryable-errors')
    || (r.includes('conn-failure') && r.includes('empty-response') && r.includes('response-timeout'));
}

function checkTrack(model: Model, px: Proxy, s: ServerConf, diag: Diagnostics): void {
  const t = s.track!;
  const slash = t.indexOf('/');
  const pxName = slash >= 0 ? t.slice(0, slash) : px.name;
  const srvName = slash >= 0 ? t.slice(slash + 1) : t;
  const fail = (m: string) => diag.alert(Codes.CFG_SEMANTIC, `${label(px, s)} : ${m}`, s.where, 'located');
  const tpx = slash >= 0 ? model.proxies.find((p) => p.cap.be && p.name === pxName) : px;
  if (!tpx) return fail(`unable to find required proxy '${pxName}' for tracking.`);
  const ts = tpx.servers.find((x) => x.name === srvName);
  if (!ts) return fail(`unable to find required server '${srvName}' for tracking.`);
  if (!ts.check && !ts.agentCheck && ts.track === undefined) {
    return fail(`unable to use ${tpx.name}/${ts.name} for tracking as it does not have any check nor agent enabled.`);
  }
  if (s.check) return fail(`unable to enable checks and tracking at the same time!`);
}

/** HAProxy's own TLS errors first; a valid TLS server is then not implemented. */
function checkTls(model: Model, px: Proxy, s: ServerConf, diag: Diagnostics): void {
  const at = (m: string, code: string = Codes.CFG_SEMANTIC) => diag.alert(code, `${label(px, s)} : ${m}`, s.where, 'located');
  const crt = s.tls['crt'];
  if (s.ssl && crt !== undefined) {
    const base = model.global.crtBase;
    const path = base && !crt.startsWith('/') ? `${base}/${crt}` : crt;
    try { statSync(path); } catch {
      return at(`unable to stat SSL certificate from file '${path}' : No such file or directory.`);
    }
  }
  const globalVerify = model.global.ssl['ssl-server-verify'];
  if (s.verify !== 'none' && s.tls['ca-file'] === undefined && globalVerify !== 'none') {
    return at(`verify is enabled by default but no CA file specified. If you're running on a LAN where you're certain to trust the server's certificate, please set an explicit 'verify none' statement on the 'server' line, or use 'ssl-server-verify none' in the global section to disable server-side verifications by default.`);
  }
  at(`TLS to servers ('${s.ssl ? 'ssl' : 'check-ssl'}') is not implemented in lb yet.`, Codes.CFG_NOT_IMPLEMENTED);
}

registerPostParse((model, diag) => {
  for (const px of model.proxies) if (px.cap.be) checkProxy(model, px, diag);
});

/** Record the start-up address of an fqdn server (the name stays in `fqdn`). */
function setAddress(s: ServerConf, ip: string): void {
  s.address = { ...s.address, host: ip, family: ip.includes(':') ? 'ipv6' : 'ipv4' };
  s.resolved = ip;
}

/**
 * Start-up resolution of server hostnames, method by method (init-addr):
 * `last` (no state file in lb: never succeeds), `libc`, `none` (start in
 * MAINT), or a literal IP. With -dr a failure only disables the server.
 */
function resolveServers(model: Model, diag: Diagnostics, opts: LoadOptions): void {
  let failed = false;
  for (const px of model.proxies) {
    for (const s of px.servers as ServerConf[]) {
      const fqdn = s.address.fqdn;
      if (fqdn === undefined) continue;
      const warn = (m: string) => diag.warning(`${label(px, s)} : ${m}`, s.where, 'located');
      let libcFailed = false;
      let done = false;
      for (const m of s.initAddr ?? ['last', 'libc']) {
        if (m === 'last') continue;
        if (m === 'libc') {
          const fam = s.address.family === 'ipv6' && s.addr.startsWith('ipv6@') ? 'ipv6' : s.addr.startsWith('ipv4@') ? 'ipv4' : undefined;
          // libc order (getaddrinfo), as HAProxy's start-up resolution; resolve-prefer is for runtime DNS
          const ip = resolveHost(fqdn, fam);
          if (ip !== undefined) { setAddress(s, ip); done = true; break; }
          libcFailed = true;
          continue;
        }
        if (m === 'none') {
          if (libcFailed) warn(`could not resolve address '${fqdn}', disabling server.`);
          s.maintResolution = true;
          done = true;
          break;
        }
        const lit = parseIp(m);
        if (lit) {
          if (libcFailed) warn(`could not resolve address '${fqdn}', falling back to configured address.`);
          setAddress(s, lit.host);
          done = true;
          break;
        }
      }
      if (done) continue;
      if (opts.ignoreResolveFailures) {
        if (libcFailed) warn(`could not resolve address '${fqdn}', disabling server.`);
        s.maintResolution = true;
        continue;
      }
      failed = true;
      diag.alert(Codes.CFG_SEMANTIC,
        `${label(px, s)} : ${libcFailed ? 'could not resolve' : 'no method found to resolve'} address '${fqdn}'.`, s.where, 'located');
    }
  }
  if (failed) diag.alert(Codes.CFG_SEMANTIC, 'Failed to initialize server(s) addr.');
}

registerPostParse((model, diag, opts) => {
  // HAProxy resolves only once the configuration passed every other check
  if (diag.alerts > 0) return;
  resolveServers(model, diag, opts);
});
