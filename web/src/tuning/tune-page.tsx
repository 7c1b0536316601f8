// `/tune?dataset=…` (or `?base_model=…`), lazy-loaded: the Fine-tune form, generated from the
// method's hyperparameter schema (GET /api/v1/tune-methods) with column pickers filled from the
// dataset viewer's features; then the running job with its live curve, and on success a link to
// the new model and a Deploy button.
import { useEffect, useState, type FormEvent } from 'react';
import { createJob, followJob, type JobInfo } from '../../../src/client/jobs-client.js';
import { api, apiIter, apiJson, type JsonSchema } from '../api.js';
import { ErrorMessage, Loading, useAsync } from '../async-state.js';
import { useI18n } from '../i18n.js';
import { JobProgress } from '../jobs/job-progress.js';
import { Link } from '../router.js';
import { useSession } from '../session.js';
import { curvePointOf, TrainingCurve, type CurvePoint } from './training-curve.js';
import { TUNE_TEXT } from './tune-text.js';
import './tuning.css';

interface MethodInfo {
  name: string;
  description: string;
  task: string;
  input: 'text' | 'image';
  base_model: 'required' | 'optional' | 'none';
  hyperparameters: { properties?: Record<string, JsonSchema> };
}

interface DatasetShape {
  splits: string[];
  columns: string[];
}

async function datasetShape(dataset: string, signal: AbortSignal): Promise<DatasetShape> {
  const { splits } = await api((client) => client.datasetSplits(dataset, { signal }));
  const names = [...new Set(splits.map((split) => split.split))];
  const first = names.includes('train') ? 'train' : names[0];
  if (!first) return { splits: [], columns: [] };
  const page = await api((client) => client.datasetRows(dataset, first, { signal, length: 1 }));
  return { splits: names, columns: page.features.map((feature) => feature.name) };
}

/** One hyperparameter's input, from its schema: a select for literal unions, a number field with its range otherwise. */
function HyperparameterField({ name, schema, value, onChange }: { name: string; schema: JsonSchema; value: string; onChange: (value: string) => void }) {
  const options = Array.isArray(schema.anyOf) ? (schema.anyOf as JsonSchema[]).map((option) => option.const).filter((option): option is string => typeof option === 'string') : [];
  return (
    <label className="tune-field">
      <span title={typeof schema.description === 'string' ? schema.description : undefined}>{name}</span>
      {options.length > 0 ? (
        <select value={value} onChange={(event) => onChange(event.target.value)}>
          {options.map((option) => (
            <option key={option}>{option}</option>
          ))}
        </select>
      ) : (
        <input
          type="number"
          value={value}
          step={schema.type === 'integer' ? 1 : 'any'}
          min={typeof schema.minimum === 'number' ? schema.minimum : undefined}
          max={typeof schema.maximum === 'number' ? schema.maximum : undefined}
          onChange={(event) => onChange(event.target.value)}
        />
      )}
    </label>
  );
}

function ColumnSelect({ label, columns, value, onChange, optional }: { label: string; columns: string[]; value: string; onChange: (value: string) => void; optional?: string }) {
  return (
    <label className="tune-field">
      <span>{label}</span>
      <select value={value} onChange={(event) => onChange(event.target.value)}>
        {optional !== undefined && <option value="">{optional}</option>}
        {columns.map((column) => (
          <option key={column}>{column}</option>
        ))}
      </select>
    </label>
  );
}

