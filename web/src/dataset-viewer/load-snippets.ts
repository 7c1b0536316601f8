// "Load this dataset": the Hugging Face `datasets` and ModelScope `MsDataset` calls for the split on
// screen, with this server as the endpoint, and the viewer API itself over plain HTTP.
/** The shape SnippetBlock (web/src/repo/use-snippets.tsx) shows. */
export interface Snippet {
  id: string;
  title: string;
  code: string;
}

const py = (value: string) => `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export function loadSnippets(origin: string, repo: string, config: string, split: string): Snippet[] {
  const url = new URL(origin);
  const namedConfig = config && config !== 'default';
  const modelScope = ['# pip install modelscope', 'import os', `os.environ['MODELSCOPE_DOMAIN'] = ${py(url.host)}`];
  // The ModelScope SDK puts https:// in front of MODELSCOPE_DOMAIN (see use-snippets.tsx): say so
  // rather than show a snippet that silently fails over plain http.
  if (url.protocol !== 'https:') modelScope.push('# MsDataset reaches MODELSCOPE_DOMAIN over https://: serve Moda behind TLS for this one');
  return [
    {
      id: 'datasets',
      title: 'Python · datasets',
      code: [
        '# pip install datasets',
        'import os',
        `os.environ['HF_ENDPOINT'] = ${py(origin)}`,
        'from datasets import load_dataset',
        '',
        `ds = load_dataset(${[py(repo), ...(namedConfig ? [py(config)] : []), `split=${py(split)}`].join(', ')})`,
      ].join('\n'),
    },
    {
      id: 'msdatasets',
      title: 'Python · ModelScope MsDataset',
      code: [...modelScope, 'from modelscope.msdatasets import MsDataset', '', `ds = MsDataset.load(${[py(repo), ...(namedConfig ? [`subset_name=${py(config)}`] : []), `split=${py(split)}`].join(', ')})`].join('\n'),
    },
    {
      id: 'datasets-server',
      title: 'HTTP · dataset viewer API',
      code: [
        `curl '${origin}/datasets-server/rows?${new URLSearchParams({ dataset: repo, config, split, offset: '0', length: '10' }).toString()}'`,
        '',
        `curl -X POST ${origin}/datasets-server/sql \\`,
        `  -H 'content-type: application/json' \\`,
        `  -d '${JSON.stringify({ dataset: repo, query: `SELECT count(*) FROM "${split}"` }).replace(/'/g, "'\\''")}'`,
      ].join('\n'),
    },
  ];
}
