/**
 * Header hygiene (STYLE rule 7, field-lessons 21-26): one pure function,
 * applied to parsed rawHeaders before lb adds its own lines.
 */
import t from 'tap';
import { forwardHeaders, forwardedForLine, clientAddress, validHeaderName, validHeaderValue } from '../../src/proxy/headers.js';
import { parseRequestHead, writeRequestHead, type RequestHead } from '../../src/proxy/http1.js';

const parse = (s: string) => parseRequestHead(Buffer.from(s, 'latin1'), 0, s.length) as RequestHead;
const XFF = { header: 'x-forwarded-for', ifNone: false };

t.test('hop-by-hop and Connection-named headers are removed', async (t) => {
  const h = parse('GET / HTTP/1.1\r\nHost: a\r\nConnection: close, X-Foo, keep-alive\r\nX-Foo: 1\r\nKeep-Alive: timeout=5\r\n' +
    'Proxy-Connection: x\r\nTE: trailers\r\nTrailer: x\r\nUpgrade: h2c\r\nX-Bar: 2\r\n\r\n');
  t.same(forwardHeaders(h.rawHeaders), ['host', 'a', 'x-bar', '2']);
});

t.test('nothing to remove: the same array comes back (no allocation)', async (t) => {
  const raw = ['host', 'a', 'accept', '*/*'];
  t.equal(forwardHeaders(raw), raw);
});

t.test('Connection: x-forwarded-for does not remove the XFF lb adds', async (t) => {
  const h = parse('GET / HTTP/1.1\r\nHost: a\r\nConnection: x-forwarded-for\r\nX-Forwarded-For: 6.6.6.6\r\n\r\n');
  const fwd = forwardHeaders(h.rawHeaders);
  t.same(fwd, ['host', 'a'], "the client's own copy is hop-by-hop and goes");
  t.equal(writeRequestHead(h.method, h.target, h.version, fwd, forwardedForLine(fwd, '10.0.0.1', XFF)).toString(),
    'GET / HTTP/1.1\r\nhost: a\r\nx-forwarded-for: 10.0.0.1\r\n\r\n');
});

t.test('Connection cannot remove host or content-length', async (t) => {
  const h = parse('POST / HTTP/1.1\r\nHost: a\r\nConnection: host, content-length\r\nContent-Length: 2\r\n\r\n');
  t.same(forwardHeaders(h.rawHeaders), ['host', 'a', 'content-length', '2']);
});

t.test('upgrade is kept for a tunnel', async (t) => {
  const h = parse('GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: k\r\n\r\n');
  t.same(forwardHeaders(h.rawHeaders, h.upgrade), ['host', 'a', 'upgrade', 'websocket', 'sec-websocket-key', 'k']);
});

t.test('x-forwarded-for is a new last line, never merged', async (t) => {
  const raw = ['x-forwarded-for', '1.2.3.4', 'x-set', 'one'];
  t.equal(forwardedForLine(raw, '127.0.0.1', XFF), 'x-forwarded-for: 127.0.0.1\r\n');
  t.equal(forwardedForLine(raw, '127.0.0.1', { ...XFF, ifNone: true }), '', 'if-none');
  t.equal(forwardedForLine(['x-set', 'one'], '127.0.0.1', { ...XFF, ifNone: true }), 'x-forwarded-for: 127.0.0.1\r\n');
  t.equal(forwardedForLine(raw, '127.0.0.1', { ...XFF, except: (ip) => ip.startsWith('127.') }), '', 'except <net>');
  t.equal(forwardedForLine(raw, '10.1.1.1', { header: 'x-client', ifNone: true }), 'x-client: 10.1.1.1\r\n', 'header <name>');
  t.equal(clientAddress('::ffff:10.0.0.1'), '10.0.0.1');
  t.equal(clientAddress('::1'), '::1');
});

t.test('set-cookie is never merged (responses)', async (t) => {
  const raw = ['set-cookie', 'a=1', 'connection', 'close', 'set-cookie', 'b=2', 'set-cookie', 'c=3'];
  t.same(forwardHeaders(raw), ['set-cookie', 'a=1', 'set-cookie', 'b=2', 'set-cookie', 'c=3']);
});

t.test('CR/LF/NUL are refused in values lb writes', async (t) => {
  t.equal(validHeaderValue('ok value'), true);
  t.equal(validHeaderValue('a\r\nx-injected: 1'), false);
  t.equal(validHeaderValue('a\nb'), false);
  t.equal(validHeaderValue('a\0b'), false);
  t.equal(validHeaderName('x-ok'), true);
  t.equal(validHeaderName('x bad'), false);
  t.equal(validHeaderName(''), false);
});
