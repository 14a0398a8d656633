/**
 * The key store on disk: a file in the format of `crypto/key-store-format.ts`, replaced
 * atomically on every save. The new content goes to a temporary file beside the target, is
 * flushed to disk (`fsync`), and is then renamed over the old file, and the directory is flushed;
 * so a crash or a failed write at any point leaves either the old file or the new one, never a
 * mix, and a failed save removes its temporary file.
 *
 * @module
 */
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { toHex } from '../core/bytes.ts';
import type { RandomEffects } from '../core/effects.ts';
import { permanentError, systemError } from '../core/errors.ts';
import { DEFAULT_SCRYPT, openKeyStore, sealKeyStore, type KeyStoreEntries, type ScryptParams } from '../crypto/key-store-format.ts';

/** The file operations a key store needs (replaceable in tests to simulate failures). */
export interface KeyStoreFiles {
  /** Reads a whole file. */
  readFile(path: string): Promise<Uint8Array>;
  /** Creates `path` (failing if it exists), writes `data` and flushes it to disk. */
  writeDurably(path: string, data: Uint8Array): Promise<void>;
  /** Renames `from` over `to`, atomically. */
  rename(from: string, to: string): Promise<void>;
  /** Deletes a file. */
  unlink(path: string): Promise<void>;
  /** Flushes a directory's entries to disk. */
  syncDirectory(path: string): Promise<void>;
}

/** The real file system. */
export const nodeKeyStoreFiles: KeyStoreFiles = {
  readFile: async (path) => new Uint8Array(await readFile(path)),
  async writeDurably(path, data) {
    const handle = await open(path, 'wx', 0o600);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  rename,
  unlink,
  async syncDirectory(path) {
    const handle = await open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
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
    const temporary = join(dirname(this.path), `.${basename(this.path)}.${toHex(this.random.randomBytes(8))}.tmp`);
    try {
      await this.files.writeDurably(temporary, sealed);
      await this.files.rename(temporary, this.path);
    } catch (error) {
      await this.files.unlink(temporary).catch(() => undefined); // it may never have been created
      throw systemError('keystore.write-failed', `cannot write the key store at ${this.path}: ${(error as Error).message}; the previous file is unchanged`, { cause: error });
    }
    try {
      await this.files.syncDirectory(dirname(this.path));
    } catch (error) {
      throw systemError('keystore.sync-failed', `the key store at ${this.path} was replaced, but its directory could not be flushed to disk: ${(error as Error).message}`, { cause: error });
    }
  }
}
