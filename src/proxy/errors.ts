/**
 * HAProxy's generated HTTP responses, byte for byte (reference §3):
 * - the engine form (deny, 503, 504, 502, 429, return…): `HTTP/1.1 <code>
 *   <reason>`, lower-case `content-length`, `cache-control: no-cache`,
 *   `content-type: text/html`, then `connection: close` only when the
 *   connection must close; the client connection is otherwise kept;
 * - the raw canned form, written when a request could not be parsed (400),
 *   timed out (408) or used an unsupported coding (422): original casing, and
 *   `Connection: close` for 400 and 408 (observed on 2.6.12).
 * Every page is built once at import time; callers get the same Buffer.
 */
import { parseResponseHead, writeResponseHead } from './http1.js';

/** [code, reason, body text]; the body is `<html><body><h1>CODE REASON</h1>\nTEXT\n</body></html>\n`. */
const PAGES: ReadonlyArray<readonly [number, string, string]> = [
  [200, 'OK', 'Service ready.'],
  [400, 'Bad request', 'Your browser sent an invalid request.'],
  [401, 'Unauthorized', 'You need a valid user and password to access this content.'],
  [403, 'Forbidden', 'Request forbidden by administrative rules.'],
  [404, 'Not Found', 'The resource could not be found.'],
  [405, 'Method Not Allowed', 'A request was made of a resource using a request method not supported by that resource'],
  [407, 'Unauthorized', 'You need a valid user and password to access this content.'],
  [408, 'Request Time-out', "Your browser didn't send a complete request in time."],
  [410, 'Gone', 'The resource is no longer available and will not be available again.'],
  [413, 'Payload Too Large', 'The request entity exceeds the maximum allowed.'],
  [421, 'Misdirected Request', 'Request sent to a non-authoritative server.'],
  [422, 'Unprocessable Content', 'The server cannot process the contained instructions.'],
  [425, 'Too Early', 'Your browser sent early data.'],
  [429, 'Too Many Requests', 'You have sent too many requests in a given amount of time.'],
  [500, 'Internal Server Error', 'An internal server error occurred.'],
  [501, 'Not Implemented', '.The server does not support the functionality required to fulfill the request.'],
  [502, 'Bad Gateway', 'The server returned an invalid or incomplete response.'],
  [503, 'Service Unavailable', 'No server is available to handle this request.'],
  [504, 'Gateway Time-out', "The server didn't respond in time."],
  // 3.x only; 2.6 answers 400 for an over-long URI or header block
  [414, 'URI Too Long', 'The URI provided was too long for the server to process.'],
  [431, 'Request Header Fields Too Large', '>Request Header Fields Too Large.'],
];

/** Codes accepted by `errorfile` / `errorfiles` / `http-errors` in 2.6 (§2.12). */
export const ERRORFILE_CODES: readonly number[] = [200, 400, 401, 403, 404, 405, 407, 408, 410, 413, 425, 429, 500, 501, 502, 503, 504];

/** Raw canned pages that carry `Connection: close` (the connection is then closed). */
const RAW_CLOSES = new Set([400, 408]);

interface Page {
  reason: string;
  body: Buffer;
  keep: Buffer; // engine form, connection kept
  close: Buffer; // engine form + connection: close
  raw: Buffer; // canned form
}

const pages = new Map<number, Page>();
for (const [code, reason, text] of PAGES) {
  const body = `<html><body><h1>${code} ${reason}</h1>\n${text}\n</body></html>\n`;
  const lower = `HTTP/1.1 ${code} ${reason}\r\ncontent-length: ${body.length}\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n`;
  const raw = `HTTP/1.1 ${code} ${reason}\r\nContent-length: ${body.length}\r\nCache-Control: no-cache\r\n` +
    (RAW_CLOSES.has(code) ? 'Connection: close\r\n' : '') + 'Content-Type: text/html\r\n\r\n' + body;
  pages.set(code, {
    reason,
    body: Buffer.from(body, 'latin1'),
    keep: Buffer.from(lower + '\r\n' + body, 'latin1'),
    close: Buffer.from(lower + 'connection: close\r\n\r\n' + body, 'latin1'),
    raw: Buffer.from(raw, 'latin1'),
  });
}

function page(code: number): Page {
  const p = pages.get(code);
  if (p === undefined) throw new RangeError(`no built-in HTTP response for status ${code}`);
  return p;
}

/** Engine-form response (lower-case headers); `close` appends `connection: close`. */
export function httpError(code: number, close = false): Buffer {
  const p = page(code);
  return close ? p.close : p.keep;
}

/** Raw canned response (HAProxy's original casing): 400 and 408 carry Connection: close. */
export function rawHttpError(code: number): Buffer {
  return page(code).raw;
}

/** The status line reason HAProxy uses for a built-in page ('' when none). */
export function errorReason(code: number): string {
  return pages.get(code)?.reason ?? '';
}

/** The HTML body of a built-in page (for log byte counts and `return`). */
export function errorBody(code: number): Buffer {
  return page(code).body;
}

/** Whether a built-in page exists for this status. */
export function hasBuiltinPage(code: number): boolean {
  return pages.has(code);
}

export type ErrorfileResult = { ok: true; response: Buffer } | { ok: false; offset: number };

/**
 * Prepares an `errorfile` at startup (never on the hot path): the file is a
 * complete raw response; its status line and version are kept, header names
 * are lower-cased, connection-specific headers (connection, keep-alive,
 * proxy-connection) are dropped, the body is sent as is (no content-length is
 * added). An empty file gives an empty response: nothing is sent, the
 * connection is just closed (the classic `errorfile 408 /dev/null`).
 * On failure `offset` is where parsing stopped, for HAProxy's
 * "unable to parse headers (error offset: N)" message.
 */
export function prepareErrorfile(content: Buffer): ErrorfileResult {
  if (content.length === 0) return { ok: true, response: content };
  const head = parseResponseHead(content, 0, content.length, 'GET');
  if (head === null) return { ok: false, offset: 0 };
  if (head.kind === 'error') return { ok: false, offset: head.offset };
  const kept: string[] = [];
  const h = head.rawHeaders;
  for (let i = 0; i < h.length; i += 2) {
    const n = h[i]!;
    if (n === 'connection' || n === 'keep-alive' || n === 'proxy-connection') continue;
    kept.push(n, h[i + 1]!);
  }
  const top = writeResponseHead(head.version, head.status, head.reason, kept);
  return { ok: true, response: Buffer.concat([top, content.subarray(head.headBytes)]) };
}
