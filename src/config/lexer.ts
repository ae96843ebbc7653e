/**
 * Line → words, with HAProxy 2.6's quoting rules (reference §1.2, §1.3).
 *
 * - words split on unquoted blanks; `#` outside quotes ends the line;
 * - "..." protects blanks and expands environment variables;
 *   '...' is literal; quotes may be glued: "x"'y'z → xyz;
 * - backslash escapes outside single quotes: \  \# \\ \' \" \$ \n \r \t \xNN;
 *   any other escaped character keeps its backslash (so regexes like \d pass);
 * - "${VAR}", "$VAR", "${VAR-default}" (default only when unset),
 *   "${VAR[*]}" (value split into words), pseudo-variables ${.FILE} ${.LINE}
 *   ${.SECTION}. Unquoted ${X} stays literal.
 *
 * Pure: no I/O, the environment is passed in.
 */

export interface LexContext {
  env: (name: string) => string | undefined;
  file: string;
  line: number;
  section: string;
}

export interface LexError {
  /** text before " at position N:" */
  message: string;
  /** 1-based column in the raw line */
  position: number;
}

export type LexResult = { words: string[]; error?: undefined } | { words?: undefined; error: LexError };

/** HAProxy 2.6 MAX_LINE_ARGS */
export const MAX_LINE_ARGS = 64;

const isBlank = (c: string): boolean => c === ' ' || c === '\t';
const isNameStart = (c: string): boolean => /[A-Za-z_]/.test(c);
const isNameChar = (c: string): boolean => /[A-Za-z0-9_]/.test(c);
const HEX = /^[0-9a-fA-F]{2}$/;

/** Tokenize one raw line (without its line terminator). */
export function tokenize(raw: string, ctx: LexContext): LexResult {
  const words: string[] = [];
  let i = 0;
  const n = raw.length;
  while (i < n && isBlank(raw[i]!)) i++;
  let cur = '';
  let inWord = false;
  let quote: '' | '"' | "'" = '';
  let quoteAt = 0;
  const fail = (message: string, at: number): LexResult => ({ error: { message, position: at + 1 } });
  const endWord = (): void => {
    if (inWord) words.push(cur);
    cur = '';
    inWord = false;
  };

  while (i < n) {
    const c = raw[i]!;
    if (c === '\r' || c === '\n') break;
    if (quote === "'") {
      if (c === "'") quote = '';
      else cur += c;
      i++;
      continue;
    }
    if (quote === '' && isBlank(c)) {
      endWord();
      i++;
      continue;
    }
    if (quote === '' && c === '#') break;
    if (c === '\\') {
      const d = raw[i + 1];
      if (d === undefined) { cur += c; inWord = true; i++; continue; }
      inWord = true;
      switch (d) {
        case ' ': case '#': case '\\': case "'": case '"': case '$':
          cur += d; i += 2; continue;
        case 'n': cur += '\n'; i += 2; continue;
        case 'r': cur += '\r'; i += 2; continue;
        case 't': cur += '\t'; i += 2; continue;
        case 'x': {
          const h = raw.slice(i + 2, i + 4);
          if (!HEX.test(h)) return fail('truncated or invalid hexadecimal sequence', i);
          cur += String.fromCharCode(parseInt(h, 16));
          i += 4;
          continue;
        }
        default:
          cur += c + d; i += 2; continue;
      }
    }
    if (quote === '' && (c === '"' || c === "'")) {
      quote = c;
      quoteAt = i;
      inWord = true;
      i++;
      continue;
    }
    if (quote === '"' && c === '"') { quote = ''; i++; continue; }
    if (quote === '"' && c === '$') {
      const r = expandVar(raw, i, ctx);
      if ('error' in r) return fail(r.error, r.at);
      i = r.next;
      if (r.split) {
        const parts = r.value.split(' ');
        for (let k = 0; k < parts.length; k++) {
          if (k > 0) { words.push(cur); cur = ''; }
          cur += parts[k];
        }
      } else {
        cur += r.value;
      }
      inWord = true;
      continue;
    }
    cur += c;
    inWord = true;
    i++;
  }
  if (quote !== '') return fail('unmatched quote', quoteAt);
  endWord();
  return { words };
}

type Expansion = { value: string; next: number; split: boolean } | { error: string; at: number };

/** Expand a `$...` at raw[i] (inside double quotes). */
function expandVar(raw: string, i: number, ctx: LexContext): Expansion {
  const next = raw[i + 1] ?? '';
  if (next === '{') {
    const brace = i + 1;
    let j = brace + 1;
    let name = '';
    if (raw[j] === '.') { name = '.'; j++; }
    while (j < raw.length && isNameChar(raw[j]!)) name += raw[j++];
    let split = false;
    let def: string | undefined;
    if (raw.startsWith('[*]', j)) { split = true; j += 3; }
    if (raw[j] === '-') {
      const end = raw.indexOf('}', j);
      if (end < 0) return { error: 'unmatched brace in environment variable name', at: brace };
      def = raw.slice(j + 1, end);
      j = end;
    }
    if (raw[j] !== '}' || name === '' || name === '.') {
      return { error: 'unmatched brace in environment variable name', at: brace };
    }
    let value = lookup(name, ctx);
    if (value === undefined) value = def ?? '';
    return { value, next: j + 1, split };
  }
  if (isNameStart(next)) {
    let j = i + 1;
    let name = '';
    while (j < raw.length && isNameChar(raw[j]!)) name += raw[j++];
    return { value: lookup(name, ctx) ?? '', next: j, split: false };
  }
  return { value: '$', next: i + 1, split: false };
}

function lookup(name: string, ctx: LexContext): string | undefined {
  switch (name) {
    case '.FILE': return ctx.file;
    case '.LINE': return String(ctx.line);
    case '.SECTION': return ctx.section;
    default: return name.startsWith('.') ? undefined : ctx.env(name);
  }
}

/** The two-line excerpt HAProxy prints under a lexer error. */
export function caretExcerpt(raw: string, position: number): string {
  let lead = 0;
  while (lead < raw.length && isBlank(raw[lead]!)) lead++;
  const shown = raw.slice(lead).replace(/[\r\n]+$/, '');
  const col = Math.max(0, position - 1 - lead);
  return `  ${shown}\n  ${' '.repeat(col)}^`;
}
