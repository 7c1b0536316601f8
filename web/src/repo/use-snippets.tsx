// "Use this model/dataset": ready-to-paste snippets for this repo with this server's URL filled in —
// Moda's own pipeline, CLI and inference API, the Hugging Face and ModelScope clients pointed at
// this server, and git. Each has a copy button.
import { useState } from 'react';
import type { RepoType } from '../api.js';
import { useI18n } from '../i18n.js';
import { useBrowseText } from './browse-text.js';
import './use-snippets.css';

export interface Snippet {
  id: string;
  title: string;
  code: string;
}

/** huggingface_hub reads HF_ENDPOINT once, at import, so it is set before the import. */
function pythonHubSnippet(origin: string, type: RepoType, repo: string): string {
  const typeArgument = type === 'dataset' ? ", repo_type='dataset'" : '';
  return [
    '# pip install huggingface_hub',
    'import os',
    `os.environ['HF_ENDPOINT'] = '${origin}'`,
    'from huggingface_hub import snapshot_download',
    '',
    `path = snapshot_download('${repo}'${typeArgument})`,
  ].join('\n');
}

function jsHubSnippet(origin: string, type: RepoType, repo: string): string {
  return [
    "import { downloadFile, listFiles } from '@huggingface/hub';",
    '',
    `const repo = { type: '${type}', name: '${repo}' } as const;`,
    `const hubUrl = '${origin}';`,
    'for await (const file of listFiles({ repo, hubUrl, recursive: true })) console.log(file.path);',
    "const readme = await downloadFile({ repo, hubUrl, path: 'README.md' });",
  ].join('\n');
}

/**
 * The ModelScope SDK builds its endpoint as `https://` + MODELSCOPE_DOMAIN, so the variable alone
 * reaches a server behind https; over plain http the endpoint is passed to HubApi as well.
 */
function modelScopeSnippet(origin: string, repo: string): string {
  const url = new URL(origin);
  const lines = ['# pip install modelscope', 'import os', `os.environ['MODELSCOPE_DOMAIN'] = '${url.host}'`];
  if (url.protocol === 'https:') return [...lines, 'from modelscope import snapshot_download', '', `path = snapshot_download('${repo}')`].join('\n');
  return [
    ...lines,
    'from modelscope.hub.api import HubApi',
    '',
    '# The SDK puts https:// in front of MODELSCOPE_DOMAIN: over plain http, name the endpoint.',
    `api = HubApi(endpoint='${origin}')`,
    `files = api.get_model_files('${repo}', recursive=True)`,
  ].join('\n');
}

export function snippetsFor(origin: string, type: RepoType, repo: string, task: string | undefined): Snippet[] {
  const cloneUrl = type === 'dataset' ? `${origin}/datasets/${repo}.git` : `${origin}/${repo}.git`;
  const git: Snippet = { id: 'git', title: 'git', code: `git lfs install\ngit clone ${cloneUrl}` };
  const hubClients: Snippet[] = [
    { id: 'huggingface_hub', title: 'Python · huggingface_hub', code: pythonHubSnippet(origin, type, repo) },
    { id: 'huggingface-hub-js', title: 'JavaScript · @huggingface/hub', code: jsHubSnippet(origin, type, repo) },
  ];
  if (type === 'dataset') return [...hubClients, git];
  const taskName = task ?? 'TASK';
  return [
    {
      id: 'pipeline',
      title: 'TypeScript · Moda pipeline',
      code: `import { pipeline } from 'moda';\n// MODA_ENDPOINT=${origin}\nconst run = await pipeline('${taskName}', '${repo}');\nconst output = await run(input);`,
    },
    { id: 'cli', title: 'CLI · moda run', code: `MODA_ENDPOINT=${origin} moda run ${repo} <input>` },
    {
      id: 'curl',
      title: 'curl · inference API',
      code: `curl -X POST ${origin}/api/v1/models/${repo}/pipeline \\\n  -H 'content-type: application/json' \\\n  -d '{"input": "…"}'`,
    },
    ...hubClients,
    { id: 'modelscope', title: 'Python · ModelScope SDK', code: modelScopeSnippet(origin, repo) },
    git,
  ];
}

export function SnippetBlock({ id, title, code }: Snippet) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  const copy = () => {
    navigator.clipboard?.writeText(code).then(
      () => {
        setCopied(true);
        setTimeout(() => setCopied(false), 1500);
      },
      () => undefined,
    );
  };
  return (
    <div className="snippet" data-snippet={id}>
      <div className="snippet-head">
        <h3>{title}</h3>
        <button type="button" className="link-button" onClick={copy} aria-label={`${t.copy}: ${title}`}>
          <span aria-live="polite">{copied ? t.copied : t.copy}</span>
        </button>
      </div>
      <pre tabIndex={0}>
        <code>{code}</code>
      </pre>
    </div>
  );
}

export function UseSnippets({ type, repo, task }: { type: RepoType; repo: string; task: string | undefined }) {
  const { t } = useI18n();
  const text = useBrowseText();
  return (
    <section className="panel" aria-labelledby="use-heading" data-testid="use-snippets">
      <h2 id="use-heading">{type === 'dataset' ? text.useThisDataset : t.useThisModel}</h2>
      {snippetsFor(window.location.origin, type, repo, task).map((snippet) => (
        <SnippetBlock key={snippet.id} {...snippet} />
      ))}
    </section>
  );
}
