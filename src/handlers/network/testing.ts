/**
 * Helpers for tests and benchmarks that run real devices on loopback: start a device with its log
 * captured, and wait for a condition without hanging forever.
 *
 * @module
 */
import type { PhysicalTimeEffects } from '../../core/effects.ts';
import { systemError } from '../../core/errors.ts';
import { NodeRandom, SeededRandom } from '../random.ts';
import { WallClock } from '../physical-time.ts';
import type { NetworkLogEntry, TransportLimits } from './choreo-transport.ts';
import { startNetworkDevice, type NetworkDevice } from './network-device.ts';

/** A device whose transport log is kept in memory. */
export interface LoggedDevice extends NetworkDevice {
  /** Every log entry so far. */
  readonly logs: NetworkLogEntry[];
}

/** Starts a device on 127.0.0.1 with the key drawn from `seed` (or fresh), logging to memory. */
export async function startLoopbackDevice(options: { seed?: string; limits?: Partial<TransportLimits>; time?: PhysicalTimeEffects } = {}): Promise<LoggedDevice> {
  const logs: NetworkLogEntry[] = [];
  const keySource = options.seed === undefined ? new NodeRandom() : new SeededRandom(options.seed);
  const device = await startNetworkDevice({
    deviceKey: keySource.randomBytes(32),
    time: options.time ?? new WallClock(),
    random: new NodeRandom(),
    log: (entry) => logs.push(entry),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
  });
  return Object.assign(device, { logs });
}

/**
 * Resolves once `condition()` holds, checking every 10 ms; after `limitMs` it rejects with
 * `test.wait-timeout` naming `what`, so a broken test fails instead of hanging.
 */
export async function waitUntil(condition: () => boolean, what: string, limitMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > limitMs) throw systemError('test.wait-timeout', `gave up after ${limitMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
