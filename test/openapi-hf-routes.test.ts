// Every route of the Hugging Face route modules Moda added for huggingface_hub's Python flows
// (validate-yaml, move, super-squash, likers, likes) has an operation in /openapi.json, and the
// tree and paths-info operations document `expand`. Routes are collected as Fastify registers them,
// so a route added to those modules later without a document entry fails here.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import type { HubContext } from '../src/hub/context.js';
import { registerRepoHistoryRoutes } from '../src/protocols/hf/repo-history-routes.js';
import { registerValidateYamlRoute } from '../src/protocols/hf/validate-yaml-route.js';
import { openApiDocument } from '../src/server/openapi.js';

/** Fastify's `/api/models/:namespace/:name/likers` as OpenAPI's `/api/models/{namespace}/{name}/likers`. */
function openApiPath(url: string): string {
  return url.replace(/:(\w+)/g, '{$1}');
}

void test('each route of the added Hugging Face modules has an OpenAPI operation', async () => {
  const app = Fastify();
  const routes: string[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push(`${method.toLowerCase()} ${openApiPath(route.url)}`);
  });
  // Registering reads nothing from the hub: the handlers use it, and none runs here.
  const hub = {} as HubContext;
  registerRepoHistoryRoutes(app, hub);
  registerValidateYamlRoute(app);
  await app.ready();
  const document = openApiDocument();
  assert.ok(routes.length >= 6, routes.join(', '));
  for (const route of routes) {
    const [method = '', path = ''] = route.split(' ');
    assert.ok((document.paths[path] as Record<string, unknown> | undefined)?.[method], `${route} is in /openapi.json`);
  }
  for (const kind of ['models', 'datasets']) {
    for (const path of [`/api/${kind}/{namespace}/{name}/tree/{revision}`, `/api/${kind}/{namespace}/{name}/tree/{revision}/{path}`]) {
      const parameters = ((document.paths[path] as { get?: { parameters?: { name: string }[] } } | undefined)?.get?.parameters ?? []).map((parameter) => parameter.name);
      assert.ok(parameters.includes('expand'), `${path} documents expand`);
    }
    const body = JSON.stringify((document.paths[`/api/${kind}/{namespace}/{name}/paths-info/{revision}`] as { post?: unknown } | undefined)?.post ?? {});
    assert.match(body, /"expand"/);
  }
  const ids = Object.values(document.paths).flatMap((item) => Object.values(item as Record<string, { operationId?: string }>).map((operation) => operation.operationId));
  assert.equal(new Set(ids).size, ids.length, 'operation ids are unique');
  await app.close();
});
