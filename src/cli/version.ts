/**
 * The texts `lb -v`, `lb -vv` and a bare `lb` print (reference §6.1).
 * They keep HAProxy's shape because scripts parse them
 * (`HAProxy version (\d+\.\d+)`), and say plainly that this is lb, which
 * follows HAProxy's behaviour without being HAProxy. Pure functions: the
 * caller decides where the text goes (version → stdout, usage → stderr).
 */
import * as os from 'node:os';
import { LB_VERSION, LB_DATE, HAPROXY_COMPAT, HAPROXY_BRANCH, FEATURES } from '../core/version.js';

export interface HostInfo {
  type: string;
  release: string;
  version: string;
  machine: string;
  node: string;
  v8: string;
}

export function hostInfo(): HostInfo {
  return {
    type: os.type(),
    release: os.release(),
    version: os.version(),
    machine: os.machine(),
    node: process.version,
    v8: process.versions.v8,
  };
}

/** The `-v` block: four lines like HAProxy's, the third replaced by what lb is. */
export function versionText(h: HostInfo = hostInfo()): string {
  return [
    `HAProxy version ${HAPROXY_COMPAT} (lb ${LB_VERSION}) ${LB_DATE} - https://haproxy.org/`,
    `Status: lb ${LB_VERSION} is a Node.js load balancer, not HAProxy; it follows HAProxy ${HAPROXY_BRANCH} (long-term supported branch) behaviour.`,
    `Running on: ${h.type} ${h.release} ${h.version} ${h.machine}`,
  ].join('\n') + '\n';
}

/** "+ACCEPT4 -CLOSEFROM ...", sorted by name as HAProxy 2.6 sorts its list. */
export function featureList(): string {
  return [...FEATURES]
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([n, on]) => (on ? '+' : '-') + n)
    .join(' ');
}

/** The `-vv` text: the version block, then build options, features, defaults. */
export function buildOptionsText(h: HostInfo = hostInfo()): string {
  return versionText(h) + [
    'Build options :',
    '  TARGET  = node',
    `  RUNTIME = Node.js ${h.node} (V8 ${h.v8})`,
    `  LB      = ${LB_VERSION}`,
    '',
    `Feature list : ${featureList()}`,
    '',
    'Default settings :',
    '  bufsize = 16384, maxrewrite = 1024, maxpollevents = 200',
    '',
    `Running on Node.js version : ${h.node}`,
    `lb follows HAProxy ${HAPROXY_BRANCH} behaviour: configuration language, messages, defaults and output formats of HAProxy ${HAPROXY_COMPAT}.`,
    '',
    'Available polling systems :',
    '      libuv : the Node.js event loop (epoll on Linux)',
    '',
  ].join('\n');
}

/**
 * HAProxy 2.6's usage text with lb's name, verbatim otherwise (it ends with
 * an empty line). `lb --help` lists lb's own --watch and per-flag notes.
 */
export function usageText(prog = 'lb'): string {
  return [
    `Usage : ${prog} [-f <cfgfile|cfgdir>]* [ -vdVD ] [ -n <maxconn> ] [ -N <maxpconn> ]`,
    '        [ -p <pidfile> ] [ -m <max megs> ] [ -C <dir> ] [-- <cfgfile>*]',
    '        -v displays version ; -vv shows known build options.',
    '        -d enters debug mode ; -db only disables background mode.',
    '        -dM[<byte>,help,...] debug memory (default: poison with <byte>/0x50)',
    '        -V enters verbose mode (disables quiet mode)',
    '        -D goes daemon ; -C changes to <dir> before loading files.',
    '        -W master-worker mode.',
    '        -Ws master-worker mode with systemd notify support.',
    "        -q quiet mode : don't display messages",
    '        -c check mode : only check config files and exit',
    '        -cc check condition : evaluate a condition and exit',
    '        -n sets the maximum total # of connections (uses ulimit -n)',
    '        -m limits the usable amount of memory (in MB)',
    '        -N sets the default, per-proxy maximum # of connections (0)',
    '        -L set local peer name (default to hostname)',
    '        -p writes pids of all children to this file',
    '        -de disables epoll() usage even when available',
    '        -dp disables poll() usage even when available',
    '        -dS disables splice usage (broken on old kernels)',
    '        -dG disables getaddrinfo() usage',
    '        -dR disables SO_REUSEPORT usage',
    '        -dL dumps loaded object files after config checks',
    "        -dK{class[,...]} dump registered keywords (use 'help' for list)",
    '        -dr ignores server address resolution failures',
    '        -dV disables SSL verify on servers side',
    '        -dW fails if any warning is emitted',
    '        -dD diagnostic mode : warn about suspicious configuration statements',
    '        -sf/-st [pid ]* finishes/terminates old pids.',
    '        -x <unix_socket> get listening sockets from a unix socket',
    '        -S <bind>[,<bind options>...] new master CLI',
    '',
    '',
  ].join('\n');
}
