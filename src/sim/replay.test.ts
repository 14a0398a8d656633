import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isAuraError } from '../core/errors.ts';
import { replayTrace } from './replay.ts';
import { runScenario } from './run-scenario.ts';
import { parseScenario } from './scenario.ts';

const flaky = parseScenario(readFileSync(resolve(import.meta.dirname, '..', '..', 'scenarios', 'request-response-flaky.toml'), 'utf8'));

async function recordedTrace(seed: number): Promise<string> {
  const run = await runScenario(flaky, { seed, trace: true });
  assert.ok(run.trace !== undefined);
  return run.trace;
}

test('a trace carries its seed and pinned faults, and replays identically', async () => {
  const trace = await recordedTrace(11);
  const header = JSON.parse(trace.split('\n')[0] ?? '') as { seed: number; config: { faults: unknown[]; random_faults?: unknown } };
  assert.equal(header.seed, 11);
  assert.equal(header.config.faults.length, 3);
  assert.equal(header.config.random_faults, undefined);
  const report = await replayTrace(trace);
  assert.equal(report.difference, undefined);
  assert.equal(report.run.trace, trace);
});

test('a mismatch points at the first differing line', async () => {
  const lines = (await recordedTrace(12)).split('\n');
  const edited = [...lines];
  edited[6] = (edited[6] ?? '').replace('"type":"', '"type":"x');
  const report = await replayTrace(edited.join('\n'));
  assert.deepEqual(report.difference, { line: 7, expected: edited[6], actual: lines[6] });
  const truncated = await replayTrace(lines.slice(0, 5).join('\n'));
  assert.equal(truncated.difference?.line, 6);
  assert.equal(truncated.difference.expected, undefined);
});

test('malformed traces are refused with the line at fault', async () => {
  const trace = (await recordedTrace(13)).split('\n');
  await assert.rejects(replayTrace([trace[0], trace[1], '{oops', trace[2]].join('\n'), 'bad.jsonl'), (error: unknown) => isAuraError(error, 'sim.trace-malformed') && /bad\.jsonl:3: not a JSON line/.test(error.message));
  await assert.rejects(replayTrace(trace.slice(1).join('\n'), 'headless.jsonl'), (error: unknown) => isAuraError(error, 'sim.trace-malformed') && /headless\.jsonl:1: the first line is not a trace header/.test(error.message));
  await assert.rejects(replayTrace([trace[0], '{"seq":0}'].join('\n'), 'x.jsonl'), (error: unknown) => isAuraError(error, 'sim.trace-malformed') && /x\.jsonl:2: an event needs/.test(error.message));
  const badConfig = JSON.stringify({ type: 'header', version: 1, seed: 1, config: { workload: 'chess' } });
  await assert.rejects(replayTrace(badConfig, 'y.jsonl'), (error: unknown) => isAuraError(error, 'scenario.invalid') && /unknown workload "chess"/.test(error.message));
  await assert.rejects(replayTrace(''), (error: unknown) => isAuraError(error, 'sim.trace-malformed'));
});
