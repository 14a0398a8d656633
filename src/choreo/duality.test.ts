// Duality of two-role projections.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { END, type LocalType } from './local-type.ts';
import { dualityMismatch } from './duality.ts';

const send = (label: string, next: LocalType = END): LocalType => ({ kind: 'send', to: 'B', label, payload: null, annotations: {}, next });
const recv = (label: string, next: LocalType = END): LocalType => ({ kind: 'recv', from: 'A', label, payload: null, annotations: {}, next });

test('a send meets the matching receive; local steps are invisible', () => {
  assert.equal(dualityMismatch(send('M', send('N')), recv('M', { kind: 'local', action: 'Log', args: [], next: recv('N') })), null);
});

test('different labels, branch sets or lengths are not dual', () => {
  assert.equal(dualityMismatch(send('M'), recv('N')), 'send M meets receive N');
  assert.match(dualityMismatch({ kind: 'select', branches: { a: END } }, { kind: 'branch', from: 'A', branches: { b: END } }) ?? '', /branches a meet b/);
  assert.equal(dualityMismatch(send('M'), END), 'send meets end');
});
