// The audio and text starter models on real input with checked answers: WAV decoding in every
// sample format, Silero VAD on espeak-ng speech with known boundaries, fastText language
// identification on real sentences, jieba segmentation with offsets, tags and keywords, and
// espeak-ng speech that VAD then hears. Needs the Debian package espeak-ng.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isModaError } from '../src/errors/moda-error.js';
import type { ErrorCode } from '../src/errors/catalog.js';
import { decodeAudio, encodeWav, readWav } from '../src/pipelines/media/decode-audio.js';
import type { LoadedPipeline, RunContext } from '../src/pipelines/pipeline-implementation.js';
import { findImplementation } from '../src/pipelines/registry.js';
import type { TaskId } from '../src/tasks/catalog.js';
import { validateTaskOutput } from '../src/tasks/validate-task-output.js';
import type { ModelSnapshot } from '../src/runtime/model-snapshot.js';
import { concatenate, makeWav, rms, sine, speak, type WavSampleFormat } from './fixtures/audio.js';
import { catalogSnapshot } from './helpers/catalog-snapshot.js';

const context: RunContext = { maxImagePixels: 1e6, fetch: globalThis.fetch };
const BOUNDARY_TOLERANCE_S = 0.3;

function rejectsWith(code: ErrorCode, pattern?: RegExp) {
  return (error: unknown) => {
    assert.ok(isModaError(error), `expected a ModaError ${code}, got ${String(error)}`);
    assert.equal(error.code, code, error.message);
    if (pattern) assert.match(error.message, pattern);
    return true;
  };
}

const snapshotDirs: string[] = [];
after(() => Promise.all(snapshotDirs.map((dir) => rm(dir, { recursive: true, force: true }))));

async function snapshotOf(name: string): Promise<ModelSnapshot> {
  const snapshot = await catalogSnapshot(name);
  snapshotDirs.push(snapshot.dir);
  return snapshot;
}

async function loadEntry(name: string, snapshot?: ModelSnapshot): Promise<LoadedPipeline> {
  const loaded = snapshot ?? (await snapshotOf(name));
  const configuration = loaded.configuration!;
  const implementation = findImplementation(configuration.pipeline!.type);
  assert.ok(implementation, `no implementation for ${configuration.pipeline!.type}`);
  return implementation.load(loaded, { task: configuration.task as TaskId, device: 'cpu', threads: 0 });
}

/** `snapshot` with `path` replaced by `content`, for malformed-model tests. */
async function withFile(snapshot: ModelSnapshot, path: string, content: Uint8Array): Promise<ModelSnapshot> {
  await writeFile(join(snapshot.dir, path), content);
  return snapshot;
}

const MP3_BYTES = Buffer.concat([Buffer.from('ID3\x04\x00\x00\x00\x00\x00\x00', 'latin1'), Buffer.from([0xff, 0xfb, 0x90, 0x64]), Buffer.alloc(400, 0x55)]);

