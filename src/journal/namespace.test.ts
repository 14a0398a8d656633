import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAuraError } from '../core/errors.ts';
import { randomIdentifier } from '../core/identifiers.ts';
import { SeededRandom } from '../handlers/random.ts';
import { namespaceKind, parseNamespace } from './namespace.ts';

const random = new SeededRandom('namespace');

test('authorities and contexts are namespaces; other identifiers are not', () => {
  const authority = randomIdentifier('authority', random);
  const context = randomIdentifier('context', random);
  assert.equal(namespaceKind(parseNamespace(authority)), 'authority');
  assert.equal(namespaceKind(parseNamespace(context)), 'context');
  assert.throws(() => parseNamespace(randomIdentifier('device', random)), (error: unknown) => isAuraError(error, 'journal.bad-namespace'));
  assert.throws(() => parseNamespace('authority-short'), (error: unknown) => isAuraError(error, 'id.malformed'));
});
