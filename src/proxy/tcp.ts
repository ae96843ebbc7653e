/**
 * mode tcp: a client connection is tunnelled to one server connection,
 * both directions streamed with half-close (reference §2.9). Timeouts:
 * `timeout tunnel` when set, else client (client side) and server (server
 * side) inactivity.
 */
import type { Socket } from 'node:net';
import type { FrontendRuntime } from './frontend.js';
import { l4Context } from './frontend.js';
import type { Listener } from './listener.js';
import { recordTimes, sessionEnd, sessionStart } from '../stats/counters.js';
import type { BackendRuntime } from '../backend/backend.js';
import type { ServerRuntime } from '../backend/server-runtime.js';
import type { PickContext } from '../lb/index.js';
import { readInto, setReader } from './reader.js';
import { clientAddress } from './headers.js';
import type { SessionPlace } from '../runtime/view.js';
import { LogRec, Cause, Phase, proc } from '../log/record.js';

const noHeader = (): undefined => undefined;

export function tcpSession(fe: FrontendRuntime, cli: Socket, l: Listener): () => SessionPlace {
  const now = Date.now();
  const place = (): SessionPlace => ({ active: !closed, be: be?.name ?? fe.name, srv: srv?.name, since: now });
  sessionStart(fe.counters, now);
  let closed = false;
  let be: BackendRuntime | undefined;
  let srv: ServerRuntime | undefined;
  let up: Socket | undefined;
  /** server assigned (out of the queue), connection established: for the stats times */
  let tAsg = -1, tCon = -1;
  // the log record, only when the frontend logs
  const lr = fe.log !== undefined ? tcpLogStart(fe, cli, now) : undefined;
  /** the phase a termination cause is logged with */
  const phase = (): Phase => (up ? Phase.Data : srv ? Phase.Connect : be ? Phase.Queue : Phase.Request);
  const term = (c: Cause): void => { if (lr !== undefined) lr.end(c, phase()); };
  cli.on('error', () => { term(Cause.ClientAbort); finish(); });
  cli.on('close', () => { if (!up) term(Cause.ClientAbort); finish(); });
  const finish = (): void => {
    if (closed) return;
    closed = true;
    cli.destroy();
    fe.counters.bin += cli.bytesRead;
    fe.counters.bout += cli.bytesWritten;
    if (up) {
      up.destroy();
      // HAProxy's averages for a connected tcp session: queue, connect, no response time, total
      const q = tAsg - now, c = tCon - tAsg, t = Date.now() - now;
      if (srv) { srv.counters.bin += up.bytesWritten; srv.counters.bout += up.bytesRead; sessionEnd(srv.counters); recordTimes(srv.counters, q, c, 0, t); }
      if (be) { be.counters.bin += up.bytesWritten; be.counters.bout += up.bytesRead; sessionEnd(be.counters); recordTimes(be.counters, q, c, 0, t); }
    }
    if (srv && be) be.release(srv);
    if (lr !== undefined && !lr.asap) {
      lr.tEnd = Date.now();
      lr.bytesOut = cli.bytesWritten;
      lr.bytesIn = cli.bytesRead;
      fe.log!.log(lr);
    }
    sessionEnd(fe.counters);
  };
  be = fe.routeTcp(cli, l);
  if (!be) { finish(); return place; }
  const target = be;
  if (lr !== undefined) { lr.be = target.name; lr.beCounters = target.counters; }
  const ctx: PickContext = { src: cli.remoteAddress ?? '', uri: '', header: noHeader, random: Math.random };
  target.assign(ctx, (assigned, why) => {
    if (closed) { if (assigned) target.release(assigned); return; }
    if (!assigned) {
      // no usable server: SC with no queue time; a queue timeout is sQ
      if (why === 'no-server') { if (lr !== undefined) lr.end(Cause.ServerAbort, Phase.Connect); }
      else { if (lr !== undefined) lr.tQueue = Date.now(); term(Cause.ServerTimeout); }
      finish();
      return;
    }
    tAsg = Date.now();
    if (lr !== undefined) lr.tQueue = tAsg;
    srv = assigned;
    target.connect(assigned, ctx, cli, false, (err, out) => {
      if (err || !out) {
        if (lr !== undefined) { lr.srv = assigned.name; term(err === 'connect-timeout' ? Cause.ServerTimeout : Cause.ServerAbort); }
        srv = undefined;
        finish();
        return;
      }
      srv = out.srv;
      if (closed) { out.sock.destroy(); return; }
      up = out.sock;
      tCon = Date.now();
      sessionStart(out.srv.counters, Date.now());
      sessionStart(target.counters, Date.now());
      if (lr !== undefined) {
        lr.tConn = Date.now();
        lr.srv = out.srv.name;
        lr.srvCounters = out.srv.counters;
        lr.retries = out.retries;
        lr.redispatched = out.redispatched;
        lr.si = out.srv.host ?? '';
        lr.sp = out.sock.remotePort ?? 0;
        if (fe.log!.logasap) {
          // option logasap: logged once connected; Tt and bytes get a '+'
          lr.asap = true;
          lr.tEnd = lr.tConn;
          lr.bytesOut = cli.bytesWritten;
          lr.bytesIn = cli.bytesRead;
          fe.log!.log(lr);
        }
      }
      up.on('error', () => { term(Cause.ServerAbort); finish(); });
      up.on('close', () => {
        // cut by on-marked-down shutdown-sessions / shutdown-backup-sessions
        const k = up as Socket & { lbKilled?: boolean; lbKilledUp?: boolean };
        if (k.lbKilled === true) term(k.lbKilledUp === true ? Cause.Up : Cause.Down);
        finish();
      });
      const tunnel = target.timeoutTunnel;
      cli.setTimeout(tunnel || fe.timeoutClient, () => { term(Cause.ClientTimeout); finish(); });
      up.setTimeout(tunnel || target.timeoutServer, () => { term(Cause.ServerTimeout); finish(); });
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
  // still waiting: HAProxy logs the queue length with this session in it
  if (lr !== undefined && srv === undefined && !closed) {
    if (target.lastQueuedSrv) lr.srvQueue = target.lastQueuePos; else lr.beQueue = target.lastQueuePos;
  }
  return place;
}

/** Server to client: reads (set up with upstreamOnread) written to the client, paused while it is full. */
function relay(up: Socket, cli: Socket): void {
  setReader(up, (d) => { if (!cli.write(d)) up.pause(); return cli.writableLength > 0; });
  up.on('drain', () => cli.resume());
  up.once('end', () => cli.end());
}

/** The record of a logged TCP session; the default format logs "Connect from" now. */
function tcpLogStart(fe: FrontendRuntime, cli: Socket, now: number): LogRec {
  const lr = new LogRec();
  lr.ci = clientAddress(cli.remoteAddress ?? '');
  lr.cp = cli.remotePort ?? 0;
  lr.fi = clientAddress(cli.localAddress ?? '');
  lr.fp = cli.localPort ?? 0;
  lr.feCounters = fe.counters;
  lr.tAccept = now;
  lr.reqId = proc.reqSeq++;
  const lg = fe.log!;
  if (lg.connectLine) lg.connect(lr.ci, lr.cp, lr.fi, lr.fp);
  else if (lg.format?.usesSamples) lr.ctx = l4Context(cli, fe.name);
  return lr;
}
