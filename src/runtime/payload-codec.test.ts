import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeCanonical, encodeCanonical, type CanonicalValue } from '../core/canonical.ts';
import { isAuraError } from '../core/errors.ts';
import { parseType } from './builder.ts';
import { compilePayload, PayloadShapeError, TypeRegistry, type PayloadCodec } from './payload-codec.ts';

const builtins = new TypeRegistry();
const fields = (spec: Record<string, string>, registry = builtins): PayloadCodec =>
  compilePayload({ kind: 'fields', fields: Object.entries(spec).map(([name, type]) => ({ name, type: parseType(type) })) }, registry);
const single = (type: string, registry = builtins): PayloadCodec => compilePayload({ kind: 'type', type: parseType(type) }, registry);

function refuses(codec: PayloadCodec, value: unknown, message: RegExp): void {
  assert.throws(() => codec.encode(value), (error: unknown) => error instanceof PayloadShapeError && message.test(error.message), String(message));
}

test('integers: every width checks its range; a bigint in the safe range becomes a number', () => {
  assert.equal(single('u8').encode(255), 255);
  refuses(single('u8'), 256, /expected u8/);
  refuses(single('u64'), -1, /expected u64/);
  refuses(single('i8'), -129n, /expected i8/);
  assert.equal(single('u64').encode(12n), 12);
  assert.equal(single('u64').encode(2n ** 64n - 1n), 2n ** 64n - 1n);
  refuses(single('u64'), 2n ** 64n, /u64/);
  refuses(single('u64'), 2 ** 60, /safe integer/);
  refuses(single('i64'), 1.5, /i64/);
});

test('records have exactly their fields, nested paths are named, and unchanged values are not copied', () => {
  const codec = fields({ id: 'u64', tags: '[string]', data: 'Option<bytes>', ok: 'bool' });
  const value = { id: 1, tags: ['a'], data: null, ok: true };
  assert.equal(codec.encode(value), value);
  assert.deepEqual(codec.encode({ ...value, id: 3n }), { ...value, id: 3 });
  refuses(codec, { ...value, extra: 1 }, /record \{id, tags, data, ok, extra\}/);
  refuses(codec, { id: 1, tags: [], ok: true, other: null }, /without data/);
  refuses(codec, { ...value, tags: ['a', 7] }, /payload\.tags\[1\]: expected string/);
  refuses(codec, { ...value, data: 'x' }, /payload\.data: expected bytes/);
  refuses(codec, [1], /expected a record/);
  refuses(codec, new Map(), /expected a record/);
  assert.equal(compilePayload(null, builtins).encode(undefined), null);
  refuses(compilePayload(null, builtins), 0, /no payload/);
});

test('wire values survive canonical encoding with the same meaning (property)', () => {
  const codec = fields({ n: 'u64', items: 'List<i32>', name: 'string', blob: 'bytes' });
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })), fc.string(), fc.uint8Array(), (n, items, name, blob) => {
      const wire = codec.encode({ n, items, name, blob });
      const decoded = codec.decode(decodeCanonical(encodeCanonical(wire)) as CanonicalValue);
      assert.deepEqual(decoded, wire);
    }),
  );
});

test('named types use their registered codec, and an unregistered one fails at compile time', () => {
  const registry = new TypeRegistry().register('Point', {
    encode: (value) => {
      const point = value as { x: number; y: number };
      if (typeof point.x !== 'number' || typeof point.y !== 'number') throw new Error('not a point');
      return [point.x, point.y];
    },
    decode: (wire) => {
      if (!Array.isArray(wire) || wire.length !== 2) throw new Error('not a pair');
      const [x, y] = wire as readonly unknown[];
      return { x, y };
    },
  });
  const codec = fields({ at: 'Point', path: '[Point]' }, registry);
  assert.deepEqual(codec.encode({ at: { x: 1, y: 2 }, path: [] }), { at: [1, 2], path: [] });
  assert.deepEqual(codec.decode({ at: [3, 4], path: [[5, 6]] }), { at: { x: 3, y: 4 }, path: [{ x: 5, y: 6 }] });
  assert.throws(() => codec.decode({ at: [1], path: [] }), /payload\.at: expected Point \(not a pair\)/);
  assert.throws(() => fields({ at: 'Point' }), (error: unknown) => isAuraError(error, 'runtime.unknown-type') && /Point/.test(error.message));
  assert.throws(() => single('Option<u8, u8>'), (error: unknown) => isAuraError(error, 'runtime.unknown-type'));
});

test('Map<string, V> is a plain object with any string keys; its values are checked and normalized; other keys are refused at start', () => {
  const codec = single('Map<string, u64>');
  const value = { apple: 3, pear: 0 };
  assert.equal(codec.encode(value), value);
  assert.deepEqual(codec.encode({ big: 5n }), { big: 5 });
  assert.deepEqual(codec.decode(decodeCanonical(encodeCanonical({ a: 1, b: 2 })) as CanonicalValue), { a: 1, b: 2 });
  assert.deepEqual(codec.encode({}), {});
  refuses(codec, { apple: 'three' }, /payload\["apple"\]: expected u64/);
  refuses(codec, new Map([['a', 1]]), /expected Map<string, u64>/);
  refuses(codec, [1], /expected Map<string, u64>/);
  assert.throws(() => single('Map<u64, string>'), (error: unknown) => isAuraError(error, 'runtime.unknown-type') && /map keys are strings/.test(error.message));
  assert.throws(() => single('Map<string>'), (error: unknown) => isAuraError(error, 'runtime.unknown-type'));
});
