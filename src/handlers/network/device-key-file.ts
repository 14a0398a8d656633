/**
 * The device key of an `aura node`, kept in its data directory as `device.key`: the 32-byte
 * Ed25519 secret seed, raw, in a file of mode 0600 inside a directory of mode 0700. A key file
 * readable by others is refused (as ssh does), and so is one of the wrong size.
 *
 * Not encrypted at rest: the encrypted key store (`src/crypto/`, in progress) replaces this
 * function; it is the only place the node reads its key.
 *
 * @module
 */
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RandomEffects } from '../../core/effects.ts';
import { permanentError, toAuraError } from '../../core/errors.ts';
import { DEVICE_KEY_BYTES } from './peer-identity.ts';

/** The key file's name inside the data directory. */
export const DEVICE_KEY_FILE = 'device.key';

/** A device key and where it came from. */
export interface LoadedDeviceKey {
  /** The 32-byte Ed25519 secret seed. */
  readonly secretKey: Uint8Array;
  /** True when this call created it. */
  readonly created: boolean;
  /** The key file. */
  readonly path: string;
}

/**
 * Reads the device key from `dataDir`, or creates the directory and a fresh key from `random`.
 * Errors: `network.key-file-corrupt` (wrong size), `network.key-file-exposed` (group or others
 * may read it), `storage.io` (the file system refused).
 */
export async function loadOrCreateDeviceKey(dataDir: string, random: RandomEffects): Promise<LoadedDeviceKey> {
  const path = join(dataDir, DEVICE_KEY_FILE);
  try {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    const created = await createKeyFile(path, random);
    if (created !== undefined) return { secretKey: created, created: true, path };
    return { secretKey: await readKeyFile(path), created: false, path };
  } catch (error) {
    throw toAuraError(error, 'storage.io');
  }
}

/** Writes a fresh key unless the file exists; returns the key, or `undefined` if it existed. */
async function createKeyFile(path: string, random: RandomEffects): Promise<Uint8Array | undefined> {
  const secretKey = random.randomBytes(DEVICE_KEY_BYTES);
  try {
    await writeFile(path, secretKey, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw error;
  }
  await chmod(path, 0o600); // the umask may have narrowed the mode; make it exact
  return secretKey;
}

async function readKeyFile(path: string): Promise<Uint8Array> {
  const info = await stat(path);
  if ((info.mode & 0o077) !== 0) {
    throw permanentError('network.key-file-exposed', `${path} is readable by others (mode ${(info.mode & 0o777).toString(8)}); run chmod 600 on it`, { context: { path } });
  }
  const bytes = new Uint8Array(await readFile(path));
  if (bytes.length !== DEVICE_KEY_BYTES) {
    throw permanentError('network.key-file-corrupt', `${path} holds ${bytes.length} bytes; a device key has ${DEVICE_KEY_BYTES}`, { context: { path, length: bytes.length } });
  }
  return bytes;
}
