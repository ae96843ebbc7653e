/**
 * The stats page as a browser shows it: headless Chromium (Debian's
 * `chromium`) takes a screenshot and the rows of servers in UP, DOWN,
 * DRAIN and MAINT must show HAProxy's colours, each on its own server's row
 * (found in the PNG: a server row is a wide band of its colour, the rows in
 * the page's order; the legend only has small cells of each). The states
 * come the ways users get them: UP and DOWN from real health checks against
 * a backend that runs and one the test stops, DRAIN from the admin form,
 * MAINT from the stats socket.
 * Skipped, with a message, when chromium is not installed.
 * `LB_UPDATE_SCREENSHOT=1` also writes the picture to docs/stats-page.png.
 */
import t from 'tap';
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { freePort, httpBackend, startLb } from './harness.js';
import { colourBands, readPng, type Band } from './png.js';

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
const COLOUR = { up: '#c0ffc0', down: '#ff9090', draining: '#20a0ff', maintain: '#c07820' };
/** a server row is ~1300 px wide; a legend cell ~10 px: a line with this many pixels of a colour is a row */
const ROW_LINE = 300;

/** `show stat` status (field 17) of each server of `web`. */
async function statuses(sock: string): Promise<Map<string, string>> {
  const lines = (await cli(sock, 'show stat')).split('\n').filter((l) => l.startsWith('web,s'));
  return new Map(lines.map((l) => [l.split(',')[1]!, l.split(',')[17]!]));
}

/** Polls `show stat` until `want` holds, for at most 10 s. */
async function until(sock: string, want: (s: Map<string, string>) => boolean): Promise<Map<string, string>> {
  const end = Date.now() + 10_000;
  for (;;) {
    const s = await statuses(sock);
    if (want(s) || Date.now() > end) return s;
    await new Promise((r) => setTimeout(r, 100));
  }
}

t.test('server states show HAProxy\'s colours in Chromium', async (t) => {
  const chromium = await which(['chromium', 'chromium-browser', 'google-chrome']);
  if (!chromium) {
    t.skip('chromium is not installed (Debian: apt-get install chromium): the browser check of the stats page is skipped');
    return;
  }
  const backends = await Promise.all(['s1', 's2', 's3', 's4'].map((n) => httpBackend(n)));
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
  server s1 127.0.0.1:${backends[0]!.port} check inter 200 rise 1 fall 1
  server s2 127.0.0.1:${backends[1]!.port} check inter 200 rise 1 fall 1
  server s3 127.0.0.1:${backends[2]!.port} check inter 200 rise 1 fall 1
  server s4 127.0.0.1:${backends[3]!.port} check inter 200 rise 1 fall 1
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
  const bands = (file: string, hex: string): Band[] => colourBands(readPng(readFileSync(file)), hex, ROW_LINE);

  // every server is checked against a live backend: four green rows, nothing else
  const up = await until(sock, (s) => [...s.values()].every((v) => v === 'UP'));
  t.same([...up.values()], ['UP', 'UP', 'UP', 'UP'], 'the checks pass on every server');
  const before = join(dir, 'before.png');
  await screenshot(chromium, url, before);
  t.equal(bands(before, COLOUR.up).length, 4, `four UP rows in ${COLOUR.up}`);
  for (const c of [COLOUR.down, COLOUR.draining, COLOUR.maintain]) t.same(bands(before, c), [], `no row in ${c} before any change`);

  // DOWN: s2's backend goes away and its check fails (fall 1)
  await backends[1]!.stop();
  // DRAIN: the admin form; MAINT: the stats socket
  const form = await request(url, { method: 'POST', body: 's=s3&action=drain&b=web', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  await form.body.text();
  t.equal(form.statusCode, 303);
  t.equal(form.headers['location'], '/;st=DONE');
  t.equal(await cli(sock, 'set server web/s4 state maint'), '\n');
  const status = await until(sock, (s) => s.get('s2') === 'DOWN');
  t.same(Object.fromEntries(status), { s1: 'UP', s2: 'DOWN', s3: 'DRAIN', s4: 'MAINT' });
  const csv = (await cli(sock, 'show stat')).split('\n');
  const col = csv[0]!.split(',').indexOf('check_status');
  const s2 = csv.find((l) => l.startsWith('web,s2,'))!.split(',');
  t.equal(s2[col], 'L4CON', 's2 is DOWN by its failing check (connection refused)');

  const after = join(dir, 'after.png');
  await screenshot(chromium, url, after);
  const rows: Array<[string, string]> = [['UP', COLOUR.up], ['DOWN', COLOUR.down], ['DRAIN', COLOUR.draining], ['MAINT', COLOUR.maintain]];
  const found = rows.map(([name, hex]) => {
    const b = bands(after, hex);
    t.equal(b.length, 1, `one ${name} row in ${hex}`);
    return b[0];
  });
  // the server rows come in configuration order: s1 (UP), s2 (DOWN), s3 (DRAIN), s4 (MAINT)
  for (let i = 1; i < found.length; i++) {
    const a = found[i - 1], b = found[i];
    t.ok(a && b && a.bottom < b.top, `the ${rows[i]![0]} row (s${i + 1}) is below the ${rows[i - 1]![0]} row (s${i})`);
  }
  if (process.env['LB_UPDATE_SCREENSHOT'] === '1') copyFileSync(after, 'docs/stats-page.png');
});
