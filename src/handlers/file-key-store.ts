/**
 * The key store on disk: a file in the format of `crypto/key-store-format.ts`, replaced durably
 * on every save (`durable-file.ts`: temporary file, flush, rename, flush of the directory), so a
 * crash or a failed write at any point leaves either the old file or the new one, never a mix,
 * and a failed save removes its temporary file.
 *
 * Writes to one file are serialized within the process: every {@link FileKeyStore.update} (read,
 * change, write) and {@link FileKeyStore.save} of a path waits for the ones started before it, on
 * the file's queue (`path-queue.ts`), so two `FileKeyStore`s of one file share it too. Without it two
 * background commits (a guardian desk storing one authority's share while the device agent
 * commits its own authority's change) could read the same entries, and the later write would
 * drop the earlier's entry. Other processes are kept out by the device directory's lock.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import type { RandomEffects } from '../core/effects.ts';
import { isAuraError, permanentError, systemError } from '../core/errors.ts';
import { DEFAULT_SCRYPT, openKeyStore, sealKeyStore, type KeyStoreChange, type KeyStoreEntries, type ScryptParams } from '../crypto/key-store-format.ts';
import { nodeDurableFiles, replaceFileDurably, type DurableFiles } from './durable-file.ts';
import { serializedOnPath } from './path-queue.ts';

/** The file operations a key store needs (replaceable in tests to simulate failures). */
export interface KeyStoreFiles extends DurableFiles {
  /** Reads a whole file. */
  readFile(path: string): Promise<Uint8Array>;
}

/** The real file system. */
export const nodeKeyStoreFiles: KeyStoreFiles = {
  ...nodeDurableFiles,
  readFile: async (path) => new Uint8Array(await readFile(path)),
};

/** Options of a {@link FileKeyStore}. */
export interface FileKeyStoreOptions {
  /** scrypt cost (default {@link DEFAULT_SCRYPT}). */
  readonly scrypt?: ScryptParams;
  /** File operations (default {@link nodeKeyStoreFiles}). */
  readonly files?: KeyStoreFiles;
}

/** An encrypted key store in one file. */
export class FileKeyStore {
  private readonly scrypt: ScryptParams;
  private readonly files: KeyStoreFiles;

  constructor(
    /** The file's path. */
    readonly path: string,
    private readonly random: RandomEffects,
    options: FileKeyStoreOptions = {},
  ) {
    this.scrypt = options.scrypt ?? DEFAULT_SCRYPT;
    this.files = options.files ?? nodeKeyStoreFiles;
  }

  /**
   * The entries in the file. Errors: `keystore.not-found`, and those of `openKeyStore`
   * (`keystore.wrong-passphrase`, `keystore.corrupt`, `keystore.unsupported-version`).
   */
  async load(passphrase: string): Promise<KeyStoreEntries> {
    let bytes: Uint8Array;
    try {
      bytes = await this.files.readFile(this.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw permanentError('keystore.not-found', `no key store at ${this.path}`, { cause: error });
      throw systemError('keystore.read-failed', `cannot read the key store at ${this.path}: ${(error as Error).message}`, { cause: error });
    }
    return openKeyStore(bytes, passphrase);
  }

  /**
   * Replaces the file's content with `entries`, atomically, after the writes queued before it (for
   * creating a store; a change of one goes through {@link update}). Errors: `keystore.write-failed`
   * (the old file is intact), `keystore.sync-failed` (the new file is in place but not yet durable).
   */
  save(entries: KeyStoreEntries, passphrase: string): Promise<void> {
    return serializedOnPath(this.path, () => this.write(entries, passphrase));
  }

  /**
   * Loads the entries (`undefined` when the file does not exist), applies `change` and writes its
   * result (unless it is `undefined`), after the writes queued before it and before any queued
   * after it. Returns the entries the file holds afterwards. Errors: those of {@link load} but
   * `keystore.not-found`, of {@link save}, and whatever `change` throws (nothing is written).
   */
  update(passphrase: string, change: KeyStoreChange): Promise<KeyStoreEntries | undefined> {
    return serializedOnPath(this.path, async () => {
      const current = await this.loadIfAny(passphrase);
      const next = change(current);
      if (next === undefined) return current;
      await this.write(next, passphrase);
      return next;
    });
  }

  private async loadIfAny(passphrase: string): Promise<KeyStoreEntries | undefined> {
    try {
      return await this.load(passphrase);
    } catch (error) {
      if (isAuraError(error, 'keystore.not-found')) return undefined;
      throw error;
    }
  }

  private async write(entries: KeyStoreEntries, passphrase: string): Promise<void> {
    const sealed = await sealKeyStore(entries, passphrase, this.random, this.scrypt);
    try {
      await replaceFileDurably(this.path, sealed, { random: this.random, files: this.files });
    } catch (error) {
      // replaceFileDurably throws only its two errors; their messages name the file and what happened to it.
      const code = isAuraError(error, 'file.sync-failed') ? 'keystore.sync-failed' : 'keystore.write-failed';
      throw systemError(code, `cannot save the key store: ${(error as Error).message}`, { cause: error });
    }
  }
}
