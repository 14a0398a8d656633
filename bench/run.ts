/**
 * `npm run bench [-- NAME…] [-- --json]`: runs every benchmark in `bench/*.bench.ts` (each file
 * exports `benchmarks: Benchmark[]`), or only those whose name contains one of the given NAMEs.
 *
 * Each file runs in a process of its own, one after another, so that no benchmark is measured
 * in a heap another has filled: the journal and sync benchmarks keep a million facts alive, and
 * the collector's work on that heap would otherwise land in the samples of whatever ran after
 * them. Every process imports `src/core/v8-tuning.ts` first, as the `aura` command does, and the
 * text output begins with the flags it set.
 *
 * @module
 */
import { V8_FLAGS } from '../src/core/v8-tuning.ts'; // first: it sets the flags as it loads
import { fork } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { formatResult, jsonResult, runBenchmark, type Benchmark } from './harness.ts';

/** What a file's process reports to the parent when it is done. */
interface FileReport {
  /** Every benchmark name the file defines. */
  readonly known: readonly string[];
  /** How many of them matched and ran. */
  readonly ran: number;
}

const FILE_OPTION = '--file';

const args = process.argv.slice(2).filter((arg) => arg !== '--');
const json = args.includes('--json');
const fileIndex = args.indexOf(FILE_OPTION);
const file = fileIndex === -1 ? undefined : args[fileIndex + 1];
const names = args.filter((arg, k) => arg !== '--json' && (fileIndex === -1 || (k !== fileIndex && k !== fileIndex + 1)));

/** True when `benchmark` is selected by the NAMEs given (all are, when none is given). */
function selected(benchmark: Benchmark): boolean {
  return names.length === 0 || names.some((name) => benchmark.name.includes(name));
}

/** In a file's own process: runs its selected benchmarks, prints their results, reports back. */
async function runFile(name: string): Promise<void> {
  const module = (await import(pathToFileURL(join(import.meta.dirname, name)).href)) as { benchmarks: Benchmark[] };
  const chosen = module.benchmarks.filter(selected);
  for (const benchmark of chosen) {
    const result = await runBenchmark(benchmark);
    console.log(json ? jsonResult(result) : formatResult(result));
  }
  const report: FileReport = { known: module.benchmarks.map((b) => b.name), ran: chosen.length };
  process.send?.(report); // absent when a user runs one file directly (`--file NAME.bench.ts`)
}

/** Runs `name` in a child process; resolves to its report (a crash rejects). */
function forkFile(name: string): Promise<FileReport> {
  return new Promise((resolve, reject) => {
    const child = fork(import.meta.filename, [FILE_OPTION, name, ...(json ? ['--json'] : []), ...names], { stdio: 'inherit' });
    let report: FileReport | undefined;
    child.on('message', (message) => {
      report = message as FileReport;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (report !== undefined && code === 0) resolve(report);
      else reject(new Error(`bench/${name} failed (${signal ?? `exit code ${String(code)}`})`));
    });
  });
}

/** In the parent: every file in turn, each in its own process. */
async function runAll(): Promise<void> {
  if (names.some((name) => name.startsWith('-'))) {
    console.error(`unknown option ${names.find((name) => name.startsWith('-')) ?? ''}\nusage: npm run bench [-- NAME…] [-- --json]`);
    process.exit(2);
  }
  if (!json) console.log(`V8 flags: ${V8_FLAGS.join(' ')} (src/core/v8-tuning.ts, as in the aura command)`);
  const files = readdirSync(import.meta.dirname).filter((name) => name.endsWith('.bench.ts')).sort();
  const known: string[] = [];
  let ran = 0;
  for (const name of files) {
    const report = await forkFile(name);
    known.push(...report.known);
    ran += report.ran;
  }
  if (ran === 0) {
    console.error(`no benchmark matches ${names.join(', ')}; known: ${known.join(', ')}`);
    process.exit(2);
  }
}

await (file === undefined ? runAll() : runFile(file));
