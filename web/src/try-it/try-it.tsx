// Try it: a form generated from the task's input and parameters schemas, sent to the inference
// route; the answer shows in a view chosen by its shape, beside the raw JSON, with the latency
// and the model commit that served it.
import { useEffect, useState, type ClipboardEvent, type DragEvent, type FormEvent } from 'react';
import { getTask, runPipeline, type JsonSchema, type PipelineAnswer, type TaskDetail } from '../api.js';
import { ErrorMessage, Loading, useAsync } from '../async-state.js';
import { taskTitle, useI18n } from '../i18n.js';
import { ResultView } from './result-view.js';

type InputKind = 'text' | 'image' | 'audio' | 'json';

function inputKind(schema: JsonSchema): InputKind {
  if (schema['x-media'] === 'image') return 'image';
  if (schema['x-media'] === 'audio') return 'audio';
  if (schema.type === 'string') return 'text';
  return 'json';
}

type ParameterValues = Record<string, string | boolean>;

function ParametersFields({ schema, values, onChange }: { schema: JsonSchema; values: ParameterValues; onChange: (values: ParameterValues) => void }) {
  const { t } = useI18n();
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const names = Object.keys(properties);
  if (names.length === 0) return null;
  return (
    <details className="parameters">
      <summary>{t.parameters}</summary>
      {names.map((name) => {
        const property = properties[name] ?? {};
        const id = `parameter-${name}`;
        const description = typeof property.description === 'string' ? property.description : undefined;
        if (property.type === 'boolean') {
          return (
            <div key={name} className="field checkbox">
              <input id={id} type="checkbox" checked={values[name] === true} onChange={(event) => onChange({ ...values, [name]: event.target.checked })} />
              <label htmlFor={id}>
                {name} {description && <span className="muted">— {description}</span>}
              </label>
            </div>
          );
        }
        const numeric = property.type === 'number' || property.type === 'integer';
        return (
          <div key={name} className="field">
            <label htmlFor={id}>
              {name} {description && <span className="muted">— {description}</span>}
            </label>
            <input
              id={id}
              type={numeric ? 'number' : 'text'}
              step={property.type === 'integer' ? 1 : 'any'}
              min={typeof property.minimum === 'number' ? property.minimum : undefined}
              max={typeof property.maximum === 'number' ? property.maximum : undefined}
              value={typeof values[name] === 'string' ? values[name] : ''}
              onChange={(event) => onChange({ ...values, [name]: event.target.value })}
            />
          </div>
        );
      })}
    </details>
  );
}

function parameterObject(schema: JsonSchema, values: ParameterValues): Record<string, unknown> {
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const result: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values)) {
    const type = properties[name]?.type;
    if (value === '' || value === false) continue;
    result[name] = type === 'number' || type === 'integer' ? Number(value) : value;
  }
  return result;
}

function ImageInput({ file, onFile }: { file: File | null; onFile: (file: File) => void }) {
  const { t } = useI18n();
  const [preview, setPreview] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  useEffect(() => {
    if (!file) return;
    const url = URL.createObjectURL(file);
    setPreview(url);
    return () => URL.revokeObjectURL(url);
  }, [file]);
  const take = (files: FileList | null | undefined) => {
    const image = Array.from(files ?? []).find((candidate) => candidate.type.startsWith('image/'));
    if (image) onFile(image);
  };
  const drop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    take(event.dataTransfer.files);
  };
  const paste = (event: ClipboardEvent) => take(event.clipboardData.files);
  return (
    <div
      className={dragging ? 'drop-zone dragging' : 'drop-zone'}
      onDragOver={(event) => {
        event.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={drop}
      onPaste={paste}
      tabIndex={0}
      aria-label={t.dropImage}
    >
      <label htmlFor="try-image" className="drop-label">
        {t.dropImage}
      </label>
      <input id="try-image" type="file" accept="image/*" onChange={(event) => take(event.target.files)} />
      {preview && file && <img src={preview} alt={file.name} className="preview" />}
    </div>
  );
}

function exampleText(task: TaskDetail): string {
  const example = task.example?.input;
  if (typeof example === 'string' && !/^(https?:|data:)/.test(example) && example.length < 2000 && inputKind(task.input) === 'text') return example;
  if (inputKind(task.input) === 'json' && example !== undefined) return JSON.stringify(example, null, 2);
  return '';
}

function TryItForm({ repo, task }: { repo: string; task: TaskDetail }) {
  const { t } = useI18n();
  const kind = inputKind(task.input);
  const [text, setText] = useState(() => exampleText(task));
  const [file, setFile] = useState<File | null>(null);
  const [parameters, setParameters] = useState<ParameterValues>({});
  const [running, setRunning] = useState(false);
  const [answer, setAnswer] = useState<{ result: PipelineAnswer; image: File | null } | null>(null);
  const [error, setError] = useState<unknown>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    let input: unknown;
    if (kind === 'image' || kind === 'audio') input = file;
    else if (kind === 'json') {
      try {
        input = JSON.parse(text);
      } catch (failure) {
        setError(failure);
        return;
      }
    } else input = text;
    if (input === null || input === '') {
      setError(new Error(t.chooseInputFirst));
      return;
    }
    setRunning(true);
    try {
      const result = await runPipeline(repo, input, parameterObject(task.parameters, parameters));
      setAnswer({ result, image: kind === 'image' ? file : null });
    } catch (failure) {
      setError(failure);
    } finally {
      setRunning(false);
    }
  };

  return (
    <div className="try-it" data-testid="try-it">
      <form onSubmit={(event) => void submit(event)} className="try-form">
        <p className="muted">
          {taskTitle(task, 'zh')} · {task.title} — {task.description}
        </p>
        {kind === 'text' && (
          <div className="field">
            <label htmlFor="try-text">{t.inputText}</label>
            <textarea id="try-text" rows={4} value={text} onChange={(event) => setText(event.target.value)} />
          </div>
        )}
        {kind === 'json' && (
          <div className="field">
            <label htmlFor="try-json">{t.inputJson}</label>
            <textarea id="try-json" rows={6} className="code" value={text} onChange={(event) => setText(event.target.value)} />
          </div>
        )}
        {kind === 'image' && <ImageInput file={file} onFile={setFile} />}
        {kind === 'audio' && (
          <div className="field">
            <label htmlFor="try-audio">{t.inputAudio}</label>
            <input id="try-audio" type="file" accept="audio/*,.wav" onChange={(event) => setFile(event.target.files?.[0] ?? null)} />
          </div>
        )}
        <ParametersFields schema={task.parameters} values={parameters} onChange={setParameters} />
        <button type="submit" className="button" disabled={running} data-testid="run">
          {running ? t.running : t.run}
        </button>
      </form>
      {running && <Loading label={t.running} />}
      {error !== null && <ErrorMessage error={error} />}
      {answer && !running && <ResultView answer={answer.result} image={answer.image} />}
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
  return <TryItForm repo={repo} task={detail.value} />;
}
