/**
 * Benchmark of a membership change under the operation lock (issue 10 item 3, `lock-guard.ts`):
 * adding a device to a 2-of-3 group with `addDevice` (lock request, votes, notice, resharing,
 * releases), beside the same resharing run without the lock (`runReshareDevice`), so the ratio is
 * what the lock's rounds cost, over the in-memory runtime.
 *
 * @module
 */
import { randomIdentifier } from '../src/core/identifiers.ts';
import { SeededRandom } from '../src/handlers/random.ts';
import { reshareDevice, testDevices, testGroup, testLocks } from '../src/protocols/reshare-fixture.ts';
import { addDevice, addDeviceSetup, runReshareDevice } from '../src/protocols/reshare.ts';
import { MemoryTransport } from '../src/runtime/memory-transport.ts';
import { millisOf, type Benchmark } from './harness.ts';

const random = new SeededRandom('membership-bench');

/** A fresh 2-of-3 group and a phone (an accepted resharing destroys the old shares). */
async function freshGroup() {
  const g = await testGroup(3, 2, 'membership-bench-group');
  const [phone] = await testDevices(1, g.random);
  if (phone === undefined) throw new Error('one new device');
  return { ...g, phone, participants: [...g.devices, phone], session: randomIdentifier('session', random) };
}

/** `addDevice` at every participant, timed without the setup. */
async function addUnderLock(): Promise<number> {
  const g = await freshGroup();
  const lock = testLocks(g.group.publicKeyPackage.groupPublicKey, random);
  const transport = new MemoryTransport();
  return millisOf(() => Promise.all(g.participants.map((d) => addDevice(g.group, g.phone, g.session, reshareDevice(d, g.shares), transport, { lock: lock(d.device) }))));
}

/** The same resharing without the lock. */
async function addWithoutLock(): Promise<number> {
  const g = await freshGroup();
  const setup = addDeviceSetup(g.group, g.phone, g.session);
  const transport = new MemoryTransport();
  return millisOf(() => Promise.all(g.participants.map((d) => runReshareDevice(setup, reshareDevice(d, g.shares), transport))));
}

/** The membership benchmarks. */
export const benchmarks: Benchmark[] = [
  {
    name: 'membership/addDevice 2-of-3 -> 2-of-4 under the operation lock, in memory',
    unit: 'ms',
    samples: 7,
    warmup: 1,
    measure: addUnderLock,
    baseline: { name: 'the same resharing without the lock (runReshareDevice)', measure: addWithoutLock },
  },
];
