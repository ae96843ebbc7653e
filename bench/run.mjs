#!/usr/bin/env node
// lb against HAProxy (and nginx as a proxy) in one session, same machine,
// same backends: keep-alive HTTP/1.1 and mode tcp, wrk with 50 connections.
// The proxy under test is pinned alone on CPU 0; wrk and the two nginx
// backends share CPU 1. Rounds are interleaved; medians are reported as
// requests per second and as a ratio to HAProxy.
//
//   npm run build && node bench/run.mjs [--rounds 5] [--duration 10] [--out bench/RESULTS.md]
//   node bench/run.mjs --only 'lb http,lb http 2 workers' --layout two-cores
//     one CPU per worker (or thread), load generator and backends unpinned beside them
//
// Needs: haproxy, nginx, wrk, taskset, socat (Debian: apt-get install haproxy nginx wrk util-linux socat).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, resolve } from 'node:path';
import { connect } from 'node:net';

const args = process.argv.slice(2);
const opt = (name, def) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : def; };
const ROUNDS = Number(opt('rounds', 5));
const DURATION = Number(opt('duration', 10));
const OUT = opt('out', '');
// --only 'lb tcp,haproxy tcp': run a subset (quick A/B while tuning; not for RESULTS.md)
const ONLY = opt('only', '');
// --layout two-cores (with --only): the proxy's processes or threads get one CPU each (lb
// 1 process: CPU 0; 2 workers: CPU 0 and CPU 1; HAProxy nbthread 2: cpu-map), wrk and the
// backends run unpinned beside them. The default, one-core, pins the proxy alone on CPU 0.
const LAYOUT = opt('layout', 'one-core');
if (LAYOUT !== 'one-core' && (LAYOUT !== 'two-cores' || !ONLY)) { console.error('bench: --layout two-cores needs --only'); process.exit(2); }
const SPREAD = LAYOUT === 'two-cores';
const ROOT = resolve(new URL('..', import.meta.url).pathname);
const LB = join(ROOT, 'bin', 'lb');
const dir = mkdtempSync(join(tmpdir(), 'lb-bench-'));
const PORTS = { be1: 18081, be2: 18082, http: 18090, tcp: 18091, syslog: 18514 };
const children = [];

for (const tool of ['haproxy', 'nginx', 'wrk', 'taskset', 'socat']) {
  if (spawnSync('which', [tool]).status !== 0) { console.error(`bench: '${tool}' is missing`); process.exit(2); }
}
if (!existsSync(join(ROOT, 'dist', 'src', 'cli', 'main.js'))) { console.error('bench: run npm run build first'); process.exit(2); }

/** cpu: the CPU to pin to; 'spread': unpinned (its workers are pinned once started, see pinWorkers) */
function start(cmd, argv, cpu, env = process.env) {
  if (SPREAD && cpu === 1) cpu = 'none';
  const p = cpu === 'none' || cpu === 'spread'
    ? spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'], env })
    : spawn('taskset', ['-c', String(cpu), cmd, ...argv], { stdio: ['ignore', 'ignore', 'pipe'], env });
  p.spread = cpu === 'spread';
  p.stderr.on('data', (d) => { p.errText = (p.errText ?? '') + d; });
  children.push(p);
  return p;
}

function stop(p) {
  return new Promise((r) => {
    if (p.exitCode !== null || p.signalCode !== null) return r();
    const t = setTimeout(() => p.kill('SIGKILL'), 3000);
    p.once('exit', () => { clearTimeout(t); r(); });
    p.kill('SIGTERM');
  });
}

async function waitPort(port, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const ok = await new Promise((r) => { const s = connect(port, '127.0.0.1'); s.once('connect', () => { s.destroy(); r(true); }); s.once('error', () => r(false)); });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`port ${port} did not open`);
}

function nginxBackend(port) {
  const d = mkdtempSync(join(dir, 'ngx-'));
  writeFileSync(join(d, 'nginx.conf'), `daemon off; worker_processes 1; pid ${d}/nginx.pid; error_log ${d}/error.log;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  server { listen 127.0.0.1:${port}; location / { return 200 "hello from ${port}\\n"; } } }
`);
  return start('nginx', ['-p', d, '-c', join(d, 'nginx.conf')], 1);
}

