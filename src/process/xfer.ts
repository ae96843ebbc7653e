/**
 * Listening sockets handed from a running lb to the one replacing it:
 * `stats socket ... expose-fd listeners` on the old process, `-x <socket>`
 * on the new one (reference §6.5). The new process uses the very sockets the
 * old one listens on, so no connection is refused or reset during the
 * hand-over, on every Node.js version (SO_REUSEPORT is not needed).
 *
 * Node.js passes descriptors (SCM_RIGHTS) only over its IPC pipes, which its
 * public API creates only between a parent and its child. Both ends here use
 * the same pipe binding: the new process connects with an IPC pipe; the old
 * one, which accepted a plain CLI connection, opens an IPC pipe on that
 * connection's descriptor to write the sockets.
 *
 * The exchange (lb to lb; HAProxy's binary format is not spoken):
 *   new -> old   "_getsocks\n"
 *   old -> new   "<key>\n" with one listening socket, for each listener
 *   old -> new   "end <count>\n"
 * The kernel never merges a read past a message carrying descriptors, so the
 * n-th socket received belongs to the n-th key line.
 *
 * Without -x, a process started with -sf/-st asks each old process for its
 * sockets the same way over a private channel: SIGURG (ignored by any other
 * program, HAProxy included) makes an old lb listen on offerPath(its pid), a
 * unix socket of mode 600 in the temporary directory, for one exchange; the
 * new process takes the sockets if that file appears within a moment and
 * belongs to the old process's user, and binds as before otherwise.
 */
import { Socket, createServer } from 'node:net';
import { lstatSync, readFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface IpcPipe {
  open(fd: number): number;
  connect(req: object, path: string): number;
  writeUtf8String(req: object, s: string, handle?: object): number;
  close(cb?: () => void): void;
  readStop(): number;
  onread: ((...a: unknown[]) => unknown) | undefined;
  pendingHandle: object | null;
  fd: number;
}
interface PipeBinding {
  Pipe: new (type: number) => IpcPipe;
  PipeConnectWrap: new () => { oncomplete?: (status: number) => void; address?: string };
  constants: { IPC: number };
}
interface StreamBinding {
  WriteWrap: new () => { handle?: object; oncomplete?: (status: number) => void; async?: boolean };
}

let bindings: { pipe: PipeBinding; stream: StreamBinding } | null | undefined;
/** Node's pipe bindings, or null where this Node.js does not expose them. */
function nodeBindings(): { pipe: PipeBinding; stream: StreamBinding } | null {
  if (bindings !== undefined) return bindings;
  try {
    const b = (process as unknown as { binding(n: string): unknown }).binding;
    const pipe = b('pipe_wrap') as PipeBinding;
    const stream = b('stream_wrap') as StreamBinding;
    bindings = typeof pipe.Pipe === 'function' && typeof stream.WriteWrap === 'function' ? { pipe, stream } : null;
  } catch {
    bindings = null;
  }
  return bindings;
}

/** One listening socket to hand over: its identity (listenerKey) and libuv handle. */
export interface Exposed {
  key: string;
  handle: object;
}

/**
 * Old process: write every listening socket on the CLI connection `sock`
 * (which has just read "_getsocks"), then end it. Resolves once written.
 */
export function sendListeners(sock: Socket, items: readonly Exposed[]): Promise<void> {
  const nb = nodeBindings();
  const raw = (sock as unknown as { _handle?: IpcPipe })._handle;
  if (!nb || !raw || typeof raw.fd !== 'number' || raw.fd < 0) { sock.destroy(); return Promise.resolve(); }
  sock.pause();
  raw.readStop();
  const ipc = new nb.pipe.Pipe(nb.pipe.constants.IPC);
  if (ipc.open(raw.fd) !== 0) { sock.destroy(); return Promise.resolve(); }
  return new Promise((resolve) => {
    let pending = 0;
    let failed = false;
    const finish = (): void => {
      // the descriptor is closed once, by the CLI connection; the IPC view of it is
      // dropped unclosed (it has no read or write left, and is never used again)
      sock.destroy();
      resolve();
    };
    const write = (line: string, handle?: object): void => {
      if (failed) return;
      const req = new nb.stream.WriteWrap();
      req.handle = ipc;
      req.async = false;
      req.oncomplete = (status) => {
        if (status < 0) failed = true;
        if (--pending === 0) finish();
      };
      pending++;
      if (ipc.writeUtf8String(req, line, handle) !== 0) { failed = true; pending--; }
    };
    for (const it of items) write(`${it.key}\n`, it.handle);
    write(`end ${items.length}\n`);
    if (pending === 0) finish();
  });
}

/** Why fetchListeners failed, in HAProxy's words where it has some. */
export class XferError extends Error {}

/**
 * New process (-x): connect to the old process's stats socket and take its
 * listening sockets, by key. Rejects when the socket is unreachable, does
 * not expose them (no `expose-fd listeners`: nothing comes back) or does not
 * answer within `ms`.
 */
export function fetchListeners(path: string, ms = 5000): Promise<Map<string, object>> {
  const nb = nodeBindings();
  if (!nb) return Promise.reject(new XferError('this Node.js does not expose its IPC pipes'));
  const pipe = new nb.pipe.Pipe(nb.pipe.constants.IPC);
  return new Promise((resolve, reject) => {
    const handles: object[] = [];
    const keys: string[] = [];
    let buf = '';
    let sock: Socket | undefined;
    let settled = false;
    const fail = (why: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      for (const h of handles) (h as { close(): void }).close();
      if (sock) sock.destroy(); else pipe.close();
      reject(new XferError(why));
    };
    const timer = setTimeout(() => fail(`no answer from ${path} within ${ms} ms`), ms);
    const req = new nb.pipe.PipeConnectWrap();
    req.address = path;
    req.oncomplete = (status) => {
      if (status < 0) { fail(`cannot connect to ${path}`); return; }
      const s = new Socket({ handle: pipe } as unknown as ConstructorParameters<typeof Socket>[0]);
      sock = s;
      // the socket of each read is taken as the read arrives (before the stream buffers it)
      const onread = pipe.onread!;
      pipe.onread = function (this: unknown, ...a: unknown[]) {
        const h = pipe.pendingHandle;
        pipe.pendingHandle = null;
        if (h) handles.push(h);
        return onread.apply(this, a);
      };
      s.setEncoding('latin1');
      s.on('error', () => fail(`connection to ${path} failed`));
      s.on('data', (d: string) => {
        buf += d;
        for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          const end = /^end (\d+)$/.exec(line);
          if (!end) { keys.push(line); continue; }
          if (Number(end[1]) !== keys.length || handles.length !== keys.length) { fail('the old process sent an incomplete list of sockets'); return; }
          settled = true;
          clearTimeout(timer);
          s.destroy();
          const out = new Map<string, object>();
          keys.forEach((k, i) => {
            if (out.has(k)) (handles[i] as { close(): void }).close(); else out.set(k, handles[i]!);
          });
          resolve(out);
          return;
        }
      });
      s.on('close', () => fail(`${path} closed the connection without sending sockets (is 'expose-fd listeners' set on it?)`));
      s.write('_getsocks\n');
    };
    const err = pipe.connect(req, path);
    if (err !== 0) fail(`cannot connect to ${path}`);
  });
}

