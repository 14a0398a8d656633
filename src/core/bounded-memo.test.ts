import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BoundedMap, BoundedSet } from './bounded-memo.ts';

test('a bounded map forgets everything before a new key once full, and keeps replacing a held key', () => {
  const map = new BoundedMap<string, number>(2);
  map.set('a', 1).set('b', 2);
  map.set('b', 3);
  assert.deepEqual([...map], [['a', 1], ['b', 3]], 'a held key is replaced without forgetting');
  map.set('c', 4);
  assert.deepEqual([...map], [['c', 4]]);
});

test('a bounded set forgets everything before a new value once full', () => {
  const set = new BoundedSet<string>(2);
  set.add('a').add('b').add('b');
  assert.deepEqual([...set], ['a', 'b']);
  set.add('c');
  assert.deepEqual([...set], ['c']);
});
