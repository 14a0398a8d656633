import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CONVERGENCE, runConvergence } from './sync-scenario.ts';

describe('sync service in the simulator: convergence after partitions, loss and duplication', () => {
  for (const [seed, replicas] of [[1, 3], [2, 4], [3, 6]] as const) {
    it(`${replicas} honest replicas and a byzantine one (seed ${seed}) hold the same valid facts and views`, async () => {
      const result = await runConvergence({ ...DEFAULT_CONVERGENCE, seed, replicas });
      assert.deepEqual(result.problems, []);
      assert.ok(result.rejectedFromByzantine > 0, 'the byzantine replica was caught and named');
      assert.equal(result.rejected, result.rejectedFromByzantine, 'only the byzantine replica sent invalid facts');
      assert.ok(result.sessions.failed > 0, 'the faults did cut sessions (the scenario tests something)');
    });
  }

  it('a replica cut off for the whole run is reported apart (the check can fail)', async () => {
    const result = await runConvergence({ ...DEFAULT_CONVERGENCE, seed: 4, replicas: 3, byzantine: false, isolated: ['r2'] });
    assert.ok(result.problems.some((p) => p.startsWith('r2 lacks')), result.problems.join('; '));
    assert.ok(result.problems.some((p) => p.startsWith('r0 lacks')), result.problems.join('; '));
  });
});
