/**
 * Replacing a small file of a device directory (`aura.json`, `recovery.json`) so that a crash at
 * any point leaves the old content or the new, never a mix: the text goes to a temporary file
 * beside it, is flushed to disk, then renamed over the old file.
 *
 * @module
 */
import { open, rename, unlink } from 'node:fs/promises';
import { systemError } from '../core/errors.ts';

/** Writes `text` to `path` atomically (temporary file, flush, rename). Error: `agent.io`. */
export async function writeFileAtomically(path: string, text: string): Promise<void> {
  const temporary = `${path}.tmp`;
  try {
    const handle = await open(temporary, 'w', 0o600);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined); // it may never have been created
    throw systemError('agent.io', `cannot write ${path}: ${(error as Error).message}`, { cause: error });
  }
}
