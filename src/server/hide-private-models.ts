// /metrics for callers without an admin token: a private model's name is no one else's business, so
// its series are summed under `model="(private)"` (Prometheus keeps scraping without credentials, as
// it usually does; a scrape with an admin token sees every model, for per-model dashboards).
import type { HubContext } from '../hub/context.js';

export const PRIVATE_MODEL_LABEL = '(private)';

const MODEL_LABEL = /model="((?:[^"\\]|\\.)*)"/;
// `name{labels} value`: prom-client writes no timestamps.
const SAMPLE = /^([^\s{]+(?:\{.*\})?) (\S+)$/;

/** Rewrites exposition text so that only public models keep their names; same series are summed. */
export async function hidePrivateModels(hub: HubContext, text: string): Promise<string> {
  const lines = text.split('\n');
  const names = new Set<string>();
  for (const line of lines) {
    const match = line.startsWith('#') ? null : MODEL_LABEL.exec(line);
    if (match) names.add(match[1]!);
  }
  if (names.size === 0) return text;
  const keys = [...names].map((name) => name.toLowerCase());
  const rows = await hub.db.selectFrom('repos').select('key').where('type', '=', 'model').where('private', '=', 0).where('key', 'in', keys).execute();
  const visible = new Set(rows.map((row) => row.key));
  const output: string[] = [];
  const sums = new Map<string, number>();
  for (const line of lines) {
    const label = line.startsWith('#') ? null : MODEL_LABEL.exec(line);
    if (!label || visible.has(label[1]!.toLowerCase())) {
      output.push(line);
      continue;
    }
    const sample = SAMPLE.exec(line.replace(MODEL_LABEL, `model="${PRIVATE_MODEL_LABEL}"`));
    if (!sample) continue;
    const [, series, value] = sample as unknown as [string, string, string];
    const index = sums.get(series);
    if (index === undefined) {
      sums.set(series, output.length);
      output.push(`${series} ${value}`);
    } else {
      const previous = Number(output[index]!.slice(series.length + 1));
      output[index] = `${series} ${previous + Number(value)}`;
    }
  }
  return output.join('\n');
}
