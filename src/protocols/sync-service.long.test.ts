// A large seeded sweep of the convergence scenario (AURA_LONG=1): every replica count from 3 to 6,
// with and without a byzantine replica, harsher loss and duplication, more partitions, and up to
// two crashes with restarts.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CONVERGENCE, runConvergence } from './sync-scenario.ts';

const SEEDS = 25;

describe('sync service convergence sweep', () => {
  it(`${SEEDS} seeds × 3-6 replicas × with/without a byzantine replica converge after the heal`, async () => {
    const failures: string[] = [];
    let rejected = 0;
    for (let seed = 0; seed < SEEDS; seed++) {
      for (let replicas = 3; replicas <= 6; replicas++) {
        for (const byzantine of [false, true]) {
          const spec = { ...DEFAULT_CONVERGENCE, seed: 1000 + seed, replicas, byzantine, partitions: 5, loss: 0.3, duplicate: 0.3, crashes: seed % 3 };
          const result = await runConvergence(spec);
          if (result.problems.length > 0) failures.push(`seed ${spec.seed}, ${replicas} replicas, byzantine ${byzantine}: ${result.problems.join('; ')}`);
          if (result.rejected !== result.rejectedFromByzantine) failures.push(`seed ${spec.seed}: an honest replica was blamed for an invalid fact`);
          if (byzantine && result.rejectedFromByzantine === 0) failures.push(`seed ${spec.seed}: the byzantine replica was never caught`);
          rejected += result.rejectedFromByzantine;
        }
      }
    }
    assert.deepEqual(failures, []);
    assert.ok(rejected > 0);
  });
});
