// The task catalog over HTTP: what each task takes and returns, as JSON Schema, with an example,
// for the web UI's forms, the docs and clients that build requests.
import type { FastifyInstance } from 'fastify';
import { getTask, TASK_IDS, tasks } from '../../tasks/catalog.js';
import type { TaskDefinition } from '../../tasks/task-definition.js';
import { toJsonSchema } from '../../tasks/to-json-schema.js';

function summary(task: TaskDefinition) {
  return { id: task.id, modality: task.modality, title: task.title, titleZh: task.titleZh, description: task.description };
}

export function registerTaskRoutes(app: FastifyInstance): void {
  app.get('/api/tasks', async () => ({ tasks: TASK_IDS.map((id) => summary(tasks[id])) }));

  app.get<{ Params: { task: string } }>('/api/tasks/:task', async (request) => {
    // getTask throws TASK_UNKNOWN (404), which the app's error handler writes.
    const task = getTask(request.params.task);
    return { ...summary(task), ...toJsonSchema(task), example: task.example };
  });
}
