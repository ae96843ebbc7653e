/**
 * lb's HTTP/1 codec on raw bytes. Every verdict in the tables below is what
 * haproxy 2.6.12 answered to the same bytes (probed with a raw socket in
 * front of a tiny backend; test/proxy/http1-differential.test.ts replays a
 * part of them against the binary when it is installed).
 */
import t from 'tap';
import {
  parseRequestHead, parseResponseHead, ChunkedDecoder, chunkHeader, lastChunk,
  writeRequestHead, writeResponseHead, headLimits, DEFAULT_LIMITS, NEED_MORE,
  type RequestHead, type ResponseHead, type HeadError,
} from '../../src/proxy/http1.js';
import { REQUESTS, RESPONSES, CHUNKED } from './http1-cases.js';

const B = (s: string) => Buffer.from(s, 'latin1');
const req = (s: string) => parseRequestHead(B(s), 0, Buffer.byteLength(s, 'latin1'));
const resp = (s: string, m = 'GET') => parseResponseHead(B(s), 0, Buffer.byteLength(s, 'latin1'), m);
function okReq(t: Tap.Test, s: string): RequestHead {
  const r = req(s);
  if (r === null || r.kind !== 'request') t.fail(`expected a request head, got ${JSON.stringify(r)}`);
  return r as RequestHead;
}
function okResp(t: Tap.Test, s: string, m = 'GET'): ResponseHead {
  const r = resp(s, m);
  if (r === null || r.kind !== 'response') t.fail(`expected a response head, got ${JSON.stringify(r)}`);
  return r as ResponseHead;
}
const status = (r: RequestHead | ResponseHead | HeadError | null) => (r === null ? 'more' : r.kind === 'error' ? r.status : 200);
const H = 'GET / HTTP/1.1\r\nHost: a\r\n';
const P = 'POST / HTTP/1.1\r\nHost: a\r\n';

t.test('request verdicts match HAProxy 2.6', async (t) => {
  for (const [name, raw, want] of REQUESTS) t.equal(status(req(raw)), want, name);
});

t.test('NUL in a value is refused (stricter than 2.6, which forwards it)', async (t) => {
  t.equal(status(req(H + 'X-A: o\x00ne\r\n\r\n')), 400);
});

t.test('request head fields', async (t) => {
  const h = okReq(t, 'POST /p?q=1 HTTP/1.1\r\nHost: a\r\nUser-Agent: x \t\r\nX-Empty:   \r\nContent-Length: 5\r\nExpect: 100-Continue\r\n\r\nhello');
  t.equal(h.method, 'POST');
  t.equal(h.target, '/p?q=1');
  t.equal(h.version, 11);
  t.same(h.rawHeaders, ['host', 'a', 'user-agent', 'x', 'x-empty', '', 'content-length', '5', 'expect', '100-Continue']);
  t.equal(h.headBytes, 104);
  t.equal(h.framing, 'length');
  t.equal(h.length, 5);
  t.equal(h.expect100, true);
  t.equal(okReq(t, 'GET / HTTP/1.0\r\n\r\n').version, 10);
  t.equal(okReq(t, 'GET / HTTP/0.9\r\n\r\n').version, 9);
  t.equal(okReq(t, 'GET / HTTP/9.9\r\n\r\n').version, 11);
  t.equal(okReq(t, H + '\r\n').framing, 'none');
});