function proxyCfg(mode, log = false, threads = 1) {
  return `global
    maxconn 4000
    nbthread ${threads}
${log ? `    log 127.0.0.1:${PORTS.syslog} local0\n` : ''}defaults
    mode ${mode}${log ? '\n    log global\n    option httplog' : ''}
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend fe
    bind 127.0.0.1:${mode === 'http' ? PORTS.http : PORTS.tcp}
    default_backend be
backend be
    balance roundrobin
    server s1 127.0.0.1:${PORTS.be1}
    server s2 127.0.0.1:${PORTS.be2}
`;
}

function nginxProxyCfg() {
  const d = mkdtempSync(join(dir, 'ngxp-'));
  writeFileSync(join(d, 'nginx.conf'), `daemon off; worker_processes 1; pid ${d}/nginx.pid; error_log ${d}/error.log;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  upstream be { server 127.0.0.1:${PORTS.be1}; server 127.0.0.1:${PORTS.be2}; keepalive 64; }
  server { listen 127.0.0.1:${PORTS.http}; location / { proxy_pass http://be; proxy_http_version 1.1; proxy_set_header Connection ""; } } }
`);
  return d;
}

/** CPU ms (user + system) used so far by a process and its descendants (Linux /proc). */
function cpuMs(rootPid) {
  const stats = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const f = readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1].split(' ');
      stats.set(Number(d), { ppid: Number(f[1]), ms: (Number(f[11]) + Number(f[12])) * 10 });
    } catch { /* gone */ }
  }
  let total = 0;
  const todo = [rootPid];
  while (todo.length) {
    const pid = todo.pop();
    total += stats.get(pid)?.ms ?? 0;
    for (const [c, s] of stats) if (s.ppid === pid) todo.push(c);
  }
  return total;
}

/** two-cores layout: the master stays on CPU 0, worker n on CPU n-1 */
function pinWorkers(p) {
  const kids = spawnSync('pgrep', ['-P', String(p.pid)], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).sort((a, b) => a - b);
  spawnSync('taskset', ['-a', '-p', '-c', '0', String(p.pid)]);
  kids.forEach((k, i) => spawnSync('taskset', ['-a', '-p', '-c', String(i % cpus().length), k]));
}

function wrk(port) {
  const cmd = ['wrk', SPREAD ? '-t2' : '-t1', '-c50', `-d${DURATION}s`, '--latency', `http://127.0.0.1:${port}/`];
  const r = spawnSync(SPREAD ? cmd[0] : 'taskset', SPREAD ? cmd.slice(1) : ['-c', '1', ...cmd], { encoding: 'utf8' });
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(r.stdout);
  const total = /(\d+) requests in/.exec(r.stdout);
  const errs = /Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)/.exec(r.stdout);
  return { rps: rps ? Number(rps[1]) : 0, requests: total ? Number(total[1]) : 0, errors: errs ? errs[0] : '' };
}

const contenders = {
  'haproxy http': { port: PORTS.http, run: () => { const f = join(dir, 'h.cfg'); writeFileSync(f, proxyCfg('http')); return start('haproxy', ['-db', '-f', f], 0); } },
  // two threads, two worker processes: still on the one CPU, so CPU time per request is
  // the figure; each runs right after its one-thread/one-process twin (paired ratios)
  'haproxy http 2 threads': { port: PORTS.http, run: () => {
    const f = join(dir, 'h2.cfg');
    writeFileSync(f, proxyCfg('http', false, 2).replace('nbthread 2', SPREAD ? 'nbthread 2\n    cpu-map auto:1/1-2 0-1' : 'nbthread 2'));
    return start('haproxy', ['-db', '-f', f], SPREAD ? 'none' : 0);
  } },
  'lb http': { port: PORTS.http, run: () => { const f = join(dir, 'l.cfg'); writeFileSync(f, proxyCfg('http')); return start(process.execPath, [LB, '-f', f], 0); } },
  'lb http 2 workers': { port: PORTS.http, run: () => { const f = join(dir, 'lw.cfg'); writeFileSync(f, proxyCfg('http', false, 2)); return start(process.execPath, [LB, '-W', '-f', f], SPREAD ? 'spread' : 0); } },
  'nginx http': { port: PORTS.http, run: () => { const d = nginxProxyCfg(); return start('nginx', ['-p', d, '-c', join(d, 'nginx.conf')], 0); } },
  'haproxy http log': { port: PORTS.http, run: () => { const f = join(dir, 'hl.cfg'); writeFileSync(f, proxyCfg('http', true)); return start('haproxy', ['-db', '-f', f], 0); } },
  'lb http log': { port: PORTS.http, run: () => { const f = join(dir, 'll.cfg'); writeFileSync(f, proxyCfg('http', true)); return start(process.execPath, [LB, '-f', f], 0); } },
  'haproxy tcp': { port: PORTS.tcp, run: () => { const f = join(dir, 'ht.cfg'); writeFileSync(f, proxyCfg('tcp')); return start('haproxy', ['-db', '-f', f], 0); } },
  'lb tcp': { port: PORTS.tcp, run: () => { const f = join(dir, 'lt.cfg'); writeFileSync(f, proxyCfg('tcp')); return start(process.execPath, [LB, '-f', f], 0); } },
};

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
/** median over rounds of a's CPU per request / b's in the same round (the machine drifts between rounds) */
const pairedCpu = (cpu, a, b) => median(cpu[a].map((x, i) => x / cpu[b][i]).filter((x) => Number.isFinite(x)));

