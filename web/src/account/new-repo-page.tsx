// `/new`: create a model or dataset repo under the user or one of their orgs. The name is checked
// as the user types with the hub's own rule (isValidNamePart, src/hub/paths.ts), each broken rule
// named; the server's answer (name taken, no right to the org) is shown in words, then the new repo opens.
import { useState, type FormEvent } from 'react';
import { isValidNamePart } from '../../../src/hub/paths.js';
import { api, ApiError, type RepoType } from '../api.js';
import { ErrorMessage } from '../async-state.js';
import { useI18n, type Language } from '../i18n.js';
import { repoPath, useNavigate } from '../router.js';
import { useSession } from '../session.js';
import { RequireSignIn } from './require-sign-in.js';
import './account.css';

const LICENSES = ['apache-2.0', 'mit', 'bsd-3-clause', 'gpl-3.0', 'lgpl-3.0', 'cc-by-4.0', 'cc-by-sa-4.0', 'cc-by-nc-4.0', 'openrail', 'llama3', 'other'];

const TEXT = {
  zh: {
    title: '新建仓库',
    type: '类型',
    model: '模型',
    dataset: '数据集',
    owner: '所有者',
    name: '名称',
    rules: '字母、数字、“-”、“_”、“.”，以字母或数字开头，最多 96 个字符。',
    visibility: '私有（只有你和组织成员可见）',
    license: '许可证',
    noLicense: '（不指定）',
    create: '创建仓库',
    creating: '创建中…',
    problems: {
      empty: '请输入名称',
      tooLong: '最多 96 个字符',
      start: '必须以字母或数字开头',
      chars: '只能包含字母、数字、“-”、“_”和“.”',
      doubles: '不能包含“--”或“..”',
      end: '不能以“.”、“-”或“.git”结尾',
      other: '名称不符合规则',
    },
    errors: {
      HUB_REPO_EXISTS: (repo: string) => `${repo} 已存在，请换一个名称。`,
      REPO_NAME_INVALID: () => '名称不符合规则。',
      AUTH_FORBIDDEN: (repo: string) => `你没有在 ${repo.split('/')[0]} 下创建仓库的权限（需要写权限的令牌和该组织的写权限）。`,
    } as Record<string, (repo: string) => string>,
  },
  en: {
    title: 'Create a new repo',
    type: 'Type',
    model: 'Model',
    dataset: 'Dataset',
    owner: 'Owner',
    name: 'Name',
    rules: 'Letters, digits, "-", "_" and "."; starts with a letter or digit; at most 96 characters.',
    visibility: 'Private (only you and members of the organization can see it)',
    license: 'License',
    noLicense: '(none)',
    create: 'Create repo',
    creating: 'Creating…',
    problems: {
      empty: 'Enter a name',
      tooLong: 'At most 96 characters',
      start: 'Must start with a letter or digit',
      chars: 'Only letters, digits, "-", "_" and "." are allowed',
      doubles: 'No "--" or ".."',
      end: 'Cannot end with ".", "-" or ".git"',
      other: 'This name breaks the naming rules',
    },
    errors: {
      HUB_REPO_EXISTS: (repo: string) => `${repo} already exists; choose another name.`,
      REPO_NAME_INVALID: () => 'The name breaks the naming rules.',
      AUTH_FORBIDDEN: (repo: string) => `You may not create repos under ${repo.split('/')[0]} (it takes a write token and write rights in the organization).`,
    } as Record<string, (repo: string) => string>,
  },
};

/** Which of the hub's naming rules `name` breaks, in words; null when the hub accepts it. */
export function nameProblem(name: string, language: Language): string | null {
  if (isValidNamePart(name)) return null;
  const problems = TEXT[language].problems;
  if (name === '') return problems.empty;
  if (name.length > 96) return problems.tooLong;
  if (!/^[A-Za-z0-9]/.test(name)) return problems.start;
  if (/[^A-Za-z0-9._-]/.test(name)) return problems.chars;
  if (name.includes('--') || name.includes('..')) return problems.doubles;
  if (name.endsWith('.') || name.endsWith('-') || name.endsWith('.git')) return problems.end;
  return problems.other;
}

