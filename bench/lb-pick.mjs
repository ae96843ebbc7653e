#!/usr/bin/env node
// Micro benchmark of the balancers' hot path: pick + take + release per
// request, for roundrobin and leastconn over 2, 10 and 100 servers.
// Runs the built code: `npm run build && node bench/lb-pick.mjs [seconds]`.
import { createBalancer } from '../dist/src/lb/index.js';

const seconds = Number(process.argv[2] ?? 0.5);
const hashType = { method: 'map-based', fn: 'sdbm', avalanche: false };
// one reused request context, as the data plane does per stream
const ctx = { src: '10.0.0.1', uri: '/', header: () => undefined, key: undefined, random: Math.random, avoid: undefined };

function servers(n) {
  return Array.from({ length: n }, (_, i) => ({
    id: i + 1, name: `s${i + 1}`, weight: 1 + (i % 4), backup: false, usable: true, served: 0, queued: 0, maxconn: 0,
  }));
}

function run(algo, n) {
  const ss = servers(n);
  const b = createBalancer({ balance: { algo }, hashType, allbackups: false, mode: 'http' }, ss);
  // keep some connections open so leastconn has real keys to order
  const open = [];
  for (let i = 0; i < n * 2; i++) { const s = b.pick(ctx); b.take(s); open.push(s); }
  let i = 0;
  const step = () => {
    const s = b.pick(ctx);
    b.take(s);
    const old = open[i % open.length];
    open[i % open.length] = s;
    b.release(old);
    i++;
  };
  for (let k = 0; k < 200_000; k++) step(); // warm up
  const batch = 100_000;
  let picks = 0;
  const t0 = process.hrtime.bigint();
  const until = t0 + BigInt(Math.round(seconds * 1e9));
  let now = t0;
  while (now < until) {
    for (let k = 0; k < batch; k++) step();
    picks += batch;
    now = process.hrtime.bigint();
  }
  const ns = Number(now - t0);
  return { picks, perSec: picks / (ns / 1e9), nsPerPick: ns / picks };
}

console.log('algo        servers   picks/s      ns/pick');
for (const algo of ['roundrobin', 'leastconn']) {
  for (const n of [2, 10, 100]) {
    const r = run(algo, n);
    console.log(`${algo.padEnd(12)}${String(n).padStart(7)}   ${Math.round(r.perSec).toLocaleString('en-US').padStart(12)}   ${r.nsPerPick.toFixed(1).padStart(8)}`);
  }
}