void describe('decodeAudio', () => {
  const tone = sine(440, 0.5, 16000);

  for (const [format, tolerance] of [
    ['pcm8', 1 / 120],
    ['pcm16', 1e-4],
    ['pcm24', 1e-6],
    ['pcm32', 1e-6],
    ['float32', 1e-7],
    ['float64', 1e-7],
    ['mulaw', 0.02],
    ['alaw', 0.02],
  ] as [WavSampleFormat, number][]) {
    void test(`${format} mono 16 kHz decodes to the samples written`, () => {
      const decoded = decodeAudio(makeWav([tone], 16000, format));
      assert.equal(decoded.sampleRate, 16000);
      assert.equal(decoded.samples.length, tone.length);
      assert.equal(decoded.durationSeconds, 0.5);
      const worst = tone.reduce((max, value, index) => Math.max(max, Math.abs(value - decoded.samples[index]!)), 0);
      assert.ok(worst <= tolerance, `largest error ${worst} > ${tolerance}`);
    });
  }

  void test('WAVE_FORMAT_EXTENSIBLE 24-bit and float decode like their plain forms', () => {
    for (const format of ['pcm24', 'float32'] as const) {
      const plain = decodeAudio(makeWav([tone], 16000, format)).samples;
      const extensible = decodeAudio(makeWav([tone], 16000, format, { extensible: true })).samples;
      assert.deepEqual(extensible, plain, format);
    }
  });

  void test('stereo 44.1 kHz is mixed to mono and resampled to 16 kHz without aliasing', () => {
    const seconds = 1.5;
    const left = sine(440, seconds, 44100, 0.6);
    const right = new Float32Array(left.length);
    const decoded = decodeAudio(makeWav([left, right], 44100, 'pcm16'));
    assert.equal(decoded.samples.length, 24000);
    assert.equal(decoded.durationSeconds, seconds);
    // Mixed: half the left channel's amplitude; resampled: the same 440 Hz tone on the 16 kHz grid.
    const expected = sine(440, seconds, 16000, 0.3);
    for (let index = 64; index < expected.length - 64; index++) {
      assert.ok(Math.abs(decoded.samples[index]! - expected[index]!) < 0.005, `sample ${index}: ${decoded.samples[index]} vs ${expected[index]}`);
    }
    // A 10 kHz tone is above the new 8 kHz Nyquist frequency: it must be filtered out, not folded to 6 kHz.
    const high = decodeAudio(makeWav([sine(10000, 1, 44100, 0.5)], 44100, 'float32')).samples;
    assert.ok(rms(high, 64, high.length - 64) < 0.003, `10 kHz leaked through at RMS ${rms(high, 64, high.length - 64)}`);
  });

  void test('8 kHz audio is upsampled to 16 kHz', () => {
    const decoded = decodeAudio(makeWav([sine(1000, 1, 8000, 0.5)], 8000, 'pcm16'));
    assert.equal(decoded.samples.length, 16000);
    const expected = sine(1000, 1, 16000, 0.5);
    for (let index = 64; index < expected.length - 64; index++) assert.ok(Math.abs(decoded.samples[index]! - expected[index]!) < 0.01, `sample ${index}`);
  });

  void test('base64, data: URIs and streamed espeak-ng WAVs (placeholder sizes) decode', () => {
    const wav = makeWav([tone], 16000, 'pcm16');
    const fromBytes = decodeAudio(wav).samples;
    assert.deepEqual(decodeAudio(wav.toString('base64')).samples, fromBytes);
    assert.deepEqual(decodeAudio(`data:audio/wav;base64,${wav.toString('base64')}`).samples, fromBytes);
    const streamed = Buffer.from(wav);
    streamed.writeUInt32LE(0x7ffff024, 4);
    streamed.writeUInt32LE(0x7ffff000, 40);
    assert.deepEqual(decodeAudio(streamed).samples, fromBytes);
  });

  void test('extra chunks (odd-sized, padded) are skipped and unaligned bytes decode', () => {
    const wav = makeWav([tone], 16000, 'pcm16');
    const listSize = Buffer.alloc(4);
    listSize.writeUInt32LE(3);
    const withList = Buffer.concat([wav.subarray(0, 36), Buffer.from('LIST', 'latin1'), listSize, Buffer.from('abc\0', 'latin1'), wav.subarray(36)]);
    const shifted = Buffer.alloc(withList.length + 1);
    withList.copy(shifted, 1);
    assert.deepEqual(decodeAudio(shifted.subarray(1)).samples, decodeAudio(wav).samples);
  });

  void test('encodeWav writes 16-bit PCM that reads back', () => {
    const wav = encodeWav(tone, 22050);
    const read = readWav(wav);
    assert.equal(read.sampleRate, 22050);
    assert.equal(read.channels, 1);
    assert.equal(wav.length, 44 + tone.length * 2);
    tone.forEach((value, index) => assert.ok(Math.abs(value - read.samples[index]!) < 1e-4));
  });

  void test('other containers and codecs are AUDIO_FORMAT_UNSUPPORTED, naming the format', () => {
    assert.throws(() => decodeAudio(MP3_BYTES), rejectsWith('AUDIO_FORMAT_UNSUPPORTED', /MP3/));
    assert.throws(() => decodeAudio(Buffer.from([0xff, 0xfb, 0x90, 0x64, ...Buffer.alloc(200)])), rejectsWith('AUDIO_FORMAT_UNSUPPORTED', /MP3/));
    assert.throws(() => decodeAudio(Buffer.from('OggS\x00\x02' + 'x'.repeat(100), 'latin1')), rejectsWith('AUDIO_FORMAT_UNSUPPORTED', /Ogg/));
    assert.throws(() => decodeAudio(Buffer.from('fLaC\x00\x00\x00\x22' + 'x'.repeat(100), 'latin1')), rejectsWith('AUDIO_FORMAT_UNSUPPORTED', /FLAC/));
    assert.throws(() => decodeAudio(Buffer.from('definitely not audio at all')), rejectsWith('AUDIO_FORMAT_UNSUPPORTED', /not a WAV/));
    const mp3InWav = makeWav([tone], 16000, 'pcm16');
    mp3InWav.writeUInt16LE(0x55, 20);
    assert.throws(() => decodeAudio(mp3InWav), rejectsWith('AUDIO_FORMAT_UNSUPPORTED', /MP3/));
  });

  void test('truncated or corrupt WAVs are AUDIO_DECODE_FAILED', () => {
    const wav = makeWav([tone], 16000, 'pcm16');
    assert.throws(() => decodeAudio(wav.subarray(0, 30)), rejectsWith('AUDIO_DECODE_FAILED', /truncated/));
    assert.throws(() => decodeAudio(wav.subarray(0, 8)), rejectsWith('AUDIO_DECODE_FAILED', /truncated/));
    assert.throws(() => decodeAudio(wav.subarray(0, 44 + 100)), rejectsWith('AUDIO_DECODE_FAILED', /declares 16000 bytes/));
    const noChannels = Buffer.from(wav);
    noChannels.writeUInt16LE(0, 22);
    assert.throws(() => decodeAudio(noChannels), rejectsWith('AUDIO_DECODE_FAILED', /0 channels/));
    assert.throws(() => decodeAudio('this is not base64!'), rejectsWith('AUDIO_DECODE_FAILED'));
  });

  void test('audio longer than the bound is INPUT_TOO_LONG', () => {
    assert.throws(() => decodeAudio(makeWav([sine(440, 2, 8000)], 8000, 'pcm16'), { maxSeconds: 1 }), rejectsWith('INPUT_TOO_LONG', /2\.0 s/));
  });
});

