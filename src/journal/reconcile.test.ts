import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { toHex } from '../core/bytes.ts';
import { contentId } from '../core/content-id.ts';
import { isAuraError } from '../core/errors.ts';
import { LIST_THRESHOLD, RangeReconciler, decodeReconcileMessage, encodeReconcileMessage, reconcileLocally } from './reconcile.ts';
import { encodeCanonical } from '../core/canonical.ts';

const ids = (from: number, to: number): Uint8Array[] => Array.from({ length: to - from }, (_, i) => contentId({ fact: from + i }).bytes);
const hexes = (items: readonly Uint8Array[]): string[] => items.map(toHex).sort();

/** `a \ b` as sorted hex. */
function difference(a: readonly Uint8Array[], b: readonly Uint8Array[]): string[] {
  const other = new Set(b.map(toHex));
  return hexes(a.filter((item) => !other.has(toHex(item))));
}

test('each side learns exactly what it lacks, for any two sets', () => {
  const pool = ids(0, 400);
  fc.assert(
    fc.property(fc.subarray(pool), fc.subarray(pool), (a, b) => {
      const run = reconcileLocally(new RangeReconciler(a), new RangeReconciler(b));
      assert.deepEqual(hexes(run.missingAtA), difference(b, a));
      assert.deepEqual(hexes(run.missingAtB), difference(a, b));
    }),
    { numRuns: 60 },
  );
});

test('equal sets are settled by the first message', () => {
  const items = ids(0, 5000);
  const run = reconcileLocally(new RangeReconciler(items), new RangeReconciler([...items].reverse()));
  assert.equal(run.messages, 1);
  assert.deepEqual(run.missingAtA, []);
});

test('a few differences in a large set cost far less than listing the set', () => {
  const shared = ids(0, 20_000);
  const run = reconcileLocally(new RangeReconciler([...shared, ...ids(20_000, 20_010)]), new RangeReconciler([...shared, ...ids(30_000, 30_010)]));
  assert.equal(run.missingAtA.length, 10);
  assert.equal(run.missingAtB.length, 10);
  assert.ok(run.bytes < (shared.length * 36) / 20, `${run.bytes} bytes exchanged`);
});

test('small sets are simply listed', () => {
  const reconciler = new RangeReconciler(ids(0, LIST_THRESHOLD));
  const [range] = reconciler.initiate();
  assert.equal(range?.[1], 2);
});

test('malformed input is refused', () => {
  assert.throws(() => new RangeReconciler([new Uint8Array(8)]), (error: unknown) => isAuraError(error, 'reconcile.bad-item'));
  const reconciler = new RangeReconciler(ids(0, 100));
  const items = ids(0, 100).sort((x, y) => (toHex(x) < toHex(y) ? -1 : 1));
  assert.throws(() => reconciler.reconcile([[items[50]!, 0], [items[10]!, 0], [null, 0]]), (error: unknown) => isAuraError(error, 'reconcile.malformed'));
});

test('messages from the wire are checked, naming the range that is wrong', () => {
  const message = new RangeReconciler(ids(0, 500)).initiate();
  assert.deepEqual(decodeReconcileMessage(encodeReconcileMessage(message)), message);
  const bound = (n: number): Uint8Array => new Uint8Array([n]);
  const cases: [unknown, RegExp][] = [
    [[], /non-empty list/],
    [[[bound(1), 0]], /range 0: the last range must end at null/],
    [[[null, 0], [null, 0]], /range 0: only the last range may end at null/],
    [[[bound(2), 0], [bound(1), 0], [null, 0]], /range 1: upper bounds must increase/],
    [[[null, 1, new Uint8Array(15)]], /range 0: a fingerprint has 8 bytes/],
    [[[null, 2, [new Uint8Array(8)]]], /range 0: items are 32 to 64 bytes/],
    [[[null, 7, 0]], /range 0: unknown mode 7/],
  ];
  for (const [value, pattern] of cases) {
    assert.throws(() => decodeReconcileMessage(encodeCanonical(value)), (error: unknown) => isAuraError(error, 'reconcile.malformed') && pattern.test(error.message));
  }
});
