/**
 * The global section. Expected strings were printed by HAProxy 2.6.12.
 */
import t from 'tap';
import { load, alerts, warnings } from '../helpers.js';

const A = (s: string) => `[ALERT] config : ${s}`;

t.test('process settings land in the model', async (t) => {
  const r = load('global\n daemon\n maxconn 4096\n nbthread 2\n pidfile /run/lb.pid\n chroot /var/empty\n user root\n group root\n' +
    ' hard-stop-after 30s\n stats timeout 30s\n stats maxconn 5\n spread-checks 5\n node lb1\n tune.bufsize 32768\n' +
    ' ssl-default-bind-ciphers ECDHE\n cpu-map auto:1/1-2 0-1\n setenv GREETING hi\n .notice "${GREETING}"\n');
  t.same(alerts(r), []);
  const g = r.model!.global;
  t.equal(g.daemon, true);
  t.equal(g.maxconn, 4096);
  t.equal(g.nbthread, 2);
  t.equal(g.pidfile, '/run/lb.pid');
  t.equal(g.uid, 0);
  t.equal(g.gid, 0);
  t.equal(g.hardStopAfter, 30000);
  t.equal(g.statsTimeout, 30000);
  t.equal(g.statsMaxconn, 5);
  t.equal(g.bufsize, 32768);
  t.equal(g.ssl['ssl-default-bind-ciphers'], 'ECDHE');
  t.same(r.lines, ["[NOTICE] config : parsing [t.cfg:18]: 'hi'."], 'setenv applies to the following lines');
});

t.test('global errors as HAProxy words them', async (t) => {
  const r = load('global\n user nobodyx\n group nogroupx\n nbproc 2\n maxcon 10\n daemonn\n pidfile\n pidfile /a\n pidfile /b\n' +
    ' chroot\n tune.bufsize x\n tune.foo 1\n ssl-default-bind-ciphers\n nbthread 0\n stats timeout 0\n stats foo\n stats maxconn x\n' +
    ' master-worker x\n spread-checks 60\n node\n setenv A\n daemon x\n maxconn ""\n nbthread ""\n');
  t.same(alerts(r), [
    A("parsing [t.cfg:2] : cannot find user id for 'nobodyx' (0:Success)"),
    A("parsing [t.cfg:3] : cannot find group id for 'nogroupx' (0:Success)"),
    A('parsing [t.cfg:4] : nbproc is not supported any more since HAProxy 2.5. Threads will automatically be used on multi-processor machines if available.'),
    A("parsing [t.cfg:5] : unknown keyword 'maxcon' in 'global' section; did you mean 'maxconn' maybe ?"),
    A("parsing [t.cfg:6] : unknown keyword 'daemonn' in 'global' section; did you mean 'daemon' maybe ?"),
    A("parsing [t.cfg:7] : 'pidfile' expects a file name as an argument."),
    A("parsing [t.cfg:9] : 'pidfile' already specified. Continuing."),
    A("parsing [t.cfg:10] : 'chroot' expects a directory as an argument."),
    A("parsing [t.cfg:11] : 'tune.bufsize' expects a positive integer argument."),
    A("parsing [t.cfg:12] : unknown keyword 'tune.foo' in 'global' section"),
    A("parsing [t.cfg:13] : global statement 'ssl-default-bind-ciphers' expects a cipher suite as an argument."),
    A("parsing [t.cfg:14] : 'nbthread' value must be between 1 and 64 (was 0)"),
    A("parsing [t.cfg:15] : 'stats timeout' expects a positive value"),
    A("parsing [t.cfg:16] : 'stats' only supports 'socket', 'maxconn', 'bind-process' and 'timeout' (got 'foo')"),
    A("parsing [t.cfg:17] : 'stats maxconn' expects a positive value"),
    A("parsing [t.cfg:18] : 'master-worker' only supports 'no-exit-on-failure' option."),
    A("parsing [t.cfg:19]: 'spread-checks' needs a positive value in range 0..50."),
    A("parsing [t.cfg:20]: 'node' requires valid node name - non-empty string with digits(0-9), letters(A-Z, a-z), dot(.), hyphen(-) or underscode(_)."),
    A("parsing [t.cfg:21]: 'setenv' expects a name and a value."),
    A("parsing [t.cfg:22] : 'daemon' cannot handle unexpected argument 'x'."),
    A("parsing [t.cfg:23] : 'maxconn' expects an integer argument."),
    A("parsing [t.cfg:24] : 'nbthread' passed a missing or unparsable integer value in ''"),
  ]);
});

t.test('uid as a name warns like HAProxy', async (t) => {
  const r = load('global\n uid x\n');
  t.same(warnings(r), ["[WARNING] config : parsing [t.cfg:2] :  uid: string 'x' is not a number.\n   | You might want to use the 'user' parameter to use a system user name."]);
});

t.test('Lua is reported as not implemented, not ignored', async (t) => {
  const r = load('global\n lua-load /etc/haproxy/x.lua\n');
  t.equal(r.diag.list[0]!.code, 'LB_ERR_CFG_NOT_IMPLEMENTED');
  t.match(alerts(r)[0], /parsing \[t\.cfg:2\] : 'lua-load' is not implemented in lb/);
});
