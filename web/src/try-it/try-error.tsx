// A failed Try-it request, readable: what kind of failure (from the HTTP status), the server's own
// message (it names the failing JSON path for schema errors) and its stable error code.
import { ApiError } from '../api.js';
import { useI18n } from '../i18n.js';
import { FormValueError } from './form-values.js';
import { useTryItStrings } from './try-it-strings.js';

export function TryError({ error }: { error: unknown }) {
  const { t } = useI18n();
  const s = useTryItStrings();
  let title = t.error;
  const message = error instanceof Error ? error.message : String(error);
  let code: string | undefined;
  let status: number | undefined;
  if (error instanceof ApiError) {
    status = error.status;
    code = error.code;
    title = error.status === 0 ? s.networkError : (s.status[error.status] ?? s.statusOther);
  } else if (error instanceof FormValueError) {
    title = s.status[400] ?? t.error;
  }
  return (
    <div className="error try-error" role="alert" data-testid="try-error" data-status={status ?? ''} data-code={code ?? ''}>
      <strong>
        {title}
        {status ? ` (HTTP ${status})` : ''}
      </strong>
      <p data-testid="error-text">{message}</p>
      {code && (
        <p className="muted">
          <code>{code}</code>
        </p>
      )}
    </div>
  );
}
