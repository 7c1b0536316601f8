// Entry point: mounts the app shell (header, language switch, sign-in) and the page for the URL.
import { lazy, StrictMode, Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { initialLanguage, LanguageContext, MESSAGES, type Language } from './i18n.js';
import { NavigateContext, parseLocation } from './router.js';
import { Header } from './header.js';
import { HomePage } from './pages/home-page.js';
import { ModelsPage } from './pages/models-page.js';
import { RepoPage } from './pages/repo-page.js';
import { loadCardRenderer } from './repo/model-card.js';
import { SessionContext, useSessionState } from './session.js';
import { Loading } from './async-state.js';
import { forgetEarlyFetches } from './early-fetch.js';
import './styles.css';

// The signed-in user's pages load on demand: most visitors never open them, and the deployments
// page carries the chart code, so the first page stays small.
const NewRepoPage = lazy(() => import('./account/new-repo-page.js'));
const TokensPage = lazy(() => import('./account/tokens-page.js'));
const AuditPage = lazy(() => import('./account/audit-page.js'));
const DeploymentsPage = lazy(() => import('./deployments/deployments-page.js'));
const JobsPage = lazy(() => import('./jobs/jobs-page.js'));
const LeaderboardsPage = lazy(() => import('./leaderboards/leaderboards-page.js'));
const TunePage = lazy(() => import('./tuning/tune-page.js'));

function App() {
  const [language, setLanguageState] = useState<Language>(initialLanguage);
  const [route, setRoute] = useState(() => parseLocation(window.location));
  const session = useSessionState();

  useEffect(() => {
    const onPop = () => {
      forgetEarlyFetches();
      setRoute(parseLocation(window.location));
    };
    window.addEventListener('popstate', onPop);
    return () => window.removeEventListener('popstate', onPop);
  }, []);

  const navigate = useCallback((to: string, options: { replace?: boolean } = {}) => {
    forgetEarlyFetches();
    if (options.replace) window.history.replaceState(null, '', to);
    else window.history.pushState(null, '', to);
    setRoute(parseLocation(window.location));
    if (!options.replace) window.scrollTo(0, 0);
  }, []);

  const i18n = useMemo(
    () => ({
      language,
      t: MESSAGES[language],
      setLanguage: (next: Language) => {
        localStorage.setItem('moda.language', next);
        setLanguageState(next);
      },
    }),
    [language],
  );
  useEffect(() => {
    document.documentElement.lang = language === 'zh' ? 'zh-CN' : 'en';
  }, [language]);

  let page;
  switch (route.page) {
    case 'home':
      page = <HomePage />;
      break;
    case 'models':
      page = <ModelsPage key={route.type} type={route.type} initialSearch={route.search} initialTask={route.task} initialSort={route.sort} />;
      break;
    case 'task':
      page = <ModelsPage key="model" type="model" initialSearch="" initialTask={route.task} initialSort="lastModified" />;
      break;
    case 'repo':
      page = <RepoPage key={`${route.type}:${route.repo}:${session.token ?? ''}`} type={route.type} repo={route.repo} tab={route.tab} view={route.view} />;
      break;
    case 'new-repo':
      page = <NewRepoPage key={session.token ?? ''} />;
      break;
    case 'tokens':
      page = <TokensPage />;
      break;
    case 'audit':
      page = <AuditPage />;
      break;
    case 'deployments':
      page = <DeploymentsPage />;
      break;
    case 'jobs':
      page = <JobsPage />;
      break;
    case 'leaderboards':
      page = <LeaderboardsPage key={`${route.benchmark ?? ''}:${session.token ?? ''}`} {...(route.benchmark && { benchmark: route.benchmark })} />;
      break;
    case 'tune':
      page = <TunePage key={`${window.location.search}:${session.token ?? ''}`} />;
      break;
    default:
      page = <p className="error">{i18n.t.notFoundPage}</p>;
  }

  return (
    <LanguageContext.Provider value={i18n}>
      <NavigateContext.Provider value={navigate}>
        <SessionContext.Provider value={session}>
          <a className="skip-link" href="#main">
            {i18n.t.brand}
          </a>
          <Header />
          <main id="main" tabIndex={-1}>
            <Suspense fallback={<Loading />}>{page}</Suspense>
          </main>
        </SessionContext.Provider>
      </NavigateContext.Provider>
    </LanguageContext.Provider>
  );
}

// Opened on a repo page, the card's renderer (which index.html preloads) runs with the app, so it
// is ready when the card's data is rather than loading after the page's first render.
if (parseLocation(window.location).page === 'repo') void loadCardRenderer();

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
