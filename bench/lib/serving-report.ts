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
  /** The batch size the pipeline's rounds use (its best in the sweep). */
  pipelineBatch: number;
  /** Raw engine with 8 and 64 concurrent in-process callers. */
  engineLatency: ConcurrencyResult[];
  /** Moda at 8 and 64 clients (64: the first round). */
  moda: Map<number, LoadReport>;
  /** Rounds in turn: raw engine and pipeline at their best batch (items/s); one client alone on the raw engine, the pipeline, Moda and the naive route; Moda and the naive route at 64 clients. */
  rounds: Round[];
}

export interface Round {
  raw: number;
  pipeline: number;
  single: { raw: ConcurrencyResult; pipeline: ConcurrencyResult; moda: LoadReport; naive: LoadReport };
  moda: LoadReport;
  naive: LoadReport;
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

/** The median over the rounds of one number. */
function across(rounds: readonly Round[], pick: (round: Round) => number): number {
  return median(rounds.map(pick));
}

export function modelRows(measured: Measured): ResultRow[] {
  const { model, moda, rounds } = measured;
  const best = bestPoint(measured.engineSweep);
  const modaRate = across(rounds, (round) => round.moda.throughput);
  const raw = (clients: number) => measured.engineLatency.find((entry) => entry.clients === clients)!;
  const rawSingle = across(rounds, (round) => round.single.raw.p50Ms);
  const modaSingle = across(rounds, (round) => round.single.moda.p50Ms);
  const of = `medians of ${rounds.length}`;
  const rows: ResultRow[] = [
    { metric: `${model.label}: Moda over HTTP at ${SATURATION_CLIENTS} clients vs raw engine at its best batch (B=${best.batch}), ${of}`, unit: 'items/s', value: modaRate, baseline: across(rounds, (round) => round.raw), target: { kind: 'ratio-at-least', min: THROUGHPUT_TARGET } },
    { metric: `${model.label}: Moda vs naive fastify route at ${SATURATION_CLIENTS} clients, ${of}`, unit: 'req/s', value: modaRate, baseline: across(rounds, (round) => round.naive.throughput), target: { kind: 'ratio-at-least', min: NAIVE_TARGET } },
    { metric: `${model.label}: p50 latency at 1 client vs raw engine (B=1), ${of}`, unit: 'ms', value: modaSingle, baseline: rawSingle, target: { kind: 'below', max: Number((rawSingle + SINGLE_CLIENT_OVERHEAD_MS).toFixed(1)) } },
    { metric: `${model.label}: p50 latency at 1 client vs the pipeline in-process, ${of}`, unit: 'ms', value: modaSingle, baseline: across(rounds, (round) => round.single.pipeline.p50Ms), target: { kind: 'info' } },
    { metric: `${model.label}: p50 latency at 1 client vs the naive route, ${of}`, unit: 'ms', value: modaSingle, baseline: across(rounds, (round) => round.single.naive.p50Ms), target: { kind: 'info' } },
    { metric: `${model.label}: p99 latency at 1 client vs raw engine, ${of}`, unit: 'ms', value: across(rounds, (round) => round.single.moda.p99Ms), baseline: across(rounds, (round) => round.single.raw.p99Ms), target: { kind: 'info' } },
  ];
  for (const clients of LATENCY_CLIENTS) {
    const report = moda.get(clients);
    if (clients === 1 || !report) continue;
    rows.push({ metric: `${model.label}: p50 latency at ${plural(clients)} vs raw engine (B=1 per caller)`, unit: 'ms', value: report.p50Ms, baseline: raw(clients).p50Ms, target: { kind: 'info' } });
    rows.push({ metric: `${model.label}: p99 latency at ${plural(clients)} vs raw engine`, unit: 'ms', value: report.p99Ms, baseline: raw(clients).p99Ms, target: { kind: 'info' } });
  }
  return rows;
}

export function modelNotes(measured: Measured): string[] {
  const { model, moda, rounds } = measured;
  const engineBest = bestPoint(measured.engineSweep);
  const naive = rounds[0]?.naive;
  const p50 = (report: { p50Ms: number }) => report.p50Ms.toFixed(1);
  return [
    `${model.label}, raw engine ${measured.shape} (items/s): ${sweepText(measured.engineSweep)}. Its pipeline in-process on image bytes: ${sweepText(measured.pipelineSweep)}.`,
    `${model.label}, rounds (raw engine at B=${engineBest.batch} / pipeline at B=${measured.pipelineBatch} / Moda / naive at ${SATURATION_CLIENTS} clients, per second): ${rounds.map((round) => `${round.raw.toFixed(1)} / ${round.pipeline.toFixed(1)} / ${round.moda.throughput.toFixed(1)} / ${round.naive.throughput.toFixed(1)}`).join('; ')}. One client, p50 ms (raw / pipeline / Moda / naive): ${rounds.map((round) => `${p50(round.single.raw)} / ${p50(round.single.pipeline)} / ${p50(round.single.moda)} / ${p50(round.single.naive)}`).join('; ')}.`,
    `${model.label}, raw engine with concurrent in-process callers (B=1 each): ${measured.engineLatency.map((entry) => `${entry.clients} → ${entry.throughput.toFixed(1)}/s, p50 ${entry.p50Ms.toFixed(1)} ms, p99 ${entry.p99Ms.toFixed(1)} ms`).join('; ')}.`,
    `${model.label}, Moda over HTTP: ${[...moda.entries()].sort(([a], [b]) => a - b).map(([clients, report]) => `${plural(clients)} → ${loadText(report)}`).join('; ')}${naive ? `; the naive route at ${SATURATION_CLIENTS} clients (first round) → ${loadText(naive)}` : ''}.`,
  ];
}
