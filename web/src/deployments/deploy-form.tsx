// Deploys a model: repo id, revision, optional name and batching settings; shows the NDJSON load
// progress (resolving → materializing → loading → calibrating → ready) as it streams in.
import { useRef, useState, type FormEvent } from 'react';
import type { DeploymentBatching, DeploymentInfo, DeploymentProgress, DeploymentRequest } from '../../../src/client/api-types.js';
import { isValidNamePart } from '../../../src/hub/paths.js';
import { apiIter } from '../api.js';
import { ErrorMessage } from '../async-state.js';
import { useI18n } from '../i18n.js';
import { DEPLOY_TEXT } from './deploy-text.js';

const STEPS = ['resolving', 'materializing', 'loading', 'calibrating', 'ready'] as const;

/** Settings left empty stay at the server's defaults. */
function batchingOf(maxBatch: string, delay: string, queue: string): DeploymentBatching | undefined {
  const batching: DeploymentBatching = {};
  if (maxBatch.trim() !== '') batching.max_batch_size = maxBatch.trim() === 'auto' ? 'auto' : Number(maxBatch);
  if (delay.trim() !== '') batching.max_queue_delay_ms = Number(delay);
  if (queue.trim() !== '') batching.max_queue = Number(queue);
  return Object.keys(batching).length > 0 ? batching : undefined;
}

export function DeployForm({ onDeployed }: { onDeployed: (deployment: DeploymentInfo) => void }) {
  const { language } = useI18n();
  const text = DEPLOY_TEXT[language];
  const [model, setModel] = useState('');
  const [revision, setRevision] = useState('main');
  const [name, setName] = useState('');
  const [maxBatch, setMaxBatch] = useState('auto');
  const [delay, setDelay] = useState('');
  const [queue, setQueue] = useState('');
  const [steps, setSteps] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const abort = useRef<AbortController | null>(null);
  const [namespace, repoName, ...extra] = model.trim().split('/');
  const modelValid = extra.length === 0 && namespace !== undefined && repoName !== undefined && isValidNamePart(namespace) && isValidNamePart(repoName);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!modelValid || busy) return;
    const request: DeploymentRequest = { model: model.trim(), revision: revision.trim() || 'main' };
    if (name.trim() !== '') request.name = name.trim();
    const batching = batchingOf(maxBatch, delay, queue);
    if (batching) request.batching = batching;
    const controller = new AbortController();
    abort.current = controller;
    setBusy(true);
    setError(null);
    setSteps([]);
    try {
      const progress = apiIter((client) => client.deployIter(request, { signal: controller.signal }));
      let next = await progress.next();
      while (!next.done) {
        const event: DeploymentProgress = next.value;
        setSteps((current) => [...current, event.status]);
        next = await progress.next();
      }
      if (next.value.state === 'failed') setError(new Error(next.value.error?.message ?? text.failed));
      else {
        setModel('');
        setName('');
        onDeployed(next.value);
      }
    } catch (failure) {
      if (!controller.signal.aborted) setError(failure);
    } finally {
      abort.current = null;
      setBusy(false);
    }
  };

  return (
    <form className="panel" onSubmit={(event) => void submit(event)} aria-labelledby="deploy-title">
      <h2 id="deploy-title">{text.deploy}</h2>
      <div className="deploy-form">
        <div className="field grow">
          <label htmlFor="deploy-model">{text.model}</label>
          <input id="deploy-model" value={model} placeholder="owner/name" required spellCheck={false} aria-invalid={model !== '' && !modelValid} onChange={(event) => setModel(event.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="deploy-revision">{text.revision}</label>
          <input id="deploy-revision" value={revision} spellCheck={false} onChange={(event) => setRevision(event.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="deploy-name">{text.name}</label>
          <input id="deploy-name" value={name} placeholder={text.namePlaceholder} spellCheck={false} onChange={(event) => setName(event.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="deploy-batch">{text.maxBatch}</label>
          <input id="deploy-batch" value={maxBatch} list="deploy-batch-choices" onChange={(event) => setMaxBatch(event.target.value)} />
          <datalist id="deploy-batch-choices">
            {['auto', '1', '2', '4', '8', '16', '32'].map((choice) => (
              <option key={choice} value={choice} />
            ))}
          </datalist>
        </div>
        <div className="field">
          <label htmlFor="deploy-delay">{text.delay}</label>
          <input id="deploy-delay" type="number" min={0} value={delay} placeholder={text.default} onChange={(event) => setDelay(event.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="deploy-queue">{text.queue}</label>
          <input id="deploy-queue" type="number" min={1} value={queue} placeholder={text.default} onChange={(event) => setQueue(event.target.value)} />
        </div>
        <button type="submit" className="button" disabled={busy || !modelValid}>
          {busy ? text.deploying : text.deploy}
        </button>
        {busy && (
          <button type="button" className="link-button" onClick={() => abort.current?.abort()}>
            {text.stopWatching}
          </button>
        )}
      </div>
      {model !== '' && !modelValid && <p className="field-problem">{text.modelInvalid}</p>}
      {steps.length > 0 && (
        <ol className="deploy-progress" aria-label={text.progress} data-testid="deploy-progress">
          {STEPS.filter((step) => steps.includes(step) || step === 'ready').map((step) => (
            <li key={step} className={steps[steps.length - 1] === step ? 'current' : ''} data-step={step} data-reached={steps.includes(step)}>
              {steps.includes(step) ? '✓ ' : ''}
              {text.steps[step]}
            </li>
          ))}
        </ol>
      )}
      {error !== null && <ErrorMessage error={error} />}
    </form>
  );
}
