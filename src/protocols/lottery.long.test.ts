// Long sweep (AURA_LONG=1): lottery fairness over many seeds and sizes.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { chiSquareUniform, winnerCounts } from '../../test/support/coordination.ts';

// Chi-square critical values at p = 0.001 by degrees of freedom (members - 1).
const CRITICAL: Readonly<Record<number, number>> = { 2: 13.82, 4: 18.47, 6: 22.46 };

for (const [n, seeds] of [[3, 600], [5, 750], [7, 700]] as const) {
  it(`over ${seeds} seeds among ${n} members, the winners fit a uniform draw (chi-square, ${n - 1} degrees of freedom, below ${CRITICAL[n - 1]})`, async () => {
    const counts = await winnerCounts(n, seeds, `fair-long-${n}`);
    const statistic = chiSquareUniform(counts);
    assert.ok(statistic < CRITICAL[n - 1]!, `chi-square ${statistic.toFixed(2)} over counts ${counts.join(', ')}`); // every n has a critical value
  });
}
