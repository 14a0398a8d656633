import { test } from 'node:test';
import assert from 'node:assert/strict';
import { factStoreContract, sampleFacts } from '../../test/fact-store-contract.ts';
import { isAuraError } from '../core/errors.ts';
import { MemoryFactStore } from './memory-fact-store.ts';

factStoreContract('memory store', async () => new MemoryFactStore());

test('a fact corrupted underneath the memory store is caught on read and by the deep check', async () => {
  const rows = new Map<string, { namespace: string; typeId: string; bytes: Uint8Array; position: number }>();
  const store = new MemoryFactStore(rows);
  const [a, b] = sampleFacts(2);
  await store.put([a!, b!]);
  const row = rows.get(a!.key)!; // just stored
  rows.set(a!.key, { ...row, bytes: b!.bytes });
  await assert.rejects(store.get(a!.key), (error: unknown) => isAuraError(error, 'cid.mismatch'));
  const report = await store.checkIntegrity({ deep: true });
  assert.equal(report.ok, false);
  assert.match(report.problems[0] ?? '', /does not match its identifier/);
});
