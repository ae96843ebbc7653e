/**
 * Files → statements. Reads each `-f` path (a file, or a directory's `*.cfg`
 * files in byte order), splits lines, tokenizes them, runs the `.if` blocks
 * and message directives, and hands every remaining statement to `emit`.
 * (reference §1.2–1.5)
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Codes } from '../core/errors.js';
import { evalCondition, CondError } from './cond.js';
import { tokenize, caretExcerpt, MAX_LINE_ARGS } from './lexer.js';
import type { Diagnostics, Where } from './diag.js';

export interface Statement {
  readonly words: string[];
  readonly where: Where;
  readonly raw: string;
}

export interface ReaderHooks {
  /** called before the first line of each file */
  fileStart(file: string): void;
  /** called with each statement outside a dropped `.if` branch */
  emit(st: Statement): void;
  /** current section name, for ${.SECTION} */
  section(): string;
}

export interface ReadOptions {
  env: (name: string) => string | undefined;
  diag: Diagnostics;
}

/** Expand `-f` arguments into the ordered list of files HAProxy would read. */
export function expandPaths(paths: readonly string[], diag: Diagnostics): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch (e) {
      diag.alert(Codes.CFG_FILE, `Cannot open configuration file/directory ${p} : ${errnoText(e)}`);
      continue;
    }
    if (!st.isDirectory()) { out.push(p); continue; }
    let names: string[];
    try {
      names = readdirSync(p);
    } catch (e) {
      diag.alert(Codes.CFG_FILE, `Cannot open configuration file/directory ${p} : ${errnoText(e)}`);
      continue;
    }
    const picked = names
      .filter((n) => n.endsWith('.cfg') && !n.startsWith('.'))
      .map((n) => ({ n, b: Buffer.from(n) }))
      .sort((a, b) => Buffer.compare(a.b, b.b))
      .map((x) => join(p, x.n));
    for (const f of picked) {
      try {
        if (statSync(f).isFile()) out.push(f);
      } catch {
        /* vanished between readdir and stat: skip like a non-regular file */
      }
    }
  }
  return out;
}

export function errnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT': return 'No such file or directory';
    case 'EACCES': return 'Permission denied';
    case 'EISDIR': return 'Is a directory';
    case 'ENOTDIR': return 'Not a directory';
    case 'ELOOP': return 'Too many levels of symbolic links';
    case 'EADDRINUSE': return 'Address already in use';
    case 'EADDRNOTAVAIL': return 'Cannot assign requested address';
    case 'ECONNREFUSED': return 'Connection refused';
    case 'EPERM': return 'Operation not permitted';
    default: return (e as Error).message ?? String(e);
  }
}

interface Cond {
  /** a branch of this block was already taken */
  taken: boolean;
  /** lines are currently dropped */
  drop: boolean;
  sawElse: boolean;
}

/**
 * Read one file. Returns false when reading had to stop early (HAProxy's
 * ERR_ABORT: bad conditional, `.alert`, missing final LF).
 */
