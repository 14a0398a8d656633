/**
 * Test helpers of the agent: a fresh authority in a temporary directory, made by the real
 * `createAuthority` (DKG over libp2p on loopback) with a cheap key-store KDF, the same opened
 * once for all the tests of a file, a snapshot of a directory's files to show that a refused
 * directory was left as it was, and device channels in memory ({@link memoryChannels}) for
 * session groups without a network.
 *
 * @module
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { after, before } from 'node:test';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toHex } from '../core/bytes.ts';
import { taggedDigest } from '../core/hash.ts';
import { NodeRandom } from '../handlers/random.ts';
import { BackgroundClock } from './background-clock.ts';
import { createAuthority, type CreatedAuthority } from './create-authority.ts';
import { openDeviceDir, type OpenDevice } from './device-dir.ts';
import type { RandomEffects } from '../core/effects.ts';
import type { DeviceId } from '../core/identifiers.ts';
import type { ChannelMessage, DeviceChannel } from '../runtime/channel-transport.ts';

/** The cheapest scrypt cost the key store accepts: for tests only. */
export const TEST_SCRYPT = { logN: 10, r: 8, p: 1 };

/** The passphrase of test authorities. */
export const TEST_PASSPHRASE = 'correct horse battery staple';

/** A temporary authority of `devices` devices, threshold `threshold`; `remove` deletes it. */
export async function testAuthority(devices: number, threshold: number): Promise<CreatedAuthority & { readonly root: string; remove(): void }> {
  const root = mkdtempSync(join(tmpdir(), 'aura-agent-'));
  const created = await createAuthority({ dir: join(root, 'account'), devices, threshold, passphrase: TEST_PASSPHRASE, policy: 'auto', scrypt: TEST_SCRYPT, random: new NodeRandom(), time: new BackgroundClock() });
  return {
    ...created,
    root,
    remove: () => {
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** A temporary authority with every device directory open. */
export interface OpenedTestAuthority {
  /** The authority and its directories. */
  readonly authority: Awaited<ReturnType<typeof testAuthority>>;
  /** Every device, open. */
  readonly devices: OpenDevice[];
  /** Closes the devices and deletes everything. */
  readonly close: () => Promise<void>;
}

/** A temporary authority of `devices` devices, threshold `threshold`, with every device directory open. */
export async function openTestAuthority(devices: number, threshold: number, random: RandomEffects): Promise<OpenedTestAuthority> {
  const authority = await testAuthority(devices, threshold);
  const opened = await Promise.all(authority.devices.map((d) => openDeviceDir(d.dir, TEST_PASSPHRASE, random)));
  return {
    authority,
    devices: opened,
    close: async () => {
      await Promise.all(opened.map((d) => d.close()));
      authority.remove();
    },
  };
}

/** The authority the tests of one file share (see {@link sharedTestAuthority}). */
export interface SharedTestAuthority {
  /** The authority and its directories. */
  readonly authority: OpenedTestAuthority['authority'];
  /** Every device, open. */
  readonly devices: OpenDevice[];
  /** A new empty directory whose name starts with `prefix`, deleted with the authority. */
  scratchDir(prefix: string): string;
}

/**
 * An authority of `devices` devices, threshold `threshold`, opened in the file's `before` hook
 * and closed and deleted in its `after` hook (`node:test`), for every test of the calling file.
 * Its fields are there only inside the tests.
 */
export function sharedTestAuthority(devices: number, threshold: number, random: RandomEffects): SharedTestAuthority {
  let opened: OpenedTestAuthority | undefined;
  before(async () => {
    opened = await openTestAuthority(devices, threshold, random);
  });
  after(() => opened?.close());
  const current = (): OpenedTestAuthority => {
    assert.ok(opened !== undefined, 'the shared test authority is opened by the before hook: read it inside a test');
    return opened;
  };
  return {
    get authority() {
      return current().authority;
    },
    get devices() {
      return current().devices;
    },
    scratchDir: (prefix) => mkdtempSync(join(current().authority.root, prefix)),
  };
}

/** Every file of `dir` (not recursive) with a digest of its bytes. */
export function snapshotDir(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).sort().map((name) => [name, toHex(taggedDigest('test.snapshot', readFileSync(join(dir, name))))]));
}

/** Devices that reach each other in this process, in order per pair. */
export function memoryChannels(devices: readonly DeviceId[]): DeviceChannel[] {
  const listeners = new Map<DeviceId, Set<(message: ChannelMessage) => void>>(devices.map((d) => [d, new Set()]));
  return devices.map((device) => ({
    device,
    send: (to, channel, payload) => {
      queueMicrotask(() => {
        for (const listener of listeners.get(to) ?? []) listener({ from: device, channel, payload });
      });
      return Promise.resolve();
    },
    onMessage: (listener) => {
      listeners.get(device)?.add(listener);
      return () => listeners.get(device)?.delete(listener);
    },
    onPeerGone: () => () => undefined,
  }));
}