async function main() {
  const b1 = nginxBackend(PORTS.be1);
  const b2 = nginxBackend(PORTS.be2);
  // a syslog receiver for the httplog contenders (UDP, lines discarded)
  const sink = start('socat', ['-u', `UDP-RECV:${PORTS.syslog},bind=127.0.0.1`, 'OPEN:/dev/null'], 1);
  await waitPort(PORTS.be1); await waitPort(PORTS.be2);
  const results = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
  const cpu = Object.fromEntries(Object.keys(contenders).map((k) => [k, []]));
  const notes = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [name, c] of Object.entries(contenders)) {
      if (ONLY && !ONLY.split(',').includes(name)) continue;
      const p = c.run();
      try {
        await waitPort(c.port);
        if (p.spread) { await new Promise((r) => setTimeout(r, 1000)); pinWorkers(p); }
        const c0 = cpuMs(p.pid);
        const w = wrk(c.port);
        const usPerReq = w.requests ? (cpuMs(p.pid) - c0) * 1000 / w.requests : 0;
        results[name].push(w.rps);
        cpu[name].push(usPerReq);
        if (w.errors) notes.push(`round ${round} ${name}: ${w.errors}`);
        console.error(`round ${round}/${ROUNDS} ${name}: ${w.rps.toFixed(0)} req/s, ${usPerReq.toFixed(1)} µs CPU/req ${w.errors}`);
      } finally {
        await stop(p);
        await new Promise((r) => setTimeout(r, 300));
      }
    }
  }
  await stop(b1); await stop(b2); await stop(sink);
  if (ONLY) {
    for (const [k, v] of Object.entries(results)) if (v.length) console.log(`${k}: median ${median(v).toFixed(0)} req/s (${v.map((x) => x.toFixed(0)).join(', ')}), ${median(cpu[k]).toFixed(1)} µs CPU/req`);
    for (const [a, b] of [['lb http 2 workers', 'lb http'], ['haproxy http 2 threads', 'haproxy http']]) {
      if (cpu[a].length && cpu[a].length === cpu[b].length) console.log(`${a} / ${b}: CPU per request, median of the rounds' ratios ${pairedCpu(cpu, a, b).toFixed(2)}`);
    }
    return;
  }
  const med = Object.fromEntries(Object.entries(results).map(([k, v]) => [k, median(v)]));
  const ratio = (a, b) => (med[b] ? (med[a] / med[b]).toFixed(2) : '-');
  const node = process.version;
  const haproxyV = spawnSync('haproxy', ['-v'], { encoding: 'utf8' }).stdout.split('\n')[0];
  const nginxV = spawnSync('nginx', ['-v'], { encoding: 'utf8' }).stderr.trim();
  const lines = [
    `## ${new Date().toISOString().slice(0, 10)} — keep-alive, 50 connections, ${DURATION} s × ${ROUNDS} interleaved rounds`,
    '',
    `Command: \`npm run build && node bench/run.mjs --rounds ${ROUNDS} --duration ${DURATION}\``,
    `Machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}; proxy pinned to CPU 0, wrk + 2 nginx backends on CPU 1.`,
    `Versions: lb (Node ${node}), ${haproxyV}, ${nginxV}.`,
    '',
    '| contender | median req/s | × HAProxy (same mode) | CPU µs/req (median) | rounds (req/s) |',
    '|---|---:|---:|---:|---|',
    `| HAProxy mode http | ${med['haproxy http'].toFixed(0)} | 1.00 | ${median(cpu['haproxy http']).toFixed(1)} | ${results['haproxy http'].map((x) => x.toFixed(0)).join(', ')} |`,
    `| lb mode http | ${med['lb http'].toFixed(0)} | ${ratio('lb http', 'haproxy http')} | ${median(cpu['lb http']).toFixed(1)} | ${results['lb http'].map((x) => x.toFixed(0)).join(', ')} |`,
    `| nginx proxy_pass | ${med['nginx http'].toFixed(0)} | ${ratio('nginx http', 'haproxy http')} | ${median(cpu['nginx http']).toFixed(1)} | ${results['nginx http'].map((x) => x.toFixed(0)).join(', ')} |`,
    `| HAProxy mode http, httplog to UDP syslog | ${med['haproxy http log'].toFixed(0)} | ${ratio('haproxy http log', 'haproxy http')} | ${median(cpu['haproxy http log']).toFixed(1)} | ${results['haproxy http log'].map((x) => x.toFixed(0)).join(', ')} |`,
    `| lb mode http, httplog to UDP syslog | ${med['lb http log'].toFixed(0)} | ${ratio('lb http log', 'haproxy http')} (× lb without log: ${ratio('lb http log', 'lb http')}) | ${median(cpu['lb http log']).toFixed(1)} | ${results['lb http log'].map((x) => x.toFixed(0)).join(', ')} |`,
    `| HAProxy mode http, nbthread 2 (both threads on CPU 0) | ${med['haproxy http 2 threads'].toFixed(0)} | ${ratio('haproxy http 2 threads', 'haproxy http')} | ${median(cpu['haproxy http 2 threads']).toFixed(1)} (× 1 thread, paired: ${pairedCpu(cpu, 'haproxy http 2 threads', 'haproxy http').toFixed(2)}) | ${results['haproxy http 2 threads'].map((x) => x.toFixed(0)).join(', ')} |`,
    `| lb mode http, 2 worker processes (-W, nbthread 2, both on CPU 0) | ${med['lb http 2 workers'].toFixed(0)} | ${ratio('lb http 2 workers', 'haproxy http')} | ${median(cpu['lb http 2 workers']).toFixed(1)} (× 1 worker, paired: ${pairedCpu(cpu, 'lb http 2 workers', 'lb http').toFixed(2)}) | ${results['lb http 2 workers'].map((x) => x.toFixed(0)).join(', ')} |`,
    `| HAProxy mode tcp | ${med['haproxy tcp'].toFixed(0)} | 1.00 | ${median(cpu['haproxy tcp']).toFixed(1)} | ${results['haproxy tcp'].map((x) => x.toFixed(0)).join(', ')} |`,
    `| lb mode tcp | ${med['lb tcp'].toFixed(0)} | ${ratio('lb tcp', 'haproxy tcp')} | ${median(cpu['lb tcp']).toFixed(1)} | ${results['lb tcp'].map((x) => x.toFixed(0)).join(', ')} |`,
    '',
    ...(notes.length ? ['Errors reported by wrk:', '', ...notes.map((n) => `- ${n}`), ''] : []),
  ];
  const text = lines.join('\n') + '\n';
  process.stdout.write(text);
  if (OUT) {
    const prev = existsSync(OUT) ? readFileSync(OUT, 'utf8') : '# Benchmarks\n\nEach section is one run of `bench/run.mjs`; ratios compare contenders measured in the same run.\n\n';
    writeFileSync(OUT, prev + '\n' + text);
  }
}

const cleanup = async () => { await Promise.all(children.map(stop)); };
process.on('SIGINT', () => { void cleanup().then(() => process.exit(130)); });
main().then(cleanup, async (e) => { console.error(e); await cleanup(); process.exit(1); });
