/**
 * Listeners: one net.Server per address of every `bind` line (ranges
 * expanded by the config), for IPv4, IPv6, unix and abstract sockets and
 * inherited descriptors (`fd@N`). Reference §2.3.
 */
import { createServer, type Server, type Socket } from 'node:net';
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
        // SO_REUSEPORT as HAProxy sets it (Node >= 22.12); older Nodes bind exclusively
        opts['reusePort'] = true;
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
