// The envelope every ModelScope JSON answer travels in. Clients check `Code`/`Success` before they
// read `Data`; errors get the same shape from server/error-reply.ts with Code equal to the status.
import type { FastifyRequest } from 'fastify';

export interface Envelope<T> {
  Code: 200;
  Success: true;
  Message: string;
  Data: T;
  RequestId: string;
}

export function ok<T>(request: FastifyRequest, data: T): Envelope<T> {
  return { Code: 200, Success: true, Message: '', Data: data, RequestId: request.id };
}
