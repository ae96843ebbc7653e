/**
 * lb's own version and the HAProxy release whose behaviour it follows.
 * `version_atleast()` / `version_before()` in config conditions compare
 * against HAPROXY_COMPAT, because users write those conditions for HAProxy.
 */
export const LB_VERSION = '0.1.0';
export const LB_DATE = '2026/11/23';
/** lb follows HAProxy 2.6 (LTS): its defaults, messages and formats. */
export const HAPROXY_COMPAT = '2.6.12';
export const HAPROXY_BRANCH = '2.6';

/**
 * Build features in HAProxy's `-vv` vocabulary, `+` when lb provides the
 * equivalent, `-` when not; `feature(NAME)` is true only for `+` entries.
 */
export const FEATURES: ReadonlyArray<readonly [string, boolean]> = [
  ['EPOLL', true], ['KQUEUE', false], ['NETFILTER', false], ['PCRE', false], ['PCRE_JIT', false],
  ['PCRE2', false], ['PCRE2_JIT', false], ['POLL', true], ['THREAD', true], ['BACKTRACE', false],
  ['STATIC_PCRE', false], ['STATIC_PCRE2', false], ['TPROXY', false], ['LINUX_TPROXY', false],
  ['LINUX_SPLICE', false], ['LIBCRYPT', false], ['CRYPT_H', false], ['ENGINE', false],
  ['GETADDRINFO', true], ['OPENSSL', false], ['LUA', false], ['ACCEPT4', true], ['CLOSEFROM', false],
  ['ZLIB', false], ['SLZ', false], ['CPU_AFFINITY', false], ['TFO', false], ['NS', false],
  ['DL', false], ['RT', false], ['DEVICEATLAS', false], ['51DEGREES', false], ['WURFL', false],
  ['SYSTEMD', false], ['OBSOLETE_LINKER', false], ['PRCTL', false], ['PROCCTL', false],
  ['THREAD_DUMP', false], ['EVPORTS', false], ['OT', false], ['QUIC', false], ['PROMEX', false],
  ['MEMORY_PROFILING', false],
];

export function hasFeature(name: string): boolean {
  for (const [n, on] of FEATURES) if (n === name) return on;
  return false;
}
