import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAuraError } from '../core/errors.ts';
import { LOCK_FILE, lockDir, lockOwner } from './dir-lock.ts';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'aura-lock-'));
}

test('a held lock refuses a second opener, naming the process; released, it can be taken again', (t) => {
  const dir = tempDir();
  t.after(() => { rmSync(dir, { recursive: true, force: true }); });
  const lock = lockDir(dir);
  assert.equal(lockOwner(lock.path), process.pid);
  assert.throws(() => lockDir(dir), (e) => isAuraError(e, 'agent.locked') && e.message.includes(String(process.pid)));
  lock.release();
  assert.equal(existsSync(lock.path), false);
  lockDir(dir).release();
});

test('a lock left by a process that is gone is stale and taken over', (t) => {
  const dir = tempDir();
  t.after(() => { rmSync(dir, { recursive: true, force: true }); });
  const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  writeFileSync(join(dir, LOCK_FILE), `${gone.stdout}\n`);
  const lock = lockDir(dir);
  assert.equal(lockOwner(lock.path), process.pid);
  lock.release();
});
