/**
 * lb's own HTTP/1.x codec: head parser, chunked body decoder, head serializer.
 *
 * Verdicts follow what HAProxy 2.6.12 answers on the wire (each one was
 * probed against the real binary; see test/proxy/http1.test.ts):
 * - a request it cannot accept gets 400 (and 422 for `transfer-encoding`
 *   codings before `chunked`), a response gets 502;
 * - CL + TE: TE wins, every content-length header is dropped and connClose
 *   is set (the connection closes after this exchange, as HAProxy does);
 * - duplicate or listed CL with equal values merge into one, differing → error,
 *   empty/signed/non-decimal → error;
 * - obs-fold is unfolded (the CR and LF become spaces), except on the first
 *   header line (error);
 * - bare LF ends a line; a CR not followed by LF is an error;
 * - more than 100 header lines (tune.http.maxhdr 101) → error;
 * - a head whose internal size exceeds the buffer budget → error (2.6 answers
 *   400, not 414/431);
 * - stricter than 2.6 on purpose: NUL in a header, Content-Length above 2^53,
 *   trailer names that are not tokens.
 *
 * Calling convention (engine): keep the unparsed bytes of a connection in
 * one Buffer; call parse*Head(buf, start, end) after each read until it
 * returns a head (or an error verdict to answer with errors.ts). The body
 * starts at start + headBytes: 'length' → relay `length` bytes, 'chunked' →
 * feed a ChunkedDecoder (re-frame with chunkHeader/lastChunk), 'close' →
 * relay until the server closes, 'none' → the next message (pipelining)
 * starts right there. Responses with status < 200 are interim: parse again.
 * Forwarded heads: forwardHeaders() (headers.ts) then write*Head().
 *
 * Hot-path invariants: the head is converted to one latin1 string and scanned
 * with lookup tables and String#indexOf (no regex, no per-header objects);
 * common names are interned, so the allocations are the value strings pushed
 * to `rawHeaders` and the returned head object.
 */

/** Returned while a head is still incomplete: call again with more bytes. */
export const NEED_MORE = null;

export type FramingKind = 'none' | 'length' | 'chunked' | 'close';

export interface HeadLimits {
  /** Max header lines: tune.http.maxhdr (101) minus the end-of-headers slot. */
  maxHeaders: number;
  /**
   * Budget for the head's internal size: per header 8 + name + value, start
   * line 8 + its parts, end of headers 8 (models HAProxy's HTX block cost;
   * 15291 matched the 2.6 binary with bufsize 16384, maxrewrite 1024).
   */
  headBudget: number;
  /** Raw bytes after which an unfinished head is refused (bufsize - maxrewrite). */
  maxRawHead: number;
}

/** HAProxy 2.6 defaults; use headLimits() when tune.* is set. */
export const DEFAULT_LIMITS: Readonly<HeadLimits> = Object.freeze(headLimits(16384, 1024, 101));

/** Limits for tune.bufsize / tune.maxrewrite / tune.http.maxhdr. Never on the hot path. */
export function headLimits(bufsize: number, maxrewrite: number, maxhdr: number): HeadLimits {
  return { maxHeaders: maxhdr - 1, headBudget: bufsize - maxrewrite - 69, maxRawHead: bufsize - maxrewrite };
}

interface HeadCommon {
  /** 10 for HTTP/1.0, 11 for 1.1 and anything above; 0.x keeps e.g. 9. */
  version: number;
  /** name, value, name, value… names lower-cased, values trimmed of OWS. */
  rawHeaders: string[];
  /** Bytes consumed from `start`, leading empty lines included. */
  headBytes: number;
  /** Tokens of the Connection header(s); connClose is also set by CL + TE. */
  connClose: boolean;
  connKeepAlive: boolean;
  connUpgrade: boolean;
  framing: FramingKind;
  /** Body length when framing is 'length' (0 otherwise). */
  length: number;
  /** Connection: upgrade together with an Upgrade header. */
  upgrade: boolean;
}

export interface RequestHead extends HeadCommon {
  kind: 'request';
  method: string;
  /** Request target as sent (latin1), after default-port normalisation of absolute URIs. */
  target: string;
  expect100: boolean;
}

export interface ResponseHead extends HeadCommon {
  kind: 'response';
  status: number;
  reason: string;
}

export interface HeadError {
  kind: 'error';
  /** 400 / 422 for requests, 502 for responses. */
  status: number;
  reason: string;
  /** Offset (from `start`) where the problem was seen. */
  offset: number;
}

