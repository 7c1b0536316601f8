// The one hook where job types are added. The server and every job process call loadJobTypes with
// the same config, so both know the same types: built-in ones here, plug-ins from MODA_JOB_MODULES.
// To add a type (dataset-prepare, tune, eval): write it with defineJobType in src/jobs/types/ (or
// beside its own code) and name it in BUILT_IN below.
import { pathToFileURL } from 'node:url';
import { ModaError } from '../errors/moda-error.js';
import { JobTypeRegistry, type JobType } from './job-type.js';

/**
 * The built-in types by name, each module imported only when asked for: a job process loads the code
 * of the one type it runs (loadJobType), not the tuning, catalog and preparation code of the others,
 * which was most of an eval job's process start.
 */
const BUILT_IN = new Map<string, (registry: JobTypeRegistry) => Promise<void>>([
  ['catalog-import', async (registry) => registry.register((await import('./types/catalog-import-job.js')).catalogImportJob)],
  ['pull', async (registry) => registry.register((await import('./types/pull-job.js')).pullJob)],
  ['dataset-prepare', async (registry) => registry.register((await import('./types/dataset-prepare-job.js')).datasetPrepareJob)],
  ['tune', async (registry) => registry.register((await import('../tuning/tune-job.js')).tuneJob)],
  ['eval', async (registry) => registry.register((await import('./types/eval-job.js')).evalJob)],
]);

/** Registers Moda's built-in job types. */
export async function registerJobTypes(registry: JobTypeRegistry): Promise<void> {
  for (const register of BUILT_IN.values()) await register(registry);
}

/** A plug-in module: exports `registerJobTypes(registry)`. */
interface JobModule {
  registerJobTypes?: (registry: JobTypeRegistry) => void | Promise<void>;
}

/** The built-in types plus those of each module in `modules` (absolute paths). */
export async function loadJobTypes(modules: readonly string[]): Promise<JobTypeRegistry> {
  const registry = new JobTypeRegistry();
  await registerJobTypes(registry);
  for (const path of modules) {
    const loaded = (await import(pathToFileURL(path).href)) as JobModule;
    if (typeof loaded.registerJobTypes !== 'function') throw new ModaError('CONFIG_INVALID', `MODA_JOB_MODULES: ${path} exports no registerJobTypes(registry)`);
    await loaded.registerJobTypes(registry);
  }
  return registry;
}

/** The one type a job process runs: a built-in one alone, else the plug-ins' (which may define any). */
export async function loadJobType(type: string, modules: readonly string[]): Promise<JobType | undefined> {
  const builtIn = BUILT_IN.get(type);
  if (!builtIn) return (await loadJobTypes(modules)).get(type);
  const registry = new JobTypeRegistry();
  await builtIn(registry);
  return registry.get(type);
}
