// Long sweep (AURA_LONG=1): coordinator crashes every 3 ms over its first two heartbeat intervals,
// for 3, 5 and 7 members and several seeds: every survivor resumes within 2 round trips.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { failoverScenario, LATENCY, POLICY, recovery } from '../../test/support/coordination.ts';

for (const n of [3, 5, 7]) {
  it(`${n} members: a coordinator crashing at any time of its first two heartbeat intervals is replaced within 2 round trips`, async () => {
    for (let seed = 1; seed <= 3; seed++) {
      for (let crashAt = 0; crashAt < 2 * POLICY.heartbeatMs; crashAt += 3) {
        const { seen } = await failoverScenario(seed, n, crashAt);
        const { detected, resumed } = recovery(seen);
        assert.equal(resumed.length, n - 1, `seed ${seed}, crash at ${crashAt}`);
        assert.equal(new Set(resumed.map((r) => r.coordinator)).size, 1);
        const roundTrips = (Math.max(...resumed.map((r) => r.at)) - Math.max(...detected)) / (2 * LATENCY);
        assert.ok(roundTrips <= 2, `seed ${seed}, crash at ${crashAt}: ${roundTrips} round trips`);
      }
    }
  });
}
