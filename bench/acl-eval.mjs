// Cost of evaluating a compiled 5-ACL condition (src/rules/eval.ts), one core.
// Usage: node bench/acl-eval.mjs [iterations]   (default 100000, several rounds)
// Loads dist/src when built and fresh, else transpiles src/ once into a temp dir.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');

async function loadTree() {
  const built = path.join(root, 'dist/src/rules/eval.js');
  const src = path.join(root, 'src/rules/eval.ts');
  if (fs.existsSync(built) && fs.statSync(built).mtimeMs >= fs.statSync(src).mtimeMs) return path.join(root, 'dist/src');
  const ts = (await import('typescript')).default;
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'lb-bench-'));
  const walk = (dir) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) { walk(p); continue; }
      if (!e.name.endsWith('.ts')) continue;
      const js = ts.transpileModule(fs.readFileSync(p, 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      }).outputText;
      const dest = path.join(out, path.relative(path.join(root, 'src'), p)).replace(/\.ts$/, '.js');
      fs.mkdirSync(path.dirname(dest), { recursive: true });
      fs.writeFileSync(dest, js);
    }
  };
  walk(path.join(root, 'src'));
  return out;
}

const dir = await loadTree();
const imp = (m) => import(pathToFileURL(path.join(dir, m)).href);
const { parseAcl } = await imp('rules/acl.js');
const { compileCondition } = await imp('rules/eval.js');

const W = { file: 'bench', line: 1 };
const acls = [
  parseAcl('is_api', ['path_beg', '/api/', '/v1/', '/v2/'], W).def,
  parseAcl('is_host', ['hdr(host)', '-i', 'shop.example.com', 'www.example.com', 'example.com'], W).def,
  parseAcl('internal', ['src', '10.0.0.0/8', '192.168.0.0/16', '172.16.0.0/12'], W).def,
  parseAcl('static', ['path_end', '.css', '.js', '.png', '.jpg'], W).def,
  parseAcl('bad_ua', ['hdr_sub(user-agent)', '-i', 'sqlmap', 'nikto'], W).def,
];
// if is_api is_host !bad_ua || internal !static
const cond = {
  pol: 'if',
  or: [
    { and: [{ acl: 'is_api', neg: false }, { acl: 'is_host', neg: false }, { acl: 'bad_ua', neg: true }] },
    { and: [{ acl: 'internal', neg: false }, { acl: 'static', neg: true }] },
  ],
};
const test = compileCondition(cond, acls);
const ctx = {
  method: 'GET', target: '/api/items?page=2', version: 11,
  rawHeaders: ['host', 'shop.example.com', 'user-agent', 'Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0', 'accept', '*/*', 'cookie', 'sid=abc'],
  src: '203.0.113.7', srcPort: 50000, dst: '10.0.0.1', dstPort: 80, frontend: 'fe', nbsrv: () => 1, vars: new Map(),
};
if (!test(ctx)) throw new Error('bench condition should match');

const n = Number(process.argv[2] ?? 100000);
let hits = 0;
for (let i = 0; i < n; i++) if (test(ctx)) hits++; // warm-up
const rounds = [];
for (let r = 0; r < 5; r++) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) if (test(ctx)) hits++;
  rounds.push(Number(process.hrtime.bigint() - t0) / n);
}
rounds.sort((a, b) => a - b);
console.log(`acl-eval: ${n} evaluations of a 5-ACL condition (2 OR groups), node ${process.version}`);
console.log(`  best ${rounds[0].toFixed(1)} ns/eval, median ${rounds[2].toFixed(1)} ns/eval (${hits} hits)`);
