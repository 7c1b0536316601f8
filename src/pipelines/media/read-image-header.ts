// Width, height and channel count of a PNG or JPEG read straight from its header bytes, so the
// server can size a request's decode before it joins a batch without calling into libvips:
// sharp's metadata() cost about 0.6 ms of the server's thread per request (a libuv job, a vips
// loader and an object of ~30 fields) where these few byte reads cost microseconds. Anything this
// does not recognise fully answers undefined and the caller asks sharp, so no format is lost.

export interface ImageHeader {
  format: 'png' | 'jpeg';
  width: number;
  height: number;
  /** Bands libvips holds the image in when it decodes it (alpha included). */
  channels: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** PNG colour type → bands (grey, RGB, palette as RGB, grey + alpha, RGBA). */
const PNG_CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 3, 4: 2, 6: 4 };
/** Chunks read past IHDR looking for tRNS (which adds an alpha band) before giving up on it. */
const MAX_PNG_CHUNKS = 64;

function uint32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) >>> 0) + (bytes[at + 1]! << 16) + (bytes[at + 2]! << 8) + bytes[at + 3]!;
}

function uint16(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 8) + bytes[at + 1]!;
}

function chunkType(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);
}

function readPngHeader(bytes: Uint8Array): ImageHeader | undefined {
  // Signature, then IHDR: length 13, "IHDR", width, height, bit depth, colour type, ...
  if (bytes.length < 33 || uint32(bytes, 8) !== 13 || chunkType(bytes, 12) !== 'IHDR') return undefined;
  const width = uint32(bytes, 16);
  const height = uint32(bytes, 20);
  const base = PNG_CHANNELS[bytes[25]!];
  // The PNG specification bounds both sides by 2^31 - 1; zero is invalid.
  if (base === undefined || width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) return undefined;
  // tRNS, when present, comes before the first IDAT; libvips then adds an alpha band.
  let alpha = false;
  let at = 33;
  for (let chunks = 0; chunks < MAX_PNG_CHUNKS && at + 8 <= bytes.length; chunks++) {
    const type = chunkType(bytes, at + 4);
    if (type === 'IDAT' || type === 'IEND') break;
    if (type === 'tRNS') {
      alpha = true;
      break;
    }
    at += 12 + uint32(bytes, at);
  }
  const channels = alpha && base !== 4 && base !== 2 ? base + 1 : base;
  return { format: 'png', width, height, channels };
}

/** Start-of-frame markers (baseline, progressive, lossless, arithmetic); C4, C8 and CC are not frames. */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function readJpegHeader(bytes: Uint8Array): ImageHeader | undefined {
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return undefined;
    const marker = bytes[at + 1]!;
    // Fill bytes (0xFF repeated) before a marker.
    if (marker === 0xff) {
      at++;
      continue;
    }
    // Markers with no length: TEM, RSTn, SOI.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      at += 2;
      continue;
    }
    // EOI or the scan data before any frame header: not an image this reads.
    if (marker === 0xd9 || marker === 0xda) return undefined;
    const length = uint16(bytes, at + 2);
    if (length < 2) return undefined;
    if (isStartOfFrame(marker)) {
      // Length, precision, height, width, components.
      if (length < 8 || at + 10 > bytes.length) return undefined;
      const height = uint16(bytes, at + 5);
      const width = uint16(bytes, at + 7);
      const channels = bytes[at + 9]!;
      // Height 0 is given later by a DNL segment; leave such files to libvips.
      if (width === 0 || height === 0 || channels === 0 || channels > 4) return undefined;
      return { format: 'jpeg', width, height, channels };
    }
    at += 2 + length;
  }
  return undefined;
}

/** The header of a PNG or JPEG; undefined for any other bytes or a header that is not whole and valid. */
export function readImageHeader(bytes: Uint8Array): ImageHeader | undefined {
  if (bytes.length >= 8 && PNG_SIGNATURE.every((value, index) => bytes[index] === value)) return readPngHeader(bytes);
  if (bytes.length >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return readJpegHeader(bytes);
  return undefined;
}