function NewRepoForm() {
  const { language } = useI18n();
  const text = TEXT[language];
  const session = useSession();
  const navigate = useNavigate();
  const user = session.user;
  // Organizations where the user may create repos; read-only members may not.
  const owners = user ? [user.name, ...user.orgs.filter((org) => org.roleInOrg !== 'read').map((org) => org.name)] : [];
  const [type, setType] = useState<RepoType>('model');
  const [owner, setOwner] = useState('');
  const [name, setName] = useState('');
  const [touched, setTouched] = useState(false);
  const [isPrivate, setPrivate] = useState(false);
  const [license, setLicense] = useState('apache-2.0');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const chosenOwner = owner || owners[0] || '';
  const problem = nameProblem(name, language);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (problem || !chosenOwner) return;
    const repo = `${chosenOwner}/${name}`;
    setBusy(true);
    setError(null);
    try {
      const created = await api((client) => client.createRepo(repo, { type, private: isPrivate, ...(license && { license }) }));
      navigate(repoPath(type, created.name));
    } catch (failure) {
      const readable = failure instanceof ApiError && failure.code ? text.errors[failure.code] : undefined;
      setError(readable ? new ApiError(readable(repo), failure instanceof ApiError ? failure.status : 400, (failure as ApiError).code) : failure);
      setBusy(false);
    }
  };

  return (
    <form className="panel stack-form" onSubmit={(event) => void submit(event)} noValidate aria-labelledby="new-repo-title">
      <fieldset className="type-choice">
        <legend>{text.type}</legend>
        {(['model', 'dataset'] as const).map((choice) => (
          <label key={choice}>
            <input type="radio" name="repo-type" value={choice} checked={type === choice} onChange={() => setType(choice)} /> {text[choice]}
          </label>
        ))}
      </fieldset>
      <div className="field">
        <label htmlFor="repo-name">
          {text.owner} / {text.name}
        </label>
        <div className="name-row">
          <select aria-label={text.owner} value={chosenOwner} onChange={(event) => setOwner(event.target.value)}>
            {owners.map((candidate) => (
              <option key={candidate} value={candidate}>
                {candidate}
              </option>
            ))}
          </select>
          <span aria-hidden="true">/</span>
          <input
            id="repo-name"
            value={name}
            autoComplete="off"
            spellCheck={false}
            aria-invalid={touched && problem !== null}
            aria-describedby="repo-name-rules repo-name-problem"
            onChange={(event) => {
              setName(event.target.value);
              setTouched(true);
            }}
          />
        </div>
        <p id="repo-name-rules" className="field-hint">
          {text.rules}
        </p>
        <p id="repo-name-problem" className="field-problem" data-testid="name-problem" aria-live="polite">
          {touched && problem}
        </p>
      </div>
      <div className="field checkbox">
        <input id="repo-private" type="checkbox" checked={isPrivate} onChange={(event) => setPrivate(event.target.checked)} />
        <label htmlFor="repo-private">{text.visibility}</label>
      </div>
      <div className="field">
        <label htmlFor="repo-license">{text.license}</label>
        <select id="repo-license" value={license} onChange={(event) => setLicense(event.target.value)}>
          <option value="">{text.noLicense}</option>
          {LICENSES.map((id) => (
            <option key={id} value={id}>
              {id}
            </option>
          ))}
        </select>
      </div>
      <button type="submit" className="button" disabled={busy || !user}>
        {busy ? text.creating : text.create}
      </button>
      {error !== null && <ErrorMessage error={error} />}
    </form>
  );
}

export default function NewRepoPage() {
  const { language } = useI18n();
  return (
    <div className="account-page">
      <h1 id="new-repo-title">{TEXT[language].title}</h1>
      <RequireSignIn>
        <NewRepoForm />
      </RequireSignIn>
    </div>
  );
}
