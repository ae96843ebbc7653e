/**
 * HAProxy's generated responses byte for byte (reference §3.2/§3.3, captured
 * from haproxy 2.6.12).
 */
import t from 'tap';
import { httpError, rawHttpError, errorBody, errorReason, hasBuiltinPage, prepareErrorfile, ERRORFILE_CODES } from '../../src/proxy/errors.js';

const S = (b: Buffer) => b.toString('latin1');

t.test('engine form, verbatim captures', async (t) => {
  t.equal(S(httpError(403)), 'HTTP/1.1 403 Forbidden\r\ncontent-length: 93\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n' +
    '<html><body><h1>403 Forbidden</h1>\nRequest forbidden by administrative rules.\n</body></html>\n');
  t.equal(S(httpError(503)), 'HTTP/1.1 503 Service Unavailable\r\ncontent-length: 107\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n' +
    '<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n');
  t.equal(S(httpError(504)), 'HTTP/1.1 504 Gateway Time-out\r\ncontent-length: 92\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n' +
    "<html><body><h1>504 Gateway Time-out</h1>\nThe server didn't respond in time.\n</body></html>\n");
  t.equal(S(httpError(502)), 'HTTP/1.1 502 Bad Gateway\r\ncontent-length: 107\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n' +
    '<html><body><h1>502 Bad Gateway</h1>\nThe server returned an invalid or incomplete response.\n</body></html>\n');
  t.equal(S(httpError(503, true)), 'HTTP/1.1 503 Service Unavailable\r\ncontent-length: 107\r\ncache-control: no-cache\r\ncontent-type: text/html\r\nconnection: close\r\n\r\n' +
    '<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n');
  t.equal(httpError(503), httpError(503), 'built once, same Buffer');
});

t.test('raw canned form: 400 and 408 close, 422 and 500 do not say so', async (t) => {
  t.equal(S(rawHttpError(400)), 'HTTP/1.1 400 Bad request\r\nContent-length: 90\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n' +
    '<html><body><h1>400 Bad request</h1>\nYour browser sent an invalid request.\n</body></html>\n');
  t.equal(S(rawHttpError(408)), 'HTTP/1.1 408 Request Time-out\r\nContent-length: 110\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n' +
    "<html><body><h1>408 Request Time-out</h1>\nYour browser didn't send a complete request in time.\n</body></html>\n");
  t.equal(S(rawHttpError(422)), 'HTTP/1.1 422 Unprocessable Content\r\nContent-length: 116\r\nCache-Control: no-cache\r\nContent-Type: text/html\r\n\r\n' +
    '<html><body><h1>422 Unprocessable Content</h1>\nThe server cannot process the contained instructions.\n</body></html>\n');
  t.equal(S(rawHttpError(500)), 'HTTP/1.1 500 Internal Server Error\r\nContent-length: 97\r\nCache-Control: no-cache\r\nContent-Type: text/html\r\n\r\n' +
    '<html><body><h1>500 Internal Server Error</h1>\nAn internal server error occurred.\n</body></html>\n');
});

t.test('every page: reason and exact content-length (§3.2)', async (t) => {
  const table: Array<[number, string, number]> = [
    [200, 'OK', 58], [400, 'Bad request', 90], [401, 'Unauthorized', 112], [403, 'Forbidden', 93], [404, 'Not Found', 83],
    [405, 'Method Not Allowed', 146], [407, 'Unauthorized', 112], [408, 'Request Time-out', 110], [410, 'Gone', 114],
    [413, 'Payload Too Large', 106], [421, 'Misdirected Request', 104], [422, 'Unprocessable Content', 116],
    [425, 'Too Early', 80], [429, 'Too Many Requests', 117], [500, 'Internal Server Error', 97], [501, 'Not Implemented', 136],
    [502, 'Bad Gateway', 107], [503, 'Service Unavailable', 107], [504, 'Gateway Time-out', 92],
    [414, 'URI Too Long', 110], [431, 'Request Header Fields Too Large', 106],
  ];
  for (const [code, reason, len] of table) {
    t.equal(errorReason(code), reason, `${code} reason`);
    t.equal(errorBody(code).length, len, `${code} length`);
    t.match(S(httpError(code)), `\r\ncontent-length: ${len}\r\n`, `${code} header`);
  }
  t.equal(S(errorBody(501)).split('\n')[1], '.The server does not support the functionality required to fulfill the request.');
  t.equal(S(errorBody(431)).split('\n')[1], '>Request Header Fields Too Large.');
  t.equal(S(errorBody(200)), '<html><body><h1>200 OK</h1>\nService ready.\n</body></html>\n');
  t.equal(hasBuiltinPage(418), false);
  t.throws(() => httpError(418));
  for (const c of ERRORFILE_CODES) t.ok(hasBuiltinPage(c), `errorfile code ${c} has a default`);
});

t.test('errorfile: status line kept, names lower-cased, connection headers dropped', async (t) => {
  const f = Buffer.from('HTTP/1.0 503 Service Unavailable\r\nCache-Control: no-cache\r\nConnection: close\r\nContent-Type: text/html\r\n\r\n<html><body><h1>Custom 503</h1></body></html>\n');
  const r = prepareErrorfile(f);
  t.ok(r.ok);
  if (r.ok) t.equal(S(r.response), 'HTTP/1.0 503 Service Unavailable\r\ncache-control: no-cache\r\ncontent-type: text/html\r\n\r\n<html><body><h1>Custom 503</h1></body></html>\n');
  const empty = prepareErrorfile(Buffer.alloc(0));
  t.same(empty.ok && empty.response.length, 0, 'errorfile 408 /dev/null sends nothing');
  t.same(prepareErrorfile(Buffer.from('not a response\n\n')), { ok: false, offset: 0 });
  t.equal(prepareErrorfile(Buffer.from('HTTP/1.1 200 OK\r\nX: 1\r\n')).ok, false, 'no end of headers');
});
