// Home: a search box, the task catalog grouped by modality with model counts, and the models
// updated most recently.
import { useCallback, useState, type FormEvent } from 'react';
import { listTasks, searchRepos, taskCounts, type TaskSummary } from '../api.js';
import { ErrorMessage, Loading, useAsync } from '../async-state.js';
import { taskTitle, useI18n, type Messages } from '../i18n.js';
import { CatalogImportBanner } from '../jobs/catalog-import-banner.js';
import { RepoList } from '../repo-list.js';
import { Link, useNavigate } from '../router.js';

const MODALITIES = ['nlp', 'vision', 'audio', 'multimodal'] as const;
// The server stops counting here (it would only slow the home page); a count of it shows "100+".
const COUNT_LIMIT = 100;

interface TaskWithCount extends TaskSummary {
  count: number;
}

async function tasksWithCounts(signal: AbortSignal): Promise<TaskWithCount[]> {
  const [tasks, counts] = await Promise.all([listTasks(signal), taskCounts(COUNT_LIMIT, signal)]);
  return tasks.map((task) => ({ ...task, count: counts[task.id] ?? 0 }));
}

function modalityName(t: Messages, modality: string): string {
  const key = `modality_${modality}` as keyof Messages;
  const name = t[key];
  return typeof name === 'string' ? name : modality;
}

export function HomePage() {
  const { t, language } = useI18n();
  const navigate = useNavigate();
  const [query, setQuery] = useState('');
  const [tasks, retryTasks] = useAsync(tasksWithCounts, []);
  const [recent, retryRecent] = useAsync((signal) => searchRepos({ sort: 'lastModified', limit: 8 }, signal), []);

  // When the starter import ends, the counts and the recent models it added are loaded again.
  const importDone = useCallback(() => {
    retryTasks();
    retryRecent();
  }, [retryTasks, retryRecent]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    navigate(`/models?search=${encodeURIComponent(query.trim())}`);
  };

  return (
    <div className="home">
      <CatalogImportBanner onDone={importDone} />
      <section className="hero">
        <h1>{t.heroTitle}</h1>
        <p>{t.heroText}</p>
        <form role="search" onSubmit={submit} className="search-form">
          <label htmlFor="home-search" className="visually-hidden">
            {t.searchLabel}
          </label>
          <input id="home-search" type="search" placeholder={t.searchPlaceholder} value={query} onChange={(event) => setQuery(event.target.value)} />
          <button type="submit" className="button">
            {t.searchLabel}
          </button>
        </form>
      </section>
      <div className="home-columns">
        <section aria-labelledby="tasks-heading">
          <h2 id="tasks-heading">{t.tasksByModality}</h2>
          {tasks.status === 'loading' && <Loading />}
          {tasks.status === 'error' && <ErrorMessage error={tasks.error} onRetry={retryTasks} />}
          {tasks.status === 'done' &&
            MODALITIES.map((modality) => {
              const inModality = tasks.value.filter((task) => task.modality === modality);
              if (inModality.length === 0) return null;
              return (
                <div key={modality} className="modality">
                  <h3>{modalityName(t, modality)}</h3>
                  <ul className="task-grid">
                    {inModality.map((task) => (
                      <li key={task.id}>
                        <Link href={`/tasks/${task.id}`} className={task.count > 0 ? 'task-chip' : 'task-chip empty'} title={task.description}>
                          <span>{taskTitle(task, language)}</span>
                          <span className="count">{t.modelCount(task.count >= COUNT_LIMIT ? `${COUNT_LIMIT}+` : String(task.count))}</span>
                        </Link>
                      </li>
                    ))}
                  </ul>
                </div>
              );
            })}
        </section>
        <section aria-labelledby="recent-heading">
          <h2 id="recent-heading">{t.recentlyUpdated}</h2>
          {recent.status === 'loading' && <Loading />}
          {recent.status === 'error' && <ErrorMessage error={recent.error} onRetry={retryRecent} />}
          {recent.status === 'done' && <RepoList repos={recent.value} type="model" />}
        </section>
      </div>
    </div>
  );
}
