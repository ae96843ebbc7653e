/**
 * The PROXY protocol header lb writes first on a server connection when the
 * server line says `send-proxy` (v1, text) or `send-proxy-v2` (binary): the
 * client's address and port and the address and port it connected to, as
 * HAProxy 2.6 writes them (observed: v2 carries no TLV by default).
 */
import type { Socket } from 'node:net';
import { isIPv4, isIPv6 } from 'node:net';
import { clientAddress } from './headers.js';
import { ipv6Words } from './address.js';

const V2_SIG = Buffer.from('0d0a0d0a000d0a515549540a', 'hex');

/** The header for a client connection (v1 text or v2 bytes). */
export function proxyHeader(client: Socket, v2: boolean): string | Buffer {
  const src = clientAddress(client.remoteAddress ?? '');
  const dst = clientAddress(client.localAddress ?? '');
  const sp = client.remotePort ?? 0, dp = client.localPort ?? 0;
  const four = isIPv4(src) && isIPv4(dst);
  const six = !four && isIPv6(src) && isIPv6(dst);
  if (!v2) {
    if (four) return `PROXY TCP4 ${src} ${dst} ${sp} ${dp}\r\n`;
    if (six) return `PROXY TCP6 ${src} ${dst} ${sp} ${dp}\r\n`;
    return 'PROXY UNKNOWN\r\n';
  }
  if (!four && !six) {
    // unix sockets and mixed families: a PROXY command with no address (AF_UNSPEC)
    const b = Buffer.alloc(16);
    V2_SIG.copy(b, 0);
    b[12] = 0x21;
    b[13] = 0x00;
    return b;
  }
  const alen = four ? 4 : 16;
  const b = Buffer.alloc(16 + 2 * alen + 4);
  V2_SIG.copy(b, 0);
  b[12] = 0x21; // version 2, PROXY
  b[13] = four ? 0x11 : 0x21; // TCP over IPv4 / IPv6
  b.writeUInt16BE(2 * alen + 4, 14);
  writeIp(b, 16, src, four);
  writeIp(b, 16 + alen, dst, four);
  b.writeUInt16BE(sp, 16 + 2 * alen);
  b.writeUInt16BE(dp, 18 + 2 * alen);
  return b;
}

function writeIp(b: Buffer, at: number, ip: string, four: boolean): void {
  if (four) {
    const p = ip.split('.');
    for (let i = 0; i < 4; i++) b[at + i] = Number(p[i]);
    return;
  }
  const w = ipv6Words(ip);
  for (let i = 0; i < 4; i++) b.writeUInt32BE(w?.[i] ?? 0, at + 4 * i);
}
