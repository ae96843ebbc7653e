/**
 * The hashing algorithms: `source`, `uri`, `url_param`, `hdr`, `rdp-cookie`
 * and `hash <expr>`. Each extracts its key from the request exactly where
 * HAProxy 2.6 does, hashes it with the `hash-type` function, then asks the
 * map (`map-based`: hash % total weight over the static-rr table) or the ring
 * (`consistent`). Without a key (absent parameter or header, non-IP source)
 * the request falls back to round robin over the same map or ring. With a
 * single usable server, `hdr` and `uri` do not even look for the key, and
 * `source`/`rdp-cookie` hash 0 once they have one; `url_param` and `hash`
 * always look (this decides whether the round robin advances: observed).
 * A hashed server is returned even when full: the caller queues on it
 * (affinity is the point of hashing).
 */
import type { Balance, HashType } from '../config/proxy.js';
import { ChashFarm } from './chash.js';
import { fullHash, hashFunction, type HashFn } from './hashfn.js';
import { MapFarm } from './static-rr.js';
import type { Balancer, LbServer, PickContext } from './types.js';
import { ipv6Words } from '../proxy/address.js';

/** source address → HAProxy's 32-bit key: the IPv4 address, or the XOR of the
 * four words of an IPv6 one; -1 when not an IP. '::ffff:a.b.c.d' is what an
 * IPv6 socket reports for an IPv4 client: haproxy (bind :::80 v4v6) hashes it
 * as IPv6, i.e. 0xffff ^ address (observed). */
export function addrKey(a: string): number {
  if (a.indexOf(':') < 0) return ipv4(a, 0);
  if (a.startsWith('::ffff:') && a.indexOf('.') > 0) {
    const v4 = ipv4(a, 7);
    return v4 < 0 ? v4 : (0xffff ^ v4) >>> 0;
  }
  const w = ipv6Words(a);
  return w ? (w[0]! ^ w[1]! ^ w[2]! ^ w[3]!) >>> 0 : -1;
}

/** dotted quad starting at `from` → unsigned 32-bit, -1 if malformed (no allocation) */
function ipv4(a: string, from: number): number {
  let v = 0, part = 0, dots = 0, digits = 0;
  for (let i = from; i < a.length; i++) {
    const c = a.charCodeAt(i);
    if (c === 46) { if (!digits || part > 255) return -1; v = v * 256 + part; part = 0; digits = 0; dots++; }
    else if (c >= 48 && c <= 57) { part = part * 10 + c - 48; digits++; }
    else return -1;
  }
  if (dots !== 3 || !digits || part > 255) return -1;
  return (v * 256 + part) >>> 0;
}

/** Start of the path in a request URI for `uri path-only` ('' for '*' and authority forms). */
function pathStart(uri: string): number {
  if (uri.charCodeAt(0) === 47) return 0;
  const scheme = uri.indexOf('://');
  if (scheme < 0) return uri.length;
  const slash = uri.indexOf('/', scheme + 3);
  return slash < 0 ? uri.length : slash;
}

type KeyFn = (ctx: PickContext) => number;

function uriKey(b: Balance, fn: HashFn): KeyFn {
  const len = b.uriLen ?? 0, stopAt = b.uriDepth ? b.uriDepth + 1 : 0, whole = !!b.uriWhole, pathOnly = !!b.uriPathOnly;
  return (ctx) => {
    const u = ctx.uri;
    const start = pathOnly ? pathStart(u) : 0;
    let left = u.length - start;
    if (len && len < left) left = len;
    let end = start, slashes = 0;
    for (; left > 0; left--, end++) {
      const c = u.charCodeAt(end);
      if (c === 47) { if (++slashes === stopAt) break; }
      else if (c === 63 && !whole) break;
    }
    return fn(u, start, end);
  };
}