void describe('Silero VAD (moda/vad-silero)', () => {
  let vad: LoadedPipeline;
  const first = speak('The quick brown fox jumps over the lazy dog.');
  const second = speak('Moda serves models on your own machines.');
  const rate = first.sampleRate;
  // 1.0 s silence, sentence, 1.5 s silence, sentence, 1.0 s silence, over a faint noise floor.
  const clip = concatenate(rate, [1.0, first.samples, 1.5, second.samples, 1.0]);
  let seed = 7;
  for (let index = 0; index < clip.length; index++) {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    clip[index]! += (seed / 2147483648 - 0.5) * 0.004;
  }
  const secondOffset = 1.0 + first.samples.length / rate + 1.5;
  const truth = [
    { start: 1.0 + first.voiceStart, end: 1.0 + first.voiceEnd },
    { start: secondOffset + second.voiceStart, end: secondOffset + second.voiceEnd },
  ];

  before(async () => {
    vad = await loadEntry('vad-silero');
  });
  after(() => vad?.dispose());

  void test('finds the two spoken sentences within 0.3 s of where they are', async () => {
    const started = performance.now();
    const [result] = validateTaskOutput('voice-activity-detection', await vad.run([makeWav([clip], rate, 'pcm16')], {}, context));
    const elapsed = performance.now() - started;
    assert.equal(result!.segments.length, 2, JSON.stringify(result));
    result!.segments.forEach((segment, index) => {
      assert.ok(Math.abs(segment.start - truth[index]!.start) <= BOUNDARY_TOLERANCE_S, `segment ${index} starts at ${segment.start}, speech at ${truth[index]!.start}`);
      assert.ok(Math.abs(segment.end - truth[index]!.end) <= BOUNDARY_TOLERANCE_S, `segment ${index} ends at ${segment.end}, speech at ${truth[index]!.end}`);
    });
    const spoken = truth.reduce((total, segment) => total + segment.end - segment.start, 0) / (clip.length / rate);
    assert.ok(Math.abs(result!.speech_ratio! - spoken) < 0.1, `speech ratio ${result!.speech_ratio} vs ${spoken}`);
    console.log(`# VAD: ${(clip.length / rate).toFixed(1)} s of audio in ${elapsed.toFixed(0)} ms`);
  });

  void test('a batch runs side by side and matches single runs; silence has no segments', async () => {
    const wav = makeWav([clip], rate, 'float32');
    const single = await vad.run([wav], {}, context);
    const silence = makeWav([new Float32Array(16000 * 2)], 16000, 'pcm16');
    const batch = validateTaskOutput('voice-activity-detection', await vad.run([silence, wav.toString('base64'), wav], {}, context));
    assert.deepEqual(batch[0], { segments: [], speech_ratio: 0 });
    assert.deepEqual(batch[1], single[0]);
    assert.deepEqual(batch[2], single[0]);
  });

  void test('parameters steer the segmentation: a long min_silence_ms joins the sentences', async () => {
    const [joined] = validateTaskOutput('voice-activity-detection', await vad.run([makeWav([clip], rate, 'pcm16')], { min_silence_ms: 2000 }, context));
    assert.equal(joined!.segments.length, 1, JSON.stringify(joined));
    const [strict] = validateTaskOutput('voice-activity-detection', await vad.run([makeWav([clip], rate, 'pcm16')], { min_speech_ms: 10000 }, context));
    assert.equal(strict!.segments.length, 0, JSON.stringify(strict));
  });

  void test('bad audio and a malformed model are clear errors', async () => {
    await assert.rejects(vad.run([MP3_BYTES], {}, context), rejectsWith('AUDIO_FORMAT_UNSUPPORTED'));
    await assert.rejects(vad.run([makeWav([clip], rate, 'pcm16').subarray(0, 40)], {}, context), rejectsWith('AUDIO_DECODE_FAILED'));
    const broken = await withFile(await snapshotOf('vad-silero'), 'silero_vad.onnx', Buffer.from('version https://git-lfs.github.com/spec/v1\n'));
    await assert.rejects(loadEntry('vad-silero', broken), rejectsWith('MODEL_LOAD_FAILED'));
  });
});

