/**
 * The responses HAProxy generates itself for http-request/http-response
 * verdicts (deny, return, tarpit, auth, redirect) and monitor-uri, as exact
 * bytes (latin1 strings). Every layout here was captured from the 2.6.12
 * binary (reference/haproxy.md §2.11, §2.13, §2.15, §3 and the tests):
 * status line always `HTTP/1.1`, lower-case header names, `connection:
 * close` last when the connection is to be closed.
 *
 * Invariant: pure functions of the verdict; the built-in pages are built
 * once at import. src/proxy/errors.ts did not exist when this was written,
 * so the built-in error pages live here (BUILTIN_PAGES).
 */

/** A terminal verdict of a rule set. */
export type Verdict =
  /** `body` undefined: the built-in (or errorfile) page of `status` */
  | { kind: 'deny' | 'tarpit' | 'return'; status: number; contentType?: string; body?: string; headers: ReadonlyArray<readonly [string, string]>; raw?: string }
  | { kind: 'redirect'; status: number; location: string; cookie?: string }
  | { kind: 'auth'; realm: string }
  | { kind: 'allow' }
  | { kind: 'reject' }
  | { kind: 'silent-drop' };

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

/** Built-in error pages: status → [reason, text]. */
const PAGES: Record<number, readonly [string, string]> = {
  200: ['OK', 'Service ready.'],
  400: ['Bad request', 'Your browser sent an invalid request.'],
  401: ['Unauthorized', 'You need a valid user and password to access this content.'],
  403: ['Forbidden', 'Request forbidden by administrative rules.'],
  404: ['Not Found', 'The resource could not be found.'],
  405: ['Method Not Allowed', 'A request was made of a resource using a request method not supported by that resource'],
  407: ['Unauthorized', 'You need a valid user and password to access this content.'],
  408: ['Request Time-out', "Your browser didn't send a complete request in time."],
  410: ['Gone', 'The resource is no longer available and will not be available again.'],
  413: ['Payload Too Large', 'The request entity exceeds the maximum allowed.'],
  421: ['Misdirected Request', 'Request sent to a non-authoritative server.'],
  422: ['Unprocessable Content', 'The server cannot process the contained instructions.'],
  425: ['Too Early', 'Your browser sent early data.'],
  429: ['Too Many Requests', 'You have sent too many requests in a given amount of time.'],
  500: ['Internal Server Error', 'An internal server error occurred.'],
  501: ['Not Implemented', '.The server does not support the functionality required to fulfill the request.'],
  502: ['Bad Gateway', 'The server returned an invalid or incomplete response.'],
  503: ['Service Unavailable', 'No server is available to handle this request.'],
  504: ['Gateway Time-out', "The server didn't respond in time."],
};

/** The built-in page of `status` through the HTTP engine: status line + reason, and body. */
export const BUILTIN_PAGES: ReadonlyMap<number, { reason: string; body: string }> = new Map(
  Object.entries(PAGES).map(([k, [reason, text]]) => [Number(k), { reason, body: `<html><body><h1>${k} ${reason}</h1>\n${text}\n</body></html>\n` }]),
);

export interface RenderOpts {
  /** add `connection: close` (HTTP/1.0 client, or `Connection: close` asked) */
  readonly close?: boolean;
  /** the proxy's errorfile for a status, as complete response bytes */
  readonly errorPage?: (status: number) => string | undefined;
}

const CLOSE = 'connection: close\r\n';

function errorPage(status: number, extra: string, o: RenderOpts): string {
  const custom = o.errorPage?.(status);
  if (custom !== undefined) return custom;
  const p = BUILTIN_PAGES.get(status) ?? BUILTIN_PAGES.get(500)!;
  const code = BUILTIN_PAGES.has(status) ? status : 500;
  return `HTTP/1.1 ${code} ${p.reason}\r\ncontent-length: ${Buffer.byteLength(p.body, 'latin1')}\r\n` +
    `cache-control: no-cache\r\ncontent-type: text/html\r\n${extra}${o.close ? CLOSE : ''}\r\n${p.body}`;
}

/**
 * An errorfile (complete raw response) as HAProxy re-emits it: its own
 * status line, header names lower-cased, connection headers dropped, no
 * content-length added.
 */
export function renderRaw(raw: string, close: boolean): string {
  const sep = raw.indexOf('\r\n\r\n') >= 0 ? '\r\n' : '\n';
  const end = raw.indexOf(sep + sep);
  const head = (end < 0 ? raw : raw.slice(0, end)).split(sep);
  const body = end < 0 ? '' : raw.slice(end + 2 * sep.length);
  let out = `${head[0]}\r\n`;
  for (const line of head.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (name === 'connection' || name === 'keep-alive' || name === 'proxy-connection') continue;
    out += `${name}: ${line.slice(colon + 1).trim()}\r\n`;
  }
  return `${out}${close ? CLOSE : ''}\r\n${body}`;
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
      return errorPage(401, `www-authenticate: Basic realm="${v.realm}"\r\n`, { close: o.close === true });
    case 'deny':
    case 'tarpit':
    case 'return': {
      if (v.raw !== undefined) return renderRaw(v.raw, o.close === true);
      if (v.body === undefined) return errorPage(v.status, '', o);
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
  return errorPage(fail ? 503 : 200, '', { close });
}
