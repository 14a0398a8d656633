/**
 * A test body run in a fresh temporary directory, removed afterwards whatever the body did: for
 * the tests of code that writes files.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A test function that runs `run` in a new temporary directory named with `prefix`, then deletes it. */
export function inTemporaryDirectory(prefix: string, run: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    try {
      await run(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}
