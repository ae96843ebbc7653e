/**
 * The log-format strings of actions (set-header values, set-path, lf-string,
 * redirect targets...), compiled once into a list of parts. Supported:
 * literal text, `%%`, `%[sample,conv...]`, and the variables `%ci %cp %fi
 * %fp %H %f %b %HM %HU %HP %HQ %HV`. Anything else is reported as
 * unsupported (the engine refuses to start) and renders as nothing.
 *
 * Behaviour checked on HAProxy 2.6: a sample that yields nothing renders as
 * an empty string in headers and payloads (not '-'), booleans as 1/0, and
 * spaces are kept as written.
 */
import { hostname } from 'node:os';
import { parseSample, SampleError } from './sample.js';
import { compileSample, type AnyCtx, type CompileEnv } from './eval.js';
import { getPath, getQuery } from './fetch-run.js';
import { toStr, type Smp } from './match.js';
import type { Where } from '../config/diag.js';

export type LogFmt = (ctx: AnyCtx) => string;

type Part = string | ((ctx: AnyCtx) => Smp | undefined);

const HOST = hostname();

/** The `%<name>` variables lb renders in action formats. */
const VARS: Record<string, (ctx: AnyCtx) => Smp | undefined> = {
  ci: (c) => c.src,
  cp: (c) => c.srcPort,
  fi: (c) => c.dst,
  fp: (c) => c.dstPort,
  H: () => HOST,
  f: (c) => c.frontend,
  b: (c) => c.backend ?? c.frontend,
  HM: (c) => c.method,
  HU: (c) => c.target,
  HP: (c) => (c.target === undefined ? undefined : getPath(c.target)),
  HQ: (c) => { const q = c.target === undefined ? undefined : getQuery(c.target); return q === undefined ? '' : `?${q}`; },
  HV: (c) => (c.version === undefined ? undefined : c.version === 10 ? 'HTTP/1.0' : 'HTTP/1.1'),
};

function unsupported(env: CompileEnv, where: Where, what: string): void {
  const msg = `${where.file}:${where.line}: ${what}`;
  if (env.unsupported && !env.unsupported.includes(msg)) env.unsupported.push(msg);
}

/** Compile a log-format string once; the result renders it for a context. */
export function compileLogFormat(fmt: string, where: Where, env: CompileEnv = {}): LogFmt {
  const parts: Part[] = [];
  let lit = '';
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i]!;
    if (c !== '%' || i + 1 >= fmt.length) { lit += c; continue; }
    const n = fmt[i + 1]!;
    if (n === '%') { lit += '%'; i++; continue; }
    if (lit !== '') { parts.push(lit); lit = ''; }
    if (n === '{') {
      const end = fmt.indexOf('}', i);
      unsupported(env, where, `log-format flags '${fmt.slice(i, end < 0 ? fmt.length : end + 1)}' are not supported by lb in action formats`);
      i = end < 0 ? fmt.length : end;
      continue;
    }
    if (n === '[') {
      const end = fmt.indexOf(']', i + 2);
      const text = fmt.slice(i + 2, end < 0 ? fmt.length : end);
      i = end < 0 ? fmt.length : end;
      try {
        parts.push(compileSample(parseSample(text, false).expr, where, env));
      } catch (e) {
        if (!(e instanceof SampleError)) throw e;
        unsupported(env, where, `sample expression '${text}': ${e.message}`);
      }
      continue;
    }
    const m = /^[A-Za-z]+/.exec(fmt.slice(i + 1));
    if (!m) { lit += c; continue; }
    const name = m[0];
    const v = VARS[name];
    if (v) parts.push(v);
    else unsupported(env, where, `log-format variable '%${name}' is not supported by lb in action formats`);
    i += name.length;
  }
  if (lit !== '') parts.push(lit);
  if (parts.length === 0) return () => '';
  if (parts.length === 1 && typeof parts[0] === 'string') { const s = parts[0]; return () => s; }
  return (ctx) => {
    let out = '';
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (typeof p === 'string') { out += p; continue; }
      const v = p(ctx);
      if (v !== undefined) out += toStr(v);
    }
    return out;
  };
}