/** Where a running lb offers its listening sockets when asked with SIGURG. */
export function offerPath(pid: number): string {
  return join(tmpdir(), `lb-${pid}.xfer`);
}

/**
 * Old process, on SIGURG: serve one `_getsocks` on offerPath(own pid). The
 * path is removed as the one connection arrives, or after `ms` if none does.
 */
let offering = false;
export function offerListeners(exposed: () => Exposed[], ms = 5000): void {
  // one offer at a time: a second one would take the path from under the first
  if (offering) return;
  offering = true;
  const path = offerPath(process.pid);
  let retired = false;
  const retire = (): void => {
    if (retired) return;
    retired = true;
    offering = false;
    clearTimeout(timer);
    process.removeListener('exit', unlink);
    srv.close();
    unlink();
  };
  const unlink = (): void => { try { unlinkSync(path); } catch { /* gone */ } };
  // a process that ends first (its soft stop done) leaves no offer behind either
  process.once('exit', unlink);
  const srv = createServer((sock) => {
    retire();
    let buf = '';
    sock.setEncoding('latin1');
    sock.on('error', () => sock.destroy());
    const onData = (d: string): void => {
      buf += d;
      if (buf.indexOf('\n') < 0 && buf.length < 64) return;
      sock.removeListener('data', onData);
      if (buf === '_getsocks\n') void sendListeners(sock, exposed()); else sock.destroy();
    };
    sock.on('data', onData);
  });
  const timer = setTimeout(retire, ms);
  timer.unref();
  srv.on('error', retire);
  try { unlinkSync(path); } catch { /* absent */ }
  // mode 600 from its creation (the bind is synchronous): nobody else can connect
  const umask = process.umask(0o177);
  try {
    srv.listen(path);
  } finally {
    process.umask(umask);
  }
}

/** The effective uid of a process (/proc), or undefined. */
function procUid(pid: number): number | undefined {
  try {
    const m = /^Uid:\s+\d+\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** offerPath(pid) is a unix socket owned by that process's user (or root). */
function offered(path: string, pid: number): boolean {
  try {
    const st = lstatSync(path);
    return st.isSocket() && (st.uid === 0 || st.uid === procUid(pid));
  } catch {
    return false;
  }
}

/**
 * New process with -sf/-st and no -x: take the listening sockets of the
 * first old process that offers them (an lb; anything else ignores SIGURG),
 * waiting at most `waitMs` for each offer. Undefined when none did.
 */
export async function takeListeners(pids: readonly number[], waitMs = 300): Promise<Map<string, object> | undefined> {
  for (const pid of pids) {
    if (pid === process.pid) continue;
    const path = offerPath(pid);
    const end = Date.now() + waitMs;
    let ready = false;
    // asked again every 50 ms: an lb that has just started may not listen for SIGURG yet
    for (let i = 0; !ready && Date.now() < end; i++) {
      if (i % 25 === 0) { try { process.kill(pid, 'SIGURG'); } catch { break; } }
      await new Promise((r) => setTimeout(r, 2));
      ready = offered(path, pid);
    }
    if (!ready) continue;
    try { return await fetchListeners(path, 2000); } catch { /* not an lb that answers: bind as usual */ }
  }
  return undefined;
}
