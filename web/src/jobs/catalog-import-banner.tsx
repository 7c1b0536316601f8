// On the home page while the starter catalog is being imported (a new hub's first minutes): the
// import job's progress from /healthz, so a visitor knows why the model list is still short.
import { useEffect, useState } from 'react';
import { apiJson } from '../api.js';
import { useI18n } from '../i18n.js';
import { JobProgress } from './job-progress.js';
import { JOBS_TEXT } from './jobs-text.js';

interface StarterCatalog {
  state: 'off' | 'importing' | 'done' | 'failed';
  job_id: string | null;
  progress: { fraction: number | null; message: string | null } | null;
}

const POLL_MS = 1000;

export function CatalogImportBanner({ onDone }: { onDone?: () => void }) {
  const { language } = useI18n();
  const text = JOBS_TEXT[language];
  const [catalog, setCatalog] = useState<StarterCatalog | null>(null);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let wasImporting = false;
    const poll = async () => {
      try {
        const health = await apiJson<{ starter_catalog?: StarterCatalog }>('/healthz');
        if (stopped || !health.starter_catalog) return;
        setCatalog(health.starter_catalog);
        if (health.starter_catalog.state === 'importing') {
          wasImporting = true;
          timer = setTimeout(() => void poll(), POLL_MS);
        } else if (wasImporting) onDone?.();
      } catch {
        // The banner is a courtesy: a failed poll tries again later.
        if (!stopped) timer = setTimeout(() => void poll(), POLL_MS * 5);
      }
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [onDone]);
  if (!catalog || (catalog.state !== 'importing' && catalog.state !== 'failed')) return null;
  return (
    <section className="catalog-import" data-testid="catalog-import" data-state={catalog.state} aria-live="polite">
      <span>{catalog.state === 'importing' ? text.catalogImporting : text.catalogFailed}</span>
      {catalog.state === 'importing' && <JobProgress job={{ progress: catalog.progress ?? { fraction: null, message: null } }} />}
    </section>
  );
}
