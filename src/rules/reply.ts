/**
 * The responses HAProxy generates itself for http-request/http-response
 * verdicts (deny, return, tarpit, auth, redirect) and monitor-uri, as exact
 * bytes (latin1 strings). Every layout here was captured from the 2.6.12
 * binary (reference/haproxy.md §2.11, §2.13, §2.15, §3 and the tests):
 * status line always `HTTP/1.1`, lower-case header names, `connection:
 * close` last when the connection is to be closed.
 *
 * Invariant: pure functions of the verdict; the built-in pages come from
 * src/proxy/errors.ts and are converted to strings once.
 */
import { errorBody, errorReason, hasBuiltinPage, httpError } from '../proxy/errors.js';

/** A terminal verdict of a rule set. */
export type Verdict =
  /** `body` undefined: the built-in (or errorfile) page of `status` */
  | { kind: 'deny' | 'tarpit' | 'return'; status: number; contentType?: string; body?: string; headers: ReadonlyArray<readonly [string, string]>; raw?: string }
  | { kind: 'redirect'; status: number; location: string; cookie?: string }
  | { kind: 'auth'; realm: string }
  | { kind: 'allow' }
  | { kind: 'reject' }
  | { kind: 'silent-drop' }
  /** `use-service <name>`: one of lb's services answers (proxy/http.ts) */
  | { kind: 'service'; name: string };

/** HAProxy 2.6's http_get_reason(), as answered by `return status N`. */
const REASONS: Record<number, string> = {
  100: 'Continue', 101: 'Switching Protocols', 102: 'Processing', 103: 'Early Hints',
  200: 'OK', 201: 'Created', 202: 'Accepted', 203: 'Non-Authoritative Information', 204: 'No Content',
  205: 'Reset Content', 206: 'Partial Content', 207: 'Multi-Status', 210: 'Content Different', 226: 'IM Used',
  300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Moved Temporarily', 303: 'See Other', 304: 'Not Modified',
  305: 'Use Proxy', 307: 'Temporary Redirect', 308: 'Permanent Redirect', 310: 'Too many Redirects',
  400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 406: 'Not Acceptable', 407: 'Proxy Authentication Required', 408: 'Request Time-out',
  409: 'Conflict', 410: 'Gone', 411: 'Length Required', 412: 'Precondition Failed', 413: 'Request Entity Too Large',
  414: 'Request-URI Too Long', 415: 'Unsupported Media Type', 416: 'Requested range unsatisfiable',
  417: 'Expectation failed', 418: "I'm a teapot", 421: 'Misdirected Request', 422: 'Unprocessable Content',
  423: 'Locked', 424: 'Method failure', 425: 'Too Early', 426: 'Upgrade Required', 428: 'Precondition Required',
  429: 'Too Many Requests', 431: 'Request Header Fields Too Large', 449: 'Retry With',
  450: 'Blocked by Windows Parental Controls', 451: 'Unavailable For Legal Reasons', 456: 'Unrecoverable Error',
  499: 'client has closed connection', 500: 'Internal Server Error', 501: 'Not Implemented',
  502: 'Bad Gateway or Proxy Error', 503: 'Service Unavailable', 504: 'Gateway Time-out',
  505: 'HTTP Version not supported', 506: 'Variant also negotiate', 507: 'Insufficient storage', 508: 'Loop detected',
  509: 'Bandwidth Limit Exceeded', 510: 'Not extended', 511: 'Network authentication required',
  520: 'Web server is returning an unknown error',
};

const CLASS_REASONS = ['Other', 'Informational', 'Success', 'Redirection', 'Client Error', 'Server Error'];

export function httpReason(status: number): string {
  return REASONS[status] ?? CLASS_REASONS[Math.floor(status / 100)] ?? 'Other';
}

/** Redirects have their own reasons (302 is "Found" here, "Moved Temporarily" for `return`). */
const REDIRECT_REASONS: Record<number, string> = {
  301: 'Moved Permanently', 302: 'Found', 303: 'See Other', 307: 'Temporary Redirect', 308: 'Permanent Redirect',
};

/** Built-in page of `status` (500's when there is none), engine form, as a latin1 string; cached. */
const pageCache = new Map<number, string>();
function builtin(status: number, close: boolean): string {
  const code = hasBuiltinPage(status) ? status : 500;
  const key = close ? -code : code;
  let s = pageCache.get(key);
  if (s === undefined) { s = httpError(code, close).toString('latin1'); pageCache.set(key, s); }
  return s;
}

export interface RenderOpts {
  /** add `connection: close` (HTTP/1.0 client, or `Connection: close` asked) */
  readonly close?: boolean;
  /** the proxy's errorfile for a status, as complete response bytes */
  readonly errorPage?: (status: number) => string | undefined;
}

const CLOSE = 'connection: close\r\n';

function errorPage(status: number, o: RenderOpts): string {
  return o.errorPage?.(status) ?? builtin(status, o.close === true);
}

/** The 401 page with its www-authenticate header (before `connection: close`). */
function authPage(realm: string, close: boolean): string {
  const body = errorBody(401).toString('latin1');
  return `HTTP/1.1 401 ${errorReason(401)}\r\ncontent-length: ${body.length}\r\ncache-control: no-cache\r\n` +
    `content-type: text/html\r\nwww-authenticate: Basic realm="${realm}"\r\n${close ? CLOSE : ''}\r\n${body}`;
}

/** A prepared errorfile response (see proxy/errors.ts prepareErrorfile), with `connection: close` when asked. */
function withClose(raw: string, close: boolean): string {
  if (!close) return raw;
  const end = raw.indexOf('\r\n\r\n');
  return end < 0 ? raw : `${raw.slice(0, end + 2)}${CLOSE}${raw.slice(end + 2)}`;
}

/** The response bytes of a verdict; '' for verdicts that send nothing (allow, reject, silent-drop). */
export function renderVerdict(v: Verdict, o: RenderOpts = {}): string {
  switch (v.kind) {
    case 'redirect': {
      const nc = v.status === 302 || v.status === 303 || v.status === 307 ? 'cache-control: no-cache\r\n' : '';
      const ck = v.cookie !== undefined ? `set-cookie: ${v.cookie}\r\n` : '';
      return `HTTP/1.1 ${v.status} ${REDIRECT_REASONS[v.status] ?? httpReason(v.status)}\r\ncontent-length: 0\r\n` +
        `location: ${v.location}\r\n${nc}${ck}${o.close ? CLOSE : ''}\r\n`;
    }
    case 'auth':
      return authPage(v.realm, o.close === true);
    case 'deny':
    case 'tarpit':
    case 'return': {
      if (v.raw !== undefined) return withClose(v.raw, o.close === true);
      if (v.body === undefined) return errorPage(v.status, o);
      let out = `HTTP/1.1 ${v.status} ${httpReason(v.status)}\r\n`;
      for (const [n, val] of v.headers) out += `${n.toLowerCase()}: ${val}\r\n`;
      // no payload framing for 1xx/204 (HAProxy sends neither length nor body)
      if (v.status !== 204 && v.status >= 200) out += `content-length: ${Buffer.byteLength(v.body, 'latin1')}\r\n`;
      if (v.contentType !== undefined) out += `content-type: ${v.contentType}\r\n`;
      return `${out}${o.close ? CLOSE : ''}\r\n${v.status === 204 ? '' : v.body}`;
    }
    default:
      return '';
  }
}

/** monitor-uri's answer: the built-in 200 page, or 503 when a `monitor fail` condition holds. */
export function monitorReply(fail: boolean, close = false): string {
  return builtin(fail ? 503 : 200, close);
}
