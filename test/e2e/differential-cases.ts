/**
 * Raw requests for the end-to-end differential test (differential.test.ts):
 * the same bytes go through real HAProxy 2.6 and through lb, and the status
 * the client gets plus the bytes the backend receives are compared.
 *
 * Sources: test/proxy/http1-cases.ts (the parser corpus, given complete
 * bodies here so that no case waits for a body that never comes) and
 * field-lessons items 21-27 (hop-by-hop headers, Connection-named headers,
 * CL/TE smuggling, Upgrade, CR/LF injection, Host handling).
 *
 * `responses` is how many final responses the client waits for (pipelining);
 * `head` marks a HEAD request (its responses carry no body).
 */
export interface DiffCase {
  readonly name: string;
  readonly raw: string;
  readonly responses?: number;
  readonly head?: boolean;
}

const H = 'GET / HTTP/1.1\r\nHost: a\r\n';
const P = 'POST / HTTP/1.1\r\nHost: a\r\n';
const C = P + 'Transfer-Encoding: chunked\r\n\r\n';

export const CASES: DiffCase[] = [
  // ordinary valid requests
  { name: 'plain GET', raw: H + '\r\n' },
  { name: 'GET with query and headers', raw: 'GET /a/b?x=1&y=2 HTTP/1.1\r\nHost: example.com\r\nUser-Agent: t\r\nAccept: */*\r\n\r\n' },
  { name: 'HEAD', raw: 'HEAD / HTTP/1.1\r\nHost: a\r\n\r\n', head: true },
  { name: 'POST with a body', raw: P + 'Content-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello' },
  { name: 'POST with an empty body', raw: P + 'Content-Length: 0\r\n\r\n' },
  { name: 'HTTP/1.0 without keep-alive', raw: 'GET / HTTP/1.0\r\nHost: a\r\n\r\n' },
  { name: 'HTTP/1.0 with keep-alive', raw: 'GET / HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n' },
  { name: 'HTTP/1.1 Connection: close', raw: H + 'Connection: close\r\n\r\n' },
  { name: 'pipelined GET + GET', raw: 'GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n', responses: 2 },
  { name: 'pipelined POST + GET', raw: P + 'Content-Length: 3\r\n\r\nabcGET /2 HTTP/1.1\r\nHost: a\r\n\r\n', responses: 2 },
  { name: 'Expect: 100-continue with the body', raw: P + 'Expect: 100-continue\r\nContent-Length: 3\r\n\r\nabc' },
  { name: 'OPTIONS *', raw: 'OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n' },
  { name: 'lower-case method', raw: 'get / HTTP/1.1\r\nHost: a\r\n\r\n' },
  { name: 'leading empty lines', raw: '\r\n\r\n' + H + '\r\n' },
  { name: 'no Host in 1.1', raw: 'GET / HTTP/1.1\r\n\r\n' },
  { name: 'two equal Hosts', raw: H + 'Host: a\r\n\r\n' },
  // request line
  { name: 'garbage', raw: 'GARBAGE\r\n\r\n' },
  { name: 'HTTP/0.9 request line', raw: 'GET /\r\n\r\n' },
  { name: 'version with two digits', raw: 'GET / HTTP/1.10\r\nHost: a\r\n\r\n' },
  { name: 'space in target', raw: 'GET /a b HTTP/1.1\r\nHost: a\r\n\r\n' },
  { name: '# in target', raw: 'GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n' },
  { name: 'CTL in target', raw: 'GET /a\x01b HTTP/1.1\r\nHost: a\r\n\r\n' },
  // Host and absolute-form (field-lessons 27)
  { name: 'two differing Hosts', raw: H + 'Host: b\r\n\r\n' },
  { name: 'absolute URI, same host', raw: 'GET http://a/x HTTP/1.1\r\nHost: a\r\n\r\n' },
  { name: 'absolute URI, other host', raw: 'GET http://x/ HTTP/1.1\r\nHost: a\r\n\r\n' },
  { name: 'absolute URI, no Host', raw: 'GET http://a/x HTTP/1.1\r\n\r\n' },
  // framing and smuggling (field-lessons 23)
  { name: 'CL + TE smuggling', raw: P + 'Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nX' },
  { name: 'TE + CL smuggling, pipelined GET', raw: P + 'Transfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n', responses: 2 },
  { name: 'duplicate equal CL', raw: P + 'Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc' },
  { name: 'duplicate differing CL', raw: P + 'Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd' },
  { name: 'CL list, equal', raw: P + 'Content-Length: 3, 3\r\n\r\nabc' },
  { name: 'CL list, differing', raw: P + 'Content-Length: 3,4\r\n\r\nabcd' },
  { name: 'empty CL', raw: P + 'Content-Length:\r\n\r\n' },
  { name: 'negative CL', raw: P + 'Content-Length: -1\r\n\r\n' },
  { name: 'CL with +', raw: P + 'Content-Length: +3\r\n\r\nabc' },
  { name: 'CL overflow', raw: P + 'Content-Length: 99999999999999999999999\r\n\r\n' },
  { name: 'CL with leading zeros', raw: P + 'Content-Length: 003\r\n\r\nabc' },
  { name: 'TE in HTTP/1.0', raw: 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n' },
  { name: 'TE gzip', raw: P + 'Transfer-Encoding: gzip\r\n\r\n' },
  { name: 'TE gzip, chunked', raw: P + 'Transfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n' },
  { name: 'TE chunked, chunked', raw: P + 'Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n' },
  { name: 'TE Chunked (case)', raw: P + 'Transfer-Encoding: Chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n' },
  { name: 'TE twice', raw: P + 'Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n' },
  { name: 'TE identity', raw: P + 'Transfer-Encoding: identity\r\n\r\n' },
  // chunked bodies
  { name: 'chunked body', raw: C + '3\r\nabc\r\n0\r\n\r\n' },
  { name: 'chunked with extensions', raw: C + '3;foo=bar\r\nabc\r\n0\r\n\r\n' },
  { name: 'chunked with trailers', raw: C + '3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n' },
  { name: 'chunked, bare LF everywhere', raw: C + '3\nabc\n0\n\n' },
  { name: 'chunked, negative size', raw: C + '-3\r\nabc\r\n0\r\n\r\n' },
  { name: 'chunked, missing CRLF after data', raw: C + '3\r\nabcX\r\n0\r\n\r\n' },
  { name: 'chunked, 20 hex digits', raw: C + 'FFFFFFFFFFFFFFFFFFFF\r\nabc\r\n0\r\n\r\n' },
  // header syntax (field-lessons 23, 25)
  { name: 'obs-fold', raw: H + 'X-A: one\r\n two\r\n\r\n' },
  { name: 'obs-fold on the first header', raw: 'GET / HTTP/1.1\r\n X-A: one\r\nHost: a\r\n\r\n' },
  { name: 'bare LF line ends', raw: 'GET / HTTP/1.1\nHost: a\n\n' },
  { name: 'bare CR in a value', raw: H + 'X-A: o\rne\r\n\r\n' },
  { name: 'space before colon', raw: H + 'X-A : one\r\n\r\n' },
  { name: 'no colon', raw: H + 'X-A one\r\n\r\n' },
  { name: 'empty name', raw: H + ': one\r\n\r\n' },
  { name: '/ in name', raw: H + 'X/A: one\r\n\r\n' },
  { name: 'NUL in a value', raw: H + 'X-A: o\x00ne\r\n\r\n' },
  { name: 'NUL in a name', raw: H + 'X-\x00A: one\r\n\r\n' },
  { name: 'CTL 0x01 in value', raw: H + 'X-A: o\x01ne\r\n\r\n' },
  { name: '8-bit in value', raw: H + 'X-A: o\xe9ne\r\n\r\n' },
  { name: 'very long header line (20000 bytes)', raw: H + 'X-A: ' + 'a'.repeat(20000) + '\r\n\r\n' },
  { name: 'long header line (8000 bytes)', raw: H + 'X-A: ' + 'a'.repeat(8000) + '\r\n\r\n' },
  { name: '99 headers', raw: H + Array.from({ length: 98 }, (_, i) => `X-${i}: v\r\n`).join('') + '\r\n' },
  { name: '120 headers (too many)', raw: H + Array.from({ length: 119 }, (_, i) => `X-${i}: v\r\n`).join('') + '\r\n' },
  // hop-by-hop and Connection (field-lessons 21, 22, 24)
  { name: 'Connection-named header', raw: H + 'Connection: x-secret\r\nX-Secret: 1\r\n\r\n' },
  { name: 'Connection: content-length', raw: P + 'Connection: content-length\r\nContent-Length: 3\r\n\r\nabc' },
  { name: 'keep-alive, te, trailer, proxy-connection', raw: H + 'Keep-Alive: timeout=5\r\nTE: trailers\r\nTrailer: x\r\nProxy-Connection: keep-alive\r\n\r\n' },
  { name: 'websocket upgrade without key', raw: H + 'Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n' },
  { name: 'websocket upgrade with key', raw: H + 'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n' },
  { name: 'h2c upgrade', raw: H + 'Connection: Upgrade\r\nUpgrade: h2c\r\n\r\n' },
];
