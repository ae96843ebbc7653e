/**
 * The hash functions of `hash-type` (sdbm default, djb2, wt6, crc32) and the
 * avalanche mixer, bit-exact with HAProxy 2.6 so that a key lands on the same
 * server as with haproxy. Keys are "binary strings": one char per byte, as
 * Node's HTTP parser delivers URIs and header values; a range [start, end) is
 * hashed in place so that no substring is allocated on the pick path.
 */
import type { HashType } from '../config/proxy.js';

export type HashFn = (s: string, start: number, end: number) => number;

export function sdbm(s: string, start: number, end: number): number {
  let h = 0;
  for (let i = start; i < end; i++) h = ((s.charCodeAt(i) & 0xff) + (h << 6) + (h << 16) - h) >>> 0;
  return h;
}

export function djb2(s: string, start: number, end: number): number {
  let h = 5381;
  for (let i = start; i < end; i++) h = (h * 33 + (s.charCodeAt(i) & 0xff)) >>> 0;
  return h;
}

const rotl = (v: number, n: number) => ((v << n) | (v >>> (32 - n))) >>> 0;

/** Willy Tarreau's wt6: two words rotated by data-dependent steps. */
export function wt6(s: string, start: number, end: number): number {
  let h0 = 0xa53c965a, h1 = 0x5ca6953a, step0 = 6, step1 = 18;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i) & 0xff;
    h0 = ~(h0 ^ c) >>> 0;
    h1 = ~(h1 + c) >>> 0;
    const t = rotl(h1, step0);
    h1 = rotl(h0, step1);
    h0 = t;
    const u = ((h0 >>> 16) ^ h1) & 0xffff;
    step0 = u & 0x1f;
    step1 = u >>> 11;
  }
  return (h0 ^ h1) >>> 0;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
    t[i] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (IEEE 802.3, reflected). */
export function crc32(s: string, start: number, end: number): number {
  let h = 0xffffffff;
  for (let i = start; i < end; i++) h = (CRC_TABLE[(h ^ s.charCodeAt(i)) & 0xff]! ^ (h >>> 8)) >>> 0;
  return ~h >>> 0;
}

/** 'none' (3.x only, refused by 2.6's parser): the key read as a decimal integer. */
export function none(s: string, start: number, end: number): number {
  let v = 0;
  for (let i = start; i < end; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    v = (v * 10 + d) % 4294967296;
  }
  return v >>> 0;
}

/** Bob Jenkins' 32-bit integer mix then × 3221225473 ("avalanche"; also places consistent-hash points). */
export function fullHash(a: number): number {
  a = ((a + 0x7ed55d16) + (a << 12)) >>> 0;
  a = ((a ^ 0xc761c23c) ^ (a >>> 19)) >>> 0;
  a = ((a + 0x165667b1) + (a << 5)) >>> 0;
  a = ((a + 0xd3a2646c) ^ (a << 9)) >>> 0;
  a = ((a + 0xfd7046c5) + (a << 3)) >>> 0;
  a = ((a ^ 0xb55a4f09) ^ (a >>> 16)) >>> 0;
  // spread over the whole 32-bit space: × a large prime near 3/4 of it
  return Math.imul(a, 3221225473) >>> 0;
}

const FNS: Record<HashType['fn'], HashFn> = { sdbm, djb2, wt6, crc32, none };

/** The configured function, with avalanche applied when asked. */
export function hashFunction(ht: HashType): HashFn {
  const f = FNS[ht.fn] ?? sdbm;
  return ht.avalanche ? (s, a, b) => fullHash(f(s, a, b)) : f;
}
