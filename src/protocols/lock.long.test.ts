// Long sweep (AURA_LONG=1): lock safety over many random plans of requests, crashes and partitions.
import { it } from 'node:test';
import { checkLockPlans } from '../../test/support/coordination.ts';

it('held leases never overlap under random requests, crashes with restarts, and partitions (300 plans)', async () => {
  await checkLockPlans(300, 20);
});
