// One OpenAI server-sent-event stream: `send` writes a `data:` event while the stream is open, and
// `finish` ends it when the generation settles — `[DONE]` after the last events, or an OpenAI error
// event (unless the client went away) — so every streaming route ends its stream the same way.
import { PassThrough } from 'node:stream';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toModaError } from '../../server/error-reply.js';
import { openAiErrorBody } from './openai-error.js';

export interface SseStream {
  send(payload: unknown): void;
  /** Writes one event already serialised as `data: …\n\n` (streams that build their chunks from a cached prefix). */
  sendEvent(event: string): void;
  /** Ends the stream once `generation` settles; `last` writes the closing events of a success. Sends the reply. */
  finish<T>(generation: Promise<T>, last: (result: T) => void): FastifyReply;
}

export function openSseStream(request: FastifyRequest, reply: FastifyReply, signal: AbortSignal): SseStream {
  const events = new PassThrough();
  const sendEvent = (event: string) => {
    if (!events.writableEnded && !events.destroyed) events.write(event);
  };
  const send = (payload: unknown) => sendEvent(`data: ${JSON.stringify(payload)}\n\n`);
  return {
    send,
    sendEvent,
    finish(generation, last) {
      void generation.then(
        (result) => {
          last(result);
          events.end('data: [DONE]\n\n');
        },
        (error: unknown) => {
          if (!signal.aborted) {
            const moda = toModaError(error);
            if (moda.status >= 500) request.log.error({ err: error }, 'generation failed while streaming');
            send(openAiErrorBody(moda, moda.message));
          }
          events.end();
        },
      );
      reply.header('content-type', 'text/event-stream; charset=utf-8').header('cache-control', 'no-cache').header('x-accel-buffering', 'no');
      return reply.send(events);
    },
  };
}