// ---------------------------------------------------------------- char tables
const T_TOKEN = 1; // RFC 9110 tchar
const T_URI = 2; // accepted in a request target by HAProxy 2.6 (0x21-0x7e but '#')
const T_HEX = 4;
const CT = new Uint8Array(256);
for (let c = 0x21; c < 0x7f; c++) {
  if (c !== 0x23) CT[c]! |= T_URI;
  if (!'"(),/:;<=>?@[\\]{}'.includes(String.fromCharCode(c))) CT[c]! |= T_TOKEN;
}
for (const ch of '0123456789abcdefABCDEF') CT[ch.charCodeAt(0)]! |= T_HEX;
const HEXVAL = new Int8Array(256).fill(-1);
for (let i = 0; i < 16; i++) {
  HEXVAL['0123456789abcdef'.charCodeAt(i)] = i;
  HEXVAL['0123456789ABCDEF'.charCodeAt(i)] = i;
}

const CR = 13, LF = 10, SP = 32, HT = 9, COLON = 58;

function fail(status: number, reason: string, offset: number): HeadError {
  return { kind: 'error', status, reason, offset };
}

const CRLFCRLF = Buffer.from('\r\n\r\n');

/** Node's Buffer has latin1Slice (what toString('latin1') calls, minus its argument checks). */
interface Latin1Buffer extends Buffer {
  latin1Slice(start: number, end: number): string;
}

/**
 * Where the head's text ends (an offset in buf after a blank line), or -1 when
 * no blank line has arrived yet. One native search for CRLFCRLF covers the
 * common case; heads using bare LF fall back to a byte loop. The parser itself
 * stops at the FIRST blank line, so an earlier bare "\n\n" is still honoured.
 */
function headEnd(buf: Buffer, pos: number, end: number): number {
  const i = (end === buf.length ? buf : buf.subarray(0, end)).indexOf(CRLFCRLF, pos);
  if (i >= 0 && i + 4 <= end) return i + 4;
  for (let c = pos; c + 1 < end; c++) {
    if (buf[c] !== LF) continue;
    if (buf[c + 1] === LF) return c + 2;
    if (buf[c + 1] === CR && c + 2 < end && buf[c + 2] === LF) return c + 3;
  }
  return -1;
}

/** Heads are looked for in a string of at most this many bytes before falling back to Buffer search. */
const WINDOW = 2048;

/**
 * The text holding a complete head starting at `from` (it may run past the
 * head: the parser stops at the first blank line), or null when the blank
 * line has not arrived. Small windows are searched as a string (no native
 * call besides the latin1 conversion).
 */
function headText(buf: Buffer, from: number, end: number): string | null {
  if (end - from <= WINDOW) {
    const s = (buf as Latin1Buffer).latin1Slice(from, end);
    return s.indexOf('\n\r\n') >= 0 || s.indexOf('\n\n') >= 0 ? s : null;
  }
  const stop = headEnd(buf, from, end);
  return stop < 0 ? null : (buf as Latin1Buffer).latin1Slice(from, stop);
}

/** Skips empty lines before a start line (HAProxy ignores them). */
function skipEmptyLines(buf: Buffer, pos: number, end: number): number {
  for (;;) {
    if (pos < end && buf[pos] === LF) pos++;
    else if (pos + 1 < end && buf[pos] === CR && buf[pos + 1] === LF) pos += 2;
    else return pos;
  }
}

/**
 * Parses header lines of the head text `s` from `pos` (just after the start
 * line) up to the first blank line. Fills `out`; returns the index after the
 * blank line, or the reason of the error (the caller picks the status).
 */
function parseHeaderLines(s: string, pos: number, out: string[], max: number): number | string {
  let first = true;
  let lastValue = pos;
  for (;;) {
    let c = s.charCodeAt(pos);
    if (c === LF) return pos + 1;
    if (c === CR) return s.charCodeAt(pos + 1) === LF ? pos + 2 : 'bare CR';
    if (c === SP || c === HT) {
      if (first) return 'folded first header';
      // obs-fold: the previous value continues; its CR/LF become spaces
      let e = pos;
      while ((c = s.charCodeAt(e)) !== LF) {
        if (c === CR && s.charCodeAt(e + 1) !== LF) return 'bare CR';
        if (c === 0) return 'NUL in header value';
        e++;
      }
      const folded = s.slice(lastValue, s.charCodeAt(e - 1) === CR ? e - 1 : e);
      out[out.length - 1] = trimOws(folded.replace(CRLF_RE, ' '));
      pos = e + 1;
      continue;
    }
    if (c !== c) return 'truncated head'; // NaN: past the text (cannot happen after headEnd)
    first = false;
    const nameStart = pos;
    pos = s.indexOf(':', pos);
    if (pos < 0) return 'invalid header name';
    let name = knownName(s, nameStart, pos);
    if (name === '') {
      // not a common name: every byte must be a tchar (this also refuses a
      // space before the colon, or a colon-less line ending in a later one)
      for (let i = nameStart; i < pos; i++) if (!(CT[s.charCodeAt(i)]! & T_TOKEN)) return 'invalid header name';
      if (pos === nameStart) return 'invalid header name';
      name = s.slice(nameStart, pos).toLowerCase();
    }
    c = s.charCodeAt(++pos);
    while (c === SP || c === HT) c = s.charCodeAt(++pos);
    const vStart = (lastValue = pos);
    const lf = s.indexOf('\n', pos); // bare CR and NUL are checked over the whole head afterwards
    let vEnd = lf;
    while (vEnd > vStart && ((c = s.charCodeAt(vEnd - 1)) === SP || c === HT || c === CR)) vEnd--;
    if (out.length >= max * 2) return 'too many headers';
    out.push(name, s.slice(vStart, vEnd));
    pos = lf + 1;
  }
}