void describe('fastText language identification (moda/lid-fasttext-176)', () => {
  let lid: LoadedPipeline;
  before(async () => {
    lid = await loadEntry('lid-fasttext-176');
  });
  after(() => lid?.dispose());

  const sentences: [string, string][] = [
    ['zh', '今天天气很好，我们一起去公园散步吧。'],
    ['en', 'The weather is lovely today, so we are going for a walk in the park.'],
    ['ja', '今日はとても良い天気なので、公園に散歩に行きましょう。'],
    ['ru', 'Сегодня отличная погода, давайте пойдём гулять в парк.'],
    ['de', 'Heute ist schönes Wetter, deshalb gehen wir im Park spazieren.'],
    ['fr', "Il fait très beau aujourd'hui, allons nous promener dans le parc."],
    ['es', 'Hoy hace muy buen tiempo, así que vamos a pasear por el parque.'],
    ['ko', '오늘은 날씨가 정말 좋아서 공원에 산책하러 갑니다.'],
    ['ar', 'الطقس جميل اليوم، لذلك سنذهب للتنزه في الحديقة.'],
    ['pt', 'O tempo está ótimo hoje, por isso vamos passear no parque.'],
    ['it', 'Oggi il tempo è bellissimo, quindi andiamo a fare una passeggiata nel parco.'],
    ['vi', 'Hôm nay thời tiết rất đẹp, chúng ta hãy đi dạo trong công viên.'],
  ];

  void test('tells twelve languages apart on real sentences, as a batch', async () => {
    const started = performance.now();
    const results = validateTaskOutput('language-identification', await lid.run(sentences.map(([, text]) => text), {}, context));
    const perSentence = (performance.now() - started) / sentences.length;
    results.forEach((scores, index) => {
      const [language, text] = sentences[index]!;
      assert.equal(scores.length, 5);
      assert.equal(scores[0]!.label, language, `${text} → ${JSON.stringify(scores.slice(0, 2))}`);
      assert.ok(scores[0]!.score > 0.5, `${language} scored ${scores[0]!.score}`);
      for (let rank = 1; rank < scores.length; rank++) assert.ok(scores[rank - 1]!.score >= scores[rank]!.score, 'sorted by score');
      assert.ok(scores.every((entry) => !entry.label.startsWith('__label__')));
    });
    console.log(`# fastText LID: ${perSentence.toFixed(2)} ms per sentence`);
  });

  void test('top_k and threshold shape the answer; every line of a text counts; long text is cut, not refused', async () => {
    const [three] = validateTaskOutput('language-identification', await lid.run([sentences[0]![1]], { top_k: 3 }, context));
    assert.deepEqual(three!.map((entry) => entry.label).slice(0, 1), ['zh']);
    assert.equal(three!.length, 3);
    const [sure] = validateTaskOutput('language-identification', await lid.run([sentences[3]![1]], { threshold: 0.5 }, context));
    assert.deepEqual(sure!.map((entry) => entry.label), ['ru']);
    const [multiline] = await lid.run(['Hi.\nСегодня отличная погода, давайте пойдём гулять в парк и потом выпьем чаю.'], { top_k: 1 }, context);
    assert.equal((multiline as { label: string }[])[0]!.label, 'ru');
    const [long] = await lid.run([sentences[4]![1].repeat(5000)], { top_k: 1 }, context);
    assert.equal((long as { label: string }[])[0]!.label, 'de');
  });

  void test('a truncated or foreign model file is MODEL_FILE_INVALID, quickly', async () => {
    const snapshot = await snapshotOf('lid-fasttext-176');
    const bytes = await readFile(join(snapshot.dir, 'lid.176.ftz'));
    const started = performance.now();
    await assert.rejects(loadEntry('lid-fasttext-176', await withFile(snapshot, 'lid.176.ftz', bytes.subarray(0, 500000))), rejectsWith('MODEL_FILE_INVALID', /ends inside/));
    await assert.rejects(loadEntry('lid-fasttext-176', await withFile(snapshot, 'lid.176.ftz', Buffer.from('<html>not found</html>'))), rejectsWith('MODEL_FILE_INVALID', /magic/));
    assert.ok(performance.now() - started < 2000, 'refused without handing the file to fastText');
  });
});

