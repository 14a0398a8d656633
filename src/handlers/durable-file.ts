/**
 * Replacing a file durably, for the small files a device keeps beside its database (the key
 * store, `aura.json`, `recovery.json`): a crash or a failed write at any point leaves the old
 * content or the new, never a mix, and once the replace returns the new content survives a power
 * loss. The content goes to a temporary file beside the target (created exclusively, under a
 * random name, mode 0600), is flushed (`fsync`), and is renamed over the target; then the
 * directory is flushed, since the rename lives in the directory's entries and is durable only
 * once they are on disk. A failure before the rename removes the temporary file.
 *
 * Source: POSIX `rename(2)` (atomic replacement of the target) and `fsync(2)` (a file's directory
 * entry is durable only after the directory itself is flushed).
 *
 * @module
 */
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { toHex } from '../core/bytes.ts';
import type { RandomEffects } from '../core/effects.ts';
import { systemError } from '../core/errors.ts';
import { NodeRandom } from './random.ts';

/** The file operations of a durable replace (replaceable in tests to inject failures between steps). */
export interface DurableFiles {
  /** Creates `path` (failing if it exists), writes `data` and flushes it to disk. */
  writeDurably(path: string, data: Uint8Array | string): Promise<void>;
  /** Renames `from` over `to`, atomically. */
  rename(from: string, to: string): Promise<void>;
  /** Deletes a file. */
  unlink(path: string): Promise<void>;
  /** Flushes a directory's entries to disk. */
  syncDirectory(path: string): Promise<void>;
}

/** Runs `use` on the file at `path` opened with `flags`, then closes it. */
async function withFile(path: string, flags: string, use: (handle: FileHandle) => Promise<void>, mode?: number): Promise<void> {
  const handle = await open(path, flags, mode);
  try {
    await use(handle);
  } finally {
    await handle.close();
  }
}

/** The real file system. */
export const nodeDurableFiles: DurableFiles = {
  writeDurably: (path, data) =>
    withFile(
      path,
      'wx',
      async (handle) => {
        await handle.writeFile(data);
        await handle.sync();
      },
      0o600,
    ),
  rename,
  unlink,
  syncDirectory: (path) => withFile(path, 'r', (handle) => handle.sync()),
};

/** Options of {@link replaceFileDurably}. */
export interface DurableReplaceOptions {
  /** Names the temporary file (default {@link NodeRandom}). */
  readonly random?: RandomEffects;
  /** The file operations (default {@link nodeDurableFiles}). */
  readonly files?: DurableFiles;
}

/** The temporary file a replace of `path` writes first: hidden, beside it, under a random name. */
function temporaryPath(path: string, random: RandomEffects): string {
  return join(dirname(path), `.${basename(path)}.${toHex(random.randomBytes(8))}.tmp`);
}

/**
 * Replaces the content of `path` (created when missing) with `data`, durably (see the module
 * comment). Errors: `file.write-failed` (the old content is unchanged and no temporary file is
 * left), `file.sync-failed` (the new content is in place, but its directory could not be flushed,
 * so a power loss may still bring back the old).
 */
export async function replaceFileDurably(path: string, data: Uint8Array | string, options: DurableReplaceOptions = {}): Promise<void> {
  const files = options.files ?? nodeDurableFiles;
  const temporary = temporaryPath(path, options.random ?? new NodeRandom());
  try {
    await files.writeDurably(temporary, data);
    await files.rename(temporary, path);
  } catch (error) {
    await files.unlink(temporary).catch(() => undefined); // it may never have been created
    throw systemError('file.write-failed', `cannot write ${path}: ${(error as Error).message}; the previous content is unchanged`, { cause: error, context: { path } });
  }
  try {
    await files.syncDirectory(dirname(path));
  } catch (error) {
    throw systemError('file.sync-failed', `${path} was replaced, but its directory could not be flushed to disk: ${(error as Error).message}`, { cause: error, context: { path } });
  }
}
