// Models (or datasets) list: search as you type, a task filter and a sort order, kept in the URL.
import { useEffect, useState } from 'react';
import { listTasks, searchRepos } from '../api.js';
import { ErrorMessage, Loading, useAsync } from '../async-state.js';
import { taskTitle, useI18n } from '../i18n.js';
import { RepoList } from '../repo-list.js';
import { useNavigate } from '../router.js';

const SORTS = ['lastModified', 'downloads', 'likes', 'createdAt'] as const;
// Typing waits this long after the last key before searching, so each word is one request.
const SEARCH_DELAY_MS = 200;

export function ModelsPage({ type, initialSearch, initialTask, initialSort }: { type: 'model' | 'dataset'; initialSearch: string; initialTask: string; initialSort: string }) {
  const { t, language } = useI18n();
  const navigate = useNavigate();
  const [search, setSearch] = useState(initialSearch);
  const [debounced, setDebounced] = useState(initialSearch);
  const [task, setTask] = useState(initialTask);
  const [sort, setSort] = useState(initialSort);
  const [tasks] = useAsync(listTasks, []);

  useEffect(() => {
    const timer = setTimeout(() => setDebounced(search), SEARCH_DELAY_MS);
    return () => clearTimeout(timer);
  }, [search]);

  useEffect(() => {
    const query = new URLSearchParams();
    if (debounced) query.set('search', debounced);
    if (task) query.set('task', task);
    if (sort !== 'lastModified') query.set('sort', sort);
    const path = `/${type}s${query.size > 0 ? `?${query}` : ''}`;
    if (path !== window.location.pathname + window.location.search) navigate(path, { replace: true });
  }, [debounced, task, sort, type, navigate]);

  const [results, retry] = useAsync((signal) => searchRepos({ type, search: debounced, pipelineTag: task, sort, limit: 100 }, signal), [type, debounced, task, sort]);

  return (
    <div className="models-page">
      <h1>{type === 'model' ? t.models : t.datasets}</h1>
      <div className="filters">
        <div className="field grow">
          <label htmlFor="model-search">{t.searchLabel}</label>
          <input id="model-search" type="search" placeholder={t.searchPlaceholder} value={search} onChange={(event) => setSearch(event.target.value)} autoFocus />
        </div>
        <div className="field">
          <label htmlFor="task-filter">{t.taskFilter}</label>
          <select id="task-filter" value={task} onChange={(event) => setTask(event.target.value)}>
            <option value="">{t.allTasks}</option>
            {tasks.status === 'done' &&
              tasks.value.map((entry) => (
                <option key={entry.id} value={entry.id}>
                  {taskTitle(entry, language)}
                </option>
              ))}
            {tasks.status !== 'done' && task && <option value={task}>{task}</option>}
          </select>
        </div>
        <div className="field">
          <label htmlFor="sort-order">{t.sortBy}</label>
          <select id="sort-order" value={sort} onChange={(event) => setSort(event.target.value)}>
            {SORTS.map((key) => (
              <option key={key} value={key}>
                {t[`sort_${key}`]}
              </option>
            ))}
          </select>
        </div>
      </div>
      {results.status === 'loading' && <Loading />}
      {results.status === 'error' && <ErrorMessage error={results.error} onRetry={retry} />}
      {results.status === 'done' && (
        <>
          <p className="muted" aria-live="polite">
            {t.results(results.value.length)}
          </p>
          <RepoList repos={results.value} type={type} />
        </>
      )}
    </div>
  );
}