/** A running or finished tune job: progress, live curve, and the result with a Deploy button. */
function TuneRun({ jobId }: { jobId: string }) {
  const { language } = useI18n();
  const text = TUNE_TEXT[language];
  const [job, setJob] = useState<JobInfo | undefined>();
  const [points, setPoints] = useState<CurvePoint[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [deployed, setDeployed] = useState<string | undefined>();
  const [deploying, setDeploying] = useState(false);

  useEffect(() => {
    const controller = new AbortController();
    void (async () => {
      try {
        for await (const event of apiIter((client) => followJob(client, jobId, { signal: controller.signal }))) {
          if (event.type === 'log') {
            const point = curvePointOf(event.line);
            if (point) setPoints((previous) => [...previous, point]);
          } else setJob(event.job);
        }
      } catch (failure) {
        if (!controller.signal.aborted) setError(failure);
      }
    })();
    return () => controller.abort();
  }, [jobId]);

  const result = job?.state === 'succeeded' ? (job.result as { repo: string; commit: string; metrics: { accuracy: number; macro_f1: number } }) : undefined;
  const deploy = async () => {
    if (!result) return;
    setDeploying(true);
    setError(null);
    try {
      const progress = apiIter((client) => client.deployIter({ model: result.repo, revision: result.commit }));
      let next = await progress.next();
      while (!next.done) next = await progress.next();
      setDeployed(next.value.name);
    } catch (failure) {
      setError(failure);
    } finally {
      setDeploying(false);
    }
  };

  return (
    <section className="panel tune-run" data-testid="tune-run" data-state={job?.state ?? 'queued'}>
      <h2>{job?.state === 'succeeded' ? text.succeeded : job?.state === 'failed' ? text.failed : job?.state === 'cancelled' ? text.cancelled : text.running}</h2>
      {job && job.state !== 'succeeded' && <JobProgress job={job} />}
      <TrainingCurve points={points} label={text.curve} />
      {job?.error && (
        <p className="error" data-testid="tune-error">
          {job.error.code}: {job.error.message}
        </p>
      )}
      {result && (
        <div className="tune-result" data-testid="tune-result">
          <p>
            {text.accuracy}: <strong>{result.metrics.accuracy.toFixed(4)}</strong> (macro-F1 {result.metrics.macro_f1.toFixed(4)})
          </p>
          <Link className="button" href={`/${result.repo}`}>
            {text.openModel}: {result.repo}
          </Link>{' '}
          <button type="button" className="button secondary" disabled={deploying || deployed !== undefined} onClick={() => void deploy()}>
            {text.deploy}
          </button>
          {deployed && <p data-testid="tune-deployed">{text.deployed(deployed)}</p>}
        </div>
      )}
      {error !== null && <ErrorMessage error={error} />}
    </section>
  );
}

export default function TunePage() {
  const { language } = useI18n();
  const text = TUNE_TEXT[language];
  const session = useSession();
  const query = new URLSearchParams(window.location.search);
  const [dataset, setDataset] = useState(query.get('dataset') ?? '');
  const [baseModel, setBaseModel] = useState(query.get('base_model') ?? '');
  const [methods] = useAsync((signal) => apiJson<{ methods: MethodInfo[] }>('/api/v1/tune-methods', { signal }), []);
  const [shape] = useAsync((signal) => (/^[^/\s]+\/[^/\s]+$/.test(dataset) ? datasetShape(dataset, signal) : Promise.resolve<DatasetShape>({ splits: [], columns: [] })), [dataset]);
  const [methodName, setMethodName] = useState('');
  const [values, setValues] = useState<Record<string, string>>({});
  const [split, setSplit] = useState('');
  const [validationSplit, setValidationSplit] = useState('');
  const [textColumn, setTextColumn] = useState('');
  const [labelColumn, setLabelColumn] = useState('');
  const [imageColumn, setImageColumn] = useState('');
  const [output, setOutput] = useState('');
  const [isPrivate, setPrivate] = useState(false);
  const [jobId, setJobId] = useState<string | undefined>();
  const [error, setError] = useState<unknown>(null);

  const list = methods.status === 'done' ? methods.value.methods : [];
  const method = list.find((candidate) => candidate.name === methodName) ?? list[0];
  const columns = shape.status === 'done' ? shape.value.columns : [];
  const splits = shape.status === 'done' ? shape.value.splits : [];
  const properties = method?.hyperparameters.properties ?? {};
  const defaultOutput = session.user && dataset.includes('/') && method ? `${session.user.name}/${dataset.split('/')[1] ?? 'model'}-${method.name}` : '';

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!method) return;
    setError(null);
    const hyperparameters: Record<string, unknown> = {};
    for (const [name, schema] of Object.entries(properties)) {
      const raw = values[name];
      if (raw === undefined || raw === '') continue;
      hyperparameters[name] = schema.type === 'integer' || schema.type === 'number' ? Number(raw) : raw;
    }
    const columnMapping: Record<string, string> = {};
    if (method.input === 'text' && textColumn) columnMapping.text = textColumn;
    if (method.input === 'image' && imageColumn) columnMapping.image = imageColumn;
    if (labelColumn) columnMapping.label = labelColumn;
    const params: Record<string, unknown> = { method: method.name, dataset, output_repo: output || defaultOutput, hyperparameters };
    if (Object.keys(columnMapping).length > 0) params.columns = columnMapping;
    if (split) params.split = split;
    if (validationSplit) params.validation_split = validationSplit;
    if (baseModel && method.base_model !== 'none') params.base_model = baseModel;
    if (isPrivate) params.private = true;
    try {
      setJobId((await api((client) => createJob(client, 'tune', params))).id);
    } catch (failure) {
      setError(failure);
    }
  };

  if (!session.token) return <p className="muted">{text.signIn}</p>;
  return (
    <div className="tune-page">
      <h1>{text.title}</h1>
      <p className="muted">{text.intro}</p>
      {methods.status === 'loading' && <Loading />}
      {methods.status === 'error' && <ErrorMessage error={methods.error} />}
      {method && (
        <form className="panel tune-form" onSubmit={(event) => void submit(event)} data-testid="tune-form">
          <label className="tune-field">
            <span>{text.method}</span>
            <select value={method.name} onChange={(event) => setMethodName(event.target.value)}>
              {list.map((candidate) => (
                <option key={candidate.name} value={candidate.name}>
                  {candidate.name}
                </option>
              ))}
            </select>
          </label>
          <p className="muted">{method.description}</p>
          <label className="tune-field">
            <span>{text.dataset}</span>
            <input value={dataset} onChange={(event) => setDataset(event.target.value.trim())} placeholder="namespace/name" required />
          </label>
          {method.base_model !== 'none' && (
            <label className="tune-field">
              <span>{text.baseModel}</span>
              <input value={baseModel} onChange={(event) => setBaseModel(event.target.value.trim())} placeholder="namespace/name" required={method.base_model === 'required'} />
            </label>
          )}
          {shape.status === 'error' && <ErrorMessage error={shape.error} />}
          <ColumnSelect label={text.split} columns={splits} value={split} onChange={setSplit} optional="train" />
          <ColumnSelect label={text.validationSplit} columns={splits} value={validationSplit} onChange={setValidationSplit} optional={text.autoValidation} />
          {method.input === 'text' ? <ColumnSelect label={text.textColumn} columns={columns} value={textColumn} onChange={setTextColumn} optional="text" /> : <ColumnSelect label={text.imageColumn} columns={columns} value={imageColumn} onChange={setImageColumn} optional="image" />}
          <ColumnSelect label={text.labelColumn} columns={columns} value={labelColumn} onChange={setLabelColumn} optional="label" />
          <fieldset>
            <legend>{text.hyperparameters}</legend>
            {Object.entries(properties).map(([name, schema]) => (
              <HyperparameterField key={`${method.name}.${name}`} name={name} schema={schema} value={values[name] ?? String(schema.default ?? '')} onChange={(value) => setValues((previous) => ({ ...previous, [name]: value }))} />
            ))}
          </fieldset>
          <label className="tune-field">
            <span>{text.output}</span>
            <input value={output} onChange={(event) => setOutput(event.target.value.trim())} placeholder={defaultOutput} />
          </label>
          <label className="tune-check">
            <input type="checkbox" checked={isPrivate} onChange={(event) => setPrivate(event.target.checked)} /> {text.private}
          </label>
          <button type="submit" className="button" disabled={jobId !== undefined}>
            {text.start}
          </button>
          {error !== null && <ErrorMessage error={error} />}
        </form>
      )}
      {jobId && <TuneRun key={jobId} jobId={jobId} />}
    </div>
  );
}
