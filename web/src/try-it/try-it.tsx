// Try it: a form generated from the task's input and parameters schemas (text, image, audio or
// structured fields, and a control per parameter), the task's example one click away, and the
// answer in a view chosen by its output kind, with latency and the model commit that served it.
import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import { getTask, type TaskDetail } from '../api.js';
import { ErrorMessage, Loading, useAsync } from '../async-state.js';
import { taskTitle, useI18n } from '../i18n.js';
import { FieldControl } from './field-control.js';
import { exampleValue, FormValueError, inputForm, objectFields, requestValue, type Field, type FieldValue, type MediaValue } from './form-values.js';
import { ResultView, type SentInput } from './result-view.js';
import { runModel, type ModelAnswer } from './run-model.js';
import { TryError } from './try-error.js';
import { useTryItStrings } from './try-it-strings.js';
import { ChatPlayground } from './chat-playground.js';
import { useChatStrings } from './chat-strings.js';
import './try-it.css';

type Values = Record<string, FieldValue>;

/** The id a single input's control gets: stable names (`try-image`, `try-text`) that links and tests can rely on. */
function singleInputId(field: Field): string {
  switch (field.control.kind) {
    case 'media':
      return `try-${field.control.media}`;
    case 'json':
      return 'try-json';
    default:
      return 'try-text';
  }
}

function exampleValues(fields: Field[], example: unknown): Values {
  const values: Values = {};
  for (const field of fields) {
    const value = exampleValue(field, (example as Record<string, unknown> | undefined)?.[field.name]);
    if (value !== null) values[field.name] = value;
  }
  return values;
}

/** What the result view draws over: the first image and audio among the inputs, and the text input. */
function sentInput(fields: Field[], values: Values): SentInput {
  const sent: SentInput = {};
  for (const field of fields) {
    const value = values[field.name];
    if (field.control.kind === 'media' && value !== null && typeof value === 'object') {
      const media = value as MediaValue;
      const source = 'file' in media ? media.file : media.url;
      if (field.control.media === 'image') sent.image ??= source;
      else sent.audio ??= source;
    } else if (field.control.kind === 'text' && typeof value === 'string') sent.text ??= value;
  }
  return sent;
}

function RunningStatus({ started, onCancel }: { started: number; onCancel: () => void }) {
  const s = useTryItStrings();
  const { t } = useI18n();
  const [now, setNow] = useState(started);
  useEffect(() => {
    const timer = setInterval(() => setNow(performance.now()), 100);
    return () => clearInterval(timer);
  }, []);
  return (
    <div className="try-running" data-testid="running">
      <Loading label={t.running} />
      <span className="muted" aria-hidden="true">
        {s.elapsed(((now - started) / 1000).toFixed(1))}
      </span>
      <button type="button" className="link-button" onClick={onCancel}>
        {s.cancel}
      </button>
    </div>
  );
}

