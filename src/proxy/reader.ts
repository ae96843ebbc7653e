/**
 * Reading sockets into a buffer owned by the connection (Node's `onread`)
 * rather than through stream 'data' events: each read lands in the same
 * `tune.bufsize`-sized buffer and is handed to one function, with no 64 KiB
 * allocation, no Readable bookkeeping and no 'data' event per read. This is
 * the per-read path of every proxied byte, so it is worth the care below.
 *
 * The contract: a reader function gets the bytes of one read and returns
 * true when it may still reference them afterwards (it kept a slice, or a
 * write of them is still queued on another socket). The socket then reads
 * into a fresh buffer next time, so kept bytes are never overwritten.
 *
 * Upstream sockets get the documented `onread` option at connect time.
 * Accepted sockets cannot be given options by net.Server, so they are
 * accepted paused and switched to the same mode through the socket's
 * `onread` fields; where a Node version lacks them, 'data' events are used
 * (same contract, the buffer is then never reused).
 */
import type { OnReadOpts, Socket } from 'node:net';

/** Bytes of one read; return true if they may be referenced after returning. */
export type OnBytes = (d: Buffer) => boolean;

type ReadSocket = Socket & { lbOnBytes?: OnBytes };

let size = 16384;

/** Buffer size per connection (`tune.bufsize`); applies to sockets set up afterwards. */
export function setReadBufferSize(n: number): void {
  if (n >= 1024) size = n;
}

/** The socket whose read just ran (set at the end of a successful callback). */
let kept: boolean | undefined;

function onRead(this: ReadSocket, n: number, buf: Buffer): void {
  const fn = this.lbOnBytes;
  kept = undefined;
  if (fn === undefined) { this.destroy(); return; }
  kept = fn(buf.subarray(0, n));
}

/**
 * Called by Node right after onRead (and once when a socket is set up):
 * a new buffer when the last bytes are kept or for a new socket, else
 * undefined to read into the same buffer again.
 */
function nextBuffer(): Buffer | undefined {
  const k = kept;
  kept = undefined;
  return k === false ? undefined : Buffer.allocUnsafeSlow(size);
}

/** The `onread` option for net.connect(): pass to every upstream socket. */
export function upstreamOnread(): OnReadOpts {
  kept = undefined;
  // Node accepts undefined from the generator (keep the current buffer); its typings do not say so
  return { buffer: nextBuffer as () => Buffer, callback: onRead as OnReadOpts['callback'] };
}

/** Route the reads of a socket set up with upstreamOnread() (or readInto) to `fn`. */
export function setReader(sock: Socket, fn: OnBytes | undefined): void {
  (sock as ReadSocket).lbOnBytes = fn;
}

interface OnreadFields { kBuffer: symbol; kBufferCb: symbol; kBufferGen: symbol }
let fields: OnreadFields | null | undefined;

function onreadFields(sock: Socket): OnreadFields | null {
  if (fields !== undefined) return fields;
  const syms = Object.getOwnPropertySymbols(sock);
  const find = (d: string): symbol | undefined => syms.find((s) => s.description === d);
  const kBuffer = find('kBuffer'), kBufferCb = find('kBufferCb'), kBufferGen = find('kBufferGen');
  const handle = (sock as unknown as { _handle?: { useUserBuffer?: unknown } })._handle;
  fields = kBuffer && kBufferCb && kBufferGen && typeof handle?.useUserBuffer === 'function' ? { kBuffer, kBufferCb, kBufferGen } : null;
  return fields;
}

/**
 * Start reading an accepted (paused) socket into its own buffer, each read
 * going to `fn`. Falls back to 'data' events where Node lacks the fields.
 */
export function readInto(sock: Socket, fn: OnBytes): void {
  const s = sock as ReadSocket & Record<symbol, unknown>;
  s.lbOnBytes = fn;
  const f = onreadFields(sock);
  const handle = (sock as unknown as { _handle?: { useUserBuffer(b: Buffer): void } | null })._handle;
  if (f && handle && s[f.kBuffer] === null) {
    const buf = Buffer.allocUnsafeSlow(size);
    s[f.kBuffer] = buf;
    s[f.kBufferCb] = onRead;
    s[f.kBufferGen] = nextBuffer;
    handle.useUserBuffer(buf);
  } else {
    sock.on('data', (d: Buffer) => { s.lbOnBytes?.(d); });
  }
  sock.resume();
}
