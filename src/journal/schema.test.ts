import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomIdentifier } from '../core/identifiers.ts';
import { SeededRandom } from '../handlers/random.ts';
import { bool, bytes, bytesUpTo, identifier, identifierOf, list, literal, optional, record, text, uint, variant } from './schema.ts';

const device = randomIdentifier('device', new SeededRandom('schema'));

test('each schema accepts what it describes and names the path of what it refuses', () => {
  const schema = record({
    name: text(5),
    count: uint(10),
    flag: bool,
    key: bytes(2),
    note: optional(bytesUpTo(1)),
    who: identifier('device'),
    either: identifierOf('device', 'authority'),
    tags: list(literal('a', 'b'), 2),
    shape: variant({ dot: {}, line: { length: uint() } }),
  });
  const good = { name: 'ok', count: 3, flag: true, key: new Uint8Array(2), who: device, either: device, tags: ['a'], shape: { kind: 'line', length: 4 } };
  assert.equal(schema(good, 'p'), undefined);
  assert.equal(schema({ ...good, note: new Uint8Array(1) }, 'p'), undefined);
  const cases: [unknown, string][] = [
    [{ ...good, name: 'too long' }, 'p.name: string longer than 5 characters'],
    [{ ...good, count: 11 }, 'p.count: 11 exceeds the maximum 10'],
    [{ ...good, count: 1.5 }, 'p.count: expected a non-negative integer, got number 1.5'],
    [{ ...good, flag: 1 }, 'p.flag: expected a boolean, got number 1'],
    [{ ...good, key: new Uint8Array(3) }, 'p.key: expected 2 bytes, got 3'],
    [{ ...good, note: new Uint8Array(2) }, 'p.note: longer than 1 bytes'],
    [{ ...good, tags: ['a', 'c'] }, 'p.tags[1]: expected one of "a", "b", got "c"'],
    [{ ...good, tags: ['a', 'a', 'a'] }, 'p.tags: list longer than 2 items'],
    [{ ...good, shape: { kind: 'circle' } }, 'p.shape.kind: expected one of "dot", "line", got "circle"'],
    [{ ...good, shape: { kind: 'line' } }, 'p.shape: missing field "length"'],
    [{ ...good, extra: 1 }, 'p: unexpected field "extra"'],
    [{ ...good, constructor: 1 }, 'p: unexpected field "constructor"'],
    [{ ...good, toString: 'x' }, 'p: unexpected field "toString"'],
    [[], 'p: expected a map, got a list'],
  ];
  for (const [value, reason] of cases) assert.equal(schema(value, 'p'), reason);
  assert.match(schema({ ...good, who: 'device-nope' }, 'p') ?? '', /^p\.who: /);
  assert.match(schema({ ...good, either: 'context-x' }, 'p') ?? '', /^p\.either: expected device or authority identifier/);
});