void describe('jieba word segmentation (moda/word-segmentation-jieba-zh)', () => {
  let jieba: LoadedPipeline;
  before(async () => {
    jieba = await loadEntry('word-segmentation-jieba-zh');
  });
  after(() => jieba?.dispose());

  void test('segments 我来到北京清华大学 with offsets and parts of speech', async () => {
    const started = performance.now();
    const [result] = validateTaskOutput('word-segmentation', await jieba.run(['我来到北京清华大学'], { pos: true }, context));
    const elapsed = performance.now() - started;
    assert.deepEqual(result, {
      tokens: [
        { word: '我', start: 0, end: 1, tag: 'r' },
        { word: '来到', start: 1, end: 3, tag: 'v' },
        { word: '北京', start: 3, end: 5, tag: 'ns' },
        { word: '清华大学', start: 5, end: 9, tag: 'nt' },
      ],
    });
    console.log(`# jieba: ${elapsed.toFixed(2)} ms for one sentence`);
  });

  void test('offsets are UTF-16 indexes through mixed text; spaces are not words; tags only with pos', async () => {
    const text = 'Moda 支持 😀 表情，2024年发布 ok';
    const [result] = validateTaskOutput('word-segmentation', await jieba.run([text], {}, context));
    const tokens = result!.tokens;
    for (const token of tokens) {
      assert.equal(text.slice(token.start, token.end), token.word);
      assert.equal(token.tag, undefined);
      assert.notEqual(token.word.trim(), '');
    }
    assert.equal(tokens.map((token) => token.word).join(''), text.replace(/\s+/g, ''), 'the words cover the text but its spaces');
    tokens.slice(1).forEach((token, index) => assert.ok(token.start >= tokens[index]!.end, 'in order, not overlapping'));
    assert.ok(tokens.some((token) => token.word === '😀' && token.end - token.start === 2));
  });

  void test('search mode adds the words inside long words, at their own offsets', async () => {
    const [result] = validateTaskOutput('word-segmentation', await jieba.run(['我来到北京清华大学'], { pos: true, mode: 'search' }, context));
    assert.deepEqual(
      result!.tokens.map(({ word, start, end }) => `${word}@${start}-${end}`),
      ['我@0-1', '来到@1-3', '北京@3-5', '清华@5-7', '华大@6-8', '大学@7-9', '清华大学@5-9'],
    );
    assert.ok(result!.tokens.every((token) => typeof token.tag === 'string' && token.tag.length > 0));
  });

  void test('TF-IDF keywords, highest weight first', async () => {
    const text = '今天纽约的天气真好啊，京华大酒店的张尧经理吃了一只北京烤鸭。后天纽约的天气不好，昨天纽约的天气也不好，北京烤鸭真好吃';
    const [result] = validateTaskOutput('word-segmentation', await jieba.run([text], { keywords: 3 }, context));
    assert.deepEqual(result!.keywords!.map((keyword) => keyword.word), ['北京烤鸭', '纽约', '天气']);
    assert.ok(result!.keywords![0]!.weight >= result!.keywords![1]!.weight && result!.keywords![1]!.weight >= result!.keywords![2]!.weight);
  });

  void test('too long a text is INPUT_TOO_LONG; a broken dictionary is MODEL_FILE_INVALID', async () => {
    await assert.rejects(jieba.run(['字'.repeat(100_001)], {}, context), rejectsWith('INPUT_TOO_LONG'));
    const snapshot = await snapshotOf('word-segmentation-jieba-zh');
    await assert.rejects(loadEntry('word-segmentation-jieba-zh', await withFile(snapshot, 'dict.txt', Buffer.from([0xff, 0xfe, 0, 1, 2]))), rejectsWith('MODEL_FILE_INVALID', /dict\.txt/));
  });
});

