// Throughput of lb's HTTP/1 head parser (src/proxy/http1.ts), one core.
// Usage: node bench/http1-parse.mjs [seconds]
// Loads dist/src/proxy/http1.js when built, else transpiles the source once.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
async function load() {
  const built = path.join(root, 'dist/src/proxy/http1.js');
  const src = path.join(root, 'src/proxy/http1.ts');
  if (fs.existsSync(built) && fs.statSync(built).mtimeMs >= fs.statSync(src).mtimeMs) return import(pathToFileURL(built).href);
  const ts = (await import('typescript')).default;
  const out = ts.transpileModule(fs.readFileSync(src, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const tmp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lb-bench-')), 'http1.mjs');
  fs.writeFileSync(tmp, out);
  return import(pathToFileURL(tmp).href);
}
const { parseRequestHead, parseResponseHead } = await load();

const heads = {
  'curl GET (3 headers)': 'GET /index.html HTTP/1.1\r\nHost: example.com\r\nUser-Agent: curl/8.5.0\r\nAccept: */*\r\n\r\n',
  'browser GET (10 headers)':
    'GET /api/v1/items?page=2&sort=desc HTTP/1.1\r\nHost: shop.example.com\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36\r\n' +
    'Accept: application/json, text/plain, */*\r\nAccept-Language: en-US,en;q=0.9\r\nAccept-Encoding: gzip, deflate, br\r\nReferer: https://shop.example.com/cart\r\n' +
    'Cookie: session=abcdef0123456789; theme=dark\r\nConnection: keep-alive\r\nSec-Fetch-Mode: cors\r\nCache-Control: no-cache\r\n\r\n',
  'POST chunked (5 headers)': 'POST /upload HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nX-Request-Id: 42\r\nConnection: keep-alive\r\n\r\n',
};
const secs = Number(process.argv[2] ?? 2);
const ROUNDS = 5;
/** Best of ROUNDS runs, per wall second and per CPU second (the latter holds on a busy machine). */
function measure(name, parse) {
  for (let i = 0; i < 200000; i++) parse(); // warm-up
  let bestWall = 0, bestCpu = 0;
  for (let r = 0; r < ROUNDS; r++) {
    let n = 0;
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const until = t0 + BigInt(Math.round((secs / ROUNDS) * 1e9));
    let now = t0;
    while (now < until) {
      for (let i = 0; i < 10000; i++) parse();
      n += 10000;
      now = process.hrtime.bigint();
    }
    const c = process.cpuUsage(c0);
    bestWall = Math.max(bestWall, n / (Number(now - t0) / 1e9));
    bestCpu = Math.max(bestCpu, n / ((c.user + c.system) / 1e6));
  }
  console.log(`${name.padEnd(34)} ${(bestWall / 1e6).toFixed(2)} M/s wall   ${(bestCpu / 1e6).toFixed(2)} M/s per CPU-second`);
}
for (const [name, text] of Object.entries(heads)) {
  const buf = Buffer.from(text, 'latin1');
  if (parseRequestHead(buf, 0, buf.length).kind !== 'request') throw new Error('parse failed: ' + name);
  measure(`${name} (${buf.length} B)`, () => parseRequestHead(buf, 0, buf.length));
}
const resp = Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1234\r\nCache-Control: max-age=60\r\nSet-Cookie: a=1\r\n\r\n', 'latin1');
if (parseResponseHead(resp, 0, resp.length, 'GET').kind !== 'response') throw new Error('parse failed: response');
measure(`response, 4 headers (${resp.length} B)`, () => parseResponseHead(resp, 0, resp.length, 'GET'));
console.log(`(${os.cpus()[0]?.model ?? 'cpu'}, ${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)}, node ${process.version})`);
