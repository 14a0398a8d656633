import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SeededRandom } from '../handlers/random.ts';
import { RandomDraws } from './draws.ts';
import { sampleLatency, type LatencyDistribution } from './latency.ts';

function mean(distribution: LatencyDistribution, n = 20_000): { mean: number; min: number } {
  const draws = new RandomDraws(new SeededRandom('latency'));
  let sum = 0;
  let min = Infinity;
  for (let i = 0; i < n; i++) {
    const sample = sampleLatency(distribution, draws);
    sum += sample;
    min = Math.min(min, sample);
  }
  return { mean: sum / n, min };
}

test('each distribution has the mean it promises and no negative samples', () => {
  assert.deepEqual(mean({ kind: 'constant', ms: 4 }), { mean: 4, min: 4 });
  const uniform = mean({ kind: 'uniform', min: 10, max: 30 });
  assert.ok(Math.abs(uniform.mean - 20) < 0.5 && uniform.min >= 10);
  const normal = mean({ kind: 'normal', mean: 50, stddev: 5 });
  assert.ok(Math.abs(normal.mean - 50) < 0.5 && normal.min >= 0);
  const exponential = mean({ kind: 'exponential', mean: 8 });
  assert.ok(Math.abs(exponential.mean - 8) < 0.5 && exponential.min >= 0);
  assert.ok(mean({ kind: 'normal', mean: 0, stddev: 10 }).min >= 0);
});
