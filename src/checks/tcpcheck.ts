/**
 * The tcp-check engine: runs a list of steps (connect, send, expect) on
 * check connections, as HAProxy 2.6 does for `option tcp-check` and for the
 * protocol checks it builds on the same engine (redis, smtp, pgsql, mysql,
 * ldap, ssl-hello: see protocols.ts). Step numbers in the messages count the
 * configured rules from 1 (the implicit first connect is not counted), as
 * observed: `TCPCHK did not match content 'nope' at step 2`.
 */
import { CheckConn, type Target, type Deadlines } from './conn.js';
import type { Clock } from './clock.js';
import type { CheckResult } from './status.js';
import type { CheckRule, ExpectRule } from './rules.js';

/** An expect step's verdict on the bytes received so far. */
export type Verdict =
  | { v: 'wait' }
  | { v: 'ok'; status?: string; code?: number; info?: string }
  | { v: 'fail'; status?: string; code?: number; info: string };

export type Step =
  | { op: 'connect'; port?: number; addr?: string; sendProxy: boolean; step: number }
  | { op: 'send'; data: Buffer; step: number }
  | {
    op: 'expect'; step: number;
    /** judge the buffer; `end` = no more bytes will come */
    judge: (buf: Buffer, end: boolean) => Verdict;
    minRecv: number;
    errorStatus: string;
    toutStatus: string;
    okStatus?: string;
    onSuccess?: string;
    onError?: string;
    /** "expect string 'hello'": named in the timeout message */
    desc?: string;
  };

export interface RunCtx {
  clock: Clock;
  target: Target;
  deadlines: Deadlines;
  /** send a PROXY header first on the default connection (check-send-proxy) */
  sendProxy: boolean;
  /** the server speaks PROXY v2 (send-proxy-v2): checks send the v2 LOCAL header */
  proxyV2?: boolean;
  /** connections in progress, aborted when the checks stop */
  live?: Set<CheckConn>;
}

/**
 * Run steps. `l4Only`: a list with no send/expect gives L4OK; otherwise a
 * full pass gives L7OK code 0 with the last on-success text or "(tcp-check)".
 */
export async function runSteps(ctx: RunCtx, steps: readonly Step[], okInfo = '(tcp-check)'): Promise<CheckResult> {
  const start = ctx.clock.now();
  const dur = (): number => ctx.clock.now() - start;
  let conn: CheckConn | undefined;
  let l7 = false;
  let lastOk: { status?: string; code?: number; info?: string } | undefined;
  const list = steps[0]?.op === 'connect' ? steps : [{ op: 'connect', sendProxy: ctx.sendProxy, step: 0 } as Step, ...steps];
  try {
    for (const s of list) {
      if (s.op === 'connect') {
        conn?.close();
        const target: Target = s.port !== undefined || s.addr !== undefined
          ? { host: s.addr ?? ctx.target.host, port: s.port ?? ctx.target.port }
          : ctx.target;
        conn = new CheckConn(ctx.clock, target, ctx.deadlines, ctx.live);
        const r = await conn.connect();
        // an explicit connect rule is named in the message (observed: "Connection
        // refused at step 3 of tcp-check (connect port 19599)")
        const where = s.step > 0 ? ` at step ${s.step} of tcp-check (connect${s.port !== undefined ? ` port ${s.port}` : ''})` : '';
        if (r === 'timeout') return { status: 'L4TOUT', info: where, duration: dur() };
        if (r !== 'ok') return { status: 'L4CON', info: `${r.error}${where}`, duration: dur() };
        if (s.sendProxy) conn.write(conn.proxyHeader(ctx.proxyV2));
        continue;
      }
      if (!conn) return { status: 'SOCKERR', info: '', duration: dur() };
      if (s.op === 'send') {
        l7 = true;
        // a send starts a new exchange: what came before is dropped
        conn.buf = Buffer.alloc(0);
        conn.write(s.data);
        continue;
      }
      l7 = true;
      for (;;) {
        const end = conn.eof || conn.error !== undefined;
        if ((conn.buf.length > 0 && conn.buf.length >= s.minRecv) || end) {
          if (conn.buf.length === 0 && end) {
            return { status: s.errorStatus, code: s.errorStatus.startsWith('L7') ? 0 : undefined, info: s.onError ?? `TCPCHK got an empty response at step ${s.step}`, duration: dur() };
          }
          const v = s.judge(conn.buf, end);
          if (v.v === 'ok') { lastOk = { status: v.status ?? s.okStatus, code: v.code, info: v.info ?? s.onSuccess }; break; }
          if (v.v === 'fail') {
            const st = v.status ?? s.errorStatus;
            const info = v.info.startsWith('TCPCHK') ? `${v.info} at step ${s.step}` : v.info;
            return { status: st, code: v.code ?? (st.startsWith('L7') ? 0 : undefined), info: s.onError ?? info, duration: dur() };
          }
        }
        const w = await conn.more();
        if (w === 'timeout') {
          // observed: info " at step 1 of tcp-check (expect string 'hello')" (empty prefix)
          return { status: s.toutStatus, info: ` at step ${s.step} of tcp-check${s.desc ? ` (${s.desc})` : ''}`, duration: dur() };
        }
      }
    }
  } finally {
    conn?.close();
  }
  if (!l7) return { status: 'L4OK', info: '', duration: dur() };
  const st = lastOk?.status ?? 'L7OK';
  return { status: st, code: lastOk?.code ?? (st.startsWith('L7') ? 0 : undefined), info: lastOk?.info ?? okInfo, duration: dur() };
}

