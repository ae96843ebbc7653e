/**
 * HAProxy 2.6's command list as `help` prints it (reference §5.2, verbatim),
 * and the matching of a command line against it: the longest run of exact
 * words, and for unknown commands the fuzzy "did you mean" list HAProxy
 * builds from two-letter fingerprints (at most five proposals).
 */

export interface HelpRow {
  /** the fixed words that select the command */
  readonly words: readonly string[];
  readonly usage: string;
  readonly desc: string;
}

const RAW: ReadonlyArray<readonly [string, string, string]> = [
  ['abort ssl ca-file', 'abort ssl ca-file <cafile>', 'abort a transaction for a CA file'],
  ['abort ssl cert', 'abort ssl cert <certfile>', 'abort a transaction for a certificate file'],
  ['abort ssl crl-file', 'abort ssl crl-file <crlfile>', 'abort a transaction for a CRL file'],
  ['add acl', 'add acl [@<ver>] <acl> <pattern>', 'add an acl entry'],
  ['add map', 'add map [@<ver>] <map> <key> <val>', 'add a map entry (payload supported instead of key/val)'],
  ['add server', 'add server <bk>/<srv>', 'create a new server'],
  ['add ssl crt-list', 'add ssl crt-list <list> <cert> [opts]*', 'add to crt-list file <list> a line <cert> or a payload'],
  ['clear acl', 'clear acl [@<ver>] <acl>', 'clear the contents of this acl'],
  ['clear counters', 'clear counters [all]', 'clear max statistics counters (or all counters)'],
  ['clear map', 'clear map [@<ver>] <map>', 'clear the contents of this map'],
  ['clear table', 'clear table <table> [<filter>]*', 'remove an entry from a table (filter: data/key)'],
  ['commit acl', 'commit acl @<ver> <acl>', 'commit the ACL at this version'],
  ['commit map', 'commit map @<ver> <map>', 'commit the map at this version'],
  ['commit ssl ca-file', 'commit ssl ca-file <cafile>', 'commit a CA file'],
  ['commit ssl cert', 'commit ssl cert <certfile>', 'commit a certificate file'],
  ['commit ssl crl-file', 'commit ssl crl-file <crlfile>', 'commit a CRL file'],
  ['del acl', 'del acl <acl> [<key>|#<ref>]', 'delete acl entries matching <key>'],
  ['del map', 'del map <map> [<key>|#<ref>]', 'delete map entries matching <key>'],
  ['del server', 'del server <bk>/<srv>', 'remove a dynamically added server'],
  ['del ssl ca-file', 'del ssl ca-file <cafile>', 'delete an unused CA file'],
  ['del ssl cert', 'del ssl cert <certfile>', 'delete an unused certificate file'],
  ['del ssl crl-file', 'del ssl crl-file <crlfile>', 'delete an unused CRL file'],
  ['del ssl crt-list', 'del ssl crt-list <list> <cert[:line]>', 'delete a line <cert> from crt-list file <list>'],
  ['disable agent', 'disable agent', 'disable agent checks'],
  ['disable dynamic-cookie backend', 'disable dynamic-cookie backend <bk>', 'disable dynamic cookies on a specific backend'],
  ['disable frontend', 'disable frontend <frontend>', 'temporarily disable specific frontend'],
  ['disable health', 'disable health', 'disable health checks'],
  ['disable server', 'disable server (DEPRECATED)', "disable a server for maintenance (use 'set server' instead)"],
  ['enable agent', 'enable agent', 'enable agent checks'],
  ['enable dynamic-cookie backend', 'enable dynamic-cookie backend <bk>', 'enable dynamic cookies on a specific backend'],
  ['enable frontend', 'enable frontend <frontend>', 're-enable specific frontend'],
  ['enable health', 'enable health', 'enable health checks'],
  ['enable server', 'enable server  (DEPRECATED)', "enable a disabled server (use 'set server' instead)"],
  ['get acl', 'get acl <acl> <value>', 'report the patterns matching a sample for an ACL'],
  ['get map', 'get map <acl> <value>', 'report the keys and values matching a sample for a map'],
  ['get var', 'get var <name>', 'retrieve contents of a process-wide variable'],
  ['get weight', 'get weight <bk>/<srv>', "report a server's current weight"],
  ['new ssl ca-file', 'new ssl ca-file <cafile>', 'create a new CA file to be used in a crt-list'],
  ['new ssl cert', 'new ssl cert <certfile>', 'create a new certificate file to be used in a crt-list or a directory'],
  ['new ssl crlfile', 'new ssl crlfile <crlfile>', 'create a new CRL file to be used in a crt-list'],
  ['operator', 'operator', 'lower the level of the current CLI session to operator'],
  ['prepare acl', 'prepare acl <acl>', 'prepare a new version for atomic ACL replacement'],
  ['prepare map', 'prepare map <acl>', 'prepare a new version for atomic map replacement'],
  ['set dynamic-cookie-key backend', 'set dynamic-cookie-key backend <bk> <k>', 'change a backend secret key for dynamic cookies'],
  ['set map', 'set map <map> [<key>|#<ref>] <value>', 'modify a map entry'],
  ['set maxconn frontend', 'set maxconn frontend <frontend> <value>', "change a frontend's maxconn setting"],
  ['set maxconn global', 'set maxconn global <value>', 'change the per-process maxconn setting'],
  ['set maxconn server', 'set maxconn server <bk>/<srv>', "change a server's maxconn setting"],
  ['set profiling', 'set profiling <what> {auto|on|off}', 'enable/disable resource profiling (tasks,memory)'],
  ['set rate-limit', 'set rate-limit <setting> <value>', 'change a rate limiting value'],
  ['set server', 'set server <bk>/<srv> [opts]', "change a server's state, weight, address or ssl"],
  ['set severity-output', 'set severity-output [none|number|string]', 'set presence of severity level in feedback information'],
  ['set ssl ca-file', 'set ssl ca-file <cafile> <payload>', 'replace a CA file'],
  ['set ssl cert', 'set ssl cert <certfile> <payload>', 'replace a certificate file'],
  ['set ssl crl-file', 'set ssl crl-file <crlfile> <payload>', 'replace a CRL file'],
  ['set ssl ocsp-response', 'set ssl ocsp-response <resp|payload>', "update a certificate's OCSP Response from a base64-encode DER"],
  ['set ssl tls-key', 'set ssl tls-key [id|file] <key>', 'set the next TLS key for the <id> or <file> listener to <key>'],
  ['set table', 'set table <table> key <k> [data.* <v>]*', "update or create a table entry's data"],
  ['set timeout', 'set timeout [cli] <delay>', 'change a timeout setting'],
  ['set weight', 'set weight <bk>/<srv>  (DEPRECATED)', "change a server's weight (use 'set server' instead)"],
  ['show acl', 'show acl [@<ver>] <acl>]', "report available acls or dump an acl's contents"],
  ['show activity', 'show activity', 'show per-thread activity stats (for support/developers)'],
  ['show backend', 'show backend', 'list backends in the current running config'],
  ['show cache', 'show cache', 'show cache status'],
  ['show cli level', 'show cli level', 'display the level of the current CLI session'],
  ['show cli sockets', 'show cli sockets', 'dump list of cli sockets'],
  ['show env', 'show env [var]', 'dump environment variables known to the process'],
  ['show errors', 'show errors [<px>] [request|response]', 'report last request and/or response errors for each proxy'],
  ['show events', 'show events [<sink>] [-w] [-n]', 'show event sink state'],
  ['show fd', 'show fd [num]', 'dump list of file descriptors in use or a specific one'],
  ['show info', 'show info [desc|json|typed|float]*', 'report information about the running process'],
  ['show libs', 'show libs', 'show loaded object files and libraries'],
  ['show map', 'show map [@ver] [map]', "report available maps or dump a map's contents"],
  ['show peers', 'show peers [dict|-] [section]', 'dump some information about all the peers or this peers section'],
  ['show pools', 'show pools', 'report information about the memory pools usage'],
  ['show profiling', 'show profiling [<what>|<#lines>|byaddr]*', 'show profiling state (all,status,tasks,memory)'],
  ['show resolvers', 'show resolvers [id]', 'dumps counters from all resolvers section and associated name servers'],
  ['show schema json', 'show schema json', 'report schema used for stats'],
  ['show servers conn', 'show servers conn [<backend>]', 'dump server connections status (all or for a single backend)'],
  ['show servers state', 'show servers state [<backend>]', 'dump volatile server information (all or for a single backend)'],
  ['show sess', 'show sess [id]', 'report the list of current sessions or dump this exact session'],
  ['show ssl ca-file', 'show ssl ca-file [<cafile>[:<index>]]', 'display the SSL CA files used in memory, or the details of a <cafile>, or a single certificate of index <index> of a CA file <cafile>'],
  ['show ssl cert', 'show ssl cert [<certfile>]', 'display the SSL certificates used in memory, or the details of a file'],
  ['show ssl crl-file', 'show ssl crl-file [<crlfile[:<index>>]]', 'display the SSL CRL files used in memory, or the details of a <crlfile>, or a single CRL of index <index> of CRL file <crlfile>'],
  ['show ssl crt-list', 'show ssl crt-list [-n] [<list>]', 'show the list of crt-lists or the content of a crt-list file <list>'],
  ['show ssl ocsp-response', 'show ssl ocsp-response [id]', 'display the IDs of the OCSP responses used in memory, or the details of a single OCSP response'],
  ['show ssl providers', 'show ssl providers', 'show loaded SSL providers'],
  ['show startup-logs', 'show startup-logs', 'report logs emitted during HAProxy startup'],
  ['show stat', 'show stat [desc|json|no-maint|typed|up]*', 'report counters for each proxy and server'],
  ['show table', 'show table <table> [<filter>]*', "report table usage stats or dump this table's contents (filter: data/key)"],
  ['show tasks', 'show tasks', 'show running tasks'],
  ['show threads', 'show threads', 'show some threads debugging information'],
  ['show tls-keys', 'show tls-keys [id|*]', 'show tls keys references or dump tls ticket keys when id specified'],
  ['show trace', 'show trace [<module>]', 'show live tracing state'],
  ['show version', 'show version', 'show version of the current process'],
  ['shutdown frontend', 'shutdown frontend <frontend>', 'stop a specific frontend'],
  ['shutdown session', 'shutdown session [id]', 'kill a specific session'],
  ['shutdown sessions server', 'shutdown sessions server <bk>/<srv>', 'kill sessions on a server'],
  ['trace', 'trace [<module>|0] [cmd [args...]]', 'manage live tracing (empty to list, 0 to stop all)'],
  ['user', 'user', 'lower the level of the current CLI session to user'],
  ['help', 'help [<command>]', 'list matching or all commands'],
  ['prompt', 'prompt', 'toggle interactive mode with prompt'],
  ['quit', 'quit', 'disconnect'],
];

