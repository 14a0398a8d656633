// `aura choreo gen`: the committed typed API of the two-buyer example is what the command writes,
// and a freshly generated API type-checks with tsc beside the must-fail file, whose every marked
// wrong-state call must be an error (tsc fails on a @ts-expect-error whose line compiles).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { aura } from '../../../test/support/cli.ts';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const TWO_BUYER = join(ROOT, 'examples', 'choreo', 'two-buyer.choreo');
const RUN = join(ROOT, 'examples', 'run');

async function withTempDir(body: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'aura-gen-'));
  try {
    await body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('gen writes the committed API of the example (regenerate it when the protocol changes)', async () => {
  await withTempDir(async (dir) => {
    const out = join(dir, 'two-buyer.generated.ts');
    const run = await aura('choreo', 'gen', TWO_BUYER, '--out', out, '--runtime-import', '../../src/runtime/index.ts');
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /typed API of TwoBuyer for Buyer1, Buyer2, Seller/);
    assert.equal(readFileSync(out, 'utf8'), readFileSync(join(RUN, 'two-buyer.generated.ts'), 'utf8'));
  });
});

test('a generated API type-checks, and every wrong-state call of the must-fail file is a compile error', async () => {
  await withTempDir(async (dir) => {
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
    const run = await aura('choreo', 'gen', TWO_BUYER, '--out', join(dir, 'two-buyer.generated.ts'));
    assert.equal(run.status, 0, run.stderr);
    copyFileSync(join(RUN, 'two-buyer.must-fail.ts'), join(dir, 'must-fail.ts'));
    const markers = readFileSync(join(dir, 'must-fail.ts'), 'utf8').split('\n').filter((line) => line.trim().startsWith('// @ts-expect-error')).length;
    assert.ok(markers >= 10, `${markers} marked mistakes`);
    const args = ['--noEmit', '--strict', '--noUncheckedIndexedAccess', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--allowImportingTsExtensions', '--skipLibCheck', '--types', 'node', '--typeRoots', join(ROOT, 'node_modules', '@types')];
    const tsc = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), ...args, join(dir, 'two-buyer.generated.ts'), join(dir, 'must-fail.ts')], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
  });
});

test('gen: usage and input errors', async () => {
  assert.equal((await aura('choreo', 'gen', TWO_BUYER)).status, 2, 'missing --out');
  const symbolic = await aura('choreo', 'gen', join(ROOT, 'examples', 'choreo', 'ring.choreo'), '--out', join(tmpdir(), 'never-written.ts'));
  assert.equal(symbolic.status, 1);
  assert.match(symbolic.stderr, /--param N=/);
  const unwritable = await aura('choreo', 'gen', TWO_BUYER, '--out', join(ROOT, 'no-such-dir', 'x.ts'));
  assert.equal(unwritable.status, 1);
  assert.match(unwritable.stderr, /cannot write/);
});