/** A CR not followed by LF, or a NUL, anywhere in s[0, end) → reason, else ''. */
function badBytes(s: string, end: number): string {
  for (let i = s.indexOf('\r'); i >= 0 && i < end; i = s.indexOf('\r', i + 1)) if (s.charCodeAt(i + 1) !== LF) return 'bare CR';
  const z = s.indexOf('\0');
  return z >= 0 && z < end ? 'NUL in header' : '';
}

/**
 * Header names are lower-cased through an intern table of common names so
 * the usual headers cost no allocation; others are sliced and lower-cased.
 */
const LOWER = new Uint8Array(256);
for (let c = 0; c < 256; c++) LOWER[c] = c >= 65 && c <= 90 ? c + 32 : c;
const KNOWN_NAMES = [
  'host', 'user-agent', 'accept', 'accept-language', 'accept-encoding', 'accept-charset', 'referer', 'cookie',
  'connection', 'keep-alive', 'content-type', 'content-length', 'transfer-encoding', 'cache-control', 'pragma',
  'upgrade', 'origin', 'authorization', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'expect',
  'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-real-ip', 'x-request-id', 'forwarded', 'via',
  'if-none-match', 'if-modified-since', 'if-match', 'if-unmodified-since', 'range', 'dnt', 'priority',
  'sec-fetch-mode', 'sec-fetch-site', 'sec-fetch-dest', 'sec-fetch-user', 'sec-ch-ua', 'sec-ch-ua-mobile',
  'sec-ch-ua-platform', 'upgrade-insecure-requests', 'sec-websocket-key', 'sec-websocket-version',
  'sec-websocket-extensions', 'sec-websocket-protocol', 'sec-websocket-accept', 'x-requested-with',
  'set-cookie', 'date', 'server', 'etag', 'last-modified', 'expires', 'location', 'vary', 'age',
  'content-encoding', 'content-language', 'content-disposition', 'content-range', 'accept-ranges',
  'access-control-allow-origin', 'strict-transport-security', 'www-authenticate', 'retry-after', 'link',
  'x-content-type-options', 'x-frame-options', 'alt-svc',
];
const NAME_SLOTS = 1024;
const NAME_TABLE: string[] = new Array<string>(NAME_SLOTS).fill('');
/** The same names as most clients spell them ("User-Agent"), tried first with startsWith. */
const NAME_TITLE: string[] = new Array<string>(NAME_SLOTS).fill('');
function nameSlot(len: number, first: number, mid: number, last: number): number {
  return (((first * 31 + mid) * 31 + last) * 7 + len) & (NAME_SLOTS - 1);
}
for (const n of KNOWN_NAMES) {
  let slot = nameSlot(n.length, n.charCodeAt(0), n.charCodeAt(n.length >> 1), n.charCodeAt(n.length - 1));
  while (NAME_TABLE[slot] !== '') slot = (slot + 1) & (NAME_SLOTS - 1);
  NAME_TABLE[slot] = n;
  NAME_TITLE[slot] = n.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase());
}

/** The interned lower-case name when s[a, b) is a known name in any case, else ''. */
function knownName(s: string, a: number, b: number): string {
  const len = b - a;
  if (len === 0) return '';
  let slot = nameSlot(len, LOWER[s.charCodeAt(a)]!, LOWER[s.charCodeAt(a + (len >> 1))]!, LOWER[s.charCodeAt(b - 1)]!);
  for (;;) {
    const cand = NAME_TABLE[slot]!;
    if (cand === '') return '';
    if (cand.length === len) {
      if (s.startsWith(NAME_TITLE[slot]!, a) || s.startsWith(cand, a)) return cand;
      let i = 0;
      while (i < len && cand.charCodeAt(i) === LOWER[s.charCodeAt(a + i)]) i++;
      if (i === len) return cand;
    }
    slot = (slot + 1) & (NAME_SLOTS - 1);
  }
}

const CRLF_RE = /[\r\n]/g;

function trimOws(s: string): string {
  let e = s.length;
  while (e > 0 && (s.charCodeAt(e - 1) === SP || s.charCodeAt(e - 1) === HT)) e--;
  return e === s.length ? s : s.slice(0, e);
}

