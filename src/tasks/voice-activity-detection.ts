// Voice activity detection: finds where in an audio clip someone is speaking.
import { Type } from '@sinclair/typebox';
import { EXAMPLE_WAV } from './example-media.js';
import { defineTask } from './task-definition.js';
import { AudioInput, parametersOf } from './values.js';

const Seconds = Type.Number({ minimum: 0, description: 'Seconds from the start of the audio' });

export const voiceActivityDetection = defineTask({
  id: 'voice-activity-detection',
  modality: 'audio',
  title: 'Voice activity detection',
  titleZh: '语音端点检测',
  description: 'Finds the segments of an audio clip that contain speech, in seconds.',
  input: AudioInput,
  parameters: parametersOf({
    threshold: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Speech probability above which a frame counts as speech; default 0.5' })),
    min_speech_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 60000, description: 'Speech shorter than this is dropped' })),
    min_silence_ms: Type.Optional(Type.Integer({ minimum: 0, maximum: 60000, description: 'Silence shorter than this does not split a segment' })),
  }),
  output: Type.Object({
    segments: Type.Array(Type.Object({ start: Seconds, end: Seconds }), { description: 'Speech segments in order, not overlapping' }),
    speech_ratio: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Share of the clip that is speech' })),
  }),
  example: {
    input: EXAMPLE_WAV,
    parameters: { threshold: 0.5, min_speech_ms: 250, min_silence_ms: 100 },
    output: {
      segments: [
        { start: 0.32, end: 1.58 },
        { start: 1.9, end: 3.24 },
      ],
      speech_ratio: 0.71,
    },
  },
});
