/**
 * Scenario A (issue: the data plane): two HTTP backends behind one frontend,
 * roundrobin. Requests alternate; one backend is stopped in the middle of
 * 1,000 requests and, with `retries 3` + `option redispatch`, no client
 * sees an error. The backend sees the client's Host and, with
 * `option forwardfor`, an X-Forwarded-For line.
 */
import t from 'tap';
import { Agent, request } from 'undici';
import { freePort, httpBackend, startLb } from './harness.js';

t.test('one of two backends stops: 1,000 requests, 0 client errors', async (t) => {
  const a = await httpBackend('A');
  const b = await httpBackend('B');
  const port = await freePort();
  const cfg = `defaults
    mode http
    timeout connect 100ms
    timeout client 10s
    timeout server 10s
    retries 3
    option redispatch

frontend web
    bind 127.0.0.1:${port}
    option forwardfor
    default_backend app

backend app
    balance roundrobin
    server a 127.0.0.1:${a.port}
    server b 127.0.0.1:${b.port}
`;
  const agent = new Agent({ connections: 20, pipelining: 1 });
  let lb: Awaited<ReturnType<typeof startLb>> | undefined;
  t.teardown(async () => { await agent.close(); await lb?.stop(); await a.stop(); await b.stop(); });
  lb = await startLb(cfg, port);

  const order: string[] = [];
  for (let i = 0; i < 8; i++) {
    const r = await request(`http://127.0.0.1:${port}/seq/${i}`, { dispatcher: agent, headers: { host: 'shop.example' } });
    order.push((await r.body.text()).trim());
  }
  t.same(order, ['A', 'B', 'A', 'B', 'A', 'B', 'A', 'B'], 'roundrobin alternates');
  t.equal(a.seen[0]!.host, 'shop.example', 'Host is forwarded unchanged');
  t.equal(a.seen[0]!.xff, '127.0.0.1', 'X-Forwarded-For carries the client address');

  const total = 1000;
  let sent = 0;
  let errors = 0;
  const statuses = new Map<number, number>();
  let stoppedAt = 0;
  const worker = async (): Promise<void> => {
    while (sent < total) {
      const i = sent++;
      if (i === 300) { stoppedAt = Date.now(); await b.stop(); }
      try {
        const r = await request(`http://127.0.0.1:${port}/load/${i}`, { dispatcher: agent });
        await r.body.text();
        statuses.set(r.statusCode, (statuses.get(r.statusCode) ?? 0) + 1);
        if (r.statusCode !== 200) errors++;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: 20 }, worker));
  t.equal(errors, 0, `0 client errors (statuses: ${JSON.stringify([...statuses])})`);
  t.equal(statuses.get(200), total);
  t.equal(b.seen.filter((s) => s.at > stoppedAt + 50).length, 0, 'the stopped backend got nothing after it stopped');
  t.ok(a.seen.length > 700, `the remaining backend served the rest (${a.seen.length})`);
});
