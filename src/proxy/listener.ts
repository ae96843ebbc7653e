/**
 * Listeners: one net.Server per address of every `bind` line (ranges
 * expanded by the config), for IPv4, IPv6, unix and abstract sockets and
 * inherited descriptors (`fd@N`). Reference §2.3.
 */
import * as net from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { getSystemErrorName } from 'node:util';
import { chmodSync, chownSync, unlinkSync, renameSync } from 'node:fs';
import type { Bind } from './bind.js';
import type { SockAddr } from './address.js';
import { newCounters, type Counters } from '../stats/counters.js';

export interface Listener {
  readonly bind: Bind;
  readonly addr: SockAddr;
  readonly server: Server;
  /** human form for messages: "127.0.0.1:8080", "/run/x.sock" */
  readonly label: string;
  /** sessions accepted on this listener (stats rows with option socket-stats) */
  readonly counters: Counters;
}

/** net.Server.listen({ reusePort }) exists from Node.js 22.12 / 23.1 (SO_REUSEPORT on Linux) */
export function reusePortSupported(version = process.versions.node): boolean {
  const [maj = 0, min = 0] = version.split('.').map(Number);
  return maj > 23 || (maj === 23 && min >= 1) || (maj === 22 && min >= 12);
}

export function addrLabel(a: SockAddr): string {
  switch (a.family) {
    case 'ipv4': return `${a.host || '0.0.0.0'}:${a.port}`;
    case 'ipv6': return `[${a.host || '::'}]:${a.port}`;
    case 'unix': return a.path ?? '';
    case 'abns': return `abns@${a.path}`;
    case 'fd': return `fd@${a.fd}`;
    default: return `${a.family}@`;
  }
}

/**
 * Start listening on one address. Resolves when listening; rejects with
 * the system error (EADDRINUSE, EACCES...) so the caller can print
 * HAProxy's "cannot bind socket" alert.
 */
export function listen(bind: Bind, addr: SockAddr, onConnection: (sock: Socket, l: Listener) => void): Promise<Listener> {
  const server = createServer({ noDelay: true, allowHalfOpen: true, pauseOnConnect: true });
  const l: Listener = { bind, addr, server, label: addrLabel(addr), counters: newCounters() };
  server.on('connection', (sock) => onConnection(sock, l));
  const backlog = bind.backlog > 0 ? bind.backlog : 511;
  return new Promise((resolve, reject) => {
    const fail = (e: Error): void => reject(e);
    server.once('error', fail);
    const ok = (): void => {
      server.removeListener('error', fail);
      server.on('error', () => undefined);
      resolve(l);
    };
    switch (addr.family) {
      case 'ipv4':
      case 'ipv6': {
        const host = addr.host || (addr.family === 'ipv6' ? '::' : '0.0.0.0');
        const opts: Record<string, unknown> = { host, port: addr.port, backlog, ipv6Only: addr.family === 'ipv6' && bind.v6only };
        // SO_REUSEPORT as HAProxy sets it (Node >= 22.12): a -sf reload binds
        // beside the old process; older Nodes bind exclusively (SIGTTOU hand-over)
        if (reusePortSupported()) opts['reusePort'] = true;
        server.listen(opts, ok);
        break;
      }
      case 'unix': {
        const path = addr.path!;
        const tmp = `${path}.${process.pid}.tmp`;
        try { unlinkSync(tmp); } catch { /* absent */ }
        server.listen({ path: tmp, backlog }, () => {
          try {
            if (bind.mode !== undefined) chmodSync(tmp, bind.mode);
            if (bind.uid !== undefined || bind.gid !== undefined) chownSync(tmp, bind.uid ?? -1, bind.gid ?? -1);
            renameSync(tmp, path);
            ok();
          } catch (e) {
            reject(e as Error);
          }
        });
        break;
      }
      case 'abns':
        server.listen({ path: `\0${addr.path}`, backlog }, ok);
        break;
      case 'fd':
        server.listen({ fd: addr.fd! }, ok);
        break;
      default:
        reject(new Error(`address family ${addr.family} is not supported by lb listeners`));
    }
  });
}

/**
 * The identity of a listening socket across reloads: two binds with the same
 * key reuse one socket (master-worker mode keeps sockets by key).
 */
