import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { SeededRandom } from '../handlers/random.ts';
import { isAuraError } from './errors.ts';
import { deriveIdentifier, identifierBytes, identifierFromBytes, identifierKind, parseIdentifier, randomIdentifier, type AuthorityId } from './identifiers.ts';

test('text forms parse back to the same identifier and bytes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.constantFrom('authority', 'device', 'context', 'session', 'account' as const), (bytes, kind) => {
      const id = identifierFromBytes(kind, bytes);
      assert.ok(id.startsWith(`${kind}-`));
      assert.equal(parseIdentifier(kind, id), id);
      assert.deepEqual(identifierBytes(id), bytes);
      assert.equal(identifierKind(id), kind);
    }),
  );
});

test('random identifiers come from the random effect', () => {
  const a = randomIdentifier('device', new SeededRandom(7));
  const b = randomIdentifier('device', new SeededRandom(7));
  const c = randomIdentifier('device', new SeededRandom(8));
  assert.equal(a, b);
  assert.notEqual(a, c);
});

test('derived identifiers depend on the value and the kind, not on key order', () => {
  const authority: AuthorityId = deriveIdentifier('authority', { groupKey: 'abc', epoch: 0 });
  assert.equal(deriveIdentifier('authority', { epoch: 0, groupKey: 'abc' }), authority);
  assert.notEqual(deriveIdentifier('authority', { groupKey: 'abd', epoch: 0 }), authority);
  assert.notEqual(identifierBytes(deriveIdentifier('context', { groupKey: 'abc', epoch: 0 })).join(), identifierBytes(authority).join());
});

test('malformed identifiers get an id.malformed error saying what is wrong', () => {
  const good = identifierFromBytes('device', new Uint8Array(32).fill(7));
  const cases: [string, RegExp][] = [
    [good, /got "device-.*" with a device identifier/],
    ['authority-abc', /expected 52 characters/],
    ['authority-' + good.slice(7).toUpperCase(), /expected 52 characters of a-z and 2-7/],
    ['authority-' + good.slice(7, -1) + '1', /a-z and 2-7/],
    ['', /no known prefix/],
    ['authority', /no known prefix/],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseIdentifier('authority', text), (error: unknown) => isAuraError(error, 'id.malformed') && message.test(error.message), text);
  }
});

test('only the canonical spelling of the last base32 character is accepted', () => {
  const id = identifierFromBytes('session', new Uint8Array(32));
  // 32 bytes use 256 of the 260 bits of 52 characters; setting a spare bit changes the last character.
  const noncanonical = id.slice(0, -1) + 'b';
  assert.throws(() => parseIdentifier('session', noncanonical), (error: unknown) => isAuraError(error, 'id.malformed'));
});

test('identifiers of the wrong length of bytes are refused', () => {
  assert.throws(() => identifierFromBytes('device', new Uint8Array(31)), (error: unknown) => isAuraError(error, 'id.malformed'));
});

test('an identifier accepted once is still refused as another kind, and malformed text is refused every time', () => {
  const device = randomIdentifier('device', new SeededRandom('parse-twice'));
  for (let i = 0; i < 2; i++) {
    assert.equal(parseIdentifier('device', device), device);
    assert.throws(() => parseIdentifier('authority', device), (e) => isAuraError(e, 'id.malformed'));
    assert.throws(() => parseIdentifier('device', `${device.slice(0, -1)}1`), (e) => isAuraError(e, 'id.malformed'));
  }
});
