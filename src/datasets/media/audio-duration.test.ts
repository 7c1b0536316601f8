// Durations from crafted headers of each container the reader knows, and undefined for files that
// are none of them or lie about their sizes.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { audioDuration } from './audio-duration.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'moda-audio-duration-'));
});
after(() => rm(dir, { recursive: true, force: true }));

async function durationOf(name: string, bytes: Buffer): Promise<number | undefined> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return audioDuration(path);
}

function wav(dataBytes: number, byteRate: number, options: { extraChunk?: number; declared?: number } = {}): Buffer {
  const extra = options.extraChunk ?? 0;
  const header = Buffer.alloc(12 + 24 + (extra ? 8 + extra : 0) + 8);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(0, 4);
  header.write('WAVE', 8, 'latin1');
  header.write('fmt ', 12, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(byteRate / 2, 24);
  header.writeUInt32LE(byteRate, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  let at = 36;
  if (extra) {
    header.write('LIST', at, 'latin1');
    header.writeUInt32LE(extra, at + 4);
    at += 8 + extra;
  }
  header.write('data', at, 'latin1');
  header.writeUInt32LE(options.declared ?? dataBytes, at + 4);
  return Buffer.concat([header, Buffer.alloc(dataBytes)]);
}

void test('WAV: data bytes over the byte rate, past other chunks; a streamed (unpatched) size runs to the end', async () => {
  assert.equal(await durationOf('a.wav', wav(32000, 16000)), 2);
  assert.equal(await durationOf('b.wav', wav(8000, 16000, { extraChunk: 100_000 })), 0.5);
  assert.equal(await durationOf('c.wav', wav(16000, 16000, { declared: 0xffffffff })), 1);
});

void test('FLAC: STREAMINFO total samples over the sample rate', async () => {
  const bytes = Buffer.alloc(8 + 34 + 100);
  bytes.write('fLaC', 0, 'latin1');
  bytes[4] = 0x80;
  bytes.writeUIntBE(34, 5, 3);
  const info = 8;
  // 44100 Hz in 20 bits at byte 10, then 3 bits channels, 5 bits depth, 36 bits of total samples.
  const rate = 44100;
  bytes[info + 10] = (rate >> 12) & 0xff;
  bytes[info + 11] = (rate >> 4) & 0xff;
  bytes[info + 12] = ((rate & 0x0f) << 4) | 0x02;
  bytes[info + 13] = 0xf0;
  bytes.writeUInt32BE(rate * 3, info + 14);
  assert.equal(await durationOf('a.flac', bytes), 3);
});

void test('MP3: the Xing frame count, else the constant bit rate over the file size', async () => {
  // MPEG-1 layer III, 128 kbit/s, 44.1 kHz, stereo; the Xing tag 32 bytes after the header.
  const frame = Buffer.alloc(4 + 32 + 16 + 400);
  frame.set([0xff, 0xfb, 0x90, 0x00], 0);
  frame.write('Xing', 36, 'latin1');
  frame.writeUInt32BE(0x01, 40);
  frame.writeUInt32BE(100, 44);
  const id3 = Buffer.from([0x49, 0x44, 0x33, 3, 0, 0, 0, 0, 0, 10, ...new Array<number>(10).fill(0)]);
  const xing = await durationOf('a.mp3', Buffer.concat([id3, frame]));
  assert.ok(Math.abs((xing ?? 0) - (100 * 1152) / 44100) < 1e-9, String(xing));
  const cbr = Buffer.alloc(16000);
  cbr.set([0xff, 0xfb, 0x90, 0x00], 0);
  assert.equal(await durationOf('b.mp3', cbr), 1);
});

void test('Ogg: the last page granule over the rate (Vorbis), less the pre-skip (Opus)', async () => {
  const page = (granule: number, packet: Buffer) => {
    const header = Buffer.alloc(27 + 1);
    header.write('OggS', 0, 'latin1');
    header.writeBigUInt64LE(BigInt(granule), 6);
    header[26] = 1;
    header[27] = packet.length;
    return Buffer.concat([header, packet]);
  };
  const vorbis = Buffer.alloc(30);
  vorbis[0] = 1;
  vorbis.write('vorbis', 1, 'latin1');
  vorbis.writeUInt32LE(22050, 12);
  assert.equal(await durationOf('a.ogg', Buffer.concat([page(0, vorbis), Buffer.alloc(5000), page(22050 * 4, Buffer.alloc(10))])), 4);
  const opus = Buffer.alloc(19);
  opus.write('OpusHead', 0, 'latin1');
  opus.writeUInt16LE(312, 10);
  assert.equal(await durationOf('b.opus', Buffer.concat([page(0, opus), page(48000 * 2 + 312, Buffer.alloc(10))])), 2);
});

void test('files that are no known container, or too short, have no duration', async () => {
  assert.equal(await durationOf('x.wav', Buffer.alloc(3000, 7)), undefined);
  assert.equal(await durationOf('y.wav', Buffer.from('RIFF')), undefined);
  const noFormat = wav(1000, 16000);
  noFormat.write('junk', 12, 'latin1');
  assert.equal(await durationOf('z.wav', noFormat), undefined);
});