/** Parses "HTTP/d.d" at pos of s; returns major*10+minor (above 11 → 11) or -1. */
function parseVersion(s: string, pos: number): number {
  if (s.charCodeAt(pos) !== 72 || s.charCodeAt(pos + 1) !== 84 || s.charCodeAt(pos + 2) !== 84 ||
      s.charCodeAt(pos + 3) !== 80 || s.charCodeAt(pos + 4) !== 47) return -1;
  const ma = s.charCodeAt(pos + 5) - 48, mi = s.charCodeAt(pos + 7) - 48;
  if (!(ma >= 0 && ma <= 9 && mi >= 0 && mi <= 9) || s.charCodeAt(pos + 6) !== 46) return -1;
  const v = ma * 10 + mi;
  return v > 11 ? 11 : v;
}

/** Internal size of a head (see HeadLimits.headBudget). */
function headCost(startLine: number, h: string[]): number {
  let cost = 16 + startLine;
  for (let i = 0; i < h.length; i += 2) cost += 8 + h[i]!.length + h[i + 1]!.length;
  return cost;
}

/**
 * Request head at buf[start, end). Returns NEED_MORE, a RequestHead, or a
 * HeadError (400, or 422 for transfer codings before chunked).
 */
export function parseRequestHead(buf: Buffer, start: number, end: number, limits: HeadLimits = DEFAULT_LIMITS): RequestHead | HeadError | null {
  const from = skipEmptyLines(buf, start, end);
  const s = headText(buf, from, end);
  if (s === null) return end - start >= limits.maxRawHead ? fail(400, 'head too large', end - start) : NEED_MORE;
  const skipped = from - start;
  let pos = 0;
  let c = s.charCodeAt(0);
  while (CT[c]! & T_TOKEN) c = s.charCodeAt(++pos);
  if (pos === 0 || c !== SP) return fail(400, 'invalid method', skipped + pos);
  const method = s.slice(0, pos);
  while ((c = s.charCodeAt(++pos)) === SP);
  const uStart = pos;
  while (CT[c]! & T_URI) c = s.charCodeAt(++pos);
  if (pos === uStart || c !== SP) return fail(400, 'invalid request target', skipped + pos);
  const uEnd = pos;
  while ((c = s.charCodeAt(++pos)) === SP);
  const version = parseVersion(s, pos);
  if (version < 0) return fail(400, 'invalid version', skipped + pos);
  pos += 8;
  if (s.charCodeAt(pos) === CR) pos++;
  if (s.charCodeAt(pos) !== LF) return fail(400, 'invalid request line', skipped + pos);
  const rawHeaders: string[] = [];
  const r = parseHeaderLines(s, pos + 1, rawHeaders, limits.maxHeaders);
  if (typeof r === 'string') return fail(400, r, skipped);
  const bad = badBytes(s, r);
  if (bad !== '') return fail(400, bad, skipped);
  const head: RequestHead = {
    kind: 'request', method, target: s.slice(uStart, uEnd), version, rawHeaders, headBytes: skipped + r,
    connClose: false, connKeepAlive: false, connUpgrade: false,
    framing: 'none', length: 0, upgrade: false, expect100: false,
  };
  const err = analyse(head, true);
  if (err !== undefined) return fail(err === 'unsupported transfer-encoding' ? 422 : 400, err, skipped);
  if (headCost(method.length + uEnd - uStart + 8, rawHeaders) > limits.headBudget) return fail(400, 'head too large', skipped + r);
  const t0 = head.target.charCodeAt(0);
  if (t0 !== 47 && t0 !== 42 && method !== 'CONNECT') {
    const target = checkAbsolute(head, head.target);
    if (target === '') return fail(400, 'authority does not match host', skipped);
    head.target = target;
  }
  return head;
}

/**
 * Response head at buf[start, end). `reqMethod` is the request's method
 * (HEAD → no body). Returns NEED_MORE, a ResponseHead or a 502 HeadError.
 */
