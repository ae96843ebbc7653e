/**
 * `-Ws`: master-worker with systemd's notify protocol (Type=notify units,
 * as Debian's haproxy.service). The master sends what HAProxy 2.6.12 sends
 * (observed with NOTIFY_SOCKET on a socat receiver): `READY=1\nMAINPID=<pid>`
 * once its workers serve and after every reload attempt (a failed one too),
 * `RELOADING=1` when a reload begins, `STOPPING=1` when it stops. One
 * datagram each, on the unix datagram socket NOTIFY_SOCKET names.
 *
 * Node has no unix datagram sockets: the optional `unix-dgram` module sends
 * them (as for `log /dev/log`). Without it, or for an abstract NOTIFY_SOCKET
 * (`@...`, which that module cannot address), lb says so once at start-up.
 */
import { loadUnixDgram } from '../log/sender.js';

export interface Notifier {
  send(state: string): void;
  /** why notifications cannot be sent, undefined when they can */
  readonly unavailable: string | undefined;
  close(): void;
}

/** The notifier for NOTIFY_SOCKET, or undefined when lb does not run under systemd. */
export function sdNotifier(env: Readonly<Record<string, string | undefined>>): Notifier | undefined {
  const path = env['NOTIFY_SOCKET'];
  if (path === undefined || path === '') return undefined;
  const none = (why: string): Notifier => ({ send: () => undefined, unavailable: why, close: () => undefined });
  if (path.startsWith('@')) return none(`-Ws: NOTIFY_SOCKET '${path}' is an abstract socket, which lb cannot write to: systemd is not notified.`);
  const m = loadUnixDgram();
  if (!m) return none(`-Ws: notifying systemd needs the optional 'unix-dgram' module, which is not installed: systemd is not notified.`);
  const sock = m.createSocket('unix_dgram');
  (sock as unknown as { on(ev: string, f: () => void): void }).on('error', () => undefined);
  return {
    unavailable: undefined,
    send(state) {
      const b = Buffer.from(state, 'latin1');
      sock.send(b, 0, b.length, path, () => undefined);
    },
    close() { sock.close(); },
  };
}
