/**
 * Raw HTTP/1 messages and what haproxy 2.6.12 answered to each (probed with a
 * raw socket). Shared by http1.test.ts (our verdicts) and
 * http1-differential.test.ts (the live binary).
 */
const H = 'GET / HTTP/1.1\r\nHost: a\r\n';
const P = 'POST / HTTP/1.1\r\nHost: a\r\n';

/** [name, raw request, HAProxy 2.6 status] — 200 means forwarded */
export const REQUESTS: Array<[string, string, number]> = [
  ['plain GET', H + '\r\n', 200],
  ['garbage', 'GARBAGE\r\n\r\n', 400],
  ['HTTP/0.9 request line', 'GET /\r\n\r\n', 400],
  ['HTTP/2.0 in a HTTP/1 line', 'GET / HTTP/2.0\r\nHost: a\r\n\r\n', 200],
  ['version with two digits', 'GET / HTTP/1.10\r\nHost: a\r\n\r\n', 400],
  ['lower-case protocol', 'GET / http/1.1\r\nHost: a\r\n\r\n', 400],
  ['trailing space after version', 'GET / HTTP/1.1 \r\nHost: a\r\n\r\n', 400],
  ['lower-case method', 'get / HTTP/1.1\r\nHost: a\r\n\r\n', 200],
  ['method with a delimiter', 'G(T / HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['two spaces after method', 'GET  / HTTP/1.1\r\nHost: a\r\n\r\n', 200],
  ['empty target', 'GET  HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['space in target', 'GET /a b HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['CTL in target', 'GET /a\x01b HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['8-bit in target', 'GET /a\xe9b HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['# in target', 'GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['tab in target', 'GET /a\tb HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['quote, < and { in target', 'GET /a"b<c{ HTTP/1.1\r\nHost: a\r\n\r\n', 200],
  ['leading empty lines', '\r\n\r\n' + H + '\r\n', 200],
  ['no host in 1.1', 'GET / HTTP/1.1\r\n\r\n', 200],
  ['two differing hosts', H + 'Host: b\r\n\r\n', 400],
  ['two equal hosts', H + 'Host: a\r\n\r\n', 200],
  ['absolute URI, other host', 'GET http://x/ HTTP/1.1\r\nHost: a\r\n\r\n', 400],
  ['absolute URI, same host', 'GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n', 200],
  ['absolute URI, 1.0, other host', 'GET http://a/x HTTP/1.0\r\nHost: b\r\n\r\n', 400],
  ['OPTIONS *', 'OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n', 200],
  ['CONNECT authority', 'CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n', 200],
  // framing
  ['CL + TE', P + 'Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n', 200],
  ['TE in HTTP/1.0', 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n', 200],
  ['duplicate equal CL', P + 'Content-Length: 3\r\nContent-Length: 3\r\n\r\n', 200],
  ['duplicate differing CL', P + 'Content-Length: 3\r\nContent-Length: 4\r\n\r\n', 400],
  ['CL list, equal', P + 'Content-Length: 3, 3\r\n\r\n', 200],
  ['CL list, differing', P + 'Content-Length: 3,4\r\n\r\n', 400],
  ['empty CL', P + 'Content-Length:\r\n\r\n', 400],
  ['negative CL', P + 'Content-Length: -1\r\n\r\n', 400],
  ['CL with +', P + 'Content-Length: +3\r\n\r\n', 400],
  ['hex CL', P + 'Content-Length: 0x3\r\n\r\n', 400],
  ['CL with inner space', P + 'Content-Length: 1 2\r\n\r\n', 400],
  ['CL overflow', P + 'Content-Length: 99999999999999999999999\r\n\r\n', 400],
  ['CL with leading zeros', P + 'Content-Length: 003\r\n\r\n', 200],
  ['TE gzip', P + 'Transfer-Encoding: gzip\r\n\r\n', 400],
  ['TE chunked, gzip', P + 'Transfer-Encoding: chunked, gzip\r\n\r\n', 400],
  ['TE gzip, chunked', P + 'Transfer-Encoding: gzip, chunked\r\n\r\n', 422],
  ['TE foo, chunked', P + 'Transfer-Encoding: foo, chunked\r\n\r\n', 422],
  ['TE ,chunked', P + 'Transfer-Encoding: ,chunked\r\n\r\n', 422],
  ['TE "chunked ,"', P + 'Transfer-Encoding: chunked ,\r\n\r\n', 200],
  ['TE chunked, chunked', P + 'Transfer-Encoding: chunked, chunked\r\n\r\n', 400],
  ['TE Chunked (case)', P + 'Transfer-Encoding: Chunked\r\n\r\n', 200],
  ['TE xchunked', P + 'Transfer-Encoding: xchunked\r\n\r\n', 400],
  ['TE chunked;q=1', P + 'Transfer-Encoding: chunked;q=1\r\n\r\n', 400],
  ['TE empty', P + 'Transfer-Encoding:\r\n\r\n', 400],
  ['TE twice', P + 'Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n', 400],
  ['TE identity', P + 'Transfer-Encoding: identity\r\n\r\n', 400],
  // header syntax
  ['obs-fold', H + 'X-A: one\r\n two\r\n\r\n', 200],
  ['obs-fold on the first header', 'GET / HTTP/1.1\r\n X-A: one\r\nHost: a\r\n\r\n', 400],
  ['bare LF line ends', 'GET / HTTP/1.1\nHost: a\n\n', 200],
  ['bare CR in a value', H + 'X-A: o\rne\r\n\r\n', 400],
  ['CR CR LF', H + 'X-A: one\r\r\n\r\n', 400],
  ['space before colon', H + 'X-A : one\r\n\r\n', 400],
  ['tab before colon', H + 'X-A\t: one\r\n\r\n', 400],
  ['no colon', H + 'X-A one\r\n\r\n', 400],
  ['empty name', H + ': one\r\n\r\n', 400],
  ['/ in name', H + 'X/A: one\r\n\r\n', 400],
  ['quote in name', H + 'X"A: one\r\n\r\n', 400],
  ['8-bit in name', H + 'X\xe9A: one\r\n\r\n', 400],
  ['CTL 0x01 in value', H + 'X-A: o\x01ne\r\n\r\n', 200],
  ['DEL in value', H + 'X-A: o\x7fne\r\n\r\n', 200],
  ['8-bit in value', H + 'X-A: o\xe9ne\r\n\r\n', 200],
  ['tab in value', H + 'X-A: o\tne\r\n\r\n', 200],
  ['websocket upgrade without key', H + 'Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n', 400],
  ['websocket upgrade with key', H + 'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n', 200],
  ['h2c upgrade', H + 'Connection: Upgrade\r\nUpgrade: h2c\r\n\r\n', 200],
];

const R = 'HTTP/1.1 200 OK\r\n';
/** [name, raw response, HAProxy 2.6 status to the client] — 200 means forwarded */
export const RESPONSES: Array<[string, string, number]> = [
  ['garbage', 'GARBAGE\r\n\r\n', 502],
  ['lower-case protocol', 'http/1.1 200 OK\r\nContent-Length: 2\r\n\r\n', 502],
  ['status with a letter', 'HTTP/1.1 2a0 X\r\nContent-Length: 2\r\n\r\n', 502],
  ['four-digit status', 'HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\n', 200],
  ['TE gzip', R + 'Transfer-Encoding: gzip\r\n\r\n', 502],
  ['TE gzip, chunked', R + 'Transfer-Encoding: gzip, chunked\r\n\r\n', 502],
  ['TE chunked, gzip', R + 'Transfer-Encoding: chunked, gzip\r\n\r\n', 502],
  ['differing CL', R + 'Content-Length: 2\r\nContent-Length: 3\r\n\r\n', 502],
  ['invalid CL', R + 'Content-Length: x\r\n\r\n', 502],
  ['space in a name', R + 'X A: a\r\nContent-Length: 2\r\n\r\n', 502],
  ['bare CR', R + 'X-A: a\rb\r\nContent-Length: 2\r\n\r\n', 502],
  ['head too large', R + 'X-A: ' + 'a'.repeat(16000) + '\r\n\r\n', 502],
  ['obs-fold', R + 'X-A: a\r\n b\r\nContent-Length: 2\r\n\r\n', 200],
];

/**
 * [name, chunked request body, HAProxy 2.6 status, other status 2.6.12 also gives]
 * — sent after a `transfer-encoding: chunked` head. The 4th field marks a
 * verdict that changes from one haproxy process to the next (each process is
 * consistent with itself); lb keeps the strict one.
 */
export const CHUNKED: Array<[string, string, number, number?]> = [
  ['plain', '3\r\nabc\r\n0\r\n\r\n', 200],
  ['extension', '3;foo=bar\r\nabc\r\n0\r\n\r\n', 200],
  ['BWS then extension', '3 ; foo=bar\r\nabc\r\n0\r\n\r\n', 200],
  ['trailing spaces after size', '3  \r\nabc\r\n0\r\n\r\n', 200],
  ['upper-case hex', 'A\r\n0123456789\r\n0\r\n\r\n', 200],
  ['lower-case hex', 'a\r\n0123456789\r\n0\r\n\r\n', 200],
  ['leading zeros', '00000000003\r\nabc\r\n0\r\n\r\n', 200],
  ['trailers', '3\r\nabc\r\n0\r\nX-T: 1\r\n\r\n', 200],
  ['space in a trailer name', '3\r\nabc\r\n0\r\nX T: 1\r\n\r\n', 400, 200],
  ['tab in a trailer name', '3\r\nabc\r\n0\r\nX\tT: 1\r\n\r\n', 400, 200],
  ['empty trailer name', '3\r\nabc\r\n0\r\n: 1\r\n\r\n', 400],
  ['bare LF everywhere', '3\nabc\n0\n\n', 200],
  ['2^52-1 (incomplete)', 'FFFFFFFFFFFFF\r\nabc', 200],
  ['2^53-1', '1FFFFFFFFFFFFF\r\nabc', 400],
  ['16 hex digits', 'FFFFFFFFFFFFFFFF\r\nabc', 400],
  ['20 hex digits', 'FFFFFFFFFFFFFFFFFFFF\r\nabc\r\n0\r\n\r\n', 400],
  ['negative size', '-3\r\nabc\r\n0\r\n\r\n', 400],
  ['0x prefix', '0x3\r\nabc\r\n0\r\n\r\n', 400],
  ['missing CRLF after data', '3\r\nabcX\r\n0\r\n\r\n', 400],
  ['empty size line', '\r\nabc\r\n0\r\n\r\n', 400],
  ['bare CR after size', '3\rabc\r\n0\r\n\r\n', 400],
  ['trailer without colon', '0\r\nXT\r\n\r\n', 400],
  ['bare CR in a trailer', '0\r\nX: a\rb\r\n\r\n', 400],
];
