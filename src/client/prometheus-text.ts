// Reads the Prometheus text exposition format (what `/metrics` answers) into samples, and turns two
// scrapes of a histogram into a quantile the way PromQL's histogram_quantile(rate(…)) does. It runs
// in browsers (the deployments page charts it) as well as in Node, so it uses no Node APIs.
// Format: https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format

export interface MetricSample {
  /** The series name as written, e.g. `moda_inference_duration_seconds_bucket`. */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface MetricsScrape {
  samples: MetricSample[];
  /** `# TYPE` lines: family name → counter, gauge, histogram, summary or untyped. */
  types: Record<string, string>;
}

function parseValue(text: string, lineNumber: number): number {
  // Case-insensitive, as Prometheus reads them (Go's ParseFloat): prom-client writes NaN as `Nan`.
  switch (text.toLowerCase()) {
    case '+inf':
    case 'inf':
      return Infinity;
    case '-inf':
      return -Infinity;
    case 'nan':
      return NaN;
  }
  const value = Number(text);
  if (text === '' || Number.isNaN(value)) throw new SyntaxError(`line ${lineNumber}: "${text}" is not a sample value`);
  return value;
}

/** Reads `{a="x",b="y\"z"}` starting at `start` (the `{`); returns the labels and the index after `}`. */
function parseLabels(line: string, start: number, lineNumber: number): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let index = start + 1;
  const fail = (why: string): never => {
    throw new SyntaxError(`line ${lineNumber}: ${why}`);
  };
  for (;;) {
    while (line[index] === ' ' || line[index] === ',') index++;
    if (line[index] === '}') return { labels, end: index + 1 };
    const nameMatch = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(index));
    if (!nameMatch) fail('expected a label name');
    const labelName = (nameMatch as RegExpExecArray)[0];
    index += labelName.length;
    while (line[index] === ' ') index++;
    if (line[index] !== '=') fail(`expected "=" after label ${labelName}`);
    index++;
    while (line[index] === ' ') index++;
    if (line[index] !== '"') fail(`expected a quoted value for label ${labelName}`);
    index++;
    let value = '';
    for (;;) {
      const char = line[index];
      if (char === undefined) fail(`unterminated value of label ${labelName}`);
      index++;
      if (char === '"') break;
      if (char === '\\') {
        const escaped = line[index];
        index++;
        value += escaped === 'n' ? '\n' : escaped === '"' ? '"' : escaped === '\\' ? '\\' : `\\${escaped ?? ''}`;
      } else {
        value += char;
      }
    }
    labels[labelName] = value;
  }
}

/** Parses a whole scrape; a malformed sample line throws a SyntaxError naming its line. */
export function parsePrometheusText(text: string): MetricsScrape {
  const samples: MetricSample[] = [];
  const types: Record<string, string> = {};
  const lines = text.split('\n');
  for (let lineIndex = 0; lineIndex < lines.length; lineIndex++) {
    const line = (lines[lineIndex] as string).trim();
    const lineNumber = lineIndex + 1;
    if (line === '') continue;
    if (line.startsWith('#')) {
      const type = /^#\s*TYPE\s+(\S+)\s+(\S+)/.exec(line);
      if (type) types[type[1] as string] = type[2] as string;
      continue;
    }
    const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
    if (!nameMatch) throw new SyntaxError(`line ${lineNumber}: expected a metric name`);
    const name = nameMatch[0];
    let index = name.length;
    let labels: Record<string, string> = {};
    while (line[index] === ' ' || line[index] === '\t') index++;
    if (line[index] === '{') ({ labels, end: index } = parseLabels(line, index, lineNumber));
    const [valueText = '', timestamp] = line.slice(index).trim().split(/\s+/);
    if (timestamp !== undefined && !/^-?\d+$/.test(timestamp)) throw new SyntaxError(`line ${lineNumber}: "${timestamp}" is not a timestamp`);
    samples.push({ name, labels, value: parseValue(valueText, lineNumber) });
  }
  return { samples, types };
}

/** Sum of the samples named `name` whose labels include every pair in `match`. */
export function sumSamples(scrape: MetricsScrape, name: string, match: Record<string, string> = {}): number {
  let sum = 0;
  for (const sample of scrape.samples) {
    if (sample.name !== name) continue;
    if (Object.entries(match).every(([key, value]) => sample.labels[key] === value)) sum += sample.value;
  }
  return sum;
}

/** Cumulative bucket counts of histogram `family` (labels matching `match`, summed over the rest), by upper bound. */
export function histogramBuckets(scrape: MetricsScrape, family: string, match: Record<string, string> = {}): Map<number, number> {
  const buckets = new Map<number, number>();
  for (const sample of scrape.samples) {
    if (sample.name !== `${family}_bucket` || sample.labels.le === undefined) continue;
    if (!Object.entries(match).every(([key, value]) => sample.labels[key] === value)) continue;
    const bound = parseValue(sample.labels.le, 0);
    buckets.set(bound, (buckets.get(bound) ?? 0) + sample.value);
  }
  return buckets;
}

/**
 * The q-quantile of the observations between two scrapes' cumulative buckets (`before` may be
 * empty for "since start"), interpolated linearly inside the bucket as histogram_quantile does;
 * an answer in the +Inf bucket is the highest finite bound. Null when nothing was observed.
 */
export function histogramQuantile(q: number, after: Map<number, number>, before: Map<number, number> = new Map()): number | null {
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const counts = bounds.map((bound) => Math.max(0, (after.get(bound) ?? 0) - (before.get(bound) ?? 0)));
  const total = counts[counts.length - 1] ?? 0;
  if (total <= 0 || bounds.length === 0) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (let index = 0; index < bounds.length; index++) {
    const bound = bounds[index] as number;
    const count = counts[index] as number;
    if (count >= rank) {
      if (bound === Infinity) return index > 0 ? (bounds[index - 1] as number) : null;
      if (count === lowerCount) return bound;
      return lowerBound + ((bound - lowerBound) * (rank - lowerCount)) / (count - lowerCount);
    }
    lowerBound = bound;
    lowerCount = count;
  }
  return bounds[bounds.length - 1] ?? null;
}
