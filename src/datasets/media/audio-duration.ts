// The duration of an audio file from its headers, without decoding it: WAV (the data chunk's size
// over the byte rate), FLAC (STREAMINFO's total samples over the rate), MP3 (a Xing/Info or VBRI
// frame count, else the file size over the first frame's bit rate, as players estimate constant
// bit rate files) and Ogg Vorbis/Opus (the last page's granule position over the rate). Reads a
// few kilobytes at the start and, for Ogg, at the end. Undefined when the file is not one of these
// or its headers make no sense; the statistics then count it as null, as Hugging Face does.
import { open, type FileHandle } from 'node:fs/promises';

const HEAD_BYTES = 64 * 1024;
const TAIL_BYTES = 64 * 1024;

async function readAt(file: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await file.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

const ascii = (bytes: Buffer, offset: number, length = 4) => bytes.toString('latin1', offset, offset + length);

/** Walks the RIFF chunks with reads at their offsets, so a large chunk before `data` costs nothing. */
async function wavDuration(file: FileHandle, size: number): Promise<number | undefined> {
  let byteRate: number | undefined;
  let position = 12;
  // A crafted file of many empty chunks cannot keep this reading: real files have a handful.
  for (let chunks = 0; position + 8 <= size && chunks < 1000; chunks++) {
    const header = await readAt(file, position, 8 + 16);
    if (header.length < 8) return undefined;
    const id = ascii(header, 0);
    const chunkSize = header.readUInt32LE(4);
    if (id === 'fmt ' && header.length >= 24) byteRate = header.readUInt32LE(16);
    if (id === 'data') {
      if (!byteRate) return undefined;
      // Streaming writers leave the size unpatched (0 or ~4 GiB): the data then runs to the end.
      const available = size - position - 8;
      const bytes = chunkSize === 0 || chunkSize > available ? available : chunkSize;
      return bytes / byteRate;
    }
    position += 8 + chunkSize + (chunkSize & 1);
  }
  return undefined;
}

function flacDuration(head: Buffer): number | undefined {
  // fLaC, then the STREAMINFO block (type 0) with its 4-byte header.
  if (head.length < 8 + 34 || (head[4] ?? 0) & 0x7f) return undefined;
  const info = head.subarray(8, 8 + 34);
  const sampleRate = ((info[10] ?? 0) << 12) | ((info[11] ?? 0) << 4) | ((info[12] ?? 0) >> 4);
  const totalSamples = ((info[13] ?? 0) & 0x0f) * 2 ** 32 + info.readUInt32BE(14);
  if (sampleRate === 0 || totalSamples === 0) return undefined;
  return totalSamples / sampleRate;
}

const MP3_BITRATES: Record<string, number[]> = {
  // kbit/s by index, for MPEG-1 layer III and MPEG-2/2.5 layer III.
  v1: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  v2: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const MP3_RATES: Record<number, number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

function id3Size(head: Buffer): number {
  if (ascii(head, 0, 3) !== 'ID3' || head.length < 10) return 0;
  const size = (((head[6] ?? 0) & 0x7f) << 21) | (((head[7] ?? 0) & 0x7f) << 14) | (((head[8] ?? 0) & 0x7f) << 7) | ((head[9] ?? 0) & 0x7f);
  return 10 + size + ((head[5] ?? 0) & 0x10 ? 10 : 0);
}

async function mp3Duration(file: FileHandle, head: Buffer, size: number): Promise<number | undefined> {
  const start = id3Size(head);
  const frame = start === 0 ? head : await readAt(file, start, HEAD_BYTES);
  // The first frame header: 11 sync bits, then version, layer III.
  let at = 0;
  while (at + 4 <= Math.min(frame.length, 4096) && !((frame[at] ?? 0) === 0xff && ((frame[at + 1] ?? 0) & 0xe6) === 0xe2)) at++;
  if (at + 4 > frame.length) return undefined;
  const version = ((frame[at + 1] ?? 0) >> 3) & 0x03;
  if (version === 1) return undefined;
  const bitrate = (version === 3 ? MP3_BITRATES.v1 : MP3_BITRATES.v2)?.[((frame[at + 2] ?? 0) >> 4) & 0x0f] ?? 0;
  const sampleRate = MP3_RATES[version]?.[((frame[at + 2] ?? 0) >> 2) & 0x03] ?? 0;
  if (!sampleRate) return undefined;
  const samplesPerFrame = version === 3 ? 1152 : 576;
  const mono = ((frame[at + 3] ?? 0) >> 6) === 3;
  // The Xing/Info tag sits after the side information; VBRI 32 bytes after the header.
  const xing = at + 4 + (version === 3 ? (mono ? 17 : 32) : mono ? 9 : 17);
  const tag = ascii(frame, xing);
  if ((tag === 'Xing' || tag === 'Info') && frame.length >= xing + 12 && ((frame[xing + 7] ?? 0) & 0x01)) {
    const frames = frame.readUInt32BE(xing + 8);
    if (frames > 0) return (frames * samplesPerFrame) / sampleRate;
  }
  if (ascii(frame, at + 36) === 'VBRI' && frame.length >= at + 36 + 18) {
    const frames = frame.readUInt32BE(at + 36 + 14);
    if (frames > 0) return (frames * samplesPerFrame) / sampleRate;
  }
  if (!bitrate) return undefined;
  return ((size - start - at) * 8) / (bitrate * 1000);
}

async function oggDuration(file: FileHandle, head: Buffer, size: number): Promise<number | undefined> {
  // The first page's packet: "\x01vorbis" with the rate at byte 12, or "OpusHead" (always 48 kHz, minus its pre-skip).
  const segments = head[26] ?? 0;
  const packet = 27 + segments;
  let rate: number | undefined;
  let preSkip = 0;
  if (ascii(head, packet + 1, 6) === 'vorbis' && head.length >= packet + 16) rate = head.readUInt32LE(packet + 12);
  else if (ascii(head, packet, 8) === 'OpusHead' && head.length >= packet + 12) {
    rate = 48000;
    preSkip = head.readUInt16LE(packet + 10);
  }
  if (!rate) return undefined;
  const tail = await readAt(file, Math.max(0, size - TAIL_BYTES), Math.min(size, TAIL_BYTES));
  const last = tail.lastIndexOf('OggS', tail.length - 27, 'latin1');
  if (last < 0) return undefined;
  const granule = Number(tail.readBigUInt64LE(last + 6));
  if (!Number.isFinite(granule) || granule <= preSkip) return undefined;
  return (granule - preSkip) / rate;
}

/** Seconds of audio in the file at `path`, from its headers; undefined when they cannot tell. */
export async function audioDuration(path: string): Promise<number | undefined> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    const head = await readAt(file, 0, Math.min(size, HEAD_BYTES));
    if (head.length < 12) return undefined;
    let seconds: number | undefined;
    if (ascii(head, 0) === 'RIFF' && ascii(head, 8) === 'WAVE') seconds = await wavDuration(file, size);
    else if (ascii(head, 0) === 'fLaC') seconds = flacDuration(head);
    else if (ascii(head, 0) === 'OggS') seconds = await oggDuration(file, head, size);
    else if (ascii(head, 0, 3) === 'ID3' || ((head[0] ?? 0) === 0xff && ((head[1] ?? 0) & 0xe0) === 0xe0)) seconds = await mp3Duration(file, head, size);
    return seconds !== undefined && Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
  } finally {
    await file.close();
  }
}
