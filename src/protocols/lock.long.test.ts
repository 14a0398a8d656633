// Long sweep (AURA_LONG=1): lock safety over many random plans of requests, crashes and partitions.
import { it } from 'node:test';
import fc from 'fast-check';
import { assertExclusive, faultsOf, lockFaultPlan, lockScenario } from '../../test/support/coordination.ts';

it('held leases never overlap under random requests, crashes with restarts, and partitions (300 plans)', async () => {
  await fc.assert(
    fc.asyncProperty(lockFaultPlan, async (plan) => {
      const { intervals } = await lockScenario(plan.seed, plan.n, plan.requests.map((r) => ({ at: r.at, device: r.device % plan.n })), (members) => faultsOf(plan, members));
      assertExclusive(intervals);
    }),
    { numRuns: 300, seed: 20 },
  );
});
