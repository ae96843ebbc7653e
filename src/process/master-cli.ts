/**
 * The master CLI (`-S <bind>[,<opts>...]`, reference §5.8): `show proc`,
 * `reload`, `show version`, `help`, `prompt`, `quit`, `operator`/`user`,
 * `show cli level`, and `@<n> <cmd>` / `@!<pid> <cmd>` forwarding a command
 * line to a worker (over the worker's IPC channel, see worker.ts) and
 * returning its reply. Without `prompt`, one line is served and the
 * connection closes, as HAProxy does; `;` separates several commands.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { chmodSync, unlinkSync } from 'node:fs';
import { parseAddress } from '../proxy/address.js';
import type { Master, WorkerProc } from './master.js';

export interface MasterCli {
  close(): Promise<void>;
}

const HELP: Array<[string, string]> = [
  ['@!<pid>', 'send a command to the <pid> process'],
  ['@<relative pid>', 'send a command to the <relative pid> process'],
  ['@master', 'send a command to the master process'],
  ['operator', 'lower the level of the current CLI session to operator'],
  ['reload', 'reload haproxy'],
  ['show cli level', 'display the level of the current CLI session'],
  ['show cli sockets', 'dump list of cli sockets'],
  ['show proc', 'show processes status'],
  ['show version', 'show version of the current process'],
  ['user', 'lower the level of the current CLI session to user'],
  ['help [<command>]', 'list matching or all commands'],
  ['prompt', 'toggle interactive mode with prompt'],
  ['quit', 'disconnect'],
];
const helpLines = (): string => HELP.map(([c, d]) => `  ${c.padEnd(39)} : ${d}`).join('\n') + '\n';

function uptime(ms: number): string {
  const s = Math.floor(ms / 1000);
  const p2 = (n: number): string => String(n).padStart(2, '0');
  return `${Math.floor(s / 86400)}d${p2(Math.floor(s / 3600) % 24)}h${p2(Math.floor(s / 60) % 60)}m${p2(s % 60)}s`;
}

/** `show proc` as HAProxy 2.6 prints it. */
export function showProc(m: Master, now = Date.now()): string {
  const row = (cols: string[]): string => cols.map((c) => c.padEnd(15)).join(' ') + '\n';
  let out = row(['#<PID>', '<type>', '<reloads>', '<uptime>', '<version>']);
  out += row([String(m.pid), 'master', `${m.reloads} [failed: ${m.failedReloads}]`, uptime(now - m.startedAt), m.version]);
  const line = (w: WorkerProc): string => row([String(w.pid), 'worker', String(m.reloads - w.birthReload), uptime(now - w.startedAt), m.version]);
  out += '# workers\n';
  for (const w of m.workers.filter((x) => x.current && !x.exited).sort((a, b) => a.rel - b.rel)) out += line(w);
  const old = m.workers.filter((x) => !x.current && x.ready && !x.exited).sort((a, b) => b.startedAt - a.startedAt);
  if (old.length > 0) {
    out += '# old workers\n';
    for (const w of old) out += line(w);
  }
  out += '# programs\n\n';
  return out;
}

type Level = 'admin' | 'operator' | 'user';

/** Listen on the -S address; rejects with the system error. */
export async function startMasterCli(spec: string, m: Master, env: Record<string, string | undefined>): Promise<MasterCli> {
  const words = spec.split(',');
  const addr = parseAddress(words[0]!, { env });
  let mode: number | undefined;
  for (let i = 1; i < words.length; i++) {
    const w = words[i]!;
    if (w === 'mode' && words[i + 1] !== undefined) { mode = parseInt(words[++i]!, 8); continue; }
    if (w === 'level' && words[i + 1] !== undefined) { i++; continue; }
    throw new Error(`'${w}' is not a bind option lb supports on the master CLI (mode, level)`);
  }
  const server: Server = createServer({ allowHalfOpen: true }, (sock) => session(sock, m));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const ok = (): void => { server.removeListener('error', reject); server.on('error', () => undefined); resolve(); };
    if (addr.family === 'unix') {
      try { unlinkSync(addr.path!); } catch { /* absent */ }
      server.listen({ path: addr.path! }, () => {
        try { if (mode !== undefined) chmodSync(addr.path!, mode); ok(); } catch (e) { reject(e as Error); }
      });
    } else if (addr.family === 'abns') {
      server.listen({ path: `\0${addr.path}` }, ok);
    } else if (addr.family === 'ipv4' || addr.family === 'ipv6') {
      server.listen({ host: addr.host || (addr.family === 'ipv6' ? '::' : '0.0.0.0'), port: addr.port }, ok);
    } else {
      reject(new Error(`unsupported address family ${addr.family}`));
    }
  });
  const conns = new Set<Socket>();
  server.on('connection', (s) => { conns.add(s); s.once('close', () => conns.delete(s)); });
  return {
    close: () => new Promise<void>((r) => {
      for (const s of conns) s.destroy();
      server.close(() => {
        if (addr.family === 'unix') { try { unlinkSync(addr.path!); } catch { /* gone */ } }
        r();
      });
    }),
  };
}

