// `GET /api/v1/tune-methods`: the training methods a `tune` job may name, each with its task, the
// column kind it learns from, whether it takes a base model, and its hyperparameters' JSON Schema
// (ranges and defaults), from which the web UI builds its Fine-tune form.
import type { FastifyInstance } from 'fastify';
import { listTuneMethods } from '../../tuning/tune-methods.js';

export function registerTuneRoutes(app: FastifyInstance): void {
  app.get('/api/v1/tune-methods', async () => ({
    methods: listTuneMethods().map((method) => ({
      name: method.name,
      description: method.description,
      task: method.task,
      input: method.input,
      base_model: method.baseModel,
      hyperparameters: method.hyperparameters,
    })),
  }));
}
