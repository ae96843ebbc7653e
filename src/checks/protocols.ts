/**
 * The protocol checks of HAProxy 2.6 as step lists for the tcp-check engine,
 * with the exact bytes the real binary sends (captured on the server side):
 *   option redis-check      "*1\r\n$4\r\nPING\r\n", expects "+PONG"
 *   option smtpchk          reads the greeting, sends "HELO localhost\r\n"
 *   option pgsql-check      a protocol 3.0 StartupMessage with `user`
 *   option mysql-check      a client auth packet for `user` then a QUIT
 *   option ldap-check       an anonymous LDAPv3 simple bind request
 *   option ssl-hello-chk    an SSLv3 ClientHello
 */
import type { CheckConf } from './config.js';
import type { Step, Verdict } from './tcpcheck.js';

const expect = (step: number, judge: (b: Buffer, end: boolean) => Verdict, errorStatus: string, minRecv = 0, toutStatus = 'L7TOUT'): Step =>
  ({ op: 'expect', step, judge, minRecv, errorStatus, toutStatus });

const line = (b: Buffer): string => {
  const s = b.toString('latin1');
  const i = s.search(/\r?\n/);
  return i < 0 ? s : s.slice(0, i);
};

export function redisSteps(): Step[] {
  return [
    { op: 'send', data: Buffer.from('*1\r\n$4\r\nPING\r\n'), step: 1 },
    expect(2, (b, end) => {
      if (b.includes('+PONG')) return { v: 'ok', info: 'Redis server is ok' };
      return end || b.includes('\n') ? { v: 'fail', info: line(b) } : { v: 'wait' };
    }, 'L7STS'),
  ];
}

/** "250 ok" → code 250 and its text */
function smtpReply(b: Buffer, re: RegExp): Verdict {
  if (!b.includes('\n')) return { v: 'wait' };
  const l = line(b);
  const code = Number(l.slice(0, 3));
  if (re.test(l)) return { v: 'ok', code, info: l.slice(4).trim() };
  return { v: 'fail', code: Number.isFinite(code) ? code : 0, info: l.slice(4).trim() || l };
}

/** Greeting, HELO/EHLO, QUIT; the last reply names the result (observed "code: 221, info: "bye""). */
export function smtpSteps(ck: CheckConf): Step[] {
  const s = ck.smtp ?? { verb: 'HELO', domain: 'localhost' };
  const two = /^2[0-9]{2}[- \r]?/;
  return [
    { op: 'connect', sendProxy: false, step: 1 },
    expect(2, (b) => !b.includes('\n') ? { v: 'wait' } : /^[0-9]{3}/.test(b.toString('latin1')) ? { v: 'ok' } : { v: 'fail', info: line(b) }, 'L7STS', 4),
    expect(3, (b) => smtpReply(b, two), 'L7STS', 4),
    { op: 'send', data: Buffer.from(`${s.verb} ${s.domain}\r\n`), step: 4 },
    expect(5, (b) => smtpReply(b, two), 'L7STS', 4),
    { op: 'send', data: Buffer.from('QUIT\r\n'), step: 6 },
    expect(7, (b) => smtpReply(b, two), 'L7STS', 4),
  ];
}

export function pgsqlBytes(user: string): Buffer {
  const body = Buffer.concat([Buffer.from([0, 3, 0, 0]), Buffer.from(`user\0${user}\0\0`, 'latin1')]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length + 4);
  return Buffer.concat([len, body]);
}

export function pgsqlSteps(ck: CheckConf): Step[] {
  return [
    { op: 'connect', sendProxy: false, step: 1 },
    { op: 'send', data: pgsqlBytes(ck.pgsqlUser ?? ''), step: 2 },
    expect(3, (b) => b[0] === 0x45 ? { v: 'fail', info: b.subarray(6).toString('latin1').replace(/\0.*$/s, '') } : { v: 'ok' }, 'L7RSP', 5),
    // any authentication request ('R') means a live server (observed: md5 is ok too)
    expect(4, (b) => b[0] === 0x52 ? { v: 'ok', info: 'PostgreSQL server is ok' } : { v: 'fail', info: 'PostgreSQL unknown error' }, 'L7STS', 1),
  ];
}

/** Client auth packet for `user` (the same bytes for pre-41 and post-41 on 2.6.12), then a QUIT. */
export function mysqlBytes(user: string): Buffer {
  const payload = Buffer.concat([Buffer.from('0082000000800001', 'hex'), Buffer.from([0x21]), Buffer.alloc(23), Buffer.from(user, 'latin1'), Buffer.from([0, 0])]);
  const head = Buffer.from([payload.length & 0xff, (payload.length >> 8) & 0xff, (payload.length >> 16) & 0xff, 1]);
  return Buffer.concat([head, payload, Buffer.from('0100000001', 'hex')]);
}

