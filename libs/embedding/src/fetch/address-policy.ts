import * as ipaddr from 'ipaddr.js';

/**
 * Which addresses an outgoing image fetch may connect to. Public unicast only, unless private addresses are
 * explicitly allowed (IMAGE_FETCH_ALLOW_PRIVATE): loopback, RFC 1918, link-local (cloud metadata at
 * 169.254.169.254), unique-local, carrier-grade NAT, multicast, reserved and unspecified are refused.
 * IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress()) parsed = v6.toIPv4Address();
  }
  return parsed.range() === 'unicast';
}
