// One form control generated from a JSON Schema property: text, a number (with a slider for
// probabilities), a checkbox, a choice, a list (one item per line), JSON, or an image/audio input.
import { AudioInput } from './audio-input.js';
import type { Field, FieldValue, MediaValue } from './form-values.js';
import { ImageInput } from './image-input.js';
import { useTryItStrings } from './try-it-strings.js';

function Description({ id, field }: { id: string; field: Field }) {
  const description = typeof field.schema.description === 'string' ? field.schema.description : undefined;
  return description ? (
    <span id={`${id}-help`} className="try-help">
      {description}
    </span>
  ) : null;
}

function FieldLabel({ id, field, title }: { id: string; field: Field; title: string }) {
  const s = useTryItStrings();
  return (
    <label htmlFor={id}>
      {title}
      {field.required && <span className="try-required"> ({s.required})</span>}
    </label>
  );
}

export function FieldControl({ id, field, title, value, onChange }: { id: string; field: Field; title?: string | undefined; value: FieldValue; onChange: (value: FieldValue) => void }) {
  const s = useTryItStrings();
  const label = title ?? field.name;
  const describedBy = typeof field.schema.description === 'string' ? `${id}-help` : undefined;
  const control = field.control;
  const text = typeof value === 'string' ? value : '';
  switch (control.kind) {
    case 'media': {
      const media = value !== null && typeof value === 'object' ? (value as MediaValue) : null;
      return control.media === 'image' ? <ImageInput id={id} label={label} value={media} onChange={onChange} /> : <AudioInput id={id} label={label} value={media} onChange={onChange} />;
    }
    case 'boolean':
      return (
        <div className="field checkbox try-field">
          <input id={id} type="checkbox" checked={value === true} aria-describedby={describedBy} onChange={(event) => onChange(event.target.checked)} />
          <FieldLabel id={id} field={field} title={label} />
          <Description id={id} field={field} />
        </div>
      );
    case 'choice':
      return (
        <div className="field try-field">
          <FieldLabel id={id} field={field} title={label} />
          <select id={id} value={text} aria-describedby={describedBy} required={field.required} onChange={(event) => onChange(event.target.value)}>
            <option value="">—</option>
            {control.options.map((option) => (
              <option key={option} value={option}>
                {option}
              </option>
            ))}
          </select>
          <Description id={id} field={field} />
        </div>
      );
    case 'number': {
      // A probability gets a slider beside the box; the box stays for exact values and for "unset".
      const slider = !control.integer && control.minimum === 0 && control.maximum === 1;
      return (
        <div className="field try-field">
          <FieldLabel id={id} field={field} title={label} />
          <div className="try-number">
            <input
              id={id}
              type="number"
              inputMode="decimal"
              step={control.integer ? 1 : 'any'}
              min={control.minimum}
              max={control.maximum}
              value={text}
              required={field.required}
              aria-describedby={describedBy}
              onChange={(event) => onChange(event.target.value)}
            />
            {slider && <input type="range" min={0} max={1} step={0.01} value={text === '' ? 0.5 : text} className={text === '' ? 'unset' : undefined} aria-label={label} onChange={(event) => onChange(event.target.value)} />}
          </div>
          <Description id={id} field={field} />
        </div>
      );
    }
    case 'list':
      return (
        <div className="field try-field">
          <FieldLabel id={id} field={field} title={`${label} (${s.listHint})`} />
          <textarea id={id} rows={3} value={text} required={field.required} aria-describedby={describedBy} onChange={(event) => onChange(event.target.value)} />
          <Description id={id} field={field} />
        </div>
      );
    case 'json':
      return (
        <div className="field try-field">
          <FieldLabel id={id} field={field} title={label} />
          <textarea id={id} rows={6} className="code" value={text} required={field.required} aria-describedby={describedBy} spellCheck={false} onChange={(event) => onChange(event.target.value)} />
          <Description id={id} field={field} />
        </div>
      );
    default:
      return (
        <div className="field try-field">
          <FieldLabel id={id} field={field} title={label} />
          {control.multiline ? (
            <textarea id={id} rows={4} value={text} required={field.required} aria-describedby={describedBy} onChange={(event) => onChange(event.target.value)} />
          ) : (
            <input id={id} type="text" value={text} required={field.required} aria-describedby={describedBy} onChange={(event) => onChange(event.target.value)} />
          )}
          <Description id={id} field={field} />
        </div>
      );
  }
}