export function parseResponseHead(buf: Buffer, start: number, end: number, reqMethod: string, limits: HeadLimits = DEFAULT_LIMITS): ResponseHead | HeadError | null {
  const from = skipEmptyLines(buf, start, end);
  const s = headText(buf, from, end);
  if (s === null) return end - start >= limits.maxRawHead ? fail(502, 'head too large', end - start) : NEED_MORE;
  const skipped = from - start;
  const version = parseVersion(s, 0);
  if (version < 0 || s.charCodeAt(8) !== SP) return fail(502, 'invalid version', skipped);
  let pos = 9;
  let status = 0;
  let c = s.charCodeAt(pos);
  while (c >= 48 && c <= 57) {
    status = status * 10 + c - 48;
    c = s.charCodeAt(++pos);
  }
  if (pos === 9 || pos > 18) return fail(502, 'invalid status', skipped + pos);
  const statusLen = pos - 9;
  let reason = '';
  if (c === SP) {
    const rStart = ++pos;
    while ((c = s.charCodeAt(pos)) !== CR && c !== LF) {
      if (c === 0) return fail(502, 'invalid reason', skipped + pos);
      pos++;
    }
    reason = s.slice(rStart, pos);
  }
  if (c === CR) pos++;
  if (s.charCodeAt(pos) !== LF) return fail(502, 'invalid status line', skipped + pos);
  const rawHeaders: string[] = [];
  const r = parseHeaderLines(s, pos + 1, rawHeaders, limits.maxHeaders);
  if (typeof r === 'string') return fail(502, r, skipped);
  const bad = badBytes(s, r);
  if (bad !== '') return fail(502, bad, skipped);
  const head: ResponseHead = {
    kind: 'response', status, reason, version, rawHeaders, headBytes: skipped + r,
    connClose: false, connKeepAlive: false, connUpgrade: false,
    framing: 'none', length: 0, upgrade: false,
  };
  const err = analyse(head, false);
  if (err !== undefined) return fail(502, err, skipped);
  if (headCost(8 + statusLen + reason.length, rawHeaders) > limits.headBudget) return fail(502, 'head too large', skipped + r);
  if (status < 200 || status === 204) {
    // interim and 204: no body; HAProxy drops their content-length
    if (head.framing === 'length') removeAll(rawHeaders, 'content-length');
    head.framing = 'none';
    head.length = 0;
  } else if (status === 304 || reqMethod === 'HEAD' || (reqMethod === 'CONNECT' && status < 300)) {
    // no body; after a 2xx to CONNECT the connection becomes a tunnel
    head.framing = 'none';
    head.length = 0;
  } else if (head.framing === 'none') {
    head.framing = 'close';
  }
  return head;
}

// -------------------------------------------------------- semantic analysis
/** Pulls framing/connection facts out of rawHeaders; returns an error reason or undefined. */
function analyse(head: RequestHead | ResponseHead, isReq: boolean): string | undefined {
  const h = head.rawHeaders;
  let clIdx = -1, clVal = -1, clNorm = false, clCount = 0;
  let te = 0; // 0 none, 1 chunked last, 2 codings then chunked (422), 3 invalid
  let teSeen = false, hasUpgrade = false, hostIdx = -1, wsKey = false, websocket = false;
  for (let i = 0; i < h.length; i += 2) {
    const n = h[i]!;
    switch (n.length) {
      case 14:
        if (n === 'content-length') {
          const val = parseContentLength(h[i + 1]!);
          if (val < 0) return 'invalid content-length';
          if (clWasList) clNorm = true;
          if (clIdx >= 0 && val !== clVal) return 'differing content-length';
          if (clIdx < 0) { clIdx = i; clVal = val; }
          clCount++;
        }
        break;
      case 17:
        if (n === 'transfer-encoding') {
          te = transferCodings(h[i + 1]!, te);
          teSeen = true;
        } else if (n === 'sec-websocket-key') wsKey = true;
        break;
      case 10:
        if (n === 'connection') connectionTokens(head, h[i + 1]!);
        break;
      case 7:
        if (n === 'upgrade') {
          hasUpgrade = true;
          if (eqLower(h[i + 1]!, 0, h[i + 1]!.length, 'websocket')) websocket = true;
        }
        break;
      case 4:
        if (n === 'host' && isReq) {
          if (hostIdx >= 0) {
            if (h[hostIdx + 1] !== h[i + 1]) return 'differing host headers';
            h.splice(i, 2);
            i -= 2;
          } else hostIdx = i;
        }
        break;
      case 6:
        if (n === 'expect' && isReq && head.version >= 11 && eqLower(h[i + 1]!, 0, h[i + 1]!.length, '100-continue')) (head as RequestHead).expect100 = true;
        break;
    }
  }
  if (teSeen) {
    if (te === 2) return isReq ? 'unsupported transfer-encoding' : 'invalid transfer-encoding';
    if (te !== 1) return 'invalid transfer-encoding';
    if (clIdx >= 0) {
      removeAll(h, 'content-length');
      head.connClose = true; // RFC 9112 6.1: close after such a message (HAProxy 2.6 does)
    }
    head.framing = 'chunked';
  } else if (clIdx >= 0) {
    if (clCount > 1 || clNorm) {
      removeAll(h, 'content-length', clIdx);
      h[clIdx + 1] = String(clVal);
    }
    head.framing = 'length';
    head.length = clVal;
  }
  head.upgrade = head.connUpgrade && hasUpgrade;
  if (isReq && head.upgrade && websocket && !wsKey && head.version >= 11) return 'websocket upgrade without key';
  return undefined;
}

