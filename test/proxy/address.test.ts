/**
 * IPv6 text to words: the one parser behind `balance source` hashing, ACL
 * address matching and the PROXY protocol v2 header.
 */
import t from 'tap';
import { ipv6Words } from '../../src/proxy/address.js';

const hex = (w: Uint32Array | undefined): string | undefined => (w ? [...w].map((x) => x.toString(16).padStart(8, '0')).join(':') : undefined);

t.test('ipv6Words', async (t) => {
  t.equal(hex(ipv6Words('::1')), '00000000:00000000:00000000:00000001');
  t.equal(hex(ipv6Words('::')), '00000000:00000000:00000000:00000000');
  t.equal(hex(ipv6Words('2001:db8::8:800:200c:417a')), '20010db8:00000000:00080800:200c417a');
  t.equal(hex(ipv6Words('1:2:3:4:5:6:7:8')), '00010002:00030004:00050006:00070008');
  t.equal(hex(ipv6Words('fe80::1%eth0')), 'fe800000:00000000:00000000:00000001', 'zone ignored');
  t.equal(hex(ipv6Words('::ffff:1.2.3.4')), '00000000:00000000:0000ffff:01020304', 'IPv4-mapped');
  t.equal(hex(ipv6Words('64:ff9b::192.0.2.33')), '0064ff9b:00000000:00000000:c0000221', 'embedded IPv4 after ::');
  for (const bad of ['1.2.3.4', '', 'x', '1::2::3', '12345::', '1:2:3:4:5:6:7:8:9', '::ffff:1.2.3']) t.equal(ipv6Words(bad), undefined, `not IPv6: '${bad}'`);
});
