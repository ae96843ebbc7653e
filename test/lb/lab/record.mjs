#!/usr/bin/env node
// Records the differential fixtures of test/lb/dynamic.test.ts on a real
// haproxy 2.6 (never run by the tests; needs `haproxy` in PATH and ports
// 28201/28280 free). One origin answers every server; haproxy names the
// server that answered in an x-srv response header (%s).
//
//   node test/lb/lab/record.mjs dynamic SEED N [BK] > ...json   (keyless bursts)
//   node test/lb/lab/record.mjs hashed  SEED N > ...json         (a key per request)
//   node test/lb/lab/record.mjs maxconn SEED N > ...json         (held connections)
//
// The committed fixtures were recorded with: dynamic 20261123 32 (old LCG
// generator), dynamic 777 48 3 (same), dynamic 4242 48 3, hashed 99 40,
// maxconn 5 24 — regenerating gives new random scenarios, not the same ones.
import http from 'node:http';
import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';

const [mode = 'dynamic', seedArg = '1', nArg = '32', bkArg] = process.argv.slice(2);
let seed = Number(seedArg) >>> 0;
/** mulberry32 */
const rnd = (n) => {
  let x = (seed = (seed + 0x6d2b79f5) >>> 0);
  x = Math.imul(x ^ (x >>> 15), x | 1);
  x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
  return ((x ^ (x >>> 14)) >>> 0) % n;
};
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lb-lab-'));
const sock = path.join(dir, 'admin.sock');
const agent = new http.Agent({ keepAlive: false });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const letter = (i) => String.fromCharCode(65 + i);

function req(be, p = '/', headers = {}) {
  return new Promise((resolve, reject) => {
    const r = http.request({ host: '127.0.0.1', port: 28280, path: p, agent, headers: { 'x-be': be, ...headers } }, (res) => {
      res.resume(); res.on('end', () => resolve(res.headers['x-srv'] ?? String(res.statusCode)));
    });
    r.on('error', reject); r.end();
  });
}
function cli(cmd) {
  return new Promise((resolve, reject) => {
    const s = net.connect(sock, () => s.end(cmd + '\n'));
    let d = ''; s.on('data', (c) => (d += c)); s.on('end', () => resolve(d.trim())); s.on('error', reject);
  });
}

function scenarios() {
  const out = [];
  const N = Number(nArg);
  for (let k = 0; k < N; k++) {
    if (mode === 'maxconn') {
      const algo = ['roundrobin', 'static-rr', 'leastconn', 'first'][k % 4];
      const n = 2 + rnd(4);
      const weights = Array.from({ length: n }, () => 1 + rnd(8));
      const maxconn = Array.from({ length: n }, (_, i) => (i === n - 1 ? 0 : 1 + rnd(3)));
      const ops = [];
      for (let j = 0; j < 3; j++) { ops.push(['hold', 1 + rnd(4)]); ops.push(['req', 2 + rnd(8)]); }
      ops.push(['wait'], ['req', 20]);
      out.push({ name: `m${k}`, algo, weights, maxconn, ops });
      continue;
    }
    const hashed = mode === 'hashed';
    const algos = hashed ? ['url_param id', 'uri', 'hdr(x-k)', 'uri whole', 'uri depth 2']
      : bkArg ? ['roundrobin', 'static-rr', 'leastconn', 'first', 'url_param id', 'hdr(x-k)'] : ['roundrobin', 'static-rr', 'leastconn', 'url_param id'];
    const algo = algos[k % algos.length];
    const n = 2 + rnd(4);
    const weights = Array.from({ length: n }, () => 1 + rnd(rnd(3) === 0 ? 40 : 6));
    const backups = Array.from({ length: n }, (_, i) => i > 0 && rnd(Number(bkArg ?? 6)) === 0);
    const allbackups = hashed || bkArg ? rnd(2) === 0 : false;
    const consistent = rnd(2) === 0;
    const fn = hashed && rnd(3) ? ` ${['sdbm', 'djb2', 'wt6', 'crc32'][rnd(4)]}${rnd(2) ? ' avalanche' : ''}` : '';
    const ops = [];
    const down = new Set();
    let key = rnd(1000);
    for (let j = 0; j < 7; j++) {
      ops.push(['req', hashed ? Array.from({ length: 4 + rnd(16) }, () => (rnd(5) === 0 ? key - rnd(10) : key++)) : 3 + rnd(20)]);
      const s = letter(rnd(n));
      if (rnd(3) === 0) { if (down.has(s)) { ops.push(['up', s]); down.delete(s); } else { ops.push(['down', s]); down.add(s); } }
      else ops.push(['weight', s, rnd(6) === 0 ? 0 : 1 + rnd(30)]);
    }
    ops.push(['req', hashed ? Array.from({ length: 30 }, (_, i) => i) : 30]);
    out.push({ name: `${mode[0]}${k}`, algo, weights, backups, allbackups, hashType: (consistent ? 'consistent' : 'map-based') + fn, ops });
  }
  return out;
}

