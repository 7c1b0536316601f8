// The operator's exceptions to the public-addresses-only rule for input URLs (MODA_FETCH_ALLOW):
// host names, IP addresses and CIDR blocks, comma or space separated, e.g.
// `images.internal, 10.1.0.0/16, [fd00::]/8`.
import { ModaError } from '../../errors/moda-error.js';
import { ipv4Bytes, ipv6Bytes, matchesPrefix } from './classify-address.js';

export interface FetchAllowlist {
  /** Whether a URL naming `hostname` may connect to `address` although the address is not public. */
  allows(hostname: string, address: string): boolean;
}

interface Cidr {
  family: 4 | 6;
  bytes: number[];
  bits: number;
}

function addressBytes(address: string): { family: 4 | 6; bytes: number[] } | undefined {
  const plain = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const v4 = ipv4Bytes(plain);
  if (v4) return { family: 4, bytes: v4 };
  const v6 = ipv6Bytes(plain);
  return v6 ? { family: 6, bytes: v6 } : undefined;
}

/** IPv4-mapped IPv6 (::ffff:a.b.c.d) is the IPv4 address for matching. */
function normalized(address: { family: 4 | 6; bytes: number[] }): { family: 4 | 6; bytes: number[] } {
  const mapped = [...new Array<number>(10).fill(0), 0xff, 0xff];
  if (address.family === 6 && matchesPrefix(address.bytes, mapped, 96)) return { family: 4, bytes: address.bytes.slice(12) };
  return address;
}

const HOST = /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,62})(\.[a-z0-9_]([a-z0-9_-]{0,62}))*\.?$/;

export function parseFetchAllowlist(text: string, env = 'MODA_FETCH_ALLOW'): FetchAllowlist {
  const hosts = new Set<string>();
  const cidrs: Cidr[] = [];
  for (const entry of text.split(/[\s,]+/).filter(Boolean)) {
    const [base = '', bitsText, extra] = entry.split('/');
    const address = addressBytes(base);
    if (address) {
      const family = normalized(address).family;
      const max = family === 4 ? 32 : 128;
      const bits = bitsText === undefined ? max : /^\d{1,3}$/.test(bitsText) ? Number(bitsText) : Number.NaN;
      // A mapped address given with a /96+ prefix length is a prefix of the IPv4 address.
      const adjusted = address.family === 6 && family === 4 ? bits - 96 : bits;
      if (extra !== undefined || !Number.isInteger(adjusted) || adjusted < 0 || adjusted > max) throw new ModaError('CONFIG_INVALID', `${env}: "${entry}" is not a valid CIDR block`);
      cidrs.push({ ...normalized(address), bits: adjusted });
    } else if (bitsText === undefined && HOST.test(entry.toLowerCase())) {
      hosts.add(entry.toLowerCase().replace(/\.$/, ''));
    } else {
      throw new ModaError('CONFIG_INVALID', `${env}: "${entry}" is neither a host name, an IP address nor a CIDR block`);
    }
  }
  return {
    allows(hostname, address) {
      if (hosts.has(hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, ''))) return true;
      const parsed = addressBytes(address);
      if (!parsed) return false;
      const target = normalized(parsed);
      return cidrs.some((cidr) => cidr.family === target.family && matchesPrefix(target.bytes, cidr.bytes, cidr.bits));
    },
  };
}
