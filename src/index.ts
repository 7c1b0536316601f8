// Moda's public TypeScript API: what other programs may import. Everything else is internal.
export { loadConfig, settings, type Config } from './config/config.js';
export { errorCatalog, type ErrorCode } from './errors/catalog.js';
export { ModaError, isModaError } from './errors/moda-error.js';
export { startServer, type RunningServer } from './server/start-server.js';
export * from './client/index.js';
