// Moda's public TypeScript API: what other programs may import. Everything else is internal.
export { loadConfig, settings, type Config } from './config/config.js';
export { errorCatalog, type ErrorCode } from './errors/catalog.js';
export { ModaError, isModaError } from './errors/moda-error.js';
export { startServer, type RunningServer } from './server/start-server.js';
export * from './client/index.js';
export { pipeline, type PipelineOptions, type TaskPipeline } from './pipelines/pipeline.js';
export { TASK_IDS, getTask, type TaskId, type TaskInput, type TaskOutput, type TaskParameters } from './tasks/catalog.js';
export type { TaskDefinition, Modality } from './tasks/task-definition.js';
export type { Box, ImageSource, AudioSource, LabelScore } from './tasks/values.js';
export { importCatalog, type CatalogImportResult } from './catalog/import-catalog.js';