/** Every command of the 2.6 help, in its (alphabetical) order, then help, prompt and quit. */
export const HELP_ROWS: readonly HelpRow[] = RAW.map(([w, usage, desc]) => ({ words: w.split(' '), usage, desc }));
const TAIL: readonly HelpRow[] = HELP_ROWS.slice(-3);
const MAIN: readonly HelpRow[] = HELP_ROWS.slice(0, -3);

export function helpLine(r: HelpRow): string {
  return `  ${r.usage.padEnd(40)}: ${r.desc}\n`;
}

/** HAProxy's word fingerprint: counts of letter pairs (a-z, digits, other) with begin/end marks. */
function fingerprint(fp: Uint8Array, word: string): void {
  let from = 28;
  for (const ch of word.toLowerCase()) {
    const c = ch.charCodeAt(0);
    const to = c >= 97 && c <= 122 ? c - 96 : c >= 48 && c <= 57 ? 27 : 28;
    fp[from * 32 + to]!++;
    from = to;
  }
  fp[from * 32 + 28]!++;
}

function distance(a: Uint8Array, b: Uint8Array): number {
  let d = 0;
  for (let i = 0; i < 1024; i++) d += Math.abs(a[i]! - b[i]!);
  return d;
}

function prefixMatch(r: HelpRow, args: readonly string[]): number {
  let i = 0;
  while (i < r.words.length && i < args.length && args[i] && r.words[i] === args[i]) i++;
  return i;
}

