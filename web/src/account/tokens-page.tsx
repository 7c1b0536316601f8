// `/settings/tokens`: the user's access tokens (never their secrets), a form that creates one and
// shows its secret once with a copy button, and revoking with an inline confirmation.
import { useState, type FormEvent } from 'react';
import { TOKEN_ROLES, type CreatedToken, type TokenInfo, type TokenRole } from '../../../src/client/api-types.js';
import { api } from '../api.js';
import { ErrorMessage, Loading, useAsync } from '../async-state.js';
import { useI18n } from '../i18n.js';
import { useSession } from '../session.js';
import { RequireSignIn } from './require-sign-in.js';
import './account.css';

const TEXT = {
  zh: {
    title: '访问令牌',
    intro: '令牌用于命令行、SDK 和 git 访问本站。read 只能读取，write 可以上传和部署，admin 还可以管理用户。',
    name: '名称',
    role: '权限',
    created: '创建时间',
    lastUsed: '最近使用',
    never: '从未使用',
    create: '创建令牌',
    creating: '创建中…',
    none: '还没有令牌。',
    secretTitle: (name: string) => `新令牌“${name}”已创建`,
    secretWarning: '请现在复制保存：关闭后将无法再次查看此密钥。',
    copy: '复制',
    copied: '已复制',
    copyFailed: '无法访问剪贴板，请手动选择复制。',
    dismiss: '我已保存',
    revoke: '撤销',
    confirmRevoke: (name: string) => `撤销“${name}”？使用它的程序将立即失去访问权限。`,
    confirm: '确认撤销',
    keep: '保留',
    current: '（当前登录使用）',
  },
  en: {
    title: 'Access tokens',
    intro: 'Tokens let the CLI, SDKs and git reach this hub. read can only read, write can upload and deploy, admin can also manage users.',
    name: 'Name',
    role: 'Role',
    created: 'Created',
    lastUsed: 'Last used',
    never: 'Never',
    create: 'Create token',
    creating: 'Creating…',
    none: 'No tokens yet.',
    secretTitle: (name: string) => `Token "${name}" created`,
    secretWarning: 'Copy it now: once you close this box the secret cannot be shown again.',
    copy: 'Copy',
    copied: 'Copied',
    copyFailed: 'The clipboard is not available; select the secret and copy it by hand.',
    dismiss: 'I saved it',
    revoke: 'Revoke',
    confirmRevoke: (name: string) => `Revoke "${name}"? Programs using it lose access at once.`,
    confirm: 'Yes, revoke',
    keep: 'Keep',
    current: '(used by this session)',
  },
};

function formatTime(iso: string | null, language: string): string | null {
  if (!iso) return null;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(language === 'zh' ? 'zh-CN' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}

function SecretBox({ token, onDismiss }: { token: CreatedToken; onDismiss: () => void }) {
  const { language } = useI18n();
  const text = TEXT[language];
  const [copyState, setCopyState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    try {
      // The Clipboard API exists only on secure origins; plain-http LAN hubs fall back to manual copy.
      await navigator.clipboard.writeText(token.token);
      setCopyState('copied');
    } catch {
      setCopyState('failed');
    }
  };
  return (
    <div className="secret-box" role="alert" data-testid="new-token">
      <strong>{text.secretTitle(token.name)}</strong>
      <code data-testid="token-secret">{token.token}</code>
      <p className="muted">{text.secretWarning}</p>
      <button type="button" className="button" onClick={() => void copy()}>
        {copyState === 'copied' ? text.copied : text.copy}
      </button>{' '}
      <button type="button" className="link-button" onClick={onDismiss}>
        {text.dismiss}
      </button>
      {copyState === 'failed' && <p className="error-inline">{text.copyFailed}</p>}
    </div>
  );
}

function TokenRow({ token, current, onRevoked }: { token: TokenInfo; current: boolean; onRevoked: () => void }) {
  const { language } = useI18n();
  const text = TEXT[language];
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const revoke = async () => {
    setBusy(true);
    setError(null);
    try {
      await api((client) => client.revokeToken(token.id));
      onRevoked();
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };
  return (
    <tr data-token={token.name}>
      <td>
        {token.name} {current && <span className="muted">{text.current}</span>}
      </td>
      <td>
        <span className="badge subtle">{token.role}</span>
      </td>
      <td>{formatTime(token.createdAt, language)}</td>
      <td>{formatTime(token.lastUsedAt, language) ?? <span className="muted">{text.never}</span>}</td>
      <td>
        {!confirming && (
          <button type="button" className="link-button" onClick={() => setConfirming(true)}>
            {text.revoke}
          </button>
        )}
        {confirming && (
          <span className="confirm">
            <span>{text.confirmRevoke(token.name)}</span>
            <button type="button" className="button danger" disabled={busy} onClick={() => void revoke()}>
              {text.confirm}
            </button>
            <button type="button" className="link-button" onClick={() => setConfirming(false)}>
              {text.keep}
            </button>
          </span>
        )}
        {error !== null && <ErrorMessage error={error} />}
      </td>
    </tr>
  );
}

function Tokens() {
  const { language } = useI18n();
  const text = TEXT[language];
  const session = useSession();
  const [state, reload] = useAsync(() => api((client) => client.listTokens()), [session.token]);
  const [name, setName] = useState('');
  const [role, setRole] = useState<TokenRole>('read');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<CreatedToken | null>(null);
  // whoami names the session's token; names need not be unique, so this is a hint, not an identity.
  const currentName = session.user?.auth.accessToken.displayName;

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setCreated(await api((client) => client.createToken({ name: name.trim(), role })));
      setName('');
      reload();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <p className="muted">{text.intro}</p>
      <form className="panel account-form" onSubmit={(event) => void create(event)} aria-label={text.create}>
        <div className="field grow">
          <label htmlFor="token-name">{text.name}</label>
          <input id="token-name" value={name} maxLength={100} required onChange={(event) => setName(event.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="token-role">{text.role}</label>
          <select id="token-role" value={role} onChange={(event) => setRole(event.target.value as TokenRole)}>
            {TOKEN_ROLES.map((candidate) => (
              <option key={candidate} value={candidate}>
                {candidate}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="button" disabled={busy || name.trim() === ''}>
          {busy ? text.creating : text.create}
        </button>
      </form>
      {error !== null && <ErrorMessage error={error} />}
      {created && <SecretBox token={created} onDismiss={() => setCreated(null)} />}
      {state.status === 'loading' && <Loading />}
      {state.status === 'error' && <ErrorMessage error={state.error} onRetry={reload} />}
      {state.status === 'done' && state.value.length === 0 && <p className="muted">{text.none}</p>}
      {state.status === 'done' && state.value.length > 0 && (
        <table className="data-table" data-testid="tokens">
          <thead>
            <tr>
              <th>{text.name}</th>
              <th>{text.role}</th>
              <th>{text.created}</th>
              <th>{text.lastUsed}</th>
              <th>
                <span className="visually-hidden">{text.revoke}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {state.value.map((token) => (
              <TokenRow key={token.id} token={token} current={token.name === currentName} onRevoked={reload} />
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

export default function TokensPage() {
  const { language } = useI18n();
  return (
    <div className="account-page">
      <h1>{TEXT[language].title}</h1>
      <RequireSignIn>
        <Tokens />
      </RequireSignIn>
    </div>
  );
}
