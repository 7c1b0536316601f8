// The address classifier against the IANA special-purpose blocks, in every spelling an address can
// take: IPv4, IPv6 compressed or not, upper case, zone ids, and IPv6 forms that carry an IPv4
// address (mapped, compatible, translated, NAT64, 6to4), checked by property over random addresses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { classifyAddress, ipv6Bytes } from './classify-address.js';
import { parseFetchAllowlist } from './fetch-allowlist.js';

const octet = fc.integer({ min: 0, max: 255 });
const ipv4 = fc.tuple(octet, octet, octet, octet);
const word = fc.integer({ min: 0, max: 0xffff });
const quad = (bytes: readonly number[]) => bytes.join('.');
const hex = (value: number) => value.toString(16);

/** The reference verdict for IPv4, written out from the registry independently of the classifier's table. */
function expectedIpv4([a, b, c, d]: readonly number[]): string {
  if (a === 0 && b === 0 && c === 0 && d === 0) return 'unspecified';
  if (a === 0) return 'reserved';
  if (a === 10 || (a === 100 && b! >= 64 && b! <= 127) || (a === 172 && b! >= 16 && b! <= 31) || (a === 192 && b === 168)) return 'private';
  if (a === 127) return 'loopback';
  if (a === 169 && b === 254) return 'link-local';
  if (a! >= 224 && a! <= 239) return 'multicast';
  if (a! >= 240) return 'reserved';
  if ((a === 192 && b === 0 && (c === 0 || c === 2)) || (a === 192 && b === 88 && c === 99) || (a === 198 && (b === 18 || b === 19)) || (a === 198 && b === 51 && c === 100) || (a === 203 && b === 0 && c === 113)) return 'reserved';
  return 'public';
}

/** Every way to write the IPv6 address of eight words: full, compressed at each zero run, upper case. */
function spellings(words: readonly number[]): string[] {
  const full = words.map(hex).join(':');
  const forms = [full, words.map((value) => hex(value).padStart(4, '0')).join(':'), full.toUpperCase()];
  for (let start = 0; start < 8; start++) {
    let end = start;
    while (end < 8 && words[end] === 0) end++;
    if (end - start >= 1) forms.push(`${words.slice(0, start).map(hex).join(':')}::${words.slice(end).map(hex).join(':')}`);
  }
  return forms;
}

void test('IPv4: every address gets the registry verdict', () => {
  fc.assert(fc.property(ipv4, (bytes) => assert.equal(classifyAddress(quad(bytes)), expectedIpv4(bytes))), { numRuns: 20_000 });
  for (const [address, kind] of [
    ['127.0.0.1', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['10.255.255.255', 'private'],
    ['100.64.0.1', 'private'],
    ['172.31.0.1', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.0.1', 'private'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['0.0.0.0', 'unspecified'],
    ['8.8.8.8', 'public'],
  ] as const) {
    assert.equal(classifyAddress(address), kind, address);
  }
});

void test('IPv6 forms that carry an IPv4 address are judged by that address, however written', () => {
  fc.assert(
    fc.property(ipv4, fc.constantFrom('mapped', 'compatible', 'translated', 'nat64', '6to4'), (bytes, form) => {
      const [a, b, c, d] = bytes;
      const high = (a! << 8) | b!;
      const low = (c! << 8) | d!;
      const words = {
        mapped: [0, 0, 0, 0, 0, 0xffff, high, low],
        compatible: [0, 0, 0, 0, 0, 0, high, low],
        translated: [0, 0, 0, 0, 0xffff, 0, high, low],
        nat64: [0x64, 0xff9b, 0, 0, 0, 0, high, low],
        '6to4': [0x2002, high, low, 0, 0, 0, 0, 1],
      }[form];
      let expected = expectedIpv4(bytes);
      // ::0.0.0.0 and ::0.0.0.1 are the unspecified and loopback addresses themselves.
      if (form === 'compatible' && high === 0 && low === 0) expected = 'unspecified';
      if (form === 'compatible' && high === 0 && low === 1) expected = 'loopback';
      for (const spelling of spellings(words)) assert.equal(classifyAddress(spelling), expected, `${form} ${spelling}`);
      if (form === 'mapped') assert.equal(classifyAddress(`::ffff:${quad(bytes)}`), expected);
      if (form === 'mapped') assert.equal(classifyAddress(`[::FFFF:${quad(bytes)}]`), expected);
    }),
    { numRuns: 5_000 },
  );
});

void test('IPv6: only global unicast outside the special blocks is public', () => {
  fc.assert(
    fc.property(fc.array(word, { minLength: 8, maxLength: 8 }), (words) => {
      const first = words[0]!;
      const kind = classifyAddress(words.map(hex).join(':'));
      const global = first >= 0x2000 && first <= 0x3fff;
      if (!global) assert.notEqual(kind, 'public', words.map(hex).join(':'));
      if (first >= 0xff00) assert.equal(kind, 'multicast');
      if (first >= 0xfe80 && first <= 0xfebf) assert.equal(kind, 'link-local');
      if (first >= 0xfc00 && first <= 0xfdff) assert.equal(kind, 'private');
      if (global && first !== 0x2001 && first !== 0x2002 && first !== 0x3fff) assert.equal(kind, 'public');
    }),
    { numRuns: 20_000 },
  );
  for (const [address, kind] of [
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['fe80::1%eth0', 'link-local'],
    ['fd00:ec2::254', 'private'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['2001::1', 'reserved'],
    ['2606:4700::1111', 'public'],
    ['64:ff9b::808:808', 'public'],
    ['64:ff9b::a9fe:a9fe', 'link-local'],
    ['not an address', 'invalid'],
    ['1.2.3', 'invalid'],
    ['::ffff:1.2.3.256', 'invalid'],
  ] as const) {
    assert.equal(classifyAddress(address), kind, address);
  }
});

void test('ipv6Bytes agrees with every spelling of the same address', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(word, fc.constant(0)), { minLength: 8, maxLength: 8 }), (words) => {
      const expected = words.flatMap((value) => [value >> 8, value & 0xff]);
      for (const spelling of spellings(words)) assert.deepEqual(ipv6Bytes(spelling), expected, spelling);
    }),
    { numRuns: 5_000 },
  );
});

void test('the allowlist: host names, addresses and CIDR blocks, IPv4-mapped matched as IPv4', () => {
  const allow = parseFetchAllowlist('images.internal, 10.1.0.0/16 [fd00::]/8 127.0.0.1');
  assert.equal(allow.allows('images.internal', '10.9.9.9'), true);
  assert.equal(allow.allows('IMAGES.internal.', '10.9.9.9'), true);
  assert.equal(allow.allows('other.internal', '10.1.200.3'), true);
  assert.equal(allow.allows('other.internal', '10.2.0.1'), false);
  assert.equal(allow.allows('x', 'fd12::1'), true);
  assert.equal(allow.allows('x', 'fe80::1'), false);
  assert.equal(allow.allows('x', '::ffff:127.0.0.1'), true);
  assert.equal(allow.allows('x', '127.0.0.2'), false);
  for (const bad of ['10.0.0.0/33', 'not a host!', '::1/200', '1.2.3.4/8/9']) assert.throws(() => parseFetchAllowlist(bad), /CONFIG_INVALID|MODA_FETCH_ALLOW/, bad);
});
