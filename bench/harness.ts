/**
 * The benchmark harness behind `npm run bench`: warm-up runs, repeated samples, median and
 * p10/p90, and an optional baseline measured in the same run, interleaved with the benchmark's
 * own samples so that both see the same machine load.
 *
 * @module
 */
import { performance } from 'node:perf_hooks';

/** Something measured once per sample; returns the figure in the benchmark's unit. */
export type Measure = () => number | Promise<number>;

/** A named benchmark. */
export interface Benchmark {
  /** Unique name, used to select it on the command line (`npm run bench -- NAME`). */
  readonly name: string;
  /** Unit of every figure `measure` returns, e.g. `µs/op`, `ms`, `msgs/s`. */
  readonly unit: string;
  /** One sample. */
  readonly measure: Measure;
  /** A reference measured in the same run, in the same unit; the ratio is median / baseline median. */
  readonly baseline?: { readonly name: string; readonly measure: Measure };
  /** The target from the issue or design, printed for reference (e.g. `<= 150 ms`). */
  readonly target?: string;
  /** Samples kept (default 15). */
  readonly samples?: number;
  /** Samples run first and thrown away (default 3). */
  readonly warmup?: number;
}

/** The figures of one benchmark. */
export interface BenchmarkResult {
  readonly name: string;
  readonly median: number;
  readonly p10: number;
  readonly p90: number;
  readonly unit: string;
  readonly baseline?: number;
  readonly baselineName?: string;
  readonly ratio?: number;
  readonly target?: string;
}

/** Mean time of one call of `operation`, in microseconds, over `iterations` calls. */
export async function microsPerOp(iterations: number, operation: () => unknown): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < iterations; i++) await operation();
  return ((performance.now() - start) * 1000) / iterations;
}

/** The same as {@link microsPerOp} for synchronous operations, without an `await` per call. */
export function microsPerOpSync(iterations: number, operation: () => unknown): number {
  const start = performance.now();
  for (let i = 0; i < iterations; i++) operation();
  return ((performance.now() - start) * 1000) / iterations;
}

/** Wall time of one run of `operation`, in milliseconds. */
export async function millisOf(operation: () => unknown): Promise<number> {
  const start = performance.now();
  await operation();
  return performance.now() - start;
}

/** Items per second when `operation` handles `count` items. */
export async function perSecond(count: number, operation: () => unknown): Promise<number> {
  const millis = await millisOf(operation);
  return (count * 1000) / millis;
}

/** The `q`-quantile (0..1) of sorted values, by linear interpolation. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (position - low); // low, high < length
}

/** Runs one benchmark and its baseline. */
export async function runBenchmark(benchmark: Benchmark): Promise<BenchmarkResult> {
  const samples = benchmark.samples ?? 15;
  const warmup = benchmark.warmup ?? 3;
  const own: number[] = [];
  const reference: number[] = [];
  for (let i = 0; i < warmup + samples; i++) {
    const ownSample = await benchmark.measure();
    const referenceSample = benchmark.baseline ? await benchmark.baseline.measure() : undefined;
    if (i < warmup) continue;
    own.push(ownSample);
    if (referenceSample !== undefined) reference.push(referenceSample);
  }
  own.sort((a, b) => a - b);
  reference.sort((a, b) => a - b);
  const median = quantile(own, 0.5);
  const result: BenchmarkResult = { name: benchmark.name, median, p10: quantile(own, 0.1), p90: quantile(own, 0.9), unit: benchmark.unit };
  const withTarget = benchmark.target === undefined ? result : { ...result, target: benchmark.target };
  if (!benchmark.baseline) return withTarget;
  const baseline = quantile(reference, 0.5);
  return { ...withTarget, baseline, baselineName: benchmark.baseline.name, ratio: median / baseline };
}

/** A figure with three significant digits. */
export function formatFigure(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  return value.toPrecision(3);
}

/** One human-readable line for a result. */
export function formatResult(result: BenchmarkResult): string {
  const figures = `median ${formatFigure(result.median)} ${result.unit}  (p10 ${formatFigure(result.p10)}, p90 ${formatFigure(result.p90)})`;
  const baseline =
    result.baseline === undefined || result.ratio === undefined
      ? ''
      : `  baseline ${result.baselineName ?? ''}: ${formatFigure(result.baseline)} ${result.unit}, ratio ${result.ratio.toFixed(2)}x`;
  const target = result.target === undefined ? '' : `  [target ${result.target}]`;
  return `${result.name.padEnd(40)} ${figures}${baseline}${target}`;
}

/** The JSON line for a result, with exactly the fields the README documents. */
export function jsonResult(result: BenchmarkResult): string {
  const { name, median, p10, p90, unit, baseline, ratio } = result;
  return JSON.stringify(baseline === undefined ? { name, median, p10, p90, unit } : { name, median, p10, p90, unit, baseline, ratio });
}