export function listenerKey(bind: Bind, addr: SockAddr): string {
  switch (addr.family) {
    case 'ipv4': return `ipv4@${addr.host || '0.0.0.0'}:${addr.port}`;
    case 'ipv6': return `ipv6@[${addr.host || '::'}]:${addr.port}${bind.v6only ? ',v6only' : ''}`;
    case 'unix': return `unix@${addr.path}${bind.mode !== undefined ? `,mode=${bind.mode.toString(8)}` : ''}`;
    case 'abns': return `abns@${addr.path}`;
    case 'fd': return `fd@${addr.fd}`;
    default: return `${addr.family}@`;
  }
}

const STATS_KEY_PREFIX = 'stats ';
/** The key of a `stats socket` address among the sockets a master binds for its workers. */
export function statsSocketKey(bind: Bind, addr: SockAddr): string {
  return `${STATS_KEY_PREFIX}${listenerKey(bind, addr)}`;
}
export const isStatsSocketKey = (key: string): boolean => key.startsWith(STATS_KEY_PREFIX);

/** A bound socket that no process listens on yet: libuv's TCP or Pipe handle. */
export type BoundHandle = object & { close(cb?: () => void): void };

interface RawHandle { close(cb?: () => void): void; getsockname?(out: Record<string, unknown>): number }
type CreateServerHandle = (address: string | null, port: number | null, addressType: number, fd?: number, flags?: number) => RawHandle | number;
/** net._createServerHandle: what node:cluster's primary uses to bind sockets its workers listen on */
const createServerHandle = (net as unknown as { _createServerHandle?: CreateServerHandle })._createServerHandle;

function sysError(errno: number, syscall: string): NodeJS.ErrnoException {
  const code = getSystemErrorName(errno);
  const e = new Error(`${syscall} ${code}`) as NodeJS.ErrnoException;
  e.code = code;
  e.errno = errno;
  e.syscall = syscall;
  return e;
}

/**
 * Master-worker mode: bind one address without listening, so that the
 * master process owns the socket across reloads while only workers accept
 * on it (the master never polls it). Unix sockets get their mode and are
 * renamed into place as in listen(). Throws the system error.
 */
export function bindHandle(bind: Bind, addr: SockAddr): BoundHandle {
  if (!createServerHandle) throw new Error('this Node.js cannot bind sockets for worker processes');
  const check = (h: RawHandle | number, syscall: string): RawHandle => {
    if (typeof h === 'number') throw sysError(h, syscall);
    return h;
  };
  switch (addr.family) {
    case 'ipv4':
    case 'ipv6': {
      const host = addr.host || (addr.family === 'ipv6' ? '::' : '0.0.0.0');
      const h = check(createServerHandle(host, addr.port, addr.family === 'ipv6' ? 6 : 4, undefined, addr.family === 'ipv6' && bind.v6only ? 1 : 0), 'bind');
      // libuv defers EADDRINUSE to listen(): an unbound socket reports port 0
      const out: Record<string, unknown> = {};
      h.getsockname?.(out);
      if (addr.port !== 0 && out['port'] !== addr.port) {
        h.close();
        throw sysError(-98, 'bind');
      }
      return h;
    }
    case 'unix': {
      const path = addr.path!;
      const tmp = `${path}.${process.pid}.tmp`;
      try { unlinkSync(tmp); } catch { /* absent */ }
      const h = check(createServerHandle(tmp, -1, -1), 'bind');
      try {
        if (bind.mode !== undefined) chmodSync(tmp, bind.mode);
        if (bind.uid !== undefined || bind.gid !== undefined) chownSync(tmp, bind.uid ?? -1, bind.gid ?? -1);
        renameSync(tmp, path);
      } catch (e) {
        h.close();
        throw e;
      }
      return h;
    }
    case 'abns':
      return check(createServerHandle(`\0${addr.path}`, -1, -1), 'bind');
    case 'fd':
      return check(createServerHandle(null, null, -1, addr.fd), 'listen');
    default:
      throw new Error(`address family ${addr.family} is not supported by lb listeners`);
  }
}

/** A worker listens on a socket its master bound (bindHandle), received over IPC. */
export function listenHandle(bind: Bind, addr: SockAddr, handle: object, onConnection: (sock: Socket, l: Listener) => void): Promise<Listener> {
  const server = createServer({ noDelay: true, allowHalfOpen: true, pauseOnConnect: true });
  const l: Listener = { bind, addr, server, label: addrLabel(addr), counters: newCounters() };
  server.on('connection', (sock) => onConnection(sock, l));
  const backlog = bind.backlog > 0 ? bind.backlog : 511;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ handle, backlog } as net.ListenOptions, () => {
      server.removeListener('error', reject);
      server.on('error', () => undefined);
      resolve(l);
    });
  });
}