function TryItForm({ repo, task }: { repo: string; task: TaskDetail }) {
  const { t, language } = useI18n();
  const s = useTryItStrings();
  const form = useMemo(() => inputForm(task.input), [task]);
  const inputFields = form.kind === 'single' ? [form.field] : form.fields;
  const parameterFields = useMemo(() => objectFields(task.parameters, false), [task]);
  const [inputs, setInputs] = useState<Values>({});
  const [parameters, setParameters] = useState<Values>({});
  const [running, setRunning] = useState<{ started: number; controller: AbortController } | null>(null);
  const [result, setResult] = useState<{ answer: ModelAnswer; sent: SentInput } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [announcement, setAnnouncement] = useState('');
  const runningRef = useRef<AbortController | null>(null);
  useEffect(() => () => runningRef.current?.abort(), []);

  const setInput = useCallback((name: string) => (value: FieldValue) => setInputs((previous) => ({ ...previous, [name]: value })), []);
  const inputSetters = useMemo(() => Object.fromEntries(inputFields.map((field) => [field.name, setInput(field.name)])), [inputFields, setInput]);

  const example = task.example;
  const exampleUrl = useMemo(() => {
    const values = form.kind === 'single' ? [example?.input] : Object.values((example?.input as Record<string, unknown> | undefined) ?? {});
    return values.find((value): value is string => typeof value === 'string' && /^https?:/i.test(value));
  }, [example, form.kind]);

  const fillExample = () => {
    if (!example) return;
    setInputs(form.kind === 'single' ? exampleValues([form.field], { [form.field.name]: example.input }) : exampleValues(form.fields, example.input));
    setParameters(exampleValues(parameterFields, example.parameters ?? {}));
    setError(null);
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (running) return;
    setError(null);
    let input: unknown;
    const chosen: Record<string, unknown> = {};
    try {
      if (form.kind === 'single') input = await requestValue(form.field, inputs[form.field.name] ?? null, true);
      else {
        const object: Record<string, unknown> = {};
        for (const field of form.fields) {
          const value = await requestValue(field, inputs[field.name] ?? null, false);
          if (value !== undefined) object[field.name] = value;
        }
        input = Object.keys(object).length > 0 ? object : undefined;
      }
      for (const field of parameterFields) {
        const value = await requestValue(field, parameters[field.name] ?? null, false);
        if (value !== undefined) chosen[field.name] = value;
      }
    } catch (failure) {
      setError(failure);
      return;
    }
    if (input === undefined) {
      setError(new FormValueError(t.chooseInputFirst, 'input'));
      return;
    }
    const controller = new AbortController();
    runningRef.current = controller;
    setRunning({ started: performance.now(), controller });
    setAnnouncement('');
    try {
      const answer = await runModel(repo, input, chosen, controller.signal);
      setResult({ answer, sent: sentInput(inputFields, inputs) });
      setAnnouncement(s.resultReady(Math.round(answer.latencyMs)));
    } catch (failure) {
      if (!controller.signal.aborted) {
        // An old result under a new error would read as the answer to this input.
        setResult(null);
        setError(failure);
      }
    } finally {
      runningRef.current = null;
      setRunning(null);
    }
  };

  return (
    <div className="try-it" data-testid="try-it">
      <form onSubmit={(event) => void submit(event)} className="try-form" noValidate>
        <div className="try-intro">
          <p className="muted">
            <strong>{taskTitle(task, language)}</strong> — {task.description}
          </p>
          {example?.input !== undefined && (
            <button type="button" className="button secondary" onClick={fillExample} data-testid="use-example">
              {s.useExample}
            </button>
          )}
        </div>
        {exampleUrl && inputFields.some((field) => { const value = inputs[field.name]; return value !== null && typeof value === 'object' && 'url' in value && value.url === exampleUrl; }) && <p className="muted try-help">{s.exampleFromUrl(exampleUrl)}</p>}
        {inputFields.map((field) => (
          <FieldControl
            key={field.name}
            id={form.kind === 'single' ? singleInputId(field) : `try-input-${field.name}`}
            field={field}
            title={form.kind === 'single' ? (field.control.kind === 'json' ? t.inputJson : field.control.kind === 'media' ? (field.control.media === 'image' ? t.inputImage : t.inputAudio) : t.inputText) : field.name}
            value={inputs[field.name] ?? null}
            onChange={inputSetters[field.name]!}
          />
        ))}
        {parameterFields.length > 0 && (
          <fieldset className="try-parameters">
            <legend>{t.parameters}</legend>
            <div className="try-parameter-grid">
              {parameterFields.map((field) => (
                <FieldControl key={field.name} id={`parameter-${field.name}`} field={field} value={parameters[field.name] ?? null} onChange={(value) => setParameters((previous) => ({ ...previous, [field.name]: value }))} />
              ))}
            </div>
          </fieldset>
        )}
        <div className="try-actions">
          <button type="submit" className="button" disabled={running !== null} aria-busy={running !== null} data-testid="run">
            {running ? t.running : t.run}
          </button>
          {running && <RunningStatus started={running.started} onCancel={() => running.controller.abort()} />}
        </div>
        {error !== null && <TryError error={error} />}
      </form>
      <p className="visually-hidden" role="status" aria-live="polite">
        {announcement}
      </p>
      {result && !running && <ResultView key={result.answer.latencyMs} answer={result.answer} sent={result.sent} />}
    </div>
  );
}

export function TryIt({ repo, task }: { repo: string; task: string | undefined }) {
  const { t } = useI18n();
  const [detail, retry] = useAsync((signal) => (task ? getTask(task, signal) : Promise.resolve(null)), [task]);
  if (!task) return <p className="muted">{t.noTask}</p>;
  if (detail.status === 'loading') return <Loading />;
  if (detail.status === 'error') return <ErrorMessage error={detail.error} onRetry={retry} />;
  if (!detail.value) return null;
  if (detail.value.id === 'text-generation') return <TextGeneration repo={repo} task={detail.value} />;
  return <TryItForm repo={repo} task={detail.value} />;
}

/** Text generation: the chat playground first, the task's plain form (a raw completion) one click away. */
function TextGeneration({ repo, task }: { repo: string; task: TaskDetail }) {
  const s = useChatStrings();
  const [form, setForm] = useState(false);
  return (
    <>
      <p className="chat-mode">
        <button type="button" className="link-button" onClick={() => setForm(!form)} data-testid="chat-mode">
          {form ? s.showChat : s.showForm}
        </button>
      </p>
      {form ? <TryItForm repo={repo} task={task} /> : <ChatPlayground repo={repo} />}
    </>
  );
}
