import { test } from 'node:test';
import { crashTest } from './fixtures/crash-harness.ts';

test('facts acknowledged before a SIGKILL survive it, batches are never half-written, and the store stays sound (24 kills)', () => crashTest(24, 'crash-test'));
