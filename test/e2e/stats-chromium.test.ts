/**
 * The stats page as a browser shows it: headless Chromium (Debian's
 * `chromium`) takes a screenshot and the rows of servers in UP, DOWN,
 * DRAIN and MAINT must show HAProxy's colours (counted in the PNG: a server
 * row is a wide band of its colour; the legend only has small cells of each).
 * Skipped, with a message, when chromium is not installed.
 * `LB_UPDATE_SCREENSHOT=1` also writes the picture to docs/stats-page.png.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, httpBackend, startLb } from './harness.js';
import { countColour, readPng } from './png.js';

function which(names: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('sh', ['-c', `for n in ${names.join(' ')}; do command -v $n && exit 0; done; exit 1`], (err, out) => resolve(err ? undefined : out.trim()));
  });
}

function cli(path: string, cmd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    let out = '';
    s.on('data', (d) => { out += d; });
    s.on('close', () => resolve(out));
    s.on('error', reject);
    s.end(`${cmd}\n`);
  });
}

function screenshot(chromium: string, url: string, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(chromium, ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--window-size=1400,640', `--screenshot=${file}`, url],
      { timeout: 60_000 }, (err) => (err ? reject(err) : resolve()));
  });
}

/** HAProxy 2.6's light-theme row colours (reference §8). */
const COLOUR = { up: '#c0ffc0', down: '#ff9090', draining: '#20a0ff', maintain: '#c07820', noCheck: '#e0e0e0' };
/** a server row is ~1300 px wide and ~20 px high; a legend cell ~10 x 15 */
const ROW = 5000, LEGEND = 1000;

t.test('server states show HAProxy\'s colours in Chromium', async (t) => {
  const chromium = await which(['chromium', 'chromium-browser', 'google-chrome']);
  if (!chromium) {
    t.skip('chromium is not installed (Debian: apt-get install chromium): the browser check of the stats page is skipped');
    return;
  }
  const backends = await Promise.all(['s1', 's2', 's3', 's4'].map((n) => httpBackend(n)));
  const refused = await freePort(); // nothing listens there: connections are refused
  const port = await freePort(), stats = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'lb-chromium-'));
  const sock = join(dir, 'admin.sock');
  const cfg = `global
  stats socket ${sock} level admin
defaults
  mode http
  timeout client 5s
  timeout server 5s
  timeout connect 2s
frontend fe
  bind 127.0.0.1:${port}
  default_backend web
backend web
  server s1 127.0.0.1:${backends[0]!.port} check inter 1s
  server s2 127.0.0.1:${refused} check inter 1s fall 1
  server s3 127.0.0.1:${backends[2]!.port} check inter 1s
  server s4 127.0.0.1:${backends[3]!.port} check inter 1s
listen stats
  bind 127.0.0.1:${stats}
  stats enable
  stats uri /
  stats refresh 30s
  stats admin if TRUE
`;
  const lb = await startLb(cfg, stats);
  t.teardown(async () => { await lb.stop(); await Promise.all(backends.map((b) => b.stop())); });
  const url = `http://127.0.0.1:${stats}/`;

  const before = join(dir, 'before.png');
  await screenshot(chromium, url, before);
  const img0 = readPng(readFileSync(before));
  for (const c of [COLOUR.down, COLOUR.draining, COLOUR.maintain]) t.ok(countColour(img0, c) < LEGEND, `${c}: only the legend before any change`);

  // DOWN: a server whose address refuses connections goes DOWN once checks run;
  // without them, the runtime API forces it (both paths set the same state)
  t.equal(await cli(sock, 'set server web/s2 health down'), '\n');
  t.equal(await cli(sock, 'set server web/s3 state drain'), '\n');
  t.equal(await cli(sock, 'set server web/s4 state maint'), '\n');
  const status = new Map((await cli(sock, 'show stat')).split('\n').filter((l) => l.startsWith('web,s')).map((l) => [l.split(',')[1]!, l.split(',')[17]!]));
  t.equal(status.get('s2'), 'DOWN');
  t.equal(status.get('s3'), 'DRAIN');
  t.equal(status.get('s4'), 'MAINT');

  const after = join(dir, 'after.png');
  await screenshot(chromium, url, after);
  const img = readPng(readFileSync(after));
  t.ok(countColour(img, COLOUR.down) > ROW, `DOWN row in ${COLOUR.down}`);
  t.ok(countColour(img, COLOUR.draining) > ROW, `DRAIN row in ${COLOUR.draining}`);
  t.ok(countColour(img, COLOUR.maintain) > ROW, `MAINT row in ${COLOUR.maintain}`);
  if (status.get('s1') === 'UP') {
    t.ok(countColour(img, COLOUR.up) > ROW, `UP row in ${COLOUR.up}`);
  } else {
    // a checked server shows 'no check' until the health checks run
    t.equal(status.get('s1'), 'no check');
    t.comment('health checks do not run yet: the checked server shows "no check", not UP');
    t.ok(countColour(img, COLOUR.noCheck) > ROW, `unchecked row in ${COLOUR.noCheck}`);
  }
  if (process.env['LB_UPDATE_SCREENSHOT'] === '1') copyFileSync(after, 'docs/stats-page.png');
});
