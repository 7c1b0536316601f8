// The shipped deployment files: the Kubernetes kustomize base renders offline with `kubectl
// kustomize` (kubectl from Debian; .ci/run installs it) into the objects an operator expects, with
// probes, drain timing, the ReadWriteMany git volume and ingress limits that match how `moda serve`
// behaves; the compose file names the services of the cluster; every MODA_* variable they set is a
// real setting; and the nginx config has the directives the failover tests rely on.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';
import { parse, parseAllDocuments } from 'yaml';
import { settings } from '../src/config/config.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const KNOWN = new Set<string>(settings.map((setting) => setting.env));

interface K8sObject {
  kind: string;
  metadata: { name: string };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

async function kustomize(dir: string): Promise<K8sObject[]> {
  const { stdout } = await run('kubectl', ['kustomize', `${ROOT}deploy/kubernetes/${dir}`]).catch((error: unknown) => {
    throw new Error('kubectl kustomize failed (Debian: apt-get install -y kubectl; .ci/run does this)', { cause: error });
  });
  return parseAllDocuments(stdout).map((document) => document.toJSON() as K8sObject);
}

function seconds(duration: string): number {
  const match = /^(\d+)(ms|s|m)?$/.exec(duration);
  assert.ok(match, duration);
  return Number(match[1]) * ({ ms: 0.001, s: 1, m: 60 }[match[2] ?? 's'] ?? 1);
}

void test('the kustomize base renders the cluster: web with probes and drain, migrate Job, RWX git volume, PDB, ingress', async () => {
  const objects = await kustomize('base');
  const byKind = (kind: string, name: string) => objects.find((object) => object.kind === kind && object.metadata.name === name);
  for (const [kind, name] of [['Deployment', 'moda-web'], ['Deployment', 'moda-worker'], ['Job', 'moda-migrate'], ['Service', 'moda-web'], ['PodDisruptionBudget', 'moda-web'], ['Ingress', 'moda'], ['PersistentVolumeClaim', 'moda-data'], ['ConfigMap', 'moda'], ['Secret', 'moda']]) {
    assert.ok(byKind(kind as string, name as string), `${kind} ${name}`);
  }
  const config = byKind('ConfigMap', 'moda')?.data ?? {};
  const secret = byKind('Secret', 'moda')?.stringData ?? {};
  for (const name of [...Object.keys(config), ...Object.keys(secret)]) assert.ok(KNOWN.has(name), `${name} is a Moda setting`);
  assert.equal(config.MODA_MIGRATE_ON_START, '0', 'replicas wait for the migration Job');
  for (const name of ['MODA_DATABASE_URL', 'MODA_REDIS_URL']) assert.ok(secret[name], name);

  const web = byKind('Deployment', 'moda-web')?.spec as { template: { spec: { terminationGracePeriodSeconds: number; containers: { args: string[]; livenessProbe: { httpGet: { path: string } }; readinessProbe: { httpGet: { path: string } }; lifecycle: { preStop: { sleep: { seconds: number } } } }[] } } };
  const container = web.template.spec.containers[0];
  assert.ok(container);
  assert.equal(container.args[0], 'serve');
  assert.equal(container.livenessProbe.httpGet.path, '/livez');
  assert.equal(container.readinessProbe.httpGet.path, '/readyz');
  const drain = container.lifecycle.preStop.sleep.seconds + seconds(config.MODA_SHUTDOWN_DELAY ?? '0') + seconds(config.MODA_SHUTDOWN_TIMEOUT ?? '30s');
  assert.ok(web.template.spec.terminationGracePeriodSeconds > drain, `the grace period outlasts preStop + drain (${drain} s)`);
  const job = byKind('Job', 'moda-migrate')?.spec as { template: { spec: { containers: { args: string[] }[] } } };
  assert.deepEqual(job.template.spec.containers[0]?.args, ['migrate']);
  assert.deepEqual((byKind('PersistentVolumeClaim', 'moda-data')?.spec as { accessModes: string[] }).accessModes, ['ReadWriteMany']);
  const ingress = objects.find((object) => object.kind === 'Ingress') as unknown as { metadata: { annotations: Record<string, string> } };
  assert.equal(ingress.metadata.annotations['nginx.ingress.kubernetes.io/proxy-body-size'], '0');
  assert.equal(ingress.metadata.annotations['nginx.ingress.kubernetes.io/proxy-request-buffering'], 'off');

  const withHpa = await kustomize('overlays-example');
  assert.ok(withHpa.some((object) => object.kind === 'HorizontalPodAutoscaler'), 'the optional HPA component');
});

void test('compose names the cluster services, and sets only real settings', async () => {
  const compose = parse(await readFile(`${ROOT}deploy/compose.yaml`, 'utf8'), { merge: true }) as { services: Record<string, { command?: string[]; environment?: Record<string, string> }> };
  for (const service of ['postgres', 'redis', 's3', 's3-bucket', 'migrate', 'moda-web', 'moda-worker', 'nginx']) assert.ok(compose.services[service], service);
  assert.deepEqual(compose.services.migrate?.command, ['migrate']);
  assert.equal(compose.services['moda-web']?.command?.[0], 'serve');
  const environment = Object.keys(compose.services['moda-web']?.environment ?? {});
  assert.ok(environment.includes('MODA_GIT_ROOT') && environment.includes('MODA_REDIS_URL'), 'the replicas get the shared settings');
  for (const name of environment) assert.ok(KNOWN.has(name), `${name} is a Moda setting`);
});

void test('the nginx config has what failover and streaming rely on', async () => {
  const conf = await readFile(`${ROOT}deploy/nginx/moda.conf`, 'utf8');
  for (const directive of ['hash $moda_model consistent;', 'proxy_next_upstream error timeout http_502 http_503;', 'client_max_body_size 0;', 'proxy_request_buffering off;', 'proxy_buffering off;', 'max_fails=1 fail_timeout=1s', 'proxy_read_timeout 3600s;']) {
    assert.ok(conf.includes(directive), directive);
  }
  assert.ok(!/non_idempotent/.test(conf.replace(/#.*$/gm, '')), 'POSTs already sent are never resent');
});
