// The Fine-tune button: on a dataset page it opens the tune form with that dataset; on a model page
// it shows only when some method can build on a base model (GET /api/v1/tune-methods says which).
import { apiJson } from '../api.js';
import { useAsync } from '../async-state.js';
import { useI18n } from '../i18n.js';
import { Link } from '../router.js';
import { TUNE_TEXT } from './tune-text.js';

export function FineTuneButton({ type, repo }: { type: 'model' | 'dataset'; repo: string }) {
  const { language } = useI18n();
  const text = TUNE_TEXT[language];
  const [methods] = useAsync((signal) => (type === 'model' ? apiJson<{ methods: { base_model: string }[] }>('/api/v1/tune-methods', { signal }) : Promise.resolve({ methods: [] })), [type]);
  const takesBase = methods.status === 'done' && methods.value.methods.some((method) => method.base_model !== 'none');
  if (type === 'model' && !takesBase) return null;
  const href = type === 'dataset' ? `/tune?dataset=${encodeURIComponent(repo)}` : `/tune?base_model=${encodeURIComponent(repo)}`;
  return (
    <Link className="button fine-tune-button" href={href} data-testid="fine-tune">
      {text.fineTune}
    </Link>
  );
}
