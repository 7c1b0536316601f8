// What the serving benchmark measured for one model, and how it becomes table rows and notes:
// throughput against the raw engine's limit and against the naive route (medians over alternating
// rounds), and latency at 1, 8 and 64 clients against the raw engine with as many callers.
import type { ResultRow } from './bench-types.js';
import type { ConcurrencyResult, SweepPoint, Window } from './serving-engine.js';
import type { LoadReport } from './serving-load.js';

export const SATURATION_CLIENTS = 64;
export const LATENCY_CLIENTS = [1, 8, SATURATION_CLIENTS] as const;
export type ClientCount = (typeof LATENCY_CLIENTS)[number];

const THROUGHPUT_TARGET = 0.85;
const NAIVE_TARGET = 1.2;
/** At one client Moda's p50 may exceed the raw engine's by this much. */
const SINGLE_CLIENT_OVERHEAD_MS = 2;

export interface Timing {
  /** Seconds per batch size in the raw-engine sweep, and in the pipeline sweep. */
  sweepSeconds: number;
  pipelineSweepSeconds: number;
  /** Latency windows per client count (the first saturation round uses the 64-client one). */
  windows: Record<ClientCount, Window>;
  /** Later saturation rounds, which only count answers. */
  round: Window;
}

export interface Measured {
  model: { label: string; repo: string };
  /** The raw engine's input shape. */
  shape: string;
  engineSweep: SweepPoint[];
  pipelineSweep: SweepPoint[];
  /** Raw engine with 1, 8 and 64 concurrent in-process callers. */
  engineLatency: ConcurrencyResult[];
  /** The pipeline in-process, one caller. */
  pipelineLatency: ConcurrencyResult;
  /** Moda at 1, 8 and 64 clients (64: the first round). */
  moda: Map<number, LoadReport>;
  /** The naive route at 1 client: HTTP and process hops without Moda's own work. */
  naiveSingle: LoadReport;
  /** Saturation rounds: raw engine at its best batch (items/s), Moda and the naive route at 64 clients. */
  rounds: { raw: number; moda: LoadReport; naive: LoadReport }[];
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? 0;
}

export function bestPoint(points: readonly SweepPoint[]): { batch: number; itemsPerSecond: number } {
  let best = { batch: 1, itemsPerSecond: 0 };
  for (const point of points) if (point.itemsPerSecond !== undefined && point.itemsPerSecond > best.itemsPerSecond) best = { batch: point.batch, itemsPerSecond: point.itemsPerSecond };
  return best;
}

function sweepText(points: readonly SweepPoint[]): string {
  return points.map((point) => `B=${point.batch} ${point.itemsPerSecond === undefined ? 'not accepted' : point.itemsPerSecond.toFixed(1)}`).join(', ');
}

export function loadText(report: LoadReport): string {
  return `${report.throughput.toFixed(1)}/s, p50 ${report.p50Ms.toFixed(1)} ms, p99 ${report.p99Ms.toFixed(1)} ms, answers ${JSON.stringify(report.statuses)}`;
}

const plural = (clients: number) => `${clients} client${clients === 1 ? '' : 's'}`;

export function modelRows(measured: Measured): ResultRow[] {
  const { model, moda, rounds } = measured;
  const best = bestPoint(measured.engineSweep);
  const modaRate = median(rounds.map((round) => round.moda.throughput));
  const raw = (clients: number) => measured.engineLatency.find((entry) => entry.clients === clients)!;
  const one = moda.get(1)!;
  const rows: ResultRow[] = [
    { metric: `${model.label}: Moda over HTTP at ${SATURATION_CLIENTS} clients vs raw engine at its best batch (B=${best.batch}), medians of ${rounds.length}`, unit: 'items/s', value: modaRate, baseline: median(rounds.map((round) => round.raw)), target: { kind: 'ratio-at-least', min: THROUGHPUT_TARGET } },
    { metric: `${model.label}: Moda vs naive fastify route at ${SATURATION_CLIENTS} clients, medians of ${rounds.length}`, unit: 'req/s', value: modaRate, baseline: median(rounds.map((round) => round.naive.throughput)), target: { kind: 'ratio-at-least', min: NAIVE_TARGET } },
    { metric: `${model.label}: p50 latency at 1 client vs raw engine (B=1)`, unit: 'ms', value: one.p50Ms, baseline: raw(1).p50Ms, target: { kind: 'below', max: Number((raw(1).p50Ms + SINGLE_CLIENT_OVERHEAD_MS).toFixed(1)) } },
    { metric: `${model.label}: p50 latency at 1 client vs the pipeline in-process`, unit: 'ms', value: one.p50Ms, baseline: measured.pipelineLatency.p50Ms, target: { kind: 'info' } },
    { metric: `${model.label}: p50 latency at 1 client vs the naive route`, unit: 'ms', value: one.p50Ms, baseline: measured.naiveSingle.p50Ms, target: { kind: 'info' } },
  ];
  for (const clients of LATENCY_CLIENTS) {
    const report = moda.get(clients)!;
    if (clients !== 1) rows.push({ metric: `${model.label}: p50 latency at ${plural(clients)} vs raw engine (B=1 per caller)`, unit: 'ms', value: report.p50Ms, baseline: raw(clients).p50Ms, target: { kind: 'info' } });
    rows.push({ metric: `${model.label}: p99 latency at ${plural(clients)} vs raw engine`, unit: 'ms', value: report.p99Ms, baseline: raw(clients).p99Ms, target: { kind: 'info' } });
  }
  return rows;
}

export function modelNotes(measured: Measured): string[] {
  const { model, moda, rounds } = measured;
  const engineBest = bestPoint(measured.engineSweep);
  const pipelineBest = bestPoint(measured.pipelineSweep);
  const naive = rounds[0]?.naive;
  return [
    `${model.label}, raw engine ${measured.shape} (items/s): ${sweepText(measured.engineSweep)}. Its pipeline in-process on image bytes: ${sweepText(measured.pipelineSweep)} (best ${pipelineBest.itemsPerSecond.toFixed(1)}, ${((100 * pipelineBest.itemsPerSecond) / Math.max(1e-9, engineBest.itemsPerSecond)).toFixed(0)} % of the raw engine's best in the sweep).`,
    `${model.label}, saturation rounds (raw engine at B=${engineBest.batch} / Moda / naive, per second): ${rounds.map((round) => `${round.raw.toFixed(1)} / ${round.moda.throughput.toFixed(1)} / ${round.naive.throughput.toFixed(1)}`).join('; ')}.`,
    `${model.label}, raw engine with concurrent in-process callers (B=1 each): ${measured.engineLatency.map((entry) => `${entry.clients} → ${entry.throughput.toFixed(1)}/s, p50 ${entry.p50Ms.toFixed(1)} ms, p99 ${entry.p99Ms.toFixed(1)} ms`).join('; ')}; the pipeline in-process, 1 caller: ${measured.pipelineLatency.throughput.toFixed(1)}/s, p50 ${measured.pipelineLatency.p50Ms.toFixed(1)} ms, p99 ${measured.pipelineLatency.p99Ms.toFixed(1)} ms.`,
    `${model.label}, Moda over HTTP: ${[...moda.entries()].sort(([a], [b]) => a - b).map(([clients, report]) => `${plural(clients)} → ${loadText(report)}`).join('; ')}.`,
    `${model.label}, naive route: 1 client → ${loadText(measured.naiveSingle)}${naive ? `; ${SATURATION_CLIENTS} clients (first round) → ${loadText(naive)}` : ''}.`,
  ];
}
