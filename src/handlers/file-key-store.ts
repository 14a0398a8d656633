/**
 * The key store on disk: a file in the format of `crypto/key-store-format.ts`, replaced durably
 * on every save (`durable-file.ts`: temporary file, flush, rename, flush of the directory), so a
 * crash or a failed write at any point leaves either the old file or the new one, never a mix,
 * and a failed save removes its temporary file.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import type { RandomEffects } from '../core/effects.ts';
import { isAuraError, permanentError, systemError } from '../core/errors.ts';
import { DEFAULT_SCRYPT, openKeyStore, sealKeyStore, type KeyStoreEntries, type ScryptParams } from '../crypto/key-store-format.ts';
import { nodeDurableFiles, replaceFileDurably, type DurableFiles } from './durable-file.ts';

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
   * Replaces the file's content with `entries`, atomically. Errors: `keystore.write-failed` (the
   * old file is intact), `keystore.sync-failed` (the new file is in place but not yet durable).
   */
  async save(entries: KeyStoreEntries, passphrase: string): Promise<void> {
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