/** One MySQL packet from `off`, or undefined when incomplete. */
function packet(b: Buffer, off: number): Buffer | undefined {
  if (b.length < off + 4) return undefined;
  const len = b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16);
  if (b.length < off + 4 + len) return undefined;
  return b.subarray(off + 4, off + 4 + len);
}

/** ERR packet: 0xff, the error number (code), then the text with its '#' sqlstate, as 2.6.12 reports it. */
function mysqlError(p: Buffer): Verdict {
  return { v: 'fail', code: p.length >= 3 ? p.readUInt16LE(1) : 0, info: p.subarray(3).toString('latin1') };
}

export function mysqlSteps(ck: CheckConf): Step[] {
  const user = ck.mysql?.user;
  const judge = (b: Buffer, end: boolean): Verdict => {
    const g = packet(b, 0);
    if (!g) return end ? { v: 'fail', info: 'Not enough data' } : { v: 'wait' };
    if (g[0] === 0xff) return mysqlError(g);
    const version = g.subarray(1).toString('latin1').replace(/\0.*$/s, '');
    if (user === undefined) return { v: 'ok', info: version };
    const a = packet(b, 4 + g.length);
    if (!a) return end ? { v: 'fail', info: 'Not enough data' } : { v: 'wait' };
    if (a[0] === 0xff) return mysqlError(a);
    return { v: 'ok', info: version };
  };
  const steps: Step[] = [{ op: 'connect', sendProxy: false, step: 1 }];
  if (user !== undefined) steps.push({ op: 'send', data: mysqlBytes(user), step: 2 });
  steps.push(expect(steps.length + 1, judge, 'L7STS'));
  return steps;
}

export const LDAP_BIND = Buffer.from('300c020101600702010304008000', 'hex');

export function ldapSteps(): Step[] {
  return [
    { op: 'send', data: LDAP_BIND, step: 1 },
    expect(2, (b, end) => {
      if (b[0] !== 0x30) return { v: 'fail', status: 'L7RSP', info: 'Not LDAPv3 protocol' };
      if (b.length < 2) return end ? { v: 'fail', status: 'L7RSP', info: 'Not LDAPv3 protocol' } : { v: 'wait' };
      // length (short or long form), then messageID 02 01 01, then bindResponse 0x61
      let off = 2;
      if (b[1]! & 0x80) off += b[1]! & 0x7f;
      if (b.length < off + 7) return end ? { v: 'fail', status: 'L7RSP', info: 'Not LDAPv3 protocol' } : { v: 'wait' };
      if (b[off] !== 0x02 || b[off + 1] !== 0x01 || b[off + 3] !== 0x61) return { v: 'fail', status: 'L7RSP', info: 'Not LDAPv3 protocol' };
      off += 4;
      let l = b[off]!;
      off += 1;
      if (l & 0x80) { off += l & 0x7f; l = 0; }
      // resultCode: ENUMERATED 0a 01 <code>
      if (b.length < off + 3) return end ? { v: 'fail', status: 'L7RSP', info: 'Not LDAPv3 protocol' } : { v: 'wait' };
      if (b[off] !== 0x0a || b[off + 1] !== 0x01) return { v: 'fail', status: 'L7RSP', info: 'Not LDAPv3 protocol' };
      if (b[off + 2] !== 0) return { v: 'fail', status: 'L7STS', code: b[off + 2], info: 'See RFC: http://tools.ietf.org/html/rfc4511#section-4.1.9' };
      return { v: 'ok', info: 'Success' };
    }, 'L7RSP'),
  ];
}

/** SSLv3 ClientHello as 2.6 sends it; bytes 11..14 carry the current time. */
const SSL_HELLO = '160300007901000075030000000000484150524f585953534c43484b0a484150524f585953534c43484b0a00004e000100020003000400050006000700080009000a000b000c000d000e000f0010001100120013001400150016001700180019001a001b002f0030003100320033003400350036003700380039003a0100';

export function sslHelloBytes(nowMs: number): Buffer {
  const b = Buffer.from(SSL_HELLO, 'hex');
  b.writeUInt32BE(Math.floor(nowMs / 1000) >>> 0, 11);
  return b;
}

export function sslHelloSteps(nowMs: number): Step[] {
  return [
    { op: 'send', data: sslHelloBytes(nowMs), step: 1 },
    expect(2, (b) => b[0] === 0x15 || b[0] === 0x16 ? { v: 'ok', status: 'L6OK', info: '' } : { v: 'fail', info: 'Not an SSL response' }, 'L6RSP', 5, 'L6TOUT'),
  ];
}
