import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAuraError } from '../core/errors.ts';
import { nodeDurableFiles, replaceFileDurably, type DurableFiles } from './durable-file.ts';
import { SeededRandom } from './random.ts';
import { inTemporaryDirectory } from '../../test/support/temporary-directory.ts';

type Step = keyof DurableFiles;

/** How an injected fault strikes a step: it fails before doing anything, or writes half and fails, or hangs (a crash). */
type Fault = 'fail' | 'half-written' | 'crash';

/** The real file system, but `step` meets `fault`; `reached` resolves when the replace comes to it. */
function faulty(step: Step, fault: Fault): { readonly files: DurableFiles; readonly reached: Promise<void> } {
  let arrive = (): void => undefined;
  const reached = new Promise<void>((resolve) => {
    arrive = resolve;
  });
  const strike = async (path: string, data?: Uint8Array | string): Promise<void> => {
    arrive();
    if (fault === 'crash') return new Promise(() => undefined);
    if (fault === 'half-written' && data !== undefined) writeFileSync(path, data.slice(0, data.length >> 1));
    throw new Error(`injected ${fault} at ${step}`);
  };
  return { files: { ...nodeDurableFiles, [step]: strike }, reached };
}

test(
  'a replace creates the file, then replaces its content, and leaves nothing else in the directory',
  inTemporaryDirectory('aura-durable-', async (dir) => {
    const path = join(dir, 'aura.json');
    await replaceFileDurably(path, 'first');
    assert.equal(readFileSync(path, 'utf8'), 'first');
    await replaceFileDurably(path, new TextEncoder().encode('second'), { random: new SeededRandom('durable') });
    assert.equal(readFileSync(path, 'utf8'), 'second');
    assert.deepEqual(readdirSync(dir), ['aura.json']);
  }),
);

const OLD = 'old content, long enough to be cut in half';
const NEW = 'new content, which must never be seen only in part';

for (const [step, fault, expected, code] of [
  ['writeDurably', 'fail', OLD, 'file.write-failed'],
  ['writeDurably', 'half-written', OLD, 'file.write-failed'],
  ['rename', 'fail', OLD, 'file.write-failed'],
  ['syncDirectory', 'fail', NEW, 'file.sync-failed'],
] as const) {
  test(
    `a failure at ${step} (${fault}) leaves the ${expected === OLD ? 'old' : 'new'} content, ${code}, and no temporary file`,
    inTemporaryDirectory('aura-durable-', async (dir) => {
      const path = join(dir, 'keys');
      writeFileSync(path, OLD);
      await assert.rejects(replaceFileDurably(path, NEW, { files: faulty(step, fault).files }), (e) => isAuraError(e, code) && e.message.includes(path) && e.message.includes(`injected ${fault} at ${step}`));
      assert.equal(readFileSync(path, 'utf8'), expected);
      assert.deepEqual(readdirSync(dir), ['keys']);
    }),
  );
}

test(
  'a failed first write leaves no file at all',
  inTemporaryDirectory('aura-durable-', async (dir) => {
    const path = join(dir, 'recovery.json');
    await assert.rejects(replaceFileDurably(path, NEW, { files: faulty('rename', 'fail').files }), (e) => isAuraError(e, 'file.write-failed'));
    assert.deepEqual(readdirSync(dir), []);
  }),
);

for (const [step, expected] of [
  ['writeDurably', OLD],
  ['rename', OLD],
  ['syncDirectory', NEW],
] as const) {
  test(
    `a crash at ${step} leaves the ${expected === OLD ? 'old' : 'new'} content in place`,
    inTemporaryDirectory('aura-durable-', async (dir) => {
      const path = join(dir, 'aura.json');
      writeFileSync(path, OLD);
      // The replace never returns, as in a process that died at this step; the file is what the disk holds.
      const { files, reached } = faulty(step, 'crash');
      void replaceFileDurably(path, NEW, { files });
      await reached;
      assert.equal(readFileSync(path, 'utf8'), expected);
    }),
  );
}
