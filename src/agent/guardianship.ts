/**
 * The guardianship records of a device directory, `recovery.json` (no secrets): which guardians
 * its own authority has, and which other authorities this device guards. Both sides keep the same
 * record, written by `aura guardian add`, so that later an owner's device can reach the guardians
 * (to dispute a recovery) and a guardian can tell a recovering device everything it needs (the
 * other guardians, the cooldown, the epoch) and check what it is asked.
 *
 * ```json
 * { "format": "aura.recovery", "version": 1,
 *   "own": GUARDIANSHIP | null,       // this device's authority and its guardians
 *   "guarding": [GUARDIANSHIP, …] }   // the authorities this device is a guardian of
 * GUARDIANSHIP = { authority, groupKey, threshold, epoch, cooldownMs,
 *                  owners: [{ name, device, address, hpkeKey }], guardians: [{ name, authority, device, signingKey, hpkeKey, address }] }
 * ```
 *
 * Keys are hex. The file is read strictly (`agent.recovery-corrupt` naming the first field that
 * is wrong) and written atomically like `aura.json`. The guardian's recovery share itself is in
 * its key store, under the guarded authority's share entry.
 *
 * Source: issue 11 item 2 (`aura guardian add`, `aura recovery …`); `docs/protocols.md`
 * (guardian setup and recovery).
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fromHex, utf8 } from '../core/bytes.ts';
import { permanentError, systemError } from '../core/errors.ts';
import type { AuthorityId, DeviceId } from '../core/identifiers.ts';
import { identifier, list, optional, record, text, uint, type Infer, type Schema } from '../journal/schema.ts';
import { serializedOnPath } from '../handlers/path-queue.ts';
import type { Guardian } from '../protocols/guardian-setup.ts';
import { writeFileAtomically } from './atomic-file.ts';

/** The guardianship file's name inside a device directory. */
export const GUARDIANSHIP_FILE = 'recovery.json';
const FORMAT = 'aura.recovery';
const VERSION = 1;
/** Most guardians (and owner devices) a guardianship names. */
export const MAX_GUARDIANS = 16;

/** Lower-case hex of `length` bytes. */
function hexKey(length: number): Schema<string> {
  return (value, path) => (typeof value === 'string' && new RegExp(`^[0-9a-f]{${2 * length}}$`).test(value) ? undefined : `${path}: expected ${length} bytes as lower-case hex`);
}

/** An owner device as the guardianship names it. */
const contactSchema = record({ name: text(64), device: identifier('device'), address: text(512), hpkeKey: hexKey(32) });
/** A guardian as the guardianship names it. */
export const guardianContactSchema = record({ name: text(64), authority: identifier('authority'), device: identifier('device'), signingKey: hexKey(32), hpkeKey: hexKey(32), address: text(512) });

/** One guardianship: an authority, its devices and its guardians, as agreed at guardian setup. */
export const guardianshipSchema = record({
  authority: identifier('authority'),
  groupKey: hexKey(32),
  threshold: uint(MAX_GUARDIANS),
  epoch: uint(),
  cooldownMs: uint(),
  owners: list(contactSchema, MAX_GUARDIANS),
  guardians: list(guardianContactSchema, MAX_GUARDIANS),
});

const fileSchema = record({ format: text(32), version: uint(), own: optional(guardianshipSchema), guarding: list(guardianshipSchema, 256) });

/** A device of the owner as a guardian knows it: its name, id, address and HPKE key (hex). */
export type OwnerContact = Infer<typeof contactSchema>;
/** A guardian as the others know it: its authority's key, its device's HPKE key (hex), its address. */
export type GuardianContact = Infer<typeof guardianContactSchema>;
/** One guardianship. */
export type Guardianship = Infer<typeof guardianshipSchema>;

/** The guardianship records of one directory. */
export interface Guardianships {
  /** This device's authority and its guardians, once `aura guardian add` ran. */
  readonly own?: Guardianship;
  /** The authorities this device guards. */
  readonly guarding: readonly Guardianship[];
}

/** The guardian as the protocols name it. */
export function guardianOf(contact: GuardianContact): Guardian {
  return { authority: contact.authority, device: contact.device, signingKey: fromHex(contact.signingKey), hpkeKey: fromHex(contact.hpkeKey) };
}

