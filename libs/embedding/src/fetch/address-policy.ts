import * as ipaddr from 'ipaddr.js';

/** 2000::/3: the only IPv6 block IANA allocates for global unicast; nothing outside it is a public host. */
const IPV6_GLOBAL_UNICAST = ipaddr.IPv6.parseCIDR('2000::/3');
/** 64:ff9b::/96 (RFC 6052): the well-known NAT64 prefix that DNS64 puts in front of a public IPv4 address. */
const NAT64_WELL_KNOWN = ipaddr.IPv6.parseCIDR('64:ff9b::/96');
/** ::/96: IPv4-compatible addresses (deprecated by RFC 4291), `::7f00:1` being 127.0.0.1. */
const IPV4_COMPATIBLE = ipaddr.IPv6.parseCIDR('::/96');

/**
 * Which addresses an outgoing image fetch may connect to. Public unicast only, unless private addresses are
 * explicitly allowed (IMAGE_FETCH_ALLOW_PRIVATE): loopback, RFC 1918, link-local (cloud metadata at
 * 169.254.169.254), unique-local, carrier-grade NAT, multicast, reserved and unspecified are refused.
 *
 * Every spelling of an address is judged as the same address: IPv4 in any form ipaddr.js reads (`127.1`,
 * `0x7f000001`, `2130706433`), IPv4-mapped IPv6 (`::ffff:127.0.0.1`) and well-known-prefix NAT64
 * (`64:ff9b::7f00:1`) as the IPv4 address they carry (DNS64 networks reach public hosts that way). The other
 * IPv6 forms that carry or tunnel to an IPv4 address are refused outright, whatever they carry: IPv4-compatible
 * (`::7f00:1`), IPv4-translated (`::ffff:0:7f00:1`), NAT64 local-use (`64:ff9b:1::/48`, where the operator picks
 * the prefix length), 6to4 (`2002::/16`) and Teredo (`2001::/32`). Any other IPv6 address must be global unicast
 * (2000::/3) outside the special-purpose blocks (documentation, benchmarking, ORCHID, ...).
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv4') return isPublicIPv4(parsed as ipaddr.IPv4);
  const v6 = parsed as ipaddr.IPv6;
  const carried = carriedIPv4(v6);
  if (carried === 'refused') return false;
  if (carried) return isPublicIPv4(carried);
  return v6.range() === 'unicast' && v6.match(IPV6_GLOBAL_UNICAST);
}

function isPublicIPv4(address: ipaddr.IPv4): boolean {
  return address.range() === 'unicast';
}

/**
 * The IPv4 address an IPv6 address stands for (judged instead of it), `'refused'` for transition forms that
 * are never fetched from, or undefined for a native IPv6 address.
 */
function carriedIPv4(address: ipaddr.IPv6): ipaddr.IPv4 | 'refused' | undefined {
  const range = address.range();
  if (range === 'ipv4Mapped') return address.toIPv4Address();
  if (range === 'rfc6052') {
    return address.match(NAT64_WELL_KNOWN) ? lastIPv4(address) : 'refused';
  }
  if (range === 'rfc6145' || range === '6to4' || range === 'teredo') return 'refused';
  // `::` and `::1` are refused as unspecified and loopback; the rest of ::/96 is the deprecated compatible form.
  if (address.match(IPV4_COMPATIBLE)) return 'refused';
  return undefined;
}

function lastIPv4(address: ipaddr.IPv6): ipaddr.IPv4 {
  const bytes = address.toByteArray();
  return new ipaddr.IPv4(bytes.slice(12, 16));
}