const uriOf = (algo, k) => (algo.startsWith('url_param') ? `/p?a=1&id=${k}` : algo.startsWith('uri') ? `/d${k % 7}/s${k}/f?q=${k}` : '/x');

async function main() {
  const scen = scenarios();
  const origin = http.createServer((rq, rs) => setTimeout(() => rs.end('ok'), Number(rq.headers['x-sleep'] || 0)));
  await new Promise((r) => origin.listen(28201, '127.0.0.1', r));
  let cfg = `global\n    stats socket ${sock} mode 600 level admin\n    nbthread 1\ndefaults\n    mode http\n    timeout connect 5s\n    timeout client 30s\n    timeout server 30s\n    timeout queue 30s\n`
    + 'frontend fe\n    bind 127.0.0.1:28280\n    http-after-response set-header x-srv %s\n    use_backend %[req.hdr(x-be)]\n';
  for (const s of scen) {
    cfg += `backend ${s.name}\n    balance ${s.algo}\n${s.hashType ? `    hash-type ${s.hashType}\n` : ''}${s.allbackups ? '    option allbackups\n' : ''}`;
    cfg += s.weights.map((w, i) => `    server ${letter(i)} 127.0.0.1:28201 weight ${w}${s.backups?.[i] ? ' backup' : ''}${s.maxconn?.[i] ? ` maxconn ${s.maxconn[i]}` : ''}`).join('\n') + '\n';
  }
  fs.writeFileSync(path.join(dir, 'h.cfg'), cfg);
  const hap = spawn('haproxy', ['-db', '-f', path.join(dir, 'h.cfg')], { stdio: 'ignore' });
  try {
    await sleep(800);
    await Promise.all(scen.map(async (s) => {
      const out = [];
      let held = [];
      for (const op of s.ops) {
        if (op[0] === 'req') {
          let r = '';
          const keys = typeof op[1] === 'number' ? Array(op[1]).fill(-1) : op[1];
          for (const k of keys) r += await req(s.name, k < 0 ? '/x' : uriOf(s.algo, k), k >= 0 && s.algo.startsWith('hdr') ? { 'x-k': `key-${k}` } : {});
          out.push(r);
        } else if (op[0] === 'hold') {
          for (let i = 0; i < op[1]; i++) { held.push(req(s.name, '/', { 'x-sleep': '6000' })); await sleep(60); }
          out.push(`H${op[1]}`);
        } else if (op[0] === 'wait') {
          out.push(`[${(await Promise.all(held)).join('')}]`); held = [];
        } else if (op[0] === 'weight') {
          if (await cli(`set server ${s.name}/${op[1]} weight ${op[2]}`)) op.push('refused');
        } else await cli(`${op[0] === 'up' ? 'enable' : 'disable'} server ${s.name}/${op[1]}`);
      }
      s.observed = out.join(' ');
    }));
  } finally { hap.kill(); origin.close(); }
  process.stdout.write('[\n' + scen.map((s) => JSON.stringify(s)).join(',\n') + '\n]\n');
}
await main();
