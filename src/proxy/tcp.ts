/**
 * mode tcp: a client connection is tunnelled to one server connection,
 * both directions streamed with half-close (reference §2.9). Timeouts:
 * `timeout tunnel` when set, else client (client side) and server (server
 * side) inactivity.
 */
import type { Socket } from 'node:net';
import type { FrontendRuntime } from './frontend.js';
import type { Listener } from './listener.js';
import { sessionEnd, sessionStart } from '../stats/counters.js';
import type { BackendRuntime } from '../backend/backend.js';
import type { ServerRuntime } from '../backend/server-runtime.js';
import type { PickContext } from '../lb/index.js';
import { readInto, setReader } from './reader.js';

const noHeader = (): undefined => undefined;

export function tcpSession(fe: FrontendRuntime, cli: Socket, l: Listener): void {
  const now = Date.now();
  sessionStart(fe.counters, now);
  let closed = false;
  let be: BackendRuntime | undefined;
  let srv: ServerRuntime | undefined;
  let up: Socket | undefined;
  cli.on('error', () => finish());
  cli.on('close', () => finish());
  const finish = (): void => {
    if (closed) return;
    closed = true;
    cli.destroy();
    fe.counters.bin += cli.bytesRead;
    fe.counters.bout += cli.bytesWritten;
    sessionEnd(fe.counters);
    if (up) {
      up.destroy();
      if (srv) { srv.counters.bin += up.bytesWritten; srv.counters.bout += up.bytesRead; sessionEnd(srv.counters); }
      if (be) { be.counters.bin += up.bytesWritten; be.counters.bout += up.bytesRead; sessionEnd(be.counters); }
    }
    if (srv && be) be.release(srv);
  };
  be = fe.routeTcp(cli, l);
  if (!be) { finish(); return; }
  const target = be;
  const ctx: PickContext = { src: cli.remoteAddress ?? '', uri: '', header: noHeader, random: Math.random };
  target.assign(ctx, (assigned) => {
    if (closed) { if (assigned) target.release(assigned); return; }
    if (!assigned) { finish(); return; }
    srv = assigned;
    target.connect(assigned, ctx, cli, false, (err, out) => {
      if (err || !out) { srv = undefined; finish(); return; }
      srv = out.srv;
      if (closed) { out.sock.destroy(); return; }
      up = out.sock;
      sessionStart(out.srv.counters, Date.now());
      sessionStart(target.counters, Date.now());
      up.on('error', () => finish());
      up.on('close', () => finish());
      const tunnel = target.timeoutTunnel;
      cli.setTimeout(tunnel || fe.timeoutClient, () => finish());
      up.setTimeout(tunnel || target.timeoutServer, () => finish());
      // a half-closed side is bounded by client-fin / server-fin when set
      const cliFin = fe.conf.timeouts['client-fin'];
      const srvFin = target.conf.timeouts['server-fin'];
      if (cliFin !== undefined) cli.once('end', () => cli.setTimeout(cliFin));
      if (srvFin !== undefined) up.once('end', () => up?.setTimeout(srvFin));
      relay(up, cli);
      cli.on('drain', () => up?.resume());
      cli.once('end', () => up?.end());
      const upSock = up;
      readInto(cli, (d) => { if (!upSock.write(d)) cli.pause(); return upSock.writableLength > 0; });
    });
  });
}

/** Server to client: reads (set up with upstreamOnread) written to the client, paused while it is full. */
function relay(up: Socket, cli: Socket): void {
  setReader(up, (d) => { if (!cli.write(d)) up.pause(); return cli.writableLength > 0; });
  up.on('drain', () => cli.resume());
  up.once('end', () => cli.end());
}
