// A page of a revision's history in the shape of ModelScope's commits API (`Data.Commit[]`), which
// the SDK's model_info/dataset_info read for `sha` and `last_modified`.
import { gitText } from '../../hub/git.js';

export interface CommitEntry {
  Id: string;
  ShortId: string;
  Title: string;
  Message: string;
  AuthorName: string;
  AuthorEmail: string;
  AuthoredDate: number;
  CommitterName: string;
  CommitterEmail: string;
  CommittedDate: number;
  CreatedAt: number;
}

const FIELDS = ['%H', '%an', '%ae', '%at', '%cn', '%ce', '%ct', '%s', '%B'];

export async function commitHistory(gitDir: string, commit: string, skip: number, count: number): Promise<{ commits: CommitEntry[]; total: number }> {
  const [log, total] = await Promise.all([
    gitText(gitDir, ['log', `--format=${FIELDS.join('%x00')}%x1e`, `--skip=${skip}`, `--max-count=${count}`, commit, '--']),
    gitText(gitDir, ['rev-list', '--count', commit, '--']),
  ]);
  const commits = log
    .split('\x1e')
    .map((record) => record.replace(/^\n/, ''))
    .filter((record) => record !== '')
    .map((record): CommitEntry => {
      const [id = '', authorName = '', authorEmail = '', authored = '0', committerName = '', committerEmail = '', committed = '0', title = '', message = ''] = record.split('\0');
      return {
        Id: id,
        ShortId: id.slice(0, 8),
        Title: title,
        Message: message.trim(),
        AuthorName: authorName,
        AuthorEmail: authorEmail,
        AuthoredDate: Number(authored),
        CommitterName: committerName,
        CommitterEmail: committerEmail,
        CommittedDate: Number(committed),
        CreatedAt: Number(committed),
      };
    });
  return { commits, total: Number(total.trim()) };
}