/**
 * Content-Length value: decimal digits, or a comma list of equal values.
 * Returns the value (sets clWasList when it was a list to normalise), or -1
 * when invalid (empty, sign, hex, differing list, beyond 2^53).
 */
let clWasList = false;
function parseContentLength(s: string): number {
  let val = -1, cur = -1, list = false;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 44;
    if (c >= 48 && c <= 57) {
      if (cur === -2) return -1; // digits after OWS inside an element
      cur = (cur < 0 ? 0 : cur) * 10 + c - 48;
      if (cur > Number.MAX_SAFE_INTEGER) return -1;
    } else if (c === SP || c === HT) {
      if (cur >= 0) { if (val >= 0 && val !== cur) return -1; val = cur; cur = -2; }
    } else if (c === 44) {
      if (cur === -1) return -1;
      if (cur >= 0) { if (val >= 0 && val !== cur) return -1; val = cur; }
      if (i < s.length) list = true;
      cur = -1;
    } else return -1;
  }
  clWasList = list;
  return val;
}

/**
 * Folds one Transfer-Encoding value into the running verdict:
 * 1 = chunked is last, 2 = other codings then chunked (422 in requests),
 * 3 = invalid (no final chunked, chunked twice, coding after chunked).
 * An empty element before chunked counts as a coding; after it, it is ignored.
 */
function transferCodings(v: string, state: number): number {
  let i = 0;
  const n = v.length;
  if (n === 0 || state === 3) return 3;
  while (i <= n) {
    let e = v.indexOf(',', i);
    if (e < 0) e = n;
    let a = i, b = e;
    while (a < b && (v.charCodeAt(a) === SP || v.charCodeAt(a) === HT)) a++;
    while (b > a && (v.charCodeAt(b - 1) === SP || v.charCodeAt(b - 1) === HT)) b--;
    const chunked = eqLower(v, a, b, 'chunked');
    if (chunked) {
      if (state === 1 || state === 2) return 3;
      state = state === 4 ? 2 : 1;
    } else if (b > a || (state !== 1 && state !== 2)) {
      if (state === 1 || state === 2) return 3;
      if (state === 3) return 3;
      state = 4; // coding seen, chunked not yet
    }
    i = e + 1;
  }
  return state === 4 ? 3 : state;
}

/** v[a, b) equals the lower-case word `w`, ignoring ASCII case. */
function eqLower(v: string, a: number, b: number, w: string): boolean {
  if (b - a !== w.length) return false;
  for (let i = 0; i < w.length; i++) if (LOWER[v.charCodeAt(a + i)] !== w.charCodeAt(i)) return false;
  return true;
}

function connectionTokens(head: HeadCommon, v: string): void {
  let i = 0;
  const n = v.length;
  while (i < n) {
    let e = v.indexOf(',', i);
    if (e < 0) e = n;
    let a = i, b = e;
    while (a < b && (v.charCodeAt(a) === SP || v.charCodeAt(a) === HT)) a++;
    while (b > a && (v.charCodeAt(b - 1) === SP || v.charCodeAt(b - 1) === HT)) b--;
    if (eqLower(v, a, b, 'close')) head.connClose = true;
    else if (eqLower(v, a, b, 'keep-alive')) head.connKeepAlive = true;
    else if (eqLower(v, a, b, 'upgrade')) head.connUpgrade = true;
    i = e + 1;
  }
}

/** Removes every `name` header, except the one at index `keep`. */
function removeAll(h: string[], name: string, keep = -1): void {
  for (let i = h.length - 2; i >= 0; i -= 2) if (i !== keep && h[i] === name) h.splice(i, 2);
}

/**
 * Absolute-form target: its authority must match the Host header (compared
 * case-insensitively, default ports :80/:443 dropped from both, as 2.6 does).
 * Returns the normalised target, or '' on mismatch.
 */
function checkAbsolute(head: RequestHead, target: string): string {
  const sch = target.indexOf('://');
  if (sch <= 0) return target;
  const scheme = target.slice(0, sch).toLowerCase();
  const aStart = sch + 3;
  let aEnd = aStart;
  while (aEnd < target.length && target.charCodeAt(aEnd) !== 47 && target.charCodeAt(aEnd) !== 63) aEnd++;
  const dflt = scheme === 'http' ? ':80' : scheme === 'https' ? ':443' : '';
  let auth = target.slice(aStart, aEnd);
  if (dflt !== '' && auth.endsWith(dflt)) {
    auth = auth.slice(0, auth.length - dflt.length);
    target = target.slice(0, aStart) + auth + target.slice(aEnd);
  }
  const h = head.rawHeaders;
  for (let i = 0; i < h.length; i += 2) {
    if (h[i] !== 'host') continue;
    let host = h[i + 1]!;
    if (dflt !== '' && host.endsWith(dflt)) host = h[i + 1] = host.slice(0, host.length - dflt.length);
    if (host.toLowerCase() !== auth.toLowerCase()) return '';
  }
  return target;
}

