// The long fuzz run of the issue: 100k random and mutated inputs (AURA_LONG=1 npm test).
import { test } from 'node:test';
import { fuzzChecker } from '../../test/support/choreo-fuzz.ts';

test('fuzz: 100k random and mutated inputs never throw and always get a verdict', () => {
  fuzzChecker(100_000);
});