t.test('framing normalisation as HAProxy forwards it', async (t) => {
  let h = okReq(t, P + 'Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n');
  t.equal(h.framing, 'chunked');
  t.same(h.rawHeaders, ['host', 'a', 'transfer-encoding', 'chunked'], 'TE wins, CL removed');
  h = okReq(t, P + 'Content-Length: 3\r\nX: 1\r\nContent-Length: 3\r\n\r\n');
  t.same(h.rawHeaders, ['host', 'a', 'content-length', '3', 'x', '1'], 'duplicates merge into the first');
  h = okReq(t, P + 'Content-Length: 3, 3\r\n\r\n');
  t.same(h.rawHeaders, ['host', 'a', 'content-length', '3']);
  h = okReq(t, P + 'Content-Length: 003\r\n\r\n');
  t.same(h.rawHeaders, ['host', 'a', 'content-length', '003'], 'a single value is kept as sent');
  t.equal(h.length, 3);
  h = okReq(t, H + 'Host: a\r\n\r\n');
  t.same(h.rawHeaders, ['host', 'a']);
  h = okReq(t, 'GET https://a:443/x HTTP/1.1\r\nHost: a:443\r\n\r\n');
  t.equal(h.target, 'https://a/x');
  t.same(h.rawHeaders, ['host', 'a'], 'default port dropped from both');
  t.equal(okReq(t, 'GET http://A/ HTTP/1.1\r\nHost: a\r\n\r\n').target, 'http://A/');
});

t.test('obs-fold is unfolded with its CR and LF turned into spaces', async (t) => {
  t.same(okReq(t, H + 'X-A: one\r\n two\r\n\r\n').rawHeaders.slice(2), ['x-a', 'one   two']);
  t.same(okReq(t, H + 'X-A: one\r\n\ttwo\r\n\r\n').rawHeaders.slice(2), ['x-a', 'one  \ttwo']);
  t.same(okReq(t, H + 'X-A: one \r\n two \r\n\r\n').rawHeaders.slice(2), ['x-a', 'one    two']);
  t.same(okReq(t, 'GET / HTTP/1.1\nX-A: one\n two\n\n').rawHeaders, ['x-a', 'one  two']);
  t.same(okReq(t, H + 'X-A: a\r\n b\r\n c\r\nX-B: d\r\n\r\n').rawHeaders.slice(2), ['x-a', 'a   b   c', 'x-b', 'd']);
});

t.test('connection tokens and upgrade', async (t) => {
  let h = okReq(t, H + 'Connection: close, X-Foo\r\n\r\n');
  t.same([h.connClose, h.connKeepAlive, h.connUpgrade, h.upgrade], [true, false, false, false]);
  h = okReq(t, H + 'connection: Keep-Alive\r\n\r\n');
  t.same([h.connClose, h.connKeepAlive], [false, true]);
  h = okReq(t, H + 'Connection: keep-alive, Upgrade\r\nUpgrade: h2c\r\n\r\n');
  t.same([h.connUpgrade, h.upgrade], [true, true]);
  h = okReq(t, H + 'Upgrade: foo\r\n\r\n');
  t.equal(h.upgrade, false, 'Upgrade without Connection: upgrade');
});

t.test('header count: 100 lines pass, 101 are refused (tune.http.maxhdr 101)', async (t) => {
  const lines = (n: number) => Array.from({ length: n }, (_, i) => `X-${i}: v\r\n`).join('');
  t.equal(status(req('GET / HTTP/1.1\r\n' + lines(100) + '\r\n')), 200);
  t.equal(status(req('GET / HTTP/1.1\r\n' + lines(101) + '\r\n')), 400);
  t.equal(status(resp('HTTP/1.1 200 OK\r\n' + lines(100) + '\r\n')), 200);
  t.equal(status(resp('HTTP/1.1 200 OK\r\n' + lines(101) + '\r\n')), 502);
  const eleven = B('GET / HTTP/1.1\r\n' + lines(11) + '\r\n');
  t.equal(status(parseRequestHead(eleven, 0, eleven.length, headLimits(16384, 1024, 11))), 400, 'tune.http.maxhdr 11');
  t.equal(status(parseRequestHead(eleven, 0, eleven.length, headLimits(16384, 1024, 12))), 200, 'tune.http.maxhdr 12');
});

