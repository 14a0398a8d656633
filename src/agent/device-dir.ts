/**
 * A device data directory, created and opened:
 *
 * ```text
 * DIR/aura.json      config: authority, device, group key, threshold, members, policy (no secrets)
 * DIR/keys.aura      encrypted key store: device key, HPKE seed, the authority's key share, authority id
 * DIR/journal.sqlite the authority's journal (SQLite fact store, WAL)
 * DIR/agent.lock     while a process has the device open (its pid)
 * DIR/agent.sock     while `aura node --dir DIR` runs: its control socket
 * ```
 *
 * Opening checks before it changes anything: the config must parse, the key store must open with
 * the passphrase (`keystore.wrong-passphrase` otherwise), and config, key store and journal must
 * all belong to the same device of the same authority (`agent.foreign-dir` otherwise, also when the
 * caller expected another authority). Only then is the lock taken and the journal opened; a
 * refused directory is left as it was.
 *
 * Creation writes the key store and the journal first and the config last (atomically), so a
 * directory without a config is one whose creation did not finish (`agent.dir-incomplete`).
 * Opening finishes a membership change the device confirmed but had not applied yet
 * (`settlePendingChange` of `membership-change.ts`), and a guardian's new recovery share whose
 * guardianship `recovery.json` had not taken yet (`settlePendingGuarding` of
 * `pending-guarding.ts`), before anything else uses the directory.
 *
 * Source: issue 11 item 1.
 *
 * @module
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bytesEqual, utf8 } from '../core/bytes.ts';
import type { RandomEffects } from '../core/effects.ts';
import { isAuraError, permanentError, systemError } from '../core/errors.ts';
import type { AuthorityId, DeviceId } from '../core/identifiers.ts';
import { hpkeKeyPairFromSeed, type HpkeKeyPair } from '../crypto/hpke.ts';
import { decodeKeyShare, withEncodedKeyShare, type KeyShare } from '../crypto/key-share.ts';
import { keyStoreParams, type KeyStoreEntries, type ScryptParams } from '../crypto/key-store-format.ts';
import { ed25519PublicKey } from '../crypto/signature.ts';
import type { FactRecord } from '../journal/fact.ts';
import { FileKeyStore } from '../handlers/file-key-store.ts';
import { deviceIdOfPublicKey } from '../handlers/network/peer-identity.ts';
import { SqliteFactStore } from '../handlers/sqlite-fact-store.ts';
import { keyShareEntry, type UnlockedKeyStore } from '../protocols/authority-key-store.ts';
import { checkJournalOwner, storeAuthorityFacts } from './authority-journal.ts';
import { CONFIG_FILE, readConfig, writeConfig, type DeviceConfig } from './device-config.ts';
import { lockDir, type DirLock } from './dir-lock.ts';
import { settlePendingChange } from './membership-change.ts';
import { settlePendingGuarding } from './pending-guarding.ts';

/** The key store's file name. */
export const KEY_STORE_FILE = 'keys.aura';
/** The journal's file name. */
export const JOURNAL_FILE = 'journal.sqlite';
/** The control socket's file name. */
export const CONTROL_SOCKET_FILE = 'agent.sock';

const ENTRY = { deviceKey: 'device.key', hpkeSeed: 'hpke.seed', authority: 'authority' } as const;

/** The secrets of one device. */
export interface DeviceSecrets {
  /** The 32-byte Ed25519 device key (also its libp2p identity). */
  readonly deviceKey: Uint8Array;
  /** The seed of its HPKE key pair. */
  readonly hpkeSeed: Uint8Array;
  /** Its share of the group key. */
  readonly keyShare: KeyShare;
}

/** An open device directory. */
export interface OpenDevice {
  /** The directory. */
  readonly dir: string;
  /** Its config. */
  readonly config: DeviceConfig;
  /** Its secrets. */
  readonly secrets: DeviceSecrets;
  /** Its HPKE key pair. */
  readonly hpke: HpkeKeyPair;
  /** Its journal. */
  readonly journal: SqliteFactStore;
  /** Its key store, unlocked (for replacing the share when the membership changes). */
  readonly keys: UnlockedKeyStore;
  /** Closes the journal and releases the lock. */
  readonly close: () => Promise<void>;
}

