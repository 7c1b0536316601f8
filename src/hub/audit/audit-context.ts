// Who is on the other end of the request an audit event comes from (client address, request id),
// carried through the async calls of the request so hub services need no HTTP parameter.
import { AsyncLocalStorage } from 'node:async_hooks';

export interface AuditRequestContext {
  address: string;
  requestId: string;
}

export const auditContext = new AsyncLocalStorage<AuditRequestContext>();
