/**
 * `option httpchk` checks on lb's own sockets (not undici: the request bytes
 * must be HAProxy's to the byte, e.g. `OPTIONS / HTTP/1.0\r\n\r\n` with no
 * header at all, lower-cased names and `connection: close` for HTTP/1.1).
 * The rule list runs in order: connect, send, expect; a missing send uses
 * the `option httpchk` request, a missing expect accepts 2xx and 3xx.
 * Results, as observed on 2.6.12:
 *   default: 2xx/3xx L7OK; 404 with disable-on-404 L7OKC; else L7STS + reason
 *   expect status/rstatus/hdr mismatch: L7STS + reason phrase
 *   expect string/rstring mismatch: L7RSP "HTTP content check did not match"
 *   no or unparsable response: L7RSP; no answer in time: L7TOUT
 */
import { CheckConn, type Target } from './conn.js';
import type { CheckConf, HttpCheckRequest } from './config.js';
import type { CheckRule, ExpectRule, SendRule } from './rules.js';
import type { CheckResult } from './status.js';
import type { RunCtx } from './tcpcheck.js';

type HStep =
  | { op: 'connect'; port?: number; addr?: string; sendProxy: boolean }
  | { op: 'send'; send: SendRule | undefined }
  | { op: 'expect'; rules: ExpectRule[] };

export interface HttpPlan {
  steps: HStep[];
  req: HttpCheckRequest;
  disableOn404: boolean;
  sendState: boolean;
}

export function unsupportedHttpRule(r: CheckRule): string | undefined {
  if (r.kind === 'set-var' || r.kind === 'unset-var') return `'http-check ${r.kind}'`;
  if (r.kind === 'send' && (r.uriLf || r.bodyLf || r.hdrs?.some(([, v]) => v.includes('%[') || /%\w/.test(v)))) return `'http-check send' with log-format values`;
  if (r.kind === 'expect' && (r.type === 'string-lf' || r.type === 'fhdr')) return `'http-check expect ${r.type}'`;
  if (r.kind === 'expect' && (r.onSuccess?.includes('%') || r.onError?.includes('%') || r.statusCode !== undefined)) return `'http-check expect' with log-format messages or status-code`;
  if (r.kind === 'connect' && (r.ssl || r.viaSocks4 || r.sni !== undefined || r.alpn !== undefined || r.proto !== undefined)) return `'http-check connect' with ssl/sni/alpn/proto/via-socks4`;
  return undefined;
}

export function httpPlan(ck: CheckConf, sendProxy: boolean): HttpPlan {
  const req = ck.httpReq ?? { method: 'OPTIONS', uri: '/', version: 'HTTP/1.0' };
  const steps: HStep[] = [];
  const rules = ck.rulesKind === 'http' ? ck.rules.filter((r) => r.kind !== 'comment') : [];
  if (rules[0]?.kind !== 'connect') steps.push({ op: 'connect', sendProxy });
  let sent = false;
  for (const r of rules) {
    if (r.kind === 'connect') { steps.push({ op: 'connect', port: r.port, addr: r.addr, sendProxy: r.sendProxy || (r.default && sendProxy) }); sent = false; }
    else if (r.kind === 'send') { steps.push({ op: 'send', send: r }); sent = true; }
    else if (r.kind === 'expect') {
      if (!sent) { steps.push({ op: 'send', send: undefined }); sent = true; }
      const last = steps[steps.length - 1]!;
      if (last.op === 'expect') last.rules.push(r); else steps.push({ op: 'expect', rules: [r] });
    }
  }
  if (!sent) steps.push({ op: 'send', send: undefined });
  if (steps[steps.length - 1]!.op !== 'expect') steps.push({ op: 'expect', rules: [] });
  return { steps, req, disableOn404: ck.disableOn404, sendState: ck.sendState };
}

/** The request bytes (reference §2.7, captured from 2.6.12). */
export function httpRequestBytes(plan: HttpPlan, send: SendRule | undefined, stateHeader: () => string): Buffer {
  const meth = send?.meth ?? plan.req.method;
  const uri = send?.uri ?? plan.req.uri;
  const ver = send?.ver ?? plan.req.version;
  const hdrs: Array<[string, string]> = [];
  if (plan.req.extraHeaders) {
    for (const l of plan.req.extraHeaders.split('\r\n')) {
      const i = l.indexOf(':');
      if (i > 0) hdrs.push([l.slice(0, i).trim(), l.slice(i + 1).trim()]);
    }
  }
  for (const h of send?.hdrs ?? []) hdrs.push(h);
  let head = `${meth} ${uri} ${ver}\r\n`;
  for (const [n, v] of hdrs) head += `${n.toLowerCase()}: ${v}\r\n`;
  if (plan.sendState) head += `x-haproxy-server-state: ${stateHeader()}\r\n`;
  const body = send?.body ?? '';
  if (body.length > 0) head += `content-length: ${Buffer.byteLength(body, 'latin1')}\r\n`;
  if (ver !== 'HTTP/1.0') head += 'connection: close\r\n';
  return Buffer.from(`${head}\r\n${body}`, 'latin1');
}

interface Response {
  code: number;
  reason: string;
  headers: Array<[string, string]>;
  body: Buffer;
}

const HEAD_END = Buffer.from('\r\n\r\n');

