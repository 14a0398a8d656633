import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { V8_FLAGS } from './v8-tuning.ts';

test('this Node\'s V8 knows every flag Aura sets (setFlagsFromString would ignore an unknown one silently; node refuses it on its command line)', () => {
  const run = spawnSync(process.execPath, [...V8_FLAGS, '-e', 'process.exit(0)'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
});
