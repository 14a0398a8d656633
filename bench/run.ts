/**
 * `npm run bench [-- NAME…] [-- --json]`: runs every benchmark in `bench/*.bench.ts` (each file
 * exports `benchmarks: Benchmark[]`), or only those whose name contains one of the given NAMEs.
 *
 * @module
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { formatResult, jsonResult, runBenchmark, type Benchmark } from './harness.ts';

const args = process.argv.slice(2).filter((arg) => arg !== '--');
const json = args.includes('--json');
const names = args.filter((arg) => arg !== '--json');
if (names.some((name) => name.startsWith('-'))) {
  console.error(`unknown option ${names.find((name) => name.startsWith('-')) ?? ''}\nusage: npm run bench [-- NAME…] [-- --json]`);
  process.exit(2);
}

const files = readdirSync(import.meta.dirname).filter((file) => file.endsWith('.bench.ts')).sort();
const all: Benchmark[] = [];
for (const file of files) {
  const module = (await import(pathToFileURL(join(import.meta.dirname, file)).href)) as { benchmarks: Benchmark[] };
  all.push(...module.benchmarks);
}
const selected = names.length === 0 ? all : all.filter((benchmark) => names.some((name) => benchmark.name.includes(name)));
if (selected.length === 0) {
  console.error(`no benchmark matches ${names.join(', ')}; known: ${all.map((b) => b.name).join(', ')}`);
  process.exit(2);
}
for (const benchmark of selected) {
  const result = await runBenchmark(benchmark);
  console.log(json ? jsonResult(result) : formatResult(result));
}
