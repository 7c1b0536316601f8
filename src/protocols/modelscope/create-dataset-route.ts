// `POST /api/v1/datasets`: the SDK's create_dataset. Its fields (Name, Owner, ChineseName, License,
// Visibility, Description) come as multipart form fields; a JSON body with the same fields is
// taken too. Like models created through this API, the dataset starts on `master`; its card (README.md)
// opens with the Description.
import type { FastifyInstance } from 'fastify';
import { ModaError } from '../../errors/moda-error.js';
import type { HubContext } from '../../hub/context.js';
import { createRepo } from '../../hub/repos/create-repo.js';
import { ok } from './envelope.js';
import { formBoundary, formFields } from './form-fields.js';
import { licenseId } from './licenses.js';
import { MODELSCOPE_DEFAULT_BRANCH } from './repo-write-routes.js';
import { jsonBody, optionalString, requiredString, visibilityCode, visibilityFromCode } from './wire-fields.js';

/** The description becomes the dataset card's first paragraph; longer text belongs in a README commit. */
const MAX_DESCRIPTION_CHARS = 10_000;

export function registerCreateDatasetRoute(app: FastifyInstance, hub: HubContext): void {
  // The SDK posts multipart form fields with the session cookie and no Origin (server/cross-site-guard.ts).
  app.post('/datasets', { config: { formBody: true } }, async (request) => {
    const boundary = formBoundary(request.headers['content-type']);
    const body = boundary === undefined ? jsonBody(request.body) : formFields(request.body, boundary);
    const owner = requiredString(body, 'Owner');
    const name = requiredString(body, 'Name');
    if (body.Visibility === undefined || body.Visibility === null || body.Visibility === '') {
      throw new ModaError('VALIDATION_FAILED', 'Visibility is required: 1 (private), 3 (internal) or 5 (public)');
    }
    const visibility = visibilityFromCode(body.Visibility);
    const chineseName = optionalString(body, 'ChineseName');
    const description = optionalString(body, 'Description');
    if (description !== undefined && description.length > MAX_DESCRIPTION_CHARS) {
      throw new ModaError('VALIDATION_FAILED', `Description is longer than ${MAX_DESCRIPTION_CHARS} characters`);
    }
    const repo = await createRepo(hub, request.actor, {
      type: 'dataset',
      repoId: `${owner}/${name}`,
      visibility,
      ...(chineseName && { chineseName }),
      license: licenseId(optionalString(body, 'License')),
      ...(description && { description }),
      defaultBranch: MODELSCOPE_DEFAULT_BRANCH,
    });
    return ok(request, { Id: repo.id, Owner: repo.row.namespace, Name: repo.row.name, Visibility: visibilityCode(visibility), DefaultBranch: repo.row.default_branch });
  });
}