// ------------------------------------------------------------ chunked body
const C_SIZE = 0, C_SIZE_BWS = 1, C_EXT = 2, C_SIZE_LF = 3, C_DATA = 4, C_DATA_CR = 5, C_DATA_LF = 6,
  C_TRAILER = 7, C_DONE = 8, C_ERROR = 9, C_SIZE_CR = 10;
/** Largest chunk size HAProxy 2.6 accepts (0xFFFFFFFFFFFFF, observed). */
const MAX_CHUNK = 0xfffffffffffff;

/**
 * Streaming decoder for a chunked body; one instance per connection side,
 * reset() before each message. advance() consumes bytes and stops at each
 * event so the caller can forward data without copying:
 *   - dataEnd > dataStart: buf[dataStart, dataEnd) is body data to relay;
 *   - done: the message ended; the returned offset is where the next
 *     (pipelined) message starts; `trailers` holds the trailer fields
 *     (names lower-cased) when there were any;
 *   - error: the body is invalid (400 for requests, 502 for responses).
 * Chunk extensions are dropped (HAProxy does not forward them); the caller
 * re-frames data with chunkHeader().
 */
export class ChunkedDecoder {
  state = C_SIZE;
  /** Bytes of the current chunk still to relay. */
  remaining = 0;
  dataStart = 0;
  dataEnd = 0;
  done = false;
  error = '';
  trailers: string[] | null = null;
  private digits = 0;
  private lineBytes = 0;
  private line: number[] | null = null;
  private trailerBytes = 0;

  constructor(private readonly maxTrailerBytes = DEFAULT_LIMITS.headBudget) {}

  reset(): void {
    this.state = C_SIZE;
    this.remaining = 0;
    this.dataStart = this.dataEnd = 0;
    this.done = false;
    this.error = '';
    this.trailers = null;
    this.digits = 0;
    this.lineBytes = 0;
    this.line = null;
    this.trailerBytes = 0;
  }

  /** Consumes buf[pos, end) up to the next event; returns the new offset. */
  advance(buf: Buffer, pos: number, end: number): number {
    this.dataStart = this.dataEnd = pos;
    while (pos < end) {
      const c = buf[pos]!;
      switch (this.state) {
        case C_SIZE: {
          if (++this.lineBytes > this.maxTrailerBytes) return this.fail('chunk size line too long', pos);
          const h = HEXVAL[c]!;
          if (h >= 0) {
            this.remaining = this.remaining * 16 + h;
            this.digits++;
            if (this.remaining > MAX_CHUNK) return this.fail('chunk size too large', pos);
            pos++;
            continue;
          }
          if (this.digits === 0) return this.fail('invalid chunk size', pos);
          this.state = C_SIZE_BWS;
          continue;
        }
        case C_SIZE_BWS:
          if (++this.lineBytes > this.maxTrailerBytes) return this.fail('chunk size line too long', pos);
          if (c === SP || c === HT) { pos++; continue; }
          if (c === 59) { this.state = C_EXT; pos++; continue; }
          this.state = C_SIZE_LF;
          continue;
        case C_EXT:
          if (++this.lineBytes > this.maxTrailerBytes) return this.fail('chunk size line too long', pos);
          if (c === CR || c === LF) { this.state = C_SIZE_LF; continue; }
          if (c === 0) return this.fail('invalid chunk extension', pos);
          pos++;
          continue;
        case C_SIZE_LF:
          if (c === CR) { this.state = C_SIZE_CR; pos++; continue; }
          if (c !== LF) return this.fail('invalid chunk size line', pos);
          this.state = C_SIZE_CR;
          continue;
        case C_SIZE_CR:
          if (c !== LF) return this.fail('bare CR', pos);
          pos++;
          this.digits = 0;
          this.lineBytes = 0;
          if (this.remaining === 0) {
            this.state = C_TRAILER;
            this.line = [];
          } else this.state = C_DATA;
          continue;
        case C_DATA: {
          const n = Math.min(this.remaining, end - pos);
          this.dataStart = pos;
          this.dataEnd = pos + n;
          this.remaining -= n;
          if (this.remaining === 0) this.state = C_DATA_CR;
          return pos + n;
        }
        case C_DATA_CR:
          if (c === CR) { this.state = C_DATA_LF; pos++; continue; }
          if (c === LF) { this.state = C_SIZE; pos++; continue; }
          return this.fail('missing CRLF after chunk data', pos);
        case C_DATA_LF:
          if (c !== LF) return this.fail('missing CRLF after chunk data', pos);
          this.state = C_SIZE;
          pos++;
          continue;
        case C_TRAILER: {
          pos++;
          if (++this.trailerBytes > this.maxTrailerBytes) return this.fail('trailers too large', pos);
          const line = this.line!;
          if (c !== LF) {
            if (line.length > 0 && line[line.length - 1] === CR) return this.fail('bare CR', pos);
            line.push(c);
            continue;
          }
          if (line.length > 0 && line[line.length - 1] === CR) line.pop();
          if (line.length === 0) {
            this.state = C_DONE;
            this.done = true;
            return pos;
          }
          if (!this.addTrailer(line)) return this.fail('invalid trailer', pos);
          line.length = 0;
          continue;
        }
        default:
          return pos;
      }
    }
    return pos;
  }

