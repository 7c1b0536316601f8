// The one hook where job types are added. The server and every job process call loadJobTypes with
// the same config, so both know the same types: built-in ones here, plug-ins from MODA_JOB_MODULES.
// To add a type (dataset-prepare, tune, eval): write it with defineJobType in src/jobs/types/ (or
// beside its own code) and register it in registerJobTypes below.
import { pathToFileURL } from 'node:url';
import { ModaError } from '../errors/moda-error.js';
import { JobTypeRegistry } from './job-type.js';
import { catalogImportJob } from './types/catalog-import-job.js';
import { pullJob } from './types/pull-job.js';
import { datasetPrepareJob } from './types/dataset-prepare-job.js';
import { tuneJob } from '../tuning/tune-job.js';
import { evalJob } from './types/eval-job.js';

/** Registers Moda's built-in job types. */
export function registerJobTypes(registry: JobTypeRegistry): void {
  registry.register(catalogImportJob);
  registry.register(pullJob);
  registry.register(datasetPrepareJob);
  registry.register(tuneJob);
  registry.register(evalJob);
}

/** A plug-in module: exports `registerJobTypes(registry)`. */
interface JobModule {
  registerJobTypes?: (registry: JobTypeRegistry) => void | Promise<void>;
}

/** The built-in types plus those of each module in `modules` (absolute paths). */
export async function loadJobTypes(modules: readonly string[]): Promise<JobTypeRegistry> {
  const registry = new JobTypeRegistry();
  registerJobTypes(registry);
  for (const path of modules) {
    const loaded = (await import(pathToFileURL(path).href)) as JobModule;
    if (typeof loaded.registerJobTypes !== 'function') throw new ModaError('CONFIG_INVALID', `MODA_JOB_MODULES: ${path} exports no registerJobTypes(registry)`);
    await loaded.registerJobTypes(registry);
  }
  return registry;
}
