/**
 * Error pages beyond `errorfile` (reference §2.12): the `http-errors`
 * section, and the proxy keywords `errorfiles`, `errorloc*` and
 * `http-error`. Every form ends up as a raw HTTP response in the proxy's
 * `errorfiles` map (the same shape `errorfile` produces), so the data plane
 * has one thing to send.
 *
 * References to http-errors sections are resolved after parsing, as HAProxy
 * does: until then the proxy holds placeholders carrying the reference.
 */
import { readFileSync } from 'node:fs';
import { Codes, ConfigError, NotImplementedError } from '../core/errors.js';
import { register, type KeywordRow, type KwContext } from './keywords.js';
import { registerPostParse } from './postparse.js';
import { loadErrorFile, type ErrorFile } from './proxy.js';
import type { Diagnostics } from './diag.js';
import type { Model, Proxy, ProxyDraft } from './model.js';

/** Status codes HAProxy has error pages for (2.6). */
export const ERROR_CODES = [200, 400, 401, 403, 404, 405, 407, 408, 410, 413, 425, 429, 500, 501, 502, 503, 504];

const REASONS: Record<number, string> = {
  200: 'OK', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  407: 'Proxy Authentication Required', 408: 'Request Time-out', 410: 'Gone', 413: 'Payload Too Large',
  425: 'Too Early', 429: 'Too Many Requests', 500: 'Internal Server Error', 501: 'Not Implemented',
  502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Time-out',
};

/** A placeholder for a page that comes from an http-errors section. */
interface ErrorRef extends ErrorFile {
  readonly ref: { section: string; file: string; line: number; explicit: boolean };
}

function isRef(e: ErrorFile): e is ErrorRef {
  return (e as Partial<ErrorRef>).ref !== undefined;
}

const atoi = (v: string | undefined): number => Number(/^\s*\d+/.exec(v ?? '')?.[0] ?? 0);

function refs(px: ProxyDraft, c: KwContext, section: string, codes: number[], explicit: boolean): void {
  for (const code of codes) {
    const ref: ErrorRef = { path: `http-errors ${section}`, raw: '', ref: { section, file: c.where.file, line: c.where.line, explicit } };
    px.errorfiles[code] = ref;
  }
}

/** A generated response (errorloc, http-error string/file). */
function synth(code: number, headers: Array<[string, string]>, body: string, path: string): ErrorFile {
  let raw = `HTTP/1.1 ${code} ${REASONS[code] ?? ''}\r\n`;
  for (const [n, v] of headers) raw += `${n}: ${v}\r\n`;
  return { path, raw: `${raw}\r\n${body}` };
}

function errorloc(kw: string, status: 302 | 303): KeywordRow {
  return {
    name: kw,
    sections: 'dfbl',
    parse: (a, c) => {
      if (a.length < 2) throw new ConfigError(`${kw} : expects <status_code> and <url> as arguments.\n`);
      const code = atoi(a[0]);
      if (!ERROR_CODES.includes(code)) throw new ConfigError(`${kw} : status code '${code}' not handled.`);
      const reason = status === 302 ? 'Found' : 'See Other';
      c.proxy().errorfiles[code] = {
        path: `${kw} ${a[1]}`,
        raw: `HTTP/1.1 ${status} ${reason}\r\nCache-Control: no-cache\r\nContent-length: 0\r\nLocation: ${a[1]}\r\n\r\n`,
      };
    },
  };
}

