// Prints where a V8 CPU profile (from `npm run bench -- --profile=DIR`) spent its time: the top
// functions by self time, and by total time including callees, so a slow path can be named.
// Usage: node --import tsx bench/profile-summary.ts <file.cpuprofile> [top=25]
import { readFile } from 'node:fs/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

// Piped into `head`, stdout closes early; that is not an error worth a stack trace.
process.stdout.on('error', () => process.exit(0));

const [file = '', topText = '25'] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top]');
const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;
const top = Number(topText);

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);

const label = (node: ProfileNode) => {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, 'node_modules/');
  return `${functionName || '(anonymous)'} ${where ? `${where}:${lineNumber + 1}` : ''}`.trim();
};

const selfMs = new Map<string, number>();
const totalMs = new Map<string, number>();
let allMs = 0;
profile.samples.forEach((sample, index) => {
  const ms = (profile.timeDeltas[index] ?? 0) / 1000;
  allMs += ms;
  const leaf = byId.get(sample);
  if (!leaf) return;
  selfMs.set(label(leaf), (selfMs.get(label(leaf)) ?? 0) + ms);
  // Count each function once per sample even when it recurses.
  const seen = new Set<string>();
  for (let id: number | undefined = sample; id !== undefined; id = parentOf.get(id)) {
    const node = byId.get(id);
    if (!node) break;
    const name = label(node);
    if (seen.has(name)) continue;
    seen.add(name);
    totalMs.set(name, (totalMs.get(name) ?? 0) + ms);
  }
});

const print = (title: string, table: Map<string, number>) => {
  console.log(`\n${title} (of ${allMs.toFixed(0)} ms sampled)`);
  for (const [name, ms] of [...table].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${ms.toFixed(0).padStart(8)} ms ${((ms / allMs) * 100).toFixed(1).padStart(5)}%  ${name}`);
  }
};
print('Self time', selfMs);
print('Total time', totalMs);
