// "Use this model": ready-to-paste snippets for this repo, with this server's URL filled in.
import { useState } from 'react';
import { useI18n } from '../i18n.js';

export function snippetsFor(origin: string, repo: string, task: string | undefined): { title: string; code: string }[] {
  const taskName = task ?? 'TASK';
  return [
    {
      title: 'TypeScript',
      code: `import { pipeline } from 'moda';\n// MODA_ENDPOINT=${origin}\nconst run = await pipeline('${taskName}', '${repo}');\nconst output = await run(input);`,
    },
    { title: 'CLI', code: `MODA_ENDPOINT=${origin} moda run ${repo} <input>` },
    {
      title: 'curl',
      code: `curl -X POST ${origin}/api/v1/models/${repo}/pipeline \\\n  -H 'content-type: application/json' \\\n  -d '{"input": "…"}'`,
    },
    { title: 'git', code: `git clone ${origin}/${repo}.git` },
  ];
}

function Snippet({ title, code }: { title: string; code: string }) {
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
    <div className="snippet">
      <div className="snippet-head">
        <h3>{title}</h3>
        <button type="button" className="link-button" onClick={copy}>
          {copied ? t.copied : t.copy}
        </button>
      </div>
      <pre>
        <code>{code}</code>
      </pre>
    </div>
  );
}

export function UseSnippets({ repo, task }: { repo: string; task: string | undefined }) {
  const { t } = useI18n();
  return (
    <section className="panel" aria-labelledby="use-heading" data-testid="use-snippets">
      <h2 id="use-heading">{t.useThisModel}</h2>
      {snippetsFor(window.location.origin, repo, task).map((snippet) => (
        <Snippet key={snippet.title} {...snippet} />
      ))}
    </section>
  );
}
