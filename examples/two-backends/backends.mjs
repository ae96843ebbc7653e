#!/usr/bin/env node
// Two tiny HTTP backends on loopback for lb's examples: each answers every
// request with its own name, so you can see the balancing:
//   node examples/two-backends/backends.mjs        (app1 on :8081, app2 on :8082)
//   for i in 1 2 3 4; do curl -s http://127.0.0.1:8080/; done
// Stop with Ctrl-C. Ports can be changed: node backends.mjs 9001 9002
import { createServer } from 'node:http';

const ports = process.argv.slice(2).map(Number);
const servers = [
  ['app1', ports[0] || 8081],
  ['app2', ports[1] || 8082],
];

for (const [name, port] of servers) {
  createServer((req, res) => {
    const body = `${name}\n`;
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body), 'x-backend': name });
    res.end(req.method === 'HEAD' ? undefined : body);
  }).listen(port, '127.0.0.1', () => {
    console.log(`${name} listening on http://127.0.0.1:${port}/`);
  });
}
