/**
 * Agent checks (reference §4.6): connect to agent-addr/agent-port, send
 * agent-send, read one line, and act on its words (space, tab or comma
 * separated): `NN%` (weight relative to the initial one), `maxconn:N`,
 * `ready`, `drain`, `maint`, `up`, `down`, `stopped`, `fail` (the last
 * three may carry `#reason`). Failing to reach the agent is not a failure
 * of the server. Results as 2.6.12 reports them: `up` gives L7OK with
 * info "via agent : up"; down/stopped/fail give L7STS code 0 with info
 * "via agent : down (reason)".
 */
import { CheckConn } from './conn.js';
import type { RunCtx } from './tcpcheck.js';
import type { CheckResult } from './status.js';

export interface AgentWords {
  weightPct?: number;
  maxconn?: number;
  admin?: 'ready' | 'drain' | 'maint';
  health?: 'up' | 'down' | 'stopped' | 'fail';
  reason?: string;
}

export function parseAgentLine(line: string): AgentWords {
  const out: AgentWords = {};
  let text = line;
  const hash = text.indexOf('#');
  if (hash >= 0) { out.reason = text.slice(hash + 1).trim(); text = text.slice(0, hash); }
  for (const w0 of text.split(/[ \t,]+/)) {
    const w = w0.toLowerCase();
    if (!w) continue;
    let m: RegExpExecArray | null;
    if ((m = /^(\d+)%$/.exec(w))) out.weightPct = Number(m[1]);
    else if ((m = /^maxconn:(\d+)$/.exec(w))) out.maxconn = Number(m[1]);
    else if (w === 'ready' || w === 'drain' || w === 'maint') out.admin = w;
    else if (w === 'up' || w === 'down' || w === 'stopped' || w === 'fail') out.health = w;
  }
  return out;
}

export interface AgentOutcome {
  result: CheckResult;
  words?: AgentWords;
}

export async function runAgent(ctx: RunCtx, send: string | undefined): Promise<AgentOutcome> {
  const start = ctx.clock.now();
  const dur = (): number => ctx.clock.now() - start;
  const conn = new CheckConn(ctx.clock, ctx.target, ctx.deadlines, ctx.live);
  try {
    const r = await conn.connect();
    if (r === 'timeout') return { result: { status: 'L4TOUT', info: '', duration: dur() } };
    if (r !== 'ok') return { result: { status: 'L4CON', info: r.error, duration: dur() } };
    if (send) conn.write(Buffer.from(send, 'latin1'));
    for (;;) {
      const s = conn.buf.toString('latin1');
      const nl = s.search(/[\r\n]/);
      const end = conn.eof || conn.error !== undefined;
      if (nl >= 0 || (end && s.length > 0)) {
        const line = nl >= 0 ? s.slice(0, nl) : s;
        const words = parseAgentLine(line);
        if (words.health === 'up') return { words, result: { status: 'L7OK', code: 0, info: 'via agent : up', duration: dur() } };
        if (words.health) {
          const info = `via agent : ${words.health}${words.reason ? ` (${words.reason})` : ''}`;
          return { words, result: { status: 'L7STS', code: 0, info, duration: dur() } };
        }
        return { words, result: { status: 'L7OK', code: 0, info: '', duration: dur() } };
      }
      if (end) return { result: { status: 'L7RSP', info: '', duration: dur() } };
      if (await conn.more() === 'timeout') return { result: { status: 'L7TOUT', info: '', duration: dur() } };
    }
  } finally {
    conn.close();
  }
}
