/**
 * Replacing a small file of a device directory (`aura.json`, `recovery.json`) durably, with the
 * agent's error: the handlers' durable replace (`src/handlers/durable-file.ts`: temporary file,
 * flush, rename, flush of the directory), so a crash at any point leaves the old content or the
 * new, never a mix.
 *
 * @module
 */
import { systemError } from '../core/errors.ts';
import { replaceFileDurably } from '../handlers/durable-file.ts';

/** Writes `text` to `path` durably (see the module comment). Error: `agent.io`, naming whether the old content is unchanged. */
export async function writeFileAtomically(path: string, text: string): Promise<void> {
  try {
    await replaceFileDurably(path, text);
  } catch (error) {
    throw systemError('agent.io', (error as Error).message, { cause: error });
  }
}
