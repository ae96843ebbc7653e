/**
 * Fuzzing the configuration loader: 10,000 mutated configurations, built
 * from a few seeds of our own plus (read at test time, never copied) the
 * compat corpus in /work/shared/compat/configs when it is there.
 *
 * Invariants checked for every input:
 *   - loadConfig never throws (bad input is a diagnostic, not a crash);
 *   - one load stays under PER_RUN_MS, the whole run under TOTAL_MS;
 *   - every ALERT/WARNING carries file and line, except the whole-file
 *     summaries HAProxy prints without them (SUMMARY below).
 * The PRNG is seeded: a failure prints its seed, iteration and input so
 * it reproduces with FUZZ_SEED=<seed> FUZZ_ONLY=<iteration> (add
 * FUZZ_DUMP=<path> to save that input).
 */
import t from 'tap';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/parse.js';

const SEED = Number(process.env.FUZZ_SEED ?? 0x1b2c3d4);
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
const ONLY = process.env.FUZZ_ONLY === undefined ? undefined : Number(process.env.FUZZ_ONLY);
const PER_RUN_MS = 2_000;
const TOTAL_MS = 90_000;
const CORPUS = '/work/shared/compat/configs';

/** diagnostics HAProxy prints about a whole file or the whole configuration */
const SUMMARY = [
  /^Error\(s\) found in configuration file : /,
  /^Fatal errors found in configuration\.$/,
  // closes the per-server "could not resolve address" alerts, which carry file:line
  /^Failed to initialize server\(s\) addr\.$/,
];

/** mulberry32: small, fast, good enough to pick mutations reproducibly */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

const SEEDS: string[] = [
  `global
    log stdout format raw local0
    maxconn 4096
    stats socket /tmp/lb-fuzz.sock mode 600 level admin
    nbthread 2

defaults
    mode http
    log global
    option httplog
    option dontlognull
    option forwardfor
    retries 3
    timeout connect 5s
    timeout client 30s
    timeout server 30s
    default-server inter 2s fall 3 rise 2

frontend fe_http
    bind 127.0.0.1:8080
    bind 127.0.0.1:8443 name alt
    acl is_api path_beg /api
    acl is_static path_end .css .js .png
    http-request set-header X-Forwarded-Proto http
    http-request deny if { path_beg /admin } !{ src 127.0.0.1 }
    use_backend be_api if is_api
    use_backend be_static if is_static
    default_backend be_web

backend be_api
    balance roundrobin
    option httpchk GET /health
    http-check expect status 200
    server api1 127.0.0.1:9001 check weight 10
    server api2 127.0.0.1:9002 check weight 20 backup

backend be_static
    balance static-rr
    server s1 127.0.0.1:9101 check
    server s2 127.0.0.1:9102 check disabled

backend be_web
    balance leastconn
    cookie SRV insert indirect nocache
    server w1 127.0.0.1:9201 cookie w1 check maxconn 100
    server w2 127.0.0.1:9202 cookie w2 check maxconn 100

listen stats
    bind 127.0.0.1:8404
    stats enable
    stats uri /stats
    stats refresh 10s
`,
  `global
    daemon
defaults tcpdef
    mode tcp
    timeout connect 1s
    timeout client 1m
    timeout server 1m
listen mysql from tcpdef
    bind 127.0.0.1:3306
    balance source
    option tcp-check
    tcp-check connect
    server db1 127.0.0.1:13306 check port 9200 inter 5s
    server db2 127.0.0.1:13307 check port 9200 inter 5s backup
defaults
    mode tcp
    timeout connect 1s
    timeout client 1m
    timeout server 1m
.if defined(HOME)
frontend fe_env
    bind "\${LB_FUZZ_ADDR}:\${LB_FUZZ_PORT}"
    mode tcp
    default_backend be_env
.else
    .warning "no HOME"
.endif
backend be_env
    mode tcp
    server e1 "\${LB_FUZZ_ADDR}":7000
`,
  `# quoting and escapes
frontend 'fe-quotes'
    bind :8000
    mode http
    http-request set-header X-A "a b\\"c" if TRUE
    http-request set-header X-B 'single $HOME'
    http-request set-header X-C a\\ b\\#c
    http-response set-header X-D "\${LB_FUZZ_ADDR}"
    timeout client 10s
    default_backend be
backend be
    mode http
    timeout connect 10s
    timeout server 10s
    server-template srv 3 127.0.0.1:9300 check
    errorfile 503 /etc/haproxy/errors/503.http
resolvers dns
    nameserver ns1 127.0.0.1:53
    hold valid 10s
userlist users
    user admin insecure-password secret
peers mypeers
    peer local 127.0.0.1:10000
`,
];