function session(sock: Socket, m: Master): void {
  let buf = '';
  let interactive = false;
  let level: Level = 'admin';
  /** a bare `@<target>` in prompt mode: later commands go there */
  let target: string | undefined;
  let busy = false;
  const queue: string[] = [];
  sock.setEncoding('latin1');
  sock.on('error', () => sock.destroy());
  const prompt = (): string => (interactive ? `${target === undefined ? 'master' : target.startsWith('!') ? target.slice(1) : target}> ` : '');

  const runOne = async (cmdIn: string): Promise<{ text: string; close?: boolean }> => {
    let cmd = cmdIn.trim();
    let to = target;
    if (cmd.startsWith('@')) {
      const sp = cmd.search(/\s/);
      const t = (sp < 0 ? cmd : cmd.slice(0, sp)).slice(1);
      cmd = sp < 0 ? '' : cmd.slice(sp).trim();
      to = t === '' || t === 'master' ? undefined : t;
      if (cmd === '') {
        if (to !== undefined && !m.findWorker(to)) return { text: `Can't find the target PID matching the prefix '@${t}'\n` };
        target = to;
        return { text: '' };
      }
    }
    if (to !== undefined) {
      const w = m.findWorker(to);
      if (!w) return { text: `Can't find the target PID matching the prefix '@${to}'\n` };
      return { text: await m.forward(w, cmd) };
    }
    const words = cmd.split(/\s+/).filter(Boolean);
    const c = words.join(' ');
    if (c === '') return { text: '' };
    if (c === 'help' || words[0] === 'help') return { text: `The following commands are valid at this level:\n${helpLines()}\n` };
    if (c === 'show proc') return { text: showProc(m) };
    if (c === 'show version') return { text: `${m.version}\n\n` };
    if (c === 'show cli level') return { text: `${level}\n\n` };
    if (c === 'show cli sockets') return { text: '# socket lvl processes\n\n' };
    if (c === 'operator') { if (level === 'admin') level = 'operator'; return { text: '' }; }
    if (c === 'user') { level = 'user'; return { text: '' }; }
    if (c === 'prompt') { interactive = !interactive; return { text: '' }; }
    if (c === 'quit') return { text: '', close: true };
    if (c === 'reload') {
      if (level !== 'admin') return { text: 'Permission denied\n\n' };
      m.reload();
      return { text: '', close: true };
    }
    return { text: `Unknown command, but maybe one of the following ones is a better match:\n${helpLines()}\n` };
  };

  const runLine = async (line: string): Promise<void> => {
    let close = !interactive;
    for (const part of line.split(';')) {
      const r = await runOne(part);
      if (sock.destroyed) return;
      if (r.text) sock.write(r.text);
      if (r.close) { close = true; break; }
    }
    if (close && !interactive) { sock.end(); return; }
    if (close) { sock.end(); return; }
    sock.write(prompt());
  };

  let running: Promise<void> = Promise.resolve();
  const pump = (): Promise<void> => {
    if (busy) return running;
    busy = true;
    running = (async () => {
      while (queue.length > 0 && !sock.destroyed && sock.writable) await runLine(queue.shift()!);
      busy = false;
    })();
    return running;
  };

  sock.on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      queue.push(buf.slice(0, nl).replace(/\r$/, ''));
      buf = buf.slice(nl + 1);
    }
    if (buf.length > 65536) { sock.destroy(); return; }
    void pump();
  });
  sock.on('end', () => {
    if (buf.trim() !== '') { queue.push(buf); buf = ''; }
    void pump().then(() => { if (!sock.destroyed) sock.end(); });
  });
}