export function readFile(file: string, hooks: ReaderHooks, opts: ReadOptions): boolean {
  const { diag } = opts;
  let text: string;
  try {
    text = readFileSync(file, 'latin1');
  } catch (e) {
    diag.alert(Codes.CFG_FILE, `Cannot open configuration file/directory ${file} : ${errnoText(e)}`);
    return false;
  }
  hooks.fileStart(file);
  const lines = text.split('\n');
  const missingLF = lines[lines.length - 1] !== '';
  if (!missingLF) lines.pop();
  const stack: Cond[] = [];
  const dropping = (): boolean => stack.length > 0 && stack[stack.length - 1]!.drop;
  const abort = (where: Where, msg: string, code: string = Codes.CFG_COND): boolean => {
    diag.alert(code, msg, where, 'parsing:');
    return false;
  };

  /** a NUL seen on the previous line, reported once that line was parsed */
  let queueStrayNul: { where: Where; position: number } | undefined;
  for (let idx = 0; idx < lines.length; idx++) {
    strayNul();
    let raw = lines[idx]!;
    const where: Where = { file, line: idx + 1 };
    if (missingLF && idx === lines.length - 1) {
      return abort(where, `Missing LF on last line, file might have been truncated at position ${raw.length + 1}.`, Codes.CFG_FILE);
    }
    // HAProxy reads a line up to a NUL byte, parses that part, then reports the NUL
    const nul = raw.indexOf('\0');
    if (nul >= 0) {
      raw = raw.slice(0, nul);
      queueStrayNul = { where, position: nul + 1 };
    }
    const lex = tokenize(raw, { env: opts.env, file, line: idx + 1, section: hooks.section() });
    if (lex.error) {
      diag.alert(Codes.CFG_LEX, `${lex.error.message} at position ${lex.error.position}:\n${caretExcerpt(raw, lex.error.position)}`, where, 'parsing:');
      continue;
    }
    let words = lex.words;
    if (words.length === 0) continue;
    if (words.length > MAX_LINE_ARGS) {
      diag.alert(Codes.CFG_LEX, `too many words, truncating after word ${MAX_LINE_ARGS}, position ${raw.length}: <${words[MAX_LINE_ARGS]}>. Please reduce the number of words on this line.`, where, 'parsing:');
      words = words.slice(0, MAX_LINE_ARGS);
    }
    const kw = words[0]!;
    if (kw.startsWith('.')) {
      switch (kw) {
        case '.if':
        case '.elif': {
          if (kw === '.elif') {
            const top = stack[stack.length - 1];
            if (!top) return abort(where, `lone '.elif' with no matching '.if'.`);
            if (top.sawElse) return abort(where, `'.elif' after '.else' is not permitted.`);
            if (top.taken) { top.drop = true; continue; }
          }
          const parentDrops = kw === '.if' ? dropping() : stack.length > 1 && stack[stack.length - 2]!.drop;
          if (parentDrops) {
            if (kw === '.if') stack.push({ taken: true, drop: true, sawElse: false });
            continue;
          }
          const expr = words.slice(1).join(' ');
          let ok: boolean;
          try {
            ok = evalCondition(expr, { env: opts.env });
          } catch (e) {
            if (!(e instanceof CondError)) throw e;
            const pos = e.offset + 1;
            const col = raw.indexOf(words[1] ?? '') >= 0 ? raw.indexOf(words[1] ?? '') + e.offset + 1 : pos;
            return abort(where, `${e.message} in '${kw}' at position ${pos}:\n${caretExcerpt(raw, col)}`);
          }
          if (kw === '.if') stack.push({ taken: ok, drop: !ok, sawElse: false });
          else { const top = stack[stack.length - 1]!; top.taken = ok; top.drop = !ok; }
          continue;
        }
        case '.else': {
          const top = stack[stack.length - 1];
          if (!top) return abort(where, `lone '.else' with no matching '.if'.`);
          if (top.sawElse) return abort(where, `'.else' after '.else' is not permitted.`);
          top.sawElse = true;
          const parentDrops = stack.length > 1 && stack[stack.length - 2]!.drop;
          top.drop = parentDrops || top.taken;
          top.taken = true;
          continue;
        }
        case '.endif': {
          if (words.length > 1) {
            diag.alert(Codes.CFG_COND, `Unexpected argument '${words[1]}' for '.endif'.`, where, 'parsing:');
            if (stack.length) diag.alert(Codes.CFG_COND, `non-terminated '.if' block.`, where, 'parsing:');
            return false;
          }
          if (!stack.pop()) return abort(where, `lone '.endif' with no matching '.if'.`);
          continue;
        }
        case '.notice':
        case '.warning':
        case '.alert':
        case '.diag': {
          if (dropping()) continue;
          if (words.length > 2) {
            diag.alert(Codes.CFG_LEX, `Unexpected argument '${words[2]}' for '${kw}'. Use quotes if the message should contain spaces.`, where, 'parsing:');
            continue;
          }
          const msg = `'${words[1] ?? ''}'.`;
          if (kw === '.alert') return abort(where, msg, Codes.CFG_MESSAGE);
          const level = kw === '.notice' ? 'NOTICE' : kw === '.warning' ? 'WARNING' : 'DIAG';
          diag.add(level, Codes.CFG_MESSAGE, msg, where, 'parsing:');
          continue;
        }
        default:
          if (dropping()) continue;
          diag.alert(Codes.CFG_UNKNOWN_KEYWORD, `unknown directive '${kw}'.`, where, 'parsing:');
          continue;
      }
    }
    if (dropping()) continue;
    hooks.emit({ words, where, raw });
  }
  strayNul();
  function strayNul(): void {
    if (!queueStrayNul) return;
    // on the file's last line HAProxy takes the NUL for the end of a truncated file
    const last = queueStrayNul.where.line === lines.length;
    diag.alert(Codes.CFG_LEX, last
      ? `Missing LF on last line, file might have been truncated at position ${queueStrayNul.position}.`
      : `Stray NUL character at position ${queueStrayNul.position}.`, queueStrayNul.where, 'parsing:');
    queueStrayNul = undefined;
  }
  if (stack.length > 0) {
    return abort({ file, line: Math.max(1, lines.length) }, `non-terminated '.if' block.`);
  }
  return true;
}