function corpus(): string[] {
  if (!existsSync(CORPUS)) return [];
  return readdirSync(CORPUS)
    .filter((f) => f.endsWith('.cfg'))
    .sort()
    .map((f) => readFileSync(join(CORPUS, f), 'latin1'));
}

const KEYWORDS = [
  'global', 'defaults', 'frontend', 'backend', 'listen', 'bind', 'server', 'default-server', 'mode', 'balance',
  'option', 'timeout', 'acl', 'use_backend', 'default_backend', 'http-request', 'http-response', 'stats', 'log',
  'maxconn', 'retries', 'cookie', 'errorfile', 'tcp-check', 'http-check', 'no', 'default', '.if', '.elif', '.else',
  '.endif', '.notice', '.warning', '.alert', '.diag', 'resolvers', 'userlist', 'peers', 'nameserver', 'user',
];

type Mutation = (lines: string[], r: () => number) => string[];

const pick = <T>(r: () => number, a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
const at = (r: () => number, lines: string[]): number => Math.floor(r() * (lines.length + 1));

function randomBytes(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(Math.floor(r() * 256));
  return s;
}

const MUTATIONS: Record<string, Mutation> = {
  randomBytes(lines, r) {
    const i = at(r, lines);
    const l = lines[i] ?? '';
    const p = Math.floor(r() * (l.length + 1));
    lines[i] = l.slice(0, p) + randomBytes(r, 1 + Math.floor(r() * 8)) + l.slice(p);
    return lines;
  },
  truncateLine(lines, r) {
    const i = at(r, lines);
    if (lines[i] !== undefined) lines[i] = lines[i]!.slice(0, Math.floor(r() * lines[i]!.length));
    return lines;
  },
  truncateFile(lines, r) {
    const text = lines.join('\n');
    return text.slice(0, Math.floor(r() * text.length)).split('\n');
  },
  unbalancedQuote(lines, r) {
    const i = at(r, lines);
    lines[i] = (lines[i] ?? '') + pick(r, [' "open', " 'open", ' "a\\"', ' \\', ' "${UNCLOSED', ' ${', ' "${A}"x"']);
    return lines;
  },
  hugeNumber(lines, r) {
    const i = at(r, lines);
    const n = pick(r, ['99999999999999999999999', '-1', '4294967296', '2147483648', '1e309', '0x7fffffff', '0', '18446744073709551616ms', '-0']);
    lines[i] = (lines[i] ?? '').replace(/\d+/, n);
    return lines;
  },
  deepIf(lines, r) {
    const depth = pick(r, [2, 20, 100, 500]);
    const balanced = r() < 0.7;
    const open = Array.from({ length: depth }, (_, k) => `.if ${k % 3 === 0 ? '1' : k % 3 === 1 ? 'defined(HOME)' : '!0'}`);
    const close = Array.from({ length: balanced ? depth : Math.floor(depth / 2) }, () => '.endif');
    const i = at(r, lines);
    lines.splice(i, 0, ...open, '    maxconn 10', ...close);
    return lines;
  },
  longLine(lines, r) {
    const n = pick(r, [1023, 1024, 2048, 65536, 200_000]);
    const i = at(r, lines);
    const unit = pick(r, ['a', 'ab ', '"x" ', '${HOME}', '\\ ']);
    lines.splice(i, 0, '    ' + pick(r, KEYWORDS) + ' ' + unit.repeat(Math.ceil(n / unit.length)).slice(0, n));
    return lines;
  },
  manyWords(lines, r) {
    const i = at(r, lines);
    lines.splice(i, 0, '    ' + pick(r, KEYWORDS) + ' w'.repeat(pick(r, [63, 64, 65, 500])));
    return lines;
  },
  keywordSwap(lines, r) {
    const i = at(r, lines);
    const l = lines[i];
    if (l === undefined) return lines;
    lines[i] = l.replace(/^(\s*)(\S+)/, (_, sp: string) => sp + pick(r, KEYWORDS));
    return lines;
  },
  argSwap(lines, r) {
    const i = at(r, lines);
    const l = lines[i];
    if (l === undefined) return lines;
    const w = l.trim().split(/\s+/);
    if (w.length > 1) w[1 + Math.floor(r() * (w.length - 1))] = pick(r, [...KEYWORDS, '', '""', 'if', 'unless', '{', '}', 'check', 'inter']);
    lines[i] = '    ' + w.join(' ');
    return lines;
  },
  nul(lines, r) {
    const i = at(r, lines);
    const l = lines[i] ?? '';
    const p = Math.floor(r() * (l.length + 1));
    lines[i] = l.slice(0, p) + '\0' + l.slice(p);
    return lines;
  },
  crlf(lines, r) {
    return r() < 0.5 ? lines.map((l) => l + '\r') : lines.map((l, k) => (k % 2 ? l + '\r' : l));
  },
  noFinalNewline(lines) {
    return [...lines, '\u0000NOEOL'];
  },
  mixSections(lines, r) {
    const header = pick(r, ['global', 'defaults', 'frontend fz', 'backend bz', 'listen lz', 'resolvers rz', 'userlist uz', 'peers pz', 'defaults named', 'backend bz from named', 'frontend']);
    const i = at(r, lines);
    lines.splice(i, 0, header);
    return lines;
  },
  duplicateBlock(lines, r) {
    const a = at(r, lines);
    const b = Math.min(lines.length, a + Math.floor(r() * 10));
    lines.splice(b, 0, ...lines.slice(a, b));
    return lines;
  },
  deleteLines(lines, r) {
    const a = at(r, lines);
    lines.splice(a, 1 + Math.floor(r() * 5));
    return lines;
  },
  shuffleLines(lines, r) {
    for (let k = 0; k < 5; k++) {
      const a = at(r, lines);
      const b = at(r, lines);
      if (lines[a] !== undefined && lines[b] !== undefined) [lines[a], lines[b]] = [lines[b]!, lines[a]!];
    }
    return lines;
  },
  condJunk(lines, r) {
    const i = at(r, lines);
    lines.splice(i, 0, pick(r, [
      '.if', '.if (', '.if defined(', '.if 1 &&', '.if version_atleast(2.4', '.if streq(a)', '.elif 1', '.else', '.endif',
      '.if bogus(1)', '.if !!!!1', '.if ((((((((1))))))))', '.if feature(EPOLL) || (', '.alert "stop"', '.notice', '.diag "x"',
      '.if 1 junk', '.else junk', '.endif junk', '.unknown',
    ]));
    return lines;
  },
  envJunk(lines, r) {
    const i = at(r, lines);
    lines[i] = (lines[i] ?? '') + ' ' + pick(r, ['${', '${}', '${LB_FUZZ_ADDR', '"${LB_FUZZ_EMPTY}"', '${LB_FUZZ_LIST[*]}', '"${LB_FUZZ_LIST[*]}"', '$LB_FUZZ_ADDR', '${1BAD}', '${LB_FUZZ_UNSET-default}']);
    return lines;
  },
};
const MUTATION_NAMES = Object.keys(MUTATIONS);

function mutate(base: string, r: () => number): { text: string; applied: string[] } {
  let lines = base.split('\n');
  const applied: string[] = [];
  const n = r() < 0.6 ? 1 : 2 + Math.floor(r() * 3);
  for (let k = 0; k < n; k++) {
    const name = pick(r, MUTATION_NAMES);
    applied.push(name);
    lines = MUTATIONS[name]!(lines, r);
  }
  let text = lines.join('\n');
  if (text.includes('\u0000NOEOL')) text = text.replace(/\n?\u0000NOEOL/, '');
  else if (!text.endsWith('\n')) text += '\n';
  return { text, applied };
}

const ENV = {
  HOME: '/root',
  LB_FUZZ_ADDR: '127.0.0.1',
  LB_FUZZ_PORT: '8888',
  LB_FUZZ_EMPTY: '',
  LB_FUZZ_LIST: 'a b  c',
};

t.test('fuzzed configurations never crash and always say where', async (t) => {
  const extra = corpus();
  t.comment(`${SEEDS.length} seeds of our own, ${extra.length} from ${CORPUS}`);
  const dir = mkdtempSync(join(tmpdir(), 'lb-fuzz-'));
  const file = join(dir, 'fuzz.cfg');
  const r = prng(SEED);
  const crashes: string[] = [];
  const slow: string[] = [];
  const unplaced = new Map<string, string>();
  const start = Date.now();
  let runs = 0;
  let valid = 0;
  let postParse = 0;
  for (let i = 0; i < RUNS; i++) {
    const base = extra.length > 0 && r() < 0.5 ? pick(r, extra) : pick(r, SEEDS);
    const { text, applied } = mutate(base, r);
    if (ONLY !== undefined && i !== ONLY) continue;
    writeFileSync(file, text, 'latin1');
    if (ONLY !== undefined && process.env.FUZZ_DUMP) writeFileSync(process.env.FUZZ_DUMP, text, 'latin1');
    const t0 = Date.now();
    try {
      const res = loadConfig([file], { env: { ...ENV }, checkOnly: true });
      if (res.model) valid++;
      else if (!res.diag.list.some((d) => d.text.startsWith('Error(s) found in configuration file'))) postParse++;
      for (const d of res.diag.list) {
        if (d.level !== 'ALERT' && d.level !== 'WARNING') continue;
        if (d.file !== undefined && d.line !== undefined) continue;
        if (SUMMARY.some((re) => re.test(d.text))) continue;
        const key = d.text.replace(/'[^']*'/g, "'…'").replace(/\d+/g, 'N').slice(0, 160);
        if (!unplaced.has(key)) unplaced.set(key, `seed=${SEED} i=${i}: [${d.level}] ${d.text.split('\n')[0]}`);
      }
    } catch (e) {
      if (crashes.length < 20) {
        const stack = ((e as Error).stack ?? String(e)).split('\n');
        const ours = stack.filter((l) => /^\s+at /.test(l) && !l.includes('node:')).slice(0, 2).map((l) => l.trim());
        crashes.push(`seed=${SEED} i=${i} mutations=${applied.join(',')}: ${stack[0]} | ${ours.join(' | ')}`);
      }
    }
    const ms = Date.now() - t0;
    if (ms > PER_RUN_MS && slow.length < 20) slow.push(`seed=${SEED} i=${i} mutations=${applied.join(',')}: ${ms} ms`);
    runs++;
  }
  const total = Date.now() - start;
  t.comment(`${runs} loads in ${total} ms: ${valid} valid, ${postParse} failed after parsing, ${runs - valid - postParse} failed while parsing`);
  t.same(crashes, [], 'loadConfig never throws');
  t.same(slow, [], `every load under ${PER_RUN_MS} ms`);
  t.ok(total < TOTAL_MS, `all loads under ${TOTAL_MS} ms (took ${total})`);
  t.same([...unplaced.values()], [], 'every ALERT/WARNING carries file:line (whole-file summaries aside)');
});