/** The guardianship of `authority` this device guards, if any. */
export function guarded(records: Guardianships, authority: AuthorityId): Guardianship | undefined {
  return records.guarding.find((g) => g.authority === authority);
}

/** Whether `device` is one of the guardians of `guardianship`. */
export function isGuardianDevice(guardianship: Guardianship, device: DeviceId): boolean {
  return guardianship.guardians.some((g) => g.device === device);
}

/** The records with `guardianship` replacing any earlier one of the same authority, on the guarding side. */
export function withGuarded(records: Guardianships, guardianship: Guardianship): Guardianships {
  return { ...records, guarding: [...records.guarding.filter((g) => g.authority !== guardianship.authority), guardianship] };
}

/** The path of the file of `dir`. */
export function guardianshipPath(dir: string): string {
  return join(dir, GUARDIANSHIP_FILE);
}

/** `guardianship` as UTF-8 JSON bytes, the way a key store entry holds one ({@link guardianshipOfBytes} reads them). */
export function guardianshipBytes(guardianship: Guardianship): Uint8Array {
  return utf8(JSON.stringify(guardianship));
}

/** A guardianship as UTF-8 JSON bytes (how a key store entry holds one), or `null` when `value` is not one. */
export function guardianshipOfBytes(value: unknown): Guardianship | null {
  if (!(value instanceof Uint8Array)) return null;
  try {
    const parsed = JSON.parse(new TextDecoder().decode(value)) as unknown;
    return guardianshipSchema(parsed, 'guardianship') === undefined ? (parsed as Guardianship) : null;
  } catch {
    return null;
  }
}

/** Parses the file's text. Errors: `agent.recovery-corrupt` naming what is wrong. */
export function decodeGuardianships(textValue: string, path: string): Guardianships {
  let value: unknown;
  try {
    value = JSON.parse(textValue);
  } catch (error) {
    throw corrupt(path, 'it is not JSON', error);
  }
  const reason = fileSchema(value, 'recovery');
  if (reason !== undefined) throw corrupt(path, reason);
  const file = value as Infer<typeof fileSchema>;
  if (file.format !== FORMAT || file.version !== VERSION) throw corrupt(path, `not a guardianship file of version ${VERSION} (format ${JSON.stringify(file.format)}, version ${file.version})`);
  return { ...(file.own === undefined ? {} : { own: file.own }), guarding: file.guarding };
}

/** Reads the records of `dir` (none when the file does not exist). Errors: {@link decodeGuardianships}'s, `agent.io`. */
export async function readGuardianships(dir: string): Promise<Guardianships> {
  const path = guardianshipPath(dir);
  let textValue: string;
  try {
    textValue = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { guarding: [] };
    throw systemError('agent.io', `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  return decodeGuardianships(textValue, path);
}

/**
 * Writes the records of `dir` durably (`atomic-file.ts`: temporary file, flush, rename, flush of
 * the directory), for a directory being created; a change of a device's records goes through
 * {@link updateGuardianships}. Error: `agent.io`.
 */
export async function writeGuardianships(dir: string, records: Guardianships): Promise<void> {
  const json = { format: FORMAT, version: VERSION, ...(records.own === undefined ? {} : { own: records.own }), guarding: records.guarding };
  await writeFileAtomically(guardianshipPath(dir), JSON.stringify(json, null, 2) + '\n');
}

/**
 * Reads the records of `dir`, applies `change` and writes the result, after every update of the
 * same file started before it in this process (`path-queue.ts`): the guardian desk and a device's
 * commits write `recovery.json` from background tasks, and a read and write of one must not
 * straddle the other's; when `change` returns the records it was given, nothing is written.
 * Returns the records the file holds afterwards. Errors: those of {@link readGuardianships}
 * and {@link writeGuardianships}.
 */
export function updateGuardianships(dir: string, change: (records: Guardianships) => Guardianships): Promise<Guardianships> {
  return serializedOnPath(guardianshipPath(dir), async () => {
    const current = await readGuardianships(dir);
    const next = change(current);
    if (next !== current) await writeGuardianships(dir, next);
    return next;
  });
}

function corrupt(path: string, reason: string, cause?: unknown): Error {
  return permanentError('agent.recovery-corrupt', `${path} is corrupted: ${reason}`, { context: { path }, ...(cause === undefined ? {} : { cause }) });
}
