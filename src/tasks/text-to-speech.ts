// Text to speech: reads a text aloud.
import { Type } from '@sinclair/typebox';
import { EXAMPLE_WAV } from './example-media.js';
import { defineTask } from './task-definition.js';
import { parametersOf, TextInput } from './values.js';

export const textToSpeech = defineTask({
  id: 'text-to-speech',
  modality: 'audio',
  title: 'Text to speech',
  titleZh: '语音合成',
  description: 'Synthesises speech that reads a text aloud, as a WAV file.',
  input: TextInput,
  parameters: parametersOf({
    voice: Type.Optional(Type.String({ minLength: 1, description: "A speaker the model knows, by name or id; the model's default when absent" })),
    rate: Type.Optional(Type.Number({ minimum: 0.25, maximum: 4, description: 'Speaking speed, 1 = normal' })),
  }),
  output: Type.Object({
    audio: Type.String({ contentEncoding: 'base64', contentMediaType: 'audio/wav', description: 'Base64 of a mono WAV file' }),
    sampling_rate: Type.Integer({ minimum: 1, description: 'Samples per second of the audio' }),
  }),
  example: {
    input: '你好，欢迎使用 Moda。',
    parameters: { rate: 1 },
    output: { audio: EXAMPLE_WAV, sampling_rate: 16000 },
  },
});
