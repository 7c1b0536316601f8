// The repo page: the rendered model card with its metadata, files and versions (folders, files,
// branches and tags, history, commits), "Use this model" snippets and, for a model with a task, the
// Try-it form; a dataset has the Dataset viewer tab instead. The tab is kept in the URL's hash; a
// files view (/tree/, /blob/, /commits/, /commit/) is kept in its path and opens the files tab.
import { readme, repoInfo, type RepoInfo, type RepoType } from '../api.js';
import { ErrorMessage, formatDate, Loading, useAsync } from '../async-state.js';
import { useI18n } from '../i18n.js';
import { lazy, Suspense, useState } from 'react';
import { useSession } from '../session.js';
import { loadCardRenderer, MetadataPanel, ModelCard } from '../repo/model-card.js';
import { UseSnippets } from '../repo/use-snippets.js';
import { useViewerText } from '../dataset-viewer/viewer-text.js';
import { repoPath, useNavigate, type RepoView } from '../router.js';
import { FineTuneButton } from '../tuning/fine-tune-button.js';
import { LineagePanel } from '../tuning/lineage-panel.js';

// The parts behind a tab or a sign-in load on demand, so opening a repo's card (and the home page,
// which shares the bundle) does not parse and run them: they are about a third of the app's own code.
const RepoFiles = lazy(() => import('../repo/repo-files.js').then((module) => ({ default: module.RepoFiles })));
const TryIt = lazy(() => import('../try-it/try-it.js').then((module) => ({ default: module.TryIt })));
const DatasetViewer = lazy(() => import('../dataset-viewer/dataset-viewer.js').then((module) => ({ default: module.DatasetViewer })));
const EditCard = lazy(() => import('../repo/manage-repo.js').then((module) => ({ default: module.EditCard })));
const UploadFiles = lazy(() => import('../repo/manage-repo.js').then((module) => ({ default: module.UploadFiles })));
const EvaluatePanel = lazy(() => import('../evaluation/evaluate-panel.js').then((module) => ({ default: module.EvaluatePanel })));
const LeaderboardView = lazy(() => import('../leaderboards/leaderboard-view.js').then((module) => ({ default: module.LeaderboardView })));
const ModelResults = lazy(() => import('../leaderboards/model-results.js').then((module) => ({ default: module.ModelResults })));

interface RepoData {
  info: RepoInfo;
  card: string | null;
}

async function loadRepo(type: RepoType, repo: string, signal: AbortSignal): Promise<RepoData> {
  const info = await repoInfo(type, repo, signal);
  // Pinned to the commit the info named, so the card matches the metadata shown beside it.
  const card = await readme(type, repo, info.sha, signal);
  return { info, card };
}

/** The card's pipeline_tag; a GGUF repo without one is text generation, llama.cpp's task for it. */
function taskOf(info: RepoInfo): string | undefined {
  return info.pipeline_tag ?? (info.tags.includes('gguf') ? 'text-generation' : undefined);
}
const TABS = ['card', 'viewer', 'leaderboard', 'files', 'try'] as const;
type Tab = (typeof TABS)[number];