/** How to create a device directory. */
export interface CreateDevice {
  /** The config to write. */
  readonly config: DeviceConfig;
  /** The secrets to seal. */
  readonly secrets: DeviceSecrets;
  /** The genesis facts of the journal. */
  readonly facts: readonly FactRecord[];
  /** The passphrase sealing the key store. */
  readonly passphrase: string;
  /** scrypt cost of the key store. */
  readonly scrypt?: ScryptParams;
  /** Randomness for the key store. */
  readonly random: RandomEffects;
  /**
   * Writes the directory's other files (a recovered device's copied journal and guardianship
   * records), after the key store and the journal and before the config, so a directory whose
   * creation stopped before they were all written has no config (`agent.dir-incomplete`).
   */
  readonly otherFiles?: (dir: string) => Promise<void>;
}

/** The device id of a device key. */
export function deviceOfKey(deviceKey: Uint8Array): DeviceId {
  return deviceIdOfPublicKey(ed25519PublicKey(deviceKey));
}

/**
 * Makes sure `dir` can become a device directory: absent or empty. Error: `agent.dir-not-empty`
 * (nothing in it is touched).
 */
export function checkFreshDir(dir: string): void {
  if (existsSync(dir) && readdirSync(dir).length > 0) throw permanentError('agent.dir-not-empty', `${dir} already exists and is not empty; choose a new directory (nothing in it was changed)`, { context: { dir } });
}

/** Creates the device directory `dir` (absent or empty): key store, journal, `spec.otherFiles`, then the config. */
export async function createDeviceDir(dir: string, spec: CreateDevice): Promise<void> {
  checkFreshDir(dir);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw systemError('agent.io', `cannot create ${dir}: ${(error as Error).message}`, { cause: error });
  }
  await sealDeviceKeys(dir, spec);
  const journal = SqliteFactStore.open(join(dir, JOURNAL_FILE));
  try {
    await storeAuthorityFacts(journal, spec.config.authority, spec.config.groupKey, spec.facts);
  } finally {
    await journal.close();
  }
  await spec.otherFiles?.(dir);
  await writeConfig(dir, spec.config);
}

/** Writes the key store of the device `spec` describes in `dir`: device key, HPKE seed, share, authority. */
export async function sealDeviceKeys(dir: string, spec: Omit<CreateDevice, 'facts'>): Promise<void> {
  const store = new FileKeyStore(join(dir, KEY_STORE_FILE), spec.random, spec.scrypt === undefined ? {} : { scrypt: spec.scrypt });
  await withEncodedKeyShare(spec.secrets.keyShare, (share) =>
    store.save({ [ENTRY.deviceKey]: spec.secrets.deviceKey, [ENTRY.hpkeSeed]: spec.secrets.hpkeSeed, [keyShareEntry(spec.config.authority)]: share.slice(), [ENTRY.authority]: utf8(spec.config.authority) }, spec.passphrase),
  );
}

/** What opening may check besides the passphrase. */
export interface OpenOptions {
  /** Refuse the directory unless it belongs to this authority. */
  readonly authority?: AuthorityId;
}

/**
 * Reads the config of `dir` and checks it against `options`, changing nothing. Errors: those of
 * `readConfig`, `agent.dir-incomplete`, `agent.foreign-dir`.
 */
export async function inspectDeviceDir(dir: string, options: OpenOptions = {}): Promise<DeviceConfig> {
  let config: DeviceConfig;
  try {
    config = await readConfig(dir);
  } catch (error) {
    if (isAuraError(error, 'agent.not-a-device-dir') && existsSync(join(dir, KEY_STORE_FILE))) {
      throw permanentError('agent.dir-incomplete', `${dir} has a key store but no ${CONFIG_FILE}: its creation did not finish; delete it and run the command that creates it again (for a recovered device, \`aura recovery start\`: the share this directory holds is given up, and the authority goes on with the others)`, { context: { dir } });
    }
    throw error;
  }
  if (options.authority !== undefined && options.authority !== config.authority) {
    throw permanentError('agent.foreign-dir', `${dir} belongs to authority ${config.authority}, not to ${options.authority}; it was refused and left as it was`, { context: { dir, authority: config.authority } });
  }
  return config;
}

/**
 * Opens `dir` with `passphrase` (see the module comment for the checks, all made before anything
 * changes). Errors: those of {@link inspectDeviceDir}, the key store's (`keystore.wrong-passphrase`,
 * `keystore.corrupt`, `keystore.not-found`), `agent.foreign-dir`, `agent.locked`, the journal's
 * (`store.corrupt`…).
 */