function paramKey(b: Balance, fn: HashFn): KeyFn {
  const name = b.param ?? '';
  const plen = name.length;
  return (ctx) => {
    const u = ctx.uri;
    const q = u.indexOf('?');
    if (q < 0) return -1;
    for (let p = q + 1; u.length - p > plen;) {
      if (u.charCodeAt(p + plen) === 61 && u.startsWith(name, p)) {
        const v = p + plen + 1;
        let e = u.indexOf('&', v);
        if (e < 0) e = u.length;
        return fn(u, v, e);
      }
      const amp = u.indexOf('&', p);
      if (amp < 0) return -1;
      p = amp + 1;
    }
    return -1;
  };
}

const isBlank = (c: number) => c === 32 || c === 9;

function headerKey(b: Balance, fn: HashFn): KeyFn {
  const name = (b.header ?? '').toLowerCase(), domainOnly = !!b.useDomainOnly;
  return (ctx) => {
    const v = ctx.header(name);
    if (v === undefined) return -1;
    // first comma-separated value, trimmed (HAProxy reads one value at a time)
    let start = 0, end = v.indexOf(',');
    if (end < 0) end = v.length;
    while (start < end && isBlank(v.charCodeAt(start))) start++;
    while (end > start && isBlank(v.charCodeAt(end - 1))) end--;
    if (end === start) return -1;
    if (domainOnly) {
      // the label before the last dot: "www.example.com" → "example"
      let dot = -1;
      for (let i = end - 1; i > start; i--) if (v.charCodeAt(i) === 46) { dot = i; break; }
      if (dot >= 0) {
        let p = dot - 1;
        while (p > start && v.charCodeAt(p - 1) !== 46) p--;
        start = p; end = dot;
      }
    }
    return fn(v, start, end);
  };
}

function sampleKey(fn: HashFn, emptyIsAbsent: boolean): KeyFn {
  return (ctx) => {
    const k = ctx.key;
    if (k === undefined || (emptyIsAbsent && k === '')) return -1;
    return fn(k, 0, k.length);
  };
}

export class HashBalancer implements Balancer {
  readonly algo: string;
  private readonly inner: MapFarm | ChashFarm;
  private readonly key: KeyFn;
  /** with a single usable server: skip the key ('before'), hash 0 once the key is
   * found ('after'), or hash as usual ('never') */
  private readonly single: 'before' | 'after' | 'never';

  constructor(b: Balance, ht: HashType, servers: LbServer[], allbackups: boolean, balanceFactor = 0) {
    this.algo = b.algo;
    const consistent = ht.method === 'consistent';
    this.inner = consistent ? new ChashFarm(servers, allbackups, balanceFactor) : new MapFarm(servers, allbackups);
    const fn = hashFunction(ht);
    this.single = b.algo === 'hdr' || b.algo === 'uri' ? 'before' : b.algo === 'source' || b.algo === 'rdp-cookie' ? 'after' : 'never';
    switch (b.algo) {
      case 'source': this.key = consistent ? (c) => { const k = addrKey(c.src); return k < 0 ? k : fullHash(k); } : (c) => addrKey(c.src); break;
      case 'uri': this.key = uriKey(b, fn); break;
      case 'url_param': this.key = paramKey(b, fn); break;
      case 'hdr': this.key = headerKey(b, fn); break;
      case 'rdp-cookie': this.key = sampleKey(fn, true); break;
      default: this.key = sampleKey(fn, false);
    }
  }

  pick(ctx: PickContext): LbServer | undefined {
    const inner = this.inner;
    if (!inner.hasServers()) return undefined;
    const one = inner.used === 1;
    if (one && this.single === 'before') return inner.byHash(0, ctx.avoid);
    const h = this.key(ctx);
    if (h < 0) return inner.pick(ctx);
    return inner.byHash(one && this.single === 'after' ? 0 : h, ctx.avoid);
  }

  update(): void { this.inner.update(); }
  take(s: LbServer): void { this.inner.take(s); }
  release(s: LbServer): void { this.inner.release(s); }
  hasServers(): boolean { return this.inner.hasServers(); }
}