function parseHttpError(a: readonly string[], c: KwContext): void {
  const px = c.proxy();
  if (a[0] !== 'status') throw new ConfigError(`http-error : expects at least a <status> as arguments.\n`);
  if (a[1] === undefined) throw new ConfigError(`http-error : 'status' expects <status_code> as argument`);
  const code = atoi(a[1]);
  if (!ERROR_CODES.includes(code) || !/^\d+$/.test(a[1])) throw new ConfigError(`http-error : Unexpected status code '${a[1]}'`);
  let ctype: string | undefined;
  let payload: { kind: string; value: string } | undefined;
  const hdrs: Array<[string, string]> = [];
  for (let i = 2; i < a.length; i++) {
    const k = a[i]!;
    if (k === 'content-type') { ctype = a[++i]; continue; }
    if (k === 'hdr') { hdrs.push([a[i + 1] ?? '', a[i + 2] ?? '']); i += 2; continue; }
    if (['default-errorfiles', 'errorfile', 'errorfiles', 'file', 'lf-file', 'string', 'lf-string'].includes(k)) {
      if (payload) throw new ConfigError(`http-error : unexpected '${k}' argument, '${payload.kind}' already defined`);
      payload = { kind: k, value: k === 'default-errorfiles' ? '' : a[++i] ?? '' };
      continue;
    }
    throw new ConfigError(`http-error : unknown keyword '${k}'.`);
  }
  const kind = payload?.kind;
  if ((kind === 'string' || kind === 'lf-string' || kind === 'file' || kind === 'lf-file') && !ctype && payload!.value !== '') {
    throw new ConfigError(`http-error : a content type must be defined when non-empty payload is configured`);
  }
  let body = '';
  if (kind === 'file' || kind === 'lf-file') {
    try { body = readFileSync(payload!.value, 'latin1'); } catch {
      throw new ConfigError(`http-error : error opening file '${payload!.value}'`);
    }
  }
  if (kind === 'lf-string' || kind === 'lf-file') {
    throw new NotImplementedError(`http-error : '${kind}' payloads (log-format evaluated per request) are not implemented in lb.`);
  }
  if (kind === 'errorfile') {
    try { px.errorfiles[code] = loadErrorFile(payload!.value); } catch (e) {
      throw new ConfigError((e as Error).message.replace(/^errorfile :/, 'http-error :'));
    }
    return;
  }
  if (kind === 'errorfiles') { refs(px, c, payload!.value, [code], true); return; }
  if (kind === 'default-errorfiles') { delete px.errorfiles[code]; return; }
  if (kind === 'string') body = payload!.value;
  const headers: Array<[string, string]> = [];
  if (ctype) headers.push(['content-type', ctype]);
  headers.push(['content-length', String(Buffer.byteLength(body, 'latin1'))], ...hdrs);
  px.errorfiles[code] = synth(code, headers, body, `http-error ${code}`);
}

const proxyRows: KeywordRow[] = [
  {
    name: 'errorfiles',
    sections: 'dfbl',
    parse: (a, c) => {
      if (!a[0]) throw new ConfigError(`errorfiles : expects <name> as argument.`);
      const codes: number[] = [];
      for (const w of a.slice(1)) {
        const code = atoi(w);
        if (!ERROR_CODES.includes(code)) throw new ConfigError(`errorfiles : status code '${code}' not handled.`);
        codes.push(code);
      }
      refs(c.proxy(), c, a[0], codes.length ? codes : ERROR_CODES, codes.length > 0);
    },
  },
  errorloc('errorloc', 302),
  errorloc('errorloc302', 302),
  errorloc('errorloc303', 303),
  { name: 'http-error', sections: 'dfbl', parse: parseHttpError },
];

const sectionRows: KeywordRow[] = [
  { name: '*', parse: (a) => { throw new ConfigError(`unknown keyword '${a[0] ?? ''}' in 'http-errors' section`); } },
  {
    name: 'errorfile',
    parse: (a, c) => {
      if (a.length < 2) throw new ConfigError(`errorfile: expects <status_code> and <file> as arguments.`);
      const code = atoi(a[0]);
      if (!ERROR_CODES.includes(code)) throw new ConfigError(`errorfile : status code '${a[0]}' not handled.`);
      c.other().errorfiles![code] = loadErrorFile(a[1]!);
    },
  },
];

register('proxy', proxyRows);
register('http-errors', sectionRows);

/** Replace a proxy's placeholders by the section's pages; report like HAProxy when `diag` is given. */
function resolve(px: Proxy, model: Model, diag?: Diagnostics): void {
  const reported = new Set<string>();
  for (const [k, e] of Object.entries(px.errorfiles)) {
    if (!isRef(e)) continue;
    const code = Number(k);
    const { section, file, line, explicit } = e.ref;
    const sec = model.others['http-errors'].find((s) => s.name === section);
    const at = { file, line };
    if (!sec) {
      const key = `${file}:${line}`;
      if (diag && !reported.has(key)) {
        reported.add(key);
        diag.alert(Codes.CFG_SEMANTIC, `proxy '${px.name}': unknown http-errors section '${section}' (at ${file}:${line}).`, at, 'plain');
      }
      delete px.errorfiles[code];
      continue;
    }
    const page = sec.errorfiles![code];
    if (page) { px.errorfiles[code] = page; continue; }
    if (explicit && diag) {
      diag.warning(`config: proxy '${px.name}' : status '${code}' not declared in http-errors section '${section}' (at ${file}:${line}).`, at, 'plain');
    }
    delete px.errorfiles[code];
  }
}

registerPostParse((model, diag) => {
  for (const px of model.proxies) resolve(px, model, diag);
  for (const d of model.defaults) resolve(d, model);
});