export async function openDeviceDir(dir: string, passphrase: string, random: RandomEffects, options: OpenOptions = {}): Promise<OpenDevice> {
  const config = await inspectDeviceDir(dir, options);
  const keys = unlockedKeyStore(dir, passphrase, random);
  const { secrets, entries } = await loadSecrets(dir, config, keys);
  const { journal, close } = await openLockedJournal(dir, config);
  try {
    const settled = (await settlePendingChange({ dir, keys, journal }, config.authority, await settlePendingGuarding({ dir, keys }, entries))) ?? config;
    return { dir, config: settled, secrets, hpke: await hpkeKeyPairFromSeed(secrets.hpkeSeed), journal, keys, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** The key store of `dir` with `passphrase`, rewritten (when it is) at the cost it was sealed with. */
function unlockedKeyStore(dir: string, passphrase: string, random: RandomEffects): UnlockedKeyStore {
  const path = join(dir, KEY_STORE_FILE);
  let scrypt: ScryptParams | undefined;
  try {
    scrypt = keyStoreParams(readFileSync(path));
  } catch {
    scrypt = undefined; // a missing or corrupt store is reported by loading it, with the reason
  }
  return { store: new FileKeyStore(path, random, scrypt === undefined ? {} : { scrypt }), passphrase };
}

/**
 * Runs `body` with the journal of `dir` open (under the directory's lock), without the key store:
 * for reading the public state (`aura status`, `aura journal`). Errors: those of
 * {@link inspectDeviceDir}, `agent.locked`, the journal's.
 */
export async function withDeviceJournal<T>(dir: string, options: OpenOptions, body: (config: DeviceConfig, journal: SqliteFactStore) => Promise<T>): Promise<T> {
  const config = await inspectDeviceDir(dir, options);
  const { journal, close } = await openLockedJournal(dir, config);
  try {
    return await body(config, journal);
  } finally {
    await close();
  }
}

async function openLockedJournal(dir: string, config: DeviceConfig): Promise<{ readonly journal: SqliteFactStore; readonly close: () => Promise<void> }> {
  if (!existsSync(join(dir, JOURNAL_FILE))) throw permanentError('agent.dir-incomplete', `${dir} has no ${JOURNAL_FILE}`, { context: { dir } });
  const lock: DirLock = lockDir(dir);
  let journal: SqliteFactStore | undefined;
  try {
    journal = SqliteFactStore.open(join(dir, JOURNAL_FILE));
    await checkJournalOwner(journal, config.authority, dir);
  } catch (error) {
    await journal?.close();
    lock.release();
    throw error;
  }
  const opened = journal;
  return {
    journal: opened,
    close: async () => {
      await opened.close();
      lock.release();
    },
  };
}

async function loadSecrets(dir: string, config: DeviceConfig, keys: UnlockedKeyStore): Promise<{ readonly secrets: DeviceSecrets; readonly entries: KeyStoreEntries }> {
  const entries = await keys.store.load(keys.passphrase);
  const entry = (name: string): Uint8Array => {
    const value = entries[name];
    if (value === undefined) throw permanentError('agent.keystore-incomplete', `the key store of ${dir} has no "${name}" entry`, { context: { dir } });
    return value;
  };
  const deviceKey = entry(ENTRY.deviceKey);
  const foreign = (what: string): never => {
    throw permanentError('agent.foreign-dir', `${dir}: ${what}; the files of this directory come from different devices or authorities, so it was refused and left as it was`, { context: { dir } });
  };
  if (!bytesEqual(entry(ENTRY.authority), utf8(config.authority))) foreign(`its key store belongs to another authority than its config (${config.authority})`);
  if (deviceOfKey(deviceKey) !== config.device) foreign(`its key store holds the key of another device than ${config.device}`);
  const share = entries[keyShareEntry(config.authority)];
  if (share === undefined) {
    throw permanentError('agent.no-share', `${dir}: the key store holds no share of authority ${config.authority}: this device was removed from it ("aura device remove"), so it cannot take part any more`, { context: { dir } });
  }
  const keyShare = decodeKeyShare(share);
  if (!bytesEqual(keyShare.publicKeyPackage.groupPublicKey, config.groupKey)) foreign('its key share is of another group key than its config');
  return { secrets: { deviceKey, hpkeSeed: entry(ENTRY.hpkeSeed), keyShare }, entries };
}