void describe('espeak-ng text to speech (moda/tts-espeak-ng)', () => {
  let tts: LoadedPipeline;
  let vad: LoadedPipeline;
  before(async () => {
    [tts, vad] = await Promise.all([loadEntry('tts-espeak-ng'), loadEntry('vad-silero')]);
  });
  after(async () => {
    await tts?.dispose();
    await vad?.dispose();
  });

  const english = 'Moda runs models on your own machines, without sending data anywhere.';
  const chinese = '今天天气很好，我们一起去公园散步吧。';

  void test('speaks English and Chinese for a plausible time, and VAD hears the speech', async () => {
    const started = performance.now();
    const outputs = validateTaskOutput('text-to-speech', await tts.run([english, chinese], {}, context));
    const elapsed = performance.now() - started;
    const durations: number[] = [];
    for (const [index, output] of outputs.entries()) {
      const audio = readWav(Buffer.from(output.audio, 'base64'));
      assert.equal(audio.sampleRate, output.sampling_rate);
      durations.push(audio.durationSeconds);
      const [heard] = validateTaskOutput('voice-activity-detection', await vad.run([output.audio], {}, context));
      assert.ok(heard!.segments.length >= 1, `no speech heard in output ${index}`);
      const spoken = heard!.segments.reduce((total, segment) => total + segment.end - segment.start, 0);
      assert.ok(spoken > 0.6 * audio.durationSeconds, `only ${spoken} s of ${audio.durationSeconds} s heard as speech`);
    }
    // 11 words at 175 words per minute is about 3.8 s; 18 Chinese syllables at 3–6 per second, 3–6 s.
    assert.ok(durations[0]! > 2.5 && durations[0]! < 7, `English lasted ${durations[0]} s`);
    assert.ok(durations[1]! > 2 && durations[1]! < 8, `Chinese lasted ${durations[1]} s`);
    console.log(`# espeak-ng: ${(elapsed / 2).toFixed(0)} ms per sentence (${durations.map((d) => d.toFixed(2)).join(' s, ')} s of speech)`);
  });

  void test('rate and voice parameters are honoured', async () => {
    const [normal, fast, voiced] = await Promise.all([
      tts.run([english], {}, context),
      tts.run([english], { rate: 2 }, context),
      tts.run([english], { voice: 'en-us' }, context),
    ]);
    const seconds = (outputs: unknown[]) => readWav(Buffer.from((outputs[0] as { audio: string }).audio, 'base64')).durationSeconds;
    assert.ok(seconds(fast) < 0.7 * seconds(normal), `rate 2 lasted ${seconds(fast)} s vs ${seconds(normal)} s`);
    assert.notEqual((voiced[0] as { audio: string }).audio, (normal[0] as { audio: string }).audio);
  });

  void test('bad voices, too long texts and a missing binary are clear errors', async () => {
    await assert.rejects(tts.run([english], { voice: 'zzz' }, context), rejectsWith('TASK_INPUT_INVALID', /zzz/));
    await assert.rejects(tts.run([english], { voice: '../../etc/passwd' }, context), rejectsWith('TASK_INPUT_INVALID'));
    await assert.rejects(tts.run(['a'.repeat(5001)], {}, context), rejectsWith('INPUT_TOO_LONG'));
    const emptyBin = await mkdtemp(join(tmpdir(), 'moda-no-espeak-'));
    const path = process.env.PATH;
    process.env.PATH = emptyBin;
    try {
      await assert.rejects(loadEntry('tts-espeak-ng'), rejectsWith('ENGINE_UNAVAILABLE', /apt-get install espeak-ng/));
    } finally {
      process.env.PATH = path;
      await rm(emptyBin, { recursive: true, force: true });
    }
  });
});
