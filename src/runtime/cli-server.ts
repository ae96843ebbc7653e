/**
 * The stats socket transport (reference §5.1): `stats socket` listeners on
 * unix paths (mode, user, group), `ipv4@`/`ipv6@` addresses and `fd@`, each
 * with its `level`. Framing as HAProxy: one line then close, `;`-separated
 * commands, `prompt` for the interactive mode with `> `, every reply ends
 * with its blank line, a client that half-closes after its command still
 * gets the whole answer. `stats timeout` closes idle sessions, `stats
 * maxconn` bounds the sessions served at once (the others wait unread).
 * `_getsocks` hands the listening sockets to a new process (`-x`) on the
 * sockets with `expose-fd listeners` (process/xfer.ts).
 *
 * The commands themselves are runCommand() (commands.ts), a pure function of
 * the line, the level and the process view.
 */
import type { Socket } from 'node:net';
import { listen, listenHandle, statsSocketKey, type Listener } from '../proxy/listener.js';
import type { GlobalConf } from '../config/global.js';
import { runCommand, splitLine } from './commands.js';
import { aggregated, fansOut } from '../process/group.js';
import { sendListeners, type Exposed } from '../process/xfer.js';
import type { Level, RuntimeView } from './view.js';

export interface CliServer {
  readonly listeners: readonly Listener[];
  /** CLI sessions open now (counted as jobs in show info) */
  active(): number;
  close(): Promise<void>;
  /**
   * Serve commands against this view. The sockets are bound before the
   * frontends (a script that waits for the port finds the stats socket too);
   * connections accepted until the view exists wait, unread.
   */
  attach(view: RuntimeView, exposed?: () => Exposed[]): void;
}

/** Serve one CLI connection. */
function session(sock: Socket, level0: Level, timeoutMs: number, view: RuntimeView, exposed: (() => Exposed[]) | undefined): void {
  let level = level0;
  let interactive = false;
  let buf = '';
  let busy = false;
  let ended = false;
  let closing = false;
  let timeout = timeoutMs;
  let timer: NodeJS.Timeout | undefined;
  const arm = (): void => {
    if (timer) clearTimeout(timer);
    if (timeout > 0) timer = setTimeout(() => sock.destroy(), timeout);
  };
  const finish = (): void => {
    closing = true;
    if (timer) clearTimeout(timer);
    sock.end();
  };
  sock.setEncoding('latin1');
  sock.on('error', () => sock.destroy());
  sock.on('close', () => { if (timer) clearTimeout(timer); });

  /**
   * Run the complete lines waiting in the buffer, one at a time (a reply may
   * wait for a change). Without `prompt`, the session ends once the lines
   * received so far are answered; a last line without its newline is never
   * run (HAProxy 2.6 does the same).
   */
  const pump = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    try {
      let answered = false;
      for (;;) {
        if (closing || sock.destroyed) return;
        const nl = buf.indexOf('\n');
        if (nl < 0) {
          if (ended || (answered && !interactive)) finish();
          return;
        }
        const line = buf.slice(0, nl).replace(/\r$/, '');
        buf = buf.slice(nl + 1);
        // -x of a new process: the listening sockets, on a socket with 'expose-fd
        // listeners' only; elsewhere HAProxy answers nothing and closes
        if (line.trim() === '_getsocks') {
          closing = true;
          if (timer) clearTimeout(timer);
          if (exposed) await sendListeners(sock, exposed()); else sock.end();
          return;
        }
        let out = '';
        for (const words of splitLine(line)) {
          // several workers: read the group's counters, change every worker
          const g = view.group;
          const r = runCommand(words, level, g && aggregated(words) ? await g.aggregate().catch(() => view) : view);
          if (r.wait) await r.wait.catch(() => undefined);
          if (g && fansOut(words)) await g.fanout(words, level).catch(() => undefined);
          if (r.quit) { if (out) sock.write(out, 'latin1'); finish(); return; }
          if (r.level) level = r.level;
          if (r.timeout) timeout = r.timeout;
          if (r.prompt) interactive = !interactive;
          out += r.prompt ? '\n' : r.text;
          // in interactive mode every command's answer is followed by the prompt
          if (interactive) out += '> ';
        }
        if (out) sock.write(out, 'latin1');
        answered = true;
        arm();
      }
    } finally {
      busy = false;
    }
  };

  sock.on('data', (d: string) => {
    buf += d;
    if (buf.length > 65536 && buf.indexOf('\n') < 0) { sock.destroy(); return; }
    arm();
    void pump();
  });
  sock.on('end', () => {
    ended = true;
    void pump();
  });
  arm();
  // listeners accept paused (pauseOnConnect): start reading now
  sock.resume();
}

/**
 * Bind every `stats socket` (or listen on the sockets a master bound for
 * this worker, by statsSocketKey); rejects with the failing address' error
 * after closing what was bound (the caller prints HAProxy's alert).
 */
export async function startCli(g: GlobalConf, handles?: ReadonlyMap<string, object>): Promise<CliServer> {
  const listeners: Listener[] = [];
  let active = 0;
  let view: RuntimeView | undefined;
  let exposed: (() => Exposed[]) | undefined;
  const waiting: Array<{ sock: Socket; l: Listener }> = [];
  const full = (): boolean => view === undefined || (g.statsMaxconn > 0 && active >= g.statsMaxconn);
  const next = (): void => {
    while (waiting.length > 0 && !full()) {
      const w = waiting.shift()!;
      if (!w.sock.destroyed) start(w.sock, w.l);
    }
  };
  const start = (sock: Socket, l: Listener): void => {
    active++;
    sock.once('close', () => { active--; next(); });
    session(sock, l.bind.level, g.statsTimeout, view!, l.bind.exposeFdListeners ? exposed : undefined);
  };
  const onConnection = (sock: Socket, l: Listener): void => {
    if (full()) {
      sock.on('error', () => sock.destroy());
      waiting.push({ sock, l });
      return;
    }
    start(sock, l);
  };
  try {
    for (const s of g.statsSockets) {
      for (const a of s.bind.addrs) {
        const h = handles?.get(statsSocketKey(s.bind, a));
        listeners.push(await (h ? listenHandle(s.bind, a, h, onConnection) : listen(s.bind, a, onConnection)));
      }
    }
  } catch (e) {
    await Promise.all(listeners.map((l) => new Promise<void>((r) => l.server.close(() => r()))));
    throw e;
  }
  return {
    listeners,
    active: () => active,
    close: () => Promise.all(listeners.map((l) => new Promise<void>((r) => l.server.close(() => r())))).then(() => undefined),
    attach(v, x) { view = v; exposed = x; next(); },
  };
}
