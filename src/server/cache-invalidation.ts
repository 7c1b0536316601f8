// Cache invalidation across replicas through Redis pub/sub. Each replica keeps 1 s read caches of
// repo rows (visibility), token lookups and branch heads (hub/context.ts); a write on one replica
// clears its own cache and publishes the cache's name, and every other replica clears the same cache
// on the message. Answers wait for their publishes (flush), so once a client has seen "made private"
// from replica A, the message is already in replica B's socket before the client can ask B.
// Redis down: publishes fail and are logged; the caches then fall back to their 1 s expiry.
// The same channel carries "deployment X changed" (serve/deployments.ts follows it from the
// database, the truth); after a reconnect every deployment is compared again, as messages were lost.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { HubContext } from '../hub/context.js';

const CHANNEL = 'moda:cache-invalidate';

export interface CacheInvalidation extends ChangeChannel {
  /** Resolves when every publish started so far has reached Redis (or failed). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** Tells the other replicas that a named thing changed, and hears of their changes. */
export interface ChangeChannel {
  publishDeployment(name: string): void;
  /** `name` undefined: some changes may have been missed (a reconnect); look at everything again. */
  onDeployment(listener: (name: string | undefined) => void): void;
}

type Message = { origin: string; cache: string } | { origin: string; deployment: string };

export async function connectCacheInvalidation(hub: HubContext, redisUrl: string, log: (message: string, error?: unknown) => void): Promise<CacheInvalidation> {
  const origin = randomUUID();
  const caches = hub.caches as Record<string, { clearLocal(): void; onClear: (() => void) | undefined }>;
  const clearAll = () => Object.values(caches).forEach((cache) => cache.clearLocal());
  // No offline queue: a publish while Redis is away fails at once instead of piling up.
  const publisher = new Redis(redisUrl, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1 });
  const subscriber = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: null });
  publisher.on('error', (error) => log('redis (cache invalidation, publish) connection error', error));
  subscriber.on('error', (error) => log('redis (cache invalidation, subscribe) connection error', error));
  let subscribedOnce = false;
  // After a reconnect, messages sent meanwhile are lost: start over with empty caches.
  const deploymentListeners: ((name: string | undefined) => void)[] = [];
  subscriber.on('ready', () => {
    if (!subscribedOnce) return;
    clearAll();
    for (const listener of deploymentListeners) listener(undefined);
  });
  subscriber.on('message', (_channel: string, text: string) => {
    let message: Message;
    try {
      message = JSON.parse(text) as Message;
    } catch {
      return;
    }
    if (message.origin === origin) return;
    if ('deployment' in message) {
      if (typeof message.deployment === 'string') for (const listener of deploymentListeners) listener(message.deployment);
    } else caches[message.cache]?.clearLocal();
  });
  await Promise.all([publisher.connect(), subscriber.connect()]);
  await subscriber.subscribe(CHANNEL);
  subscribedOnce = true;

  const pending = new Set<Promise<unknown>>();
  const publish = (message: Message, what: string) => {
    const sent = publisher.publish(CHANNEL, JSON.stringify(message)).catch((error: unknown) => log(`could not publish ${what}`, error));
    pending.add(sent);
    void sent.finally(() => pending.delete(sent));
  };
  for (const [name, cache] of Object.entries(caches)) {
    cache.onClear = () => publish({ origin, cache: name }, `the invalidation of cache "${name}"`);
  }
  return {
    publishDeployment(name) {
      publish({ origin, deployment: name }, `the change of deployment "${name}"`);
    },
    onDeployment(listener) {
      deploymentListeners.push(listener);
    },
    async flush() {
      if (pending.size > 0) await Promise.all(pending);
    },
    async close() {
      for (const cache of Object.values(caches)) cache.onClear = undefined;
      await Promise.all(pending);
      await Promise.all([subscriber.quit().catch(() => subscriber.disconnect()), publisher.quit().catch(() => publisher.disconnect())]);
    },
  };
}