t.test('head size limit: same boundaries as 2.6 (answers 400, not 414/431)', async (t) => {
  const size = (n: number) => 'GET / HTTP/1.1\r\nX-A: ' + 'a'.repeat(n - 25) + '\r\n\r\n';
  const uri = (n: number) => 'GET /' + 'u'.repeat(n - 18) + ' HTTP/1.1\r\n\r\n';
  t.equal(status(req(size(15277))), 200);
  t.equal(status(req(size(15278))), 400);
  t.equal(status(req(uri(15280))), 200);
  t.equal(status(req(uri(15290))), 400);
  const two = (n: number) => 'GET / HTTP/1.1\r\nX-A: ' + 'a'.repeat(n - 41) + '\r\nX-B: b\r\nX-C: c\r\n\r\n';
  t.equal(status(req(two(15260))), 200);
  t.equal(status(req(two(15270))), 400);
  // an unfinished head is refused once it fills the buffer
  const partial = 'GET / HTTP/1.1\r\nX-A: ' + 'a'.repeat(DEFAULT_LIMITS.maxRawHead);
  t.equal(status(req(partial)), 400);
  t.equal(req(partial.slice(0, 15000)), NEED_MORE);
});

t.test('split anywhere: every prefix needs more, the full head parses the same', async (t) => {
  const raws = [
    P + 'Content-Length: 3\r\nX-A: one\r\n two\r\n\r\n',
    '\r\nGET /x HTTP/1.0\nHost: a\nX: y\n\n',
    H + 'Transfer-Encoding: chunked\r\n\r\n',
    H + 'X-Long: ' + 'v'.repeat(3000) + '\r\nX-B: 1\r\n\r\n', // beyond the 2 KB string window
    'GET / HTTP/1.1\nX-Long: ' + 'v'.repeat(3000) + '\n\n',
  ];
  for (const raw of raws) {
    const buf = B(raw);
    const full = parseRequestHead(buf, 0, buf.length);
    for (let i = 0; i < buf.length; i++) t.equal(parseRequestHead(buf, 0, i), NEED_MORE, `prefix ${i} of ${JSON.stringify(raw)}`);
    t.same(parseRequestHead(Buffer.concat([buf, B('zz')]), 0, buf.length + 2), full);
  }
  const r = B('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
  for (let i = 0; i < r.length - 2; i++) t.equal(parseResponseHead(r, 0, i, 'GET'), NEED_MORE);
});

t.test('pipelined requests are parsed in order from headBytes', async (t) => {
  const buf = B(P + 'Content-Length: 2\r\n\r\nab' + 'GET /2 HTTP/1.1\r\nHost: a\r\n\r\n' + 'GET /3 HTTP/1.1\nHost: a\n\nGET /4');
  const targets: string[] = [];
  let pos = 0;
  for (;;) {
    const h = parseRequestHead(buf, pos, buf.length);
    if (h === null) break;
    if (h.kind !== 'request') { t.fail('error'); break; }
    targets.push(h.target);
    pos += h.headBytes + h.length;
  }
  t.same(targets, ['/', '/2', '/3']);
  t.equal(buf.toString('latin1', pos), 'GET /4');
  // a large body after the head in the same read
  const big = B(P + 'Content-Length: 5000\r\n\r\n' + 'b'.repeat(5000) + 'GET /n HTTP/1.1\r\n\r\n');
  const first = okReq(t, big.toString('latin1'));
  const next = parseRequestHead(big, first.headBytes + first.length, big.length) as RequestHead;
  t.equal(next.target, '/n');
});

t.test('response verdicts match HAProxy 2.6', async (t) => {
  for (const [name, raw, want] of RESPONSES) t.equal(status(resp(raw)), want, name);
});

t.test('response framing', async (t) => {
  const R = 'HTTP/1.1 200 OK\r\n';
  let h = okResp(t, R + 'Content-Length: 10\r\nTransfer-Encoding: chunked\r\n\r\n');
  t.same([h.framing, h.rawHeaders], ['chunked', ['transfer-encoding', 'chunked']]);
  h = okResp(t, R + 'X: 1\r\n\r\n');
  t.equal(h.framing, 'close', 'no length: delimited by close');
  h = okResp(t, 'HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n');
  t.same([h.framing, h.rawHeaders], ['none', []], '204 loses its content-length');
  h = okResp(t, 'HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n');
  t.same([h.framing, h.rawHeaders], ['none', ['content-length', '5']], '304 keeps it, no body');
  h = okResp(t, R + 'Content-Length: 5\r\n\r\n', 'HEAD');
  t.same([h.framing, h.length], ['none', 0], 'HEAD: no body');
  h = okResp(t, 'HTTP/1.1 100 Continue\r\n\r\n');
  t.same([h.status, h.framing, h.headBytes], [100, 'none', 25]);
  h = okResp(t, 'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
  t.same([h.status, h.framing, h.upgrade], [101, 'none', true]);
  h = okResp(t, 'HTTP/1.1 200\r\nContent-Length: 2\r\n\r\n');
  t.same([h.status, h.reason], [200, '']);
  h = okResp(t, 'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n');
  t.equal(h.version, 10);
  h = okResp(t, R + 'Set-Cookie: a=1\r\nSet-Cookie: b=2\r\nContent-Length: 0\r\n\r\n');
  t.same(h.rawHeaders, ['set-cookie', 'a=1', 'set-cookie', 'b=2', 'content-length', '0'], 'never merged');
});

/** Feeds `body` to a decoder in pieces of `step` bytes; returns data, trailers, rest or error. */
function decode(body: string, step = body.length) {
  const d = new ChunkedDecoder();
  const buf = B(body);
  let data = '';
  for (let off = 0; off < buf.length; off += step) {
    const piece = buf.subarray(off, Math.min(off + step, buf.length));
    let pos = 0;
    while (pos < piece.length) {
      pos = d.advance(piece, pos, piece.length);
      if (d.error) return { error: d.error };
      data += piece.toString('latin1', d.dataStart, d.dataEnd);
      if (d.done) return { data, trailers: d.trailers, rest: piece.toString('latin1', pos) + buf.toString('latin1', off + step) };
    }
  }
  return { data, incomplete: true };
}

t.test('chunked decoding', async (t) => {
  t.same(decode('3\r\nabc\r\n0\r\n\r\nNEXT'), { data: 'abc', trailers: null, rest: 'NEXT' });
  t.same(decode('3;foo=bar\r\nabc\r\n0\r\n\r\n'), { data: 'abc', trailers: null, rest: '' }, 'extension dropped');
  t.same(decode('3 ; foo=bar\r\nabc\r\n0\r\n\r\n').data, 'abc', 'BWS before extension');
  t.same(decode('3  \r\nabc\r\n0\r\n\r\n').data, 'abc');
  t.same(decode('A\r\n0123456789\r\n0\r\n\r\n').data, '0123456789');
  t.same(decode('00000000003\r\nabc\r\n0\r\n\r\n').data, 'abc');
  t.same(decode('3\nabc\n0\n\n').data, 'abc', 'bare LF accepted (as 2.6)');
  t.same(decode('3\r\nabc\r\n0\r\nX-T: 1\r\nX-U:  2 \r\n\r\n').trailers, ['x-t', '1', 'x-u', '2'], 'trailers, names lower-cased, values trimmed');
  t.same(decode('FFFFFFFFFFFFF\r\nab'), { data: 'ab', incomplete: true }, '2^52-1 accepted');
  for (const [name, body, want] of CHUNKED) t.equal(decode(body).error ? 400 : 200, want, `HAProxy verdict: ${name}`);
  t.ok(decode('3\r\nabc\r\n0\r\n' + 'X: y\r\n'.repeat(3000) + '\r\n').error, 'trailers beyond the buffer budget');
  t.ok(decode('3;' + 'e'.repeat(20000) + '\r\nabc\r\n0\r\n\r\n').error, 'endless chunk extension');
});

t.test('chunked decoding byte by byte gives the same result', async (t) => {
  const body = '5;x=y\r\nhello\r\n1A\r\n' + 'z'.repeat(26) + '\r\n0\r\nA: b\r\n\r\nGET';
  const whole = decode(body);
  for (const step of [1, 2, 3, 7]) t.same(decode(body, step), whole, `step ${step}`);
});

t.test('serializer', async (t) => {
  t.equal(writeRequestHead('GET', '/x', 11, ['host', 'a', 'x-a', 'b'], 'x-forwarded-for: 1.2.3.4\r\n').toString('latin1'),
    'GET /x HTTP/1.1\r\nhost: a\r\nx-a: b\r\nx-forwarded-for: 1.2.3.4\r\n\r\n');
  t.equal(writeRequestHead('GET', '/', 10, []).toString('latin1'), 'GET / HTTP/1.0\r\n\r\n');
  t.equal(writeRequestHead('GET', '/', 9, []).toString('latin1'), 'GET / HTTP/0.9\r\n\r\n');
  t.equal(writeResponseHead(11, 200, '', ['content-length', '2']).toString('latin1'), 'HTTP/1.1 200 \r\ncontent-length: 2\r\n\r\n');
  t.equal(writeResponseHead(10, 99, 'X', []).toString('latin1'), 'HTTP/1.0 099 X\r\n\r\n');
  t.equal(chunkHeader(10), 'A\r\n');
  t.equal(chunkHeader(4096), '1000\r\n');
  t.equal(lastChunk(null), '0\r\n\r\n');
  t.equal(lastChunk(['x-t', '1']), '0\r\nx-t: 1\r\n\r\n');
  // a parsed head written back is what HAProxy forwards
  const h = okReq(t, 'GET / HTTP/1.1\r\nHost: a\r\nUser-Agent: curl\r\nX-A: one\r\n two\r\n\r\n');
  t.equal(writeRequestHead(h.method, h.target, h.version, h.rawHeaders).toString('latin1'),
    'GET / HTTP/1.1\r\nhost: a\r\nuser-agent: curl\r\nx-a: one   two\r\n\r\n');
});

t.test('mutated heads: never throws, and the verdict does not depend on how bytes arrive', async (t) => {
  let seed = 12345;
  const rnd = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
  const seeds = REQUESTS.map(([, raw]) => raw).concat(RESPONSES.map(([, raw]) => raw));
  const alphabet = '\r\n :\t,;\x00\x7f\xffaZ0-"/';
  let mismatches = 0;
  for (let i = 0; i < 3000; i++) {
    const base = seeds[rnd(seeds.length)]!;
    const chars = base.split('');
    for (let m = 1 + rnd(3); m > 0; m--) {
      const at = rnd(chars.length);
      const op = rnd(3);
      const ch = alphabet[rnd(alphabet.length)]!;
      if (op === 0) chars[at] = ch;
      else if (op === 1) chars.splice(at, 0, ch);
      else chars.splice(at, 1);
    }
    const buf = B(chars.join('') + 'TAIL');
    const isResp = base.startsWith('HTTP/') || base.startsWith('GARBAGE');
    const parse = (end: number) => (isResp ? parseResponseHead(buf, 0, end, 'GET') : parseRequestHead(buf, 0, end));
    const whole = parse(buf.length);
    let split: ReturnType<typeof parse> = null;
    for (let end = 1; end <= buf.length && split === null; end += 1 + rnd(5)) split = parse(end);
    if (split === null) split = whole;
    const v = (r: typeof whole) => (r === null ? 'more' : r.kind === 'error' ? `E${r.status}` : `ok${r.headBytes}`);
    if (v(whole) !== v(split)) {
      mismatches++;
      if (mismatches < 5) t.fail(`${JSON.stringify(buf.toString('latin1'))}: ${v(whole)} vs ${v(split)}`);
    }
  }
  t.equal(mismatches, 0);
});
