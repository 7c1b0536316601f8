// The page header: brand, navigation (with the signed-in user's pages), language switch and the
// token sign-in form.
import { useState, type FormEvent } from 'react';
import { errorText } from './async-state.js';
import { useI18n } from './i18n.js';
import { Link } from './router.js';
import { useSession } from './session.js';

const ACCOUNT_LINKS = {
  zh: { label: '我的', newRepo: '新建仓库', deployments: '部署', jobs: '任务', tokens: '访问令牌', audit: '审计日志' },
  en: { label: 'Mine', newRepo: 'New repo', deployments: 'Deployments', jobs: 'Jobs', tokens: 'Tokens', audit: 'Audit log' },
};

/** Links to the pages of the signed-in user; nothing when signed out. */
function AccountLinks() {
  const { language } = useI18n();
  const session = useSession();
  if (!session.token) return null;
  const text = ACCOUNT_LINKS[language];
  return (
    <nav aria-label={text.label} className="account-links">
      <Link href="/new">{text.newRepo}</Link>
      <Link href="/deployments">{text.deployments}</Link>
      <Link href="/jobs">{text.jobs}</Link>
      <Link href="/settings/tokens">{text.tokens}</Link>
      {session.user?.isAdmin && <Link href="/settings/audit">{text.audit}</Link>}
    </nav>
  );
}

function SignIn() {
  const { t } = useI18n();
  const session = useSession();
  const [open, setOpen] = useState(false);
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (session.token) {
    return (
      <div className="session">
        <span className="muted" data-testid="signed-in-user">
          {t.signedInAs}
          {session.user?.name ?? '…'}
        </span>
        <button type="button" className="link-button" onClick={session.signOut}>
          {t.signOut}
        </button>
      </div>
    );
  }
  if (!open) {
    return (
      <button type="button" className="button secondary" onClick={() => setOpen(true)}>
        {t.signIn}
      </button>
    );
  }
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await session.signIn(token.trim());
      setOpen(false);
      setToken('');
    } catch (failure) {
      setError(errorText(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="sign-in" onSubmit={(event) => void submit(event)}>
      <label htmlFor="token-input" className="visually-hidden">
        {t.tokenLabel}
      </label>
      <input id="token-input" type="password" autoComplete="off" placeholder={t.tokenLabel} value={token} onChange={(event) => setToken(event.target.value)} required autoFocus />
      <button type="submit" className="button" disabled={busy}>
        {t.signIn}
      </button>
      <button type="button" className="link-button" onClick={() => setOpen(false)}>
        {t.cancel}
      </button>
      {error && (
        <span className="error-inline" role="alert">
          {error}
        </span>
      )}
    </form>
  );
}

export function Header() {
  const { t, language, setLanguage } = useI18n();
  return (
    <header className="site-header">
      <Link href="/" className="brand">
        {t.brand}
      </Link>
      <nav aria-label="main">
        <Link href="/models">{t.models}</Link>
        <Link href="/datasets">{t.datasets}</Link>
        <Link href="/leaderboards">{t.leaderboards}</Link>
      </nav>
      <AccountLinks />
      <div className="header-end">
        <button type="button" className="link-button" lang={language === 'zh' ? 'en' : 'zh'} aria-label={t.switchLanguageLabel} onClick={() => setLanguage(language === 'zh' ? 'en' : 'zh')}>
          {t.switchLanguage}
        </button>
        <SignIn />
      </div>
    </header>
  );
}