/** Parse what arrived; undefined = incomplete, null = not HTTP. */
function parse(buf: Buffer, end: boolean, needBody: boolean): Response | undefined | null {
  const he = buf.indexOf(HEAD_END);
  if (he < 0) {
    if (!end) return buf.length > 16384 ? null : undefined;
    return null;
  }
  const lines = buf.subarray(0, he).toString('latin1').split('\r\n');
  const m = /^HTTP\/\d\.\d (\d{3})(?: (.*))?$/.exec(lines[0]!);
  if (!m) return null;
  const headers: Array<[string, string]> = [];
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) headers.push([l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim()]);
  }
  const body = buf.subarray(he + 4);
  if (needBody && !end) {
    const cl = headers.find(([n]) => n === 'content-length');
    if (!cl || body.length < Number(cl[1])) return body.length > 16384 ? { code: Number(m[1]), reason: m[2] ?? '', headers, body } : undefined;
  }
  return { code: Number(m[1]), reason: m[2] ?? '', headers, body };
}

function strMatch(meth: string, have: string, want: string): boolean {
  switch (meth) {
    case 'beg': return have.startsWith(want);
    case 'end': return have.endsWith(want);
    case 'sub': return have.includes(want);
    case 'reg': return new RegExp(want).test(have);
    default: return have === want;
  }
}

/** Judge one expect rule; undefined = passed. */
function judge(r: ExpectRule, res: Response): { status: string; info: string } | undefined {
  let hit: boolean;
  let content = false;
  switch (r.type) {
    case 'status': hit = (r.statuses ?? []).some(([lo, hi]) => res.code >= lo && res.code <= hi); break;
    case 'rstatus': hit = new RegExp(r.pattern).test(String(res.code)); break;
    case 'string': hit = res.body.includes(Buffer.from(r.pattern, 'latin1')); content = true; break;
    case 'rstring': hit = new RegExp(r.pattern).test(res.body.toString('latin1')); content = true; break;
    case 'hdr': {
      const h = r.hdr!;
      hit = res.headers.some(([n, v]) => strMatch(h.nameMatch, n, h.nameMatch === 'reg' ? h.name : h.name.toLowerCase())
        && (h.value === undefined || v.split(',').some((x) => strMatch(h.valueMatch, x.trim(), h.value!))));
      break;
    }
    default: hit = false;
  }
  if (r.negate) hit = !hit;
  if (hit) return undefined;
  if (content) return { status: r.errorStatus ?? 'L7RSP', info: r.onError ?? (r.negate ? 'HTTP content check found unwanted content' : 'HTTP content check did not match') };
  return { status: r.errorStatus ?? 'L7STS', info: r.onError ?? res.reason };
}

export async function runHttp(ctx: RunCtx, plan: HttpPlan, stateHeader: () => string): Promise<CheckResult> {
  const start = ctx.clock.now();
  const dur = (): number => ctx.clock.now() - start;
  let conn: CheckConn | undefined;
  let last: CheckResult | undefined;
  try {
    for (const s of plan.steps) {
      if (s.op === 'connect') {
        conn?.close();
        const target: Target = s.port !== undefined || s.addr !== undefined ? { host: s.addr ?? ctx.target.host, port: s.port ?? ctx.target.port } : ctx.target;
        conn = new CheckConn(ctx.clock, target, ctx.deadlines, ctx.live);
        const r = await conn.connect();
        if (r === 'timeout') return { status: 'L4TOUT', info: '', duration: dur() };
        if (r !== 'ok') return { status: 'L4CON', info: r.error, duration: dur() };
        if (s.sendProxy) conn.write(conn.proxyHeader(ctx.proxyV2));
        continue;
      }
      if (!conn) return { status: 'SOCKERR', info: '', duration: dur() };
      if (s.op === 'send') {
        conn.buf = Buffer.alloc(0);
        conn.write(httpRequestBytes(plan, s.send, stateHeader));
        continue;
      }
      const needBody = s.rules.some((r) => r.type === 'string' || r.type === 'rstring');
      let res: Response | undefined | null;
      for (;;) {
        const end = conn.eof || conn.error !== undefined;
        res = parse(conn.buf, end, needBody);
        if (res !== undefined) break;
        const w = await conn.more();
        if (w === 'timeout') {
          const tout = s.rules.find((r) => r.toutStatus)?.toutStatus ?? 'L7TOUT';
          return { status: tout, info: '', duration: dur() };
        }
      }
      if (res === null) return { status: 'L7RSP', info: '', duration: dur() };
      if (plan.disableOn404 && res.code === 404) { last = { status: 'L7OKC', code: 404, info: '', duration: 0 }; continue; }
      if (s.rules.length === 0) {
        if (res.code >= 200 && res.code < 400) last = { status: 'L7OK', code: res.code, info: '', duration: 0 };
        else return { status: 'L7STS', code: res.code, info: res.reason, duration: dur() };
        continue;
      }
      for (const r of s.rules) {
        const bad = judge(r, res);
        if (bad) return { status: bad.status, code: res.code, info: bad.info, duration: dur() };
      }
      const ok = s.rules.find((r) => r.okStatus)?.okStatus ?? 'L7OK';
      last = { status: ok, code: res.code, info: s.rules.find((r) => r.onSuccess)?.onSuccess ?? '', duration: 0 };
    }
  } finally {
    conn?.close();
  }
  const r = last ?? { status: 'L7OK', info: '', duration: 0 };
  return { ...r, duration: dur() };
}