  /**
   * A trailer line is `token: value`. (2.6.12 forwards a name with a space in
   * some process instances and refuses it in others; lb always refuses.)
   */
  private addTrailer(line: number[]): boolean {
    const colon = line.indexOf(COLON);
    if (colon <= 0 || line.includes(0)) return false;
    for (let i = 0; i < colon; i++) if (!(CT[line[i]!]! & T_TOKEN)) return false;
    let a = colon + 1, b = line.length;
    while (a < b && (line[a] === SP || line[a] === HT)) a++;
    while (b > a && (line[b - 1] === SP || line[b - 1] === HT)) b--;
    (this.trailers ??= []).push(
      String.fromCharCode(...line.slice(0, colon)).toLowerCase(),
      String.fromCharCode(...line.slice(a, b)),
    );
    return true;
  }

  private fail(reason: string, pos: number): number {
    this.state = C_ERROR;
    this.error = reason;
    return pos;
  }
}

/** "<HEX>\r\n" framing one relayed data span (upper-case hex, as HAProxy writes). */
export function chunkHeader(len: number): string {
  return len.toString(16).toUpperCase() + '\r\n';
}

/** The last chunk plus trailers (names already lower-cased) and the final CRLF. */
export function lastChunk(trailers: string[] | null): string {
  if (trailers === null) return '0\r\n\r\n';
  let s = '0\r\n';
  for (let i = 0; i < trailers.length; i += 2) s += trailers[i] + ': ' + trailers[i + 1] + '\r\n';
  return s + '\r\n';
}

// ------------------------------------------------------------- serializer
const VERSIONS = ['HTTP/1.0', 'HTTP/1.1'];
function versionText(v: number): string {
  return v === 11 ? VERSIONS[1]! : v === 10 ? VERSIONS[0]! : 'HTTP/' + ((v / 10) | 0) + '.' + (v % 10);
}

/** Ready-made header lines for the engine's `extra` argument. */
export const CONNECTION_CLOSE = 'connection: close\r\n';
export const CONNECTION_KEEP_ALIVE = 'connection: keep-alive\r\n';
export const CONNECTION_UPGRADE = 'connection: upgrade\r\n';
export const TE_CHUNKED = 'transfer-encoding: chunked\r\n';

/**
 * One request head as HAProxy emits it: versions above 1.1 become HTTP/1.1,
 * names as given (the parser lower-cased them), `extra` (preformatted lines
 * ending in CRLF: framing, connection, x-forwarded-for) appended last.
 * Values must already be free of CR/LF (see headers.ts).
 */
export function writeRequestHead(method: string, target: string, version: number, rawHeaders: readonly string[], extra = ''): Buffer {
  return Buffer.from(requestHeadText(method, target, version, rawHeaders, extra), 'latin1');
}

/**
 * The same head as latin1 text, for a socket write(text, 'latin1') that
 * encodes straight into the kernel buffer (no intermediate Buffer).
 */
export function requestHeadText(method: string, target: string, version: number, rawHeaders: readonly string[], extra = ''): string {
  let s = method + ' ' + target + ' ' + versionText(version) + '\r\n';
  for (let i = 0; i < rawHeaders.length; i += 2) s += rawHeaders[i] + ': ' + rawHeaders[i + 1] + '\r\n';
  return s + extra + '\r\n';
}

/** One response head: "HTTP/1.x <status> <reason>" (the space stays when reason is empty). */
export function writeResponseHead(version: number, status: number, reason: string, rawHeaders: readonly string[], extra = ''): Buffer {
  return Buffer.from(responseHeadText(version, status, reason, rawHeaders, extra), 'latin1');
}

/** The same head as text (one byte per character: write it as latin1). */
export function responseHeadText(version: number, status: number, reason: string, rawHeaders: readonly string[], extra = ''): string {
  let s = versionText(version) + ' ' + (status < 100 ? String(status).padStart(3, '0') : status) + ' ' + reason + '\r\n';
  for (let i = 0; i < rawHeaders.length; i += 2) s += rawHeaders[i] + ': ' + rawHeaders[i + 1] + '\r\n';
  return s + extra + '\r\n';
}