/**
 * The text HAProxy answers to `help [words]` (help = true) or to an unknown
 * command (`args` = its words).
 */
export function usageText(args: readonly string[], help: boolean): string {
  let length = 0;
  for (const r of HELP_ROWS) length = Math.max(length, prefixMatch(r, args));
  let out: string;
  if (help) out = 'The following commands are valid at this level:\n';
  else if (length === 0 && (args.length === 0 || !args[0])) out = 'Unknown command. Please enter one of the following commands only:\n';
  else out = 'Unknown command, but maybe one of the following ones is a better match:\n';
  const matches: Array<{ r: HelpRow; dist: number }> = [];
  if (args[length]) {
    for (const r of MAIN) {
      if (prefixMatch(r, args) < length) continue;
      const ws = new Uint8Array(1024), ls = new Uint8Array(1024);
      let totlen = 0;
      for (let i = length; i < 5 && args[i]; i++) { fingerprint(ws, args[i]!); totlen += args[i]!.length; }
      for (let i = length; i < 5 && r.words[i]; i++) { fingerprint(ls, r.words[i]!); totlen += r.words[i]!.length; }
      const dist = distance(ws, ls);
      if (dist >= (5 * totlen) / 2) continue;
      if (matches.length === 5 && dist >= matches[4]!.dist) continue;
      if (matches.length === 5) matches.pop();
      let at = matches.length;
      while (at > 0 && matches[at - 1]!.dist > dist) at--;
      matches.splice(at, 0, { r, dist });
    }
  }
  if (matches.length > 0) {
    const keep = new Set(matches.filter((m) => m.dist <= (5 * matches[0]!.dist) / 2).map((m) => m.r));
    for (const r of MAIN) if (keep.has(r)) out += helpLine(r);
  } else {
    for (const r of MAIN) if (prefixMatch(r, args) >= length && (length === 0 ? !args[0] : true) && prefixMatch(r, args) === Math.min(length, r.words.length)) out += helpLine(r);
  }
  for (const r of TAIL) out += helpLine(r);
  return out + '\n';
}
