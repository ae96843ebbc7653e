/**
 * Header hygiene between the two HTTP/1 hops: one pure function per
 * direction, run on the parser's rawHeaders BEFORE the engine adds its own
 * lines (x-forwarded-for, connection, framing), so that a client cannot use
 * its Connection header to remove what lb adds (field-lessons 21-22, 25-26).
 *
 * Removed: connection, keep-alive, proxy-connection, te, trailer,
 * transfer-encoding (the engine re-frames the body), upgrade (kept when the
 * exchange is a tunnel: WebSocket / 101), and every header the peer named in
 * its Connection header, except the ones that frame or route the message
 * (host, content-length) which a peer must not be able to drop.
 * Nothing is ever merged or reordered: N set-cookie in, N set-cookie out.
 *
 * Note: HAProxy 2.6 itself forwards keep-alive, te, trailer, upgrade,
 * proxy-connection and Connection-named headers (observed); lb is stricter.
 */

import { compileMatcher } from '../rules/match.js';
import type { Forwardfor } from '../config/proxy.js';

/** Always removed (lower-case), whatever the Connection header says. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);
/** Never removed because a Connection header named them. */
const PROTECTED = new Set(['host', 'content-length']);

/**
 * The headers to forward: rawHeaders minus hop-by-hop and Connection-named
 * ones. `tunnel` keeps `upgrade` (the engine then writes `connection:
 * upgrade`). Returns the input array itself when nothing has to go (the
 * common case allocates nothing).
 */
export function forwardHeaders(raw: readonly string[], tunnel = false): string[] {
  let named: string[] | null = null;
  let drop = false;
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i]!;
    if (!HOP_BY_HOP.has(n)) continue;
    if (!(tunnel && n === 'upgrade')) drop = true;
    if (n === 'connection') named = connectionNames(raw[i + 1]!, named);
  }
  if (!drop) return raw as string[];
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const n = raw[i]!;
    if (HOP_BY_HOP.has(n) ? !(tunnel && n === 'upgrade') : named !== null && named.includes(n) && !PROTECTED.has(n)) continue;
    out.push(n, raw[i + 1]!);
  }
  return out;
}

/** Lower-case tokens of a Connection value, minus close/keep-alive/upgrade. */
function connectionNames(v: string, acc: string[] | null): string[] | null {
  // the usual values, as servers write them: nothing to collect
  if (v === 'keep-alive' || v === 'close' || v === 'Keep-Alive' || v === 'Close' || v === 'upgrade' || v === 'Upgrade') return acc;
  for (const part of v.split(',')) {
    const t = part.trim().toLowerCase();
    if (t === '' || t === 'close' || t === 'keep-alive' || t === 'upgrade') continue;
    (acc ??= []).push(t);
  }
  return acc;
}

/**
 * `option forwardfor [except <net>] [header <name>] [if-none]`, compiled at
 * config load. `except` is the predicate built from `<net>` (true = client
 * address is in the excluded network).
 */
export interface ForwardFor {
  /** Header name, lower-case (default x-forwarded-for). */
  header: string;
  ifNone: boolean;
  except?: (clientIp: string) => boolean;
}

/**
 * The x-forwarded-for line to append as the LAST header (a new line, never a
 * comma-merge: HAProxy adds a second line when the client sent one), or ''
 * when not applicable. Call on the output of forwardHeaders().
 */
export function forwardedForLine(headers: readonly string[], clientIp: string, ff: ForwardFor): string {
  if (ff.except !== undefined && ff.except(clientIp)) return '';
  if (ff.ifNone) for (let i = 0; i < headers.length; i += 2) if (headers[i] === ff.header) return '';
  if (!validHeaderValue(clientIp)) return '';
  return ff.header + ': ' + clientIp + '\r\n';
}

/** Client address as HAProxy writes it: IPv4-mapped IPv6 shown as plain IPv4. */
export function clientAddress(remote: string): string {
  return remote.startsWith('::ffff:') && remote.includes('.') ? remote.slice(7) : remote;
}

const TCHAR = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** RFC 9110 token: what a header name set by configuration may contain. */
export function validHeaderName(name: string): boolean {
  return TCHAR.test(name);
}

/**
 * A value lb may write: no CR, LF or NUL (CRLF injection, field-lessons 25).
 * Values that come from a client were already checked by the parser; this is
 * for values built from configuration or samples (set-header, add-header).
 */
export function validHeaderValue(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 13 || c === 10 || c === 0) return false;
  }
  return true;
}

/** `option forwardfor` as the engine uses it: `except <net>` compiled once. */
export function compileForwardFor(f: Forwardfor | undefined): ForwardFor | undefined {
  if (!f) return undefined;
  const out: ForwardFor = { header: f.header, ifNone: f.ifNone };
  if (f.except !== undefined) {
    const m = compileMatcher('ip', [f.except], false, []);
    out.except = (ip) => m(ip);
  }
  return out;
}
