// The branch/tag picker of the files and history views. A revision that is neither (a commit id,
// or `main` naming a default branch called otherwise) stays selectable as itself.
import { useBrowseText } from './browse-text.js';
import type { RepoRefs } from './history-api.js';

export function RevisionSelect({ refs, revision, onChange }: { refs: RepoRefs; revision: string; onChange: (revision: string) => void }) {
  const text = useBrowseText();
  const known = [...refs.branches, ...refs.tags].some((ref) => ref.name === revision);
  return (
    <div className="revision-select">
      <label htmlFor="revision-select">{text.revision}</label>
      <select id="revision-select" value={revision} onChange={(event) => onChange(event.target.value)} data-testid="revision-select">
        {!known && <option value={revision}>{/^[0-9a-f]{40}$/.test(revision) ? revision.slice(0, 10) : revision}</option>}
        <optgroup label={text.branches}>
          {refs.branches.map((branch) => (
            <option key={branch.ref} value={branch.name}>
              {branch.name}
            </option>
          ))}
        </optgroup>
        {refs.tags.length > 0 && (
          <optgroup label={text.tags}>
            {refs.tags.map((tag) => (
              <option key={tag.ref} value={tag.name}>
                {tag.name}
              </option>
            ))}
          </optgroup>
        )}
      </select>
    </div>
  );
}