// --- user tcp-check rules -> steps ------------------------------------------

/** Unescape-free: rules.ts already turned `\r\n` into bytes (latin1 one char per byte). */
const bytes = (s: string): Buffer => Buffer.from(s, 'latin1');

/** Words as 2.6.12 prints them: "TCPCHK did not match content 'x'", "... content (regex)",
 * "... content (binary)", "... content (binary regex)", "TCPCHK matched unwanted content ...". */
function matcher(r: ExpectRule): (buf: Buffer, end: boolean) => Verdict {
  let test: (buf: Buffer) => boolean;
  let what: string;
  switch (r.type) {
    case 'string': { const p = bytes(r.pattern); test = (b) => b.includes(p); what = `content '${r.pattern}'`; break; }
    case 'rstring': { const re = new RegExp(r.pattern); test = (b) => re.test(b.toString('latin1')); what = 'content (regex)'; break; }
    case 'binary': { const p = Buffer.from(r.pattern, 'hex'); test = (b) => b.includes(p); what = 'content (binary)'; break; }
    case 'rbinary': { const re = new RegExp(r.pattern, 'i'); test = (b) => re.test(b.toString('hex')); what = 'content (binary regex)'; break; }
    default: throw new Error(`tcp-check expect ${r.type} is not run by lb`);
  }
  return (buf, end) => {
    const hit = test(buf);
    if (r.negate) {
      if (hit) return { v: 'fail', info: `TCPCHK matched unwanted ${what}` };
      return end ? { v: 'ok' } : { v: 'wait' };
    }
    if (hit) return { v: 'ok' };
    return end ? { v: 'fail', info: `TCPCHK did not match ${what}` } : { v: 'wait' };
  };
}

/** Rule kinds lb runs in tcp-check lists (anything else is refused at start-up). */
export function unsupportedTcpRule(r: CheckRule): string | undefined {
  if (r.kind === 'set-var' || r.kind === 'unset-var') return `'tcp-check ${r.kind}'`;
  if (r.kind === 'send' && r.lf) return `'tcp-check send${r.binary ? '-binary' : ''}-lf'`;
  if (r.kind === 'expect' && (r.type === 'string-lf' || r.type === 'binary-lf')) return `'tcp-check expect ${r.type}'`;
  if (r.kind === 'expect' && (r.onSuccess?.includes('%') || r.onError?.includes('%') || r.statusCode !== undefined)) return `'tcp-check expect' with log-format messages or status-code`;
  if (r.kind === 'connect' && (r.ssl || r.viaSocks4 || r.sni !== undefined || r.alpn !== undefined)) return `'tcp-check connect' with ssl/sni/alpn/via-socks4`;
  return undefined;
}

export function tcpRulesToSteps(rules: readonly CheckRule[], defaultSendProxy: boolean): Step[] {
  const steps: Step[] = [];
  let n = 0;
  for (const r of rules) {
    if (r.kind === 'comment') continue;
    n++;
    if (r.kind === 'connect') {
      steps.push({ op: 'connect', port: r.port, addr: r.addr, sendProxy: r.sendProxy || (r.default && defaultSendProxy), step: n });
    } else if (r.kind === 'send') {
      steps.push({ op: 'send', data: r.binary ? Buffer.from(r.data ?? '', 'hex') : bytes(r.data ?? ''), step: n });
    } else if (r.kind === 'expect') {
      // a plain-text success/error message is kept; log-format ones are refused before
      steps.push({
        op: 'expect', step: n, judge: matcher(r), minRecv: r.minRecv ?? 0,
        errorStatus: r.errorStatus ?? 'L7RSP', toutStatus: r.toutStatus ?? 'L7TOUT', okStatus: r.okStatus,
        onSuccess: r.onSuccess, onError: r.onError, desc: `expect ${r.negate ? '! ' : ''}${r.type} '${r.pattern}'`,
      });
    }
  }
  return steps;
}
