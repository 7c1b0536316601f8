// Automatic speech recognition: transcribes speech to text.
import { Type } from '@sinclair/typebox';
import { EXAMPLE_WAV } from './example-media.js';
import { defineTask } from './task-definition.js';
import { AudioInput, parametersOf } from './values.js';

const Chunk = Type.Object({
  text: Type.String(),
  timestamp: Type.Tuple([Type.Number({ minimum: 0 }), Type.Number({ minimum: 0 })], { description: '[start, end] in seconds from the start of the audio' }),
});

export const automaticSpeechRecognition = defineTask({
  id: 'automatic-speech-recognition',
  modality: 'audio',
  title: 'Speech recognition',
  titleZh: '语音识别',
  description: 'Transcribes the speech in an audio clip to text, optionally with timestamps.',
  input: AudioInput,
  parameters: parametersOf({
    return_timestamps: Type.Optional(Type.Boolean({ description: 'Also return the text in timed chunks' })),
    language: Type.Optional(Type.String({ minLength: 2, maxLength: 16, description: 'Spoken language as an ISO 639-1 code (zh, en), for multilingual models; detected when absent' })),
  }),
  output: Type.Object({
    text: Type.String(),
    chunks: Type.Optional(Type.Array(Chunk, { description: 'Present when return_timestamps is true; in order' })),
  }),
  example: {
    input: EXAMPLE_WAV,
    parameters: { return_timestamps: true, language: 'zh' },
    output: {
      text: '今天天气很好。我们去公园吧。',
      chunks: [
        { text: '今天天气很好。', timestamp: [0, 1.6] },
        { text: '我们去公园吧。', timestamp: [1.9, 3.2] },
      ],
    },
  },
});