// `view` (a folder, file, history or commit from the URL) is shown by the files tab.
export function RepoPage({ type, repo, tab, view }: { type: RepoType; repo: string; tab: string; view?: RepoView | undefined }) {
  const { t, language } = useI18n();
  const viewerText = useViewerText();
  const navigate = useNavigate();
  const session = useSession();
  const [editing, setEditing] = useState(false);
  const [state, retry] = useAsync((signal) => loadRepo(type, repo, signal), [type, repo]);
  // The card's renderer loads while the repo's data is on its way rather than after it.
  void loadCardRenderer();
  const committed = () => {
    setEditing(false);
    retry();
  };
  const current: Tab = view ? 'files' : (TABS as readonly string[]).includes(tab) ? (tab as Tab) : 'card';
  const tabLabel: Record<Tab, string> = { card: t.modelCard, viewer: viewerText.tab, leaderboard: t.leaderboards, files: t.files, try: t.tryIt };
  // A dataset with eval.yaml at its root is a benchmark: its leaderboard gets a tab.
  const isBenchmark = state.status === 'done' && type === 'dataset' && (state.value.info.siblings ?? []).some((file) => file.rfilename === 'eval.yaml');

  return (
    <div className="repo-page">
      <h1 className="repo-title">
        <span className="muted">{repo.split('/')[0]} / </span>
        {repo.split('/')[1]}
      </h1>
      {state.status === 'loading' && <Loading />}
      {state.status === 'error' && <ErrorMessage error={state.error} onRetry={retry} />}
      {state.status === 'done' && (
        <>
          <div className="repo-meta">
            {state.value.info.private && <span className="badge private">{t.privateRepo}</span>}
            {state.value.info.pipeline_tag && <span className="badge">{state.value.info.pipeline_tag}</span>}
            {state.value.info.tags
              .filter((tag) => tag !== state.value.info.pipeline_tag)
              .map((tag) => (
                <span key={tag} className="badge subtle">
                  {tag}
                </span>
              ))}
            <span className="muted">
              {t.updated} {formatDate(state.value.info.lastModified, language)} · <code title={state.value.info.sha}>{state.value.info.sha.slice(0, 10)}</code>
            </span>
          </div>
          <div role="tablist" className="tabs" aria-label={repo}>
            {TABS.filter((key) => (key === 'try' ? type === 'model' : key === 'viewer' ? type === 'dataset' : key === 'leaderboard' ? isBenchmark : true)).map((key) => (
              <button key={key} type="button" role="tab" id={`tab-${key}`} aria-selected={current === key} aria-controls="repo-panel" onClick={() => navigate(`${repoPath(type, repo)}${key === 'card' ? '' : `#${key}`}`, { replace: !view })}>
                {tabLabel[key]}
              </button>
            ))}
          </div>
          {/* The viewer's table takes the full width; the side panels go below it. */}
          <div className={current === 'viewer' ? 'repo-columns repo-columns-wide' : 'repo-columns'}>
            <div id="repo-panel" role="tabpanel" aria-labelledby={`tab-${current}`} className="repo-main">
              <Suspense fallback={<Loading />}>
                {current === 'card' && editing && <EditCard type={type} repo={repo} markdown={state.value.card ?? `# ${repo}\n`} onCommitted={committed} onCancel={() => setEditing(false)} />}
                {current === 'card' && !editing && (
                  <>
                    {session.token && (
                      <button type="button" className="button secondary edit-button" onClick={() => setEditing(true)}>
                        {t.editCard}
                      </button>
                    )}
                    <ModelCard markdown={state.value.card} />
                  </>
                )}
                {current === 'files' && <RepoFiles type={type} repo={repo} headSha={state.value.info.sha} view={view} />}
                {current === 'try' && <TryIt repo={repo} task={taskOf(state.value.info)} />}
                {current === 'viewer' && type === 'dataset' && <DatasetViewer repo={repo} revision={state.value.info.sha} isPrivate={state.value.info.private} />}
                {current === 'leaderboard' && isBenchmark && <LeaderboardView id={repo} />}
              </Suspense>
            </div>
            <aside className="repo-side">
              <UseSnippets type={type} repo={repo} task={taskOf(state.value.info)} />
              {session.token && <FineTuneButton type={type} repo={repo} />}
              {type === 'model' && (
                <Suspense fallback={null}>
                  <EvaluatePanel model={repo} />
                </Suspense>
              )}
              {session.token && (
                <Suspense fallback={null}>
                  <UploadFiles type={type} repo={repo} onCommitted={committed} />
                </Suspense>
              )}
              {type === 'model' && (
                <Suspense fallback={null}>
                  <ModelResults repo={repo} />
                </Suspense>
              )}
              <MetadataPanel cardData={state.value.info.cardData} />
              {type === 'model' && <LineagePanel repo={repo} cardData={state.value.info.cardData} />}
            </aside>
          </div>
        </>
      )}
    </div>
  );
}
