import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sweepRun, type SweepRun } from './fault-sweep.ts';

/**
 * Seeds whose violation the sweep found in a protocol not yet fixed, each held by a `todo` test in
 * `fault-sweep.test.ts`: reported on every run, never silently passed, but not a new failure.
 */
const KNOWN: ReadonlyMap<number, string> = new Map();
// AURA_SWEEP_START / AURA_SWEEP_COUNT pick another range of seeds (to split the sweep over processes).
const start = Number(process.env['AURA_SWEEP_START'] ?? 0);
const count = Number(process.env['AURA_SWEEP_COUNT'] ?? 10_000);

describe('long fault sweep of the threshold protocols', () => {
  it(`${count} seeded runs from seed ${start} find no safety or liveness violation`, async () => {
    const began = performance.now();
    const failed: SweepRun[] = [];
    const known: SweepRun[] = [];
    const tally = new Map<string, { runs: number; finished: number; named: number; rejected: number; aborted: number }>();
    for (let seed = start; seed < start + count; seed++) {
      const run = await sweepRun(seed);
      if (run.safety.length > 0 || run.liveness.length > 0) (KNOWN.has(seed) ? known : failed).push(run);
      const key = `${run.case.protocol} n=${run.case.n}`;
      const entry = tally.get(key) ?? { runs: 0, finished: 0, named: 0, rejected: 0, aborted: 0 };
      entry.runs++;
      if (run.ends.some((e) => e.ok)) entry.finished++;
      if (run.ends.some((e) => e.ok && e.excluded.length > 0)) entry.named++;
      if (run.ends.some((e) => !e.ok && e.code.endsWith('.rejected') && e.accused.length > 0)) entry.rejected++;
      if (run.ends.some((e) => !e.ok && /\.(aborted|too-few)$/.test(e.code))) entry.aborted++;
      tally.set(key, entry);
      if ((seed - start + 1) % 500 === 0) console.log(`# fault sweep: ${seed - start + 1} of ${count} seeds, ${failed.length} violations, ${((performance.now() - began) / 1000).toFixed(0)} s`);
    }
    const seconds = (performance.now() - began) / 1000;
    const lines = [...tally].sort().map(([key, t]) => `${key}: ${t.runs} runs, ${t.finished} finished, ${t.named} finished naming a faulty member, ${t.rejected} rejected naming one, ${t.aborted} aborted cleanly`);
    const knownLines = known.map((r) => `known violation, seed ${r.case.seed} (${KNOWN.get(r.case.seed) ?? ''}): ${[...r.safety, ...r.liveness].length} findings`);
    console.log(`fault sweep: seeds ${start}..${start + count - 1} in ${seconds.toFixed(0)} s, ${failed.length} new violations\n${[...knownLines, ...lines].join('\n')}`);
    assert.deepEqual(failed.map((r) => ({ case: r.case, safety: r.safety, liveness: r.liveness })), []);
  });
});
