// Tells whether an IP address is one the server may fetch inference inputs from: only public
// unicast addresses are, so a caller cannot make the server reach its own loopback, the private
// network, cloud metadata (169.254.169.254) or multicast. IPv6 is judged by allowlist (global
// unicast 2000::/3 minus special-purpose blocks), and the IPv4 address inside IPv4-mapped,
// IPv4-compatible, NAT64 and 6to4 forms is judged as IPv4, as the IANA special-purpose registries
// (RFC 6890 and successors) describe.
import { isIPv4, isIPv6 } from 'node:net';

export type AddressClass = 'public' | 'loopback' | 'private' | 'link-local' | 'multicast' | 'unspecified' | 'reserved' | 'invalid';

/** The 4 bytes of a dotted-quad IPv4 address, or undefined. */
export function ipv4Bytes(address: string): number[] | undefined {
  if (!isIPv4(address)) return undefined;
  return address.split('.').map(Number);
}

/** The 16 bytes of an IPv6 address (zone id dropped), or undefined. */
export function ipv6Bytes(address: string): number[] | undefined {
  const plain = address.replace(/%.*$/, '');
  if (!isIPv6(plain)) return undefined;
  let text = plain.toLowerCase();
  // A trailing dotted quad stands for the last two words.
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad) {
    const bytes = ipv4Bytes(quad[1]!);
    if (!bytes) return undefined;
    text = `${text.slice(0, -quad[1]!.length)}${((bytes[0]! << 8) | bytes[1]!).toString(16)}:${((bytes[2]! << 8) | bytes[3]!).toString(16)}`;
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((word) => (/^[0-9a-f]{1,4}$/.test(word) ? parseInt(word, 16) : Number.NaN)));
  const front = parse(halves[0]!);
  const back = halves.length === 2 ? parse(halves[1]!) : [];
  const missing = 8 - front.length - back.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) return undefined;
  const words = [...front, ...new Array<number>(missing).fill(0), ...back];
  if (words.length !== 8 || words.some((word) => !Number.isInteger(word) || word < 0 || word > 0xffff)) return undefined;
  return words.flatMap((word) => [word >> 8, word & 0xff]);
}

/** Whether `bytes` start with the first `bits` bits of `prefix`. */
export function matchesPrefix(bytes: readonly number[], prefix: readonly number[], bits: number): boolean {
  for (let bit = 0; bit < bits; bit += 8) {
    const take = Math.min(8, bits - bit);
    const mask = (0xff << (8 - take)) & 0xff;
    if (((bytes[bit / 8] ?? 0) & mask) !== ((prefix[bit / 8] ?? 0) & mask)) return false;
  }
  return true;
}

type Block = readonly [prefix: readonly number[], bits: number, kind: Exclude<AddressClass, 'public' | 'invalid'>];

const IPV4_BLOCKS: readonly Block[] = [
  [[0, 0, 0, 0], 32, 'unspecified'],
  [[0], 8, 'reserved'], // "this network"
  [[10], 8, 'private'],
  [[100, 64], 10, 'private'], // carrier-grade NAT
  [[127], 8, 'loopback'],
  [[169, 254], 16, 'link-local'], // includes cloud metadata at 169.254.169.254
  [[172, 16], 12, 'private'],
  [[192, 0, 0], 24, 'reserved'], // IETF protocol assignments
  [[192, 0, 2], 24, 'reserved'], // documentation
  [[192, 88, 99], 24, 'reserved'], // 6to4 relay anycast
  [[192, 168], 16, 'private'],
  [[198, 18], 15, 'reserved'], // benchmarking
  [[198, 51, 100], 24, 'reserved'],
  [[203, 0, 113], 24, 'reserved'],
  [[224], 4, 'multicast'],
  [[240], 4, 'reserved'], // includes broadcast 255.255.255.255
];

function classifyIpv4(bytes: readonly number[]): AddressClass {
  for (const [prefix, bits, kind] of IPV4_BLOCKS) if (matchesPrefix(bytes, prefix, bits)) return kind;
  return 'public';
}

const ZERO = new Array<number>(16).fill(0);
const MAPPED = [...new Array<number>(10).fill(0), 0xff, 0xff];
const NAT64 = [0x00, 0x64, 0xff, 0x9b, ...new Array<number>(8).fill(0)];

function classifyIpv6(bytes: readonly number[]): AddressClass {
  if (bytes.every((byte) => byte === 0)) return 'unspecified';
  if (matchesPrefix(bytes, [...ZERO.slice(0, 15), 1], 128)) return 'loopback';
  // Forms that carry an IPv4 address: the connection ends up at that address, so judge it.
  if (matchesPrefix(bytes, MAPPED, 96) || matchesPrefix(bytes, ZERO, 96) || matchesPrefix(bytes, NAT64, 96)) return classifyIpv4(bytes.slice(12));
  // IPv4-translated (::ffff:0:a.b.c.d, RFC 2765).
  if (matchesPrefix(bytes, [...ZERO.slice(0, 8), 0xff, 0xff, 0, 0], 96)) return classifyIpv4(bytes.slice(12));
  if (matchesPrefix(bytes, [0x20, 0x02], 16)) return classifyIpv4(bytes.slice(2, 6)); // 6to4
  if (matchesPrefix(bytes, [0xff], 8)) return 'multicast';
  if (matchesPrefix(bytes, [0xfe, 0x80], 10)) return 'link-local';
  if (matchesPrefix(bytes, [0xfe, 0xc0], 10)) return 'private'; // deprecated site-local
  if (matchesPrefix(bytes, [0xfc], 7)) return 'private'; // unique local
  // Global unicast only, minus its special-purpose blocks: IETF assignments (Teredo, benchmarking,
  // ORCHID) and documentation.
  if (!matchesPrefix(bytes, [0x20], 3)) return 'reserved';
  if (matchesPrefix(bytes, [0x20, 0x01, 0x00], 23)) return 'reserved';
  if (matchesPrefix(bytes, [0x20, 0x01, 0x0d, 0xb8], 32)) return 'reserved';
  if (matchesPrefix(bytes, [0x3f, 0xff], 20)) return 'reserved'; // documentation (RFC 9637)
  return 'public';
}

/** The class of an IPv4 or IPv6 address (IPv6 with or without brackets or a zone id). */
export function classifyAddress(address: string): AddressClass {
  const plain = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const v4 = ipv4Bytes(plain);
  if (v4) return classifyIpv4(v4);
  const v6 = ipv6Bytes(plain);
  return v6 ? classifyIpv6(v6) : 'invalid';
}
