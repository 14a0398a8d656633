import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomIdentifier } from '../core/identifiers.ts';
import { generateHpkeKeyPair } from '../crypto/hpke.ts';
import { deviceParticipantId } from '../crypto/participant.ts';
import { SeededRandom } from '../handlers/random.ts';
import type { RoleImpl } from '../runtime/run-role.ts';
import { runDkgDevice } from '../protocols/dkg.ts';
import { BackgroundClock } from './background-clock.ts';
import { dkgSessions } from './create-authority.ts';
import { familyRoles, SessionGroups } from './session-groups.ts';
import { memoryChannels } from './testing.ts';

/** A member that sends no shares in the first attempt: the others name it and retry without it. */
function withholdFirst(honest: RoleImpl, attempt: number): RoleImpl {
  return attempt > 0 ? honest : { ...honest, send: { ...honest.send, Share: () => ({ sealed: null }) } };
}

test('over session groups, a DKG retry after excluding the first member finishes among the others, renumbered', async () => {
  const random = new SeededRandom('dkg-retry');
  const keys = await Promise.all([0, 1, 2].map(() => generateHpkeKeyPair(random)));
  const devices = keys.map((key, k) => ({ device: randomIdentifier('device', random), hpkeSecretKey: key.secretKey, random: random.fork(`device-${k}`) }));
  const setup = { members: devices.map((d, k) => ({ device: d.device, hpkePublicKey: keys[k]!.publicKey })), threshold: 2, session: randomIdentifier('session', random) }; // one key per device
  // Each device routes the DKG as `aura init` does: its own session group with the members' roles and every attempt's.
  const groups = memoryChannels(devices.map((d) => d.device)).map((channel) => new SessionGroups(channel).group(familyRoles(['P', 'S'], setup.members.map((m) => m.device)), dkgSessions(setup)));
  const time = new BackgroundClock(); // a lost message ends the run instead of hanging it
  const settled = await Promise.allSettled(devices.map((d, k) => runDkgDevice(setup, d, groups[k]!.transport, { time, receiveTimeoutMs: 10_000, ...(k === 0 ? { roleImpl: withholdFirst } : {}) }))); // one group per device
  for (const group of groups) group.end();
  const [first, ...others] = settled;
  assert.ok(first?.status === 'rejected', 'the member that withheld is excluded');
  for (const outcome of others) {
    if (outcome.status === 'rejected') throw outcome.reason;
    assert.ok(outcome.value.excluded.some((a) => a.device === devices[0]!.device && a.reason === 'missing-message'));
    // The retry ran among the second and third devices only: the group has their two shares.
    assert.deepEqual(Object.keys(outcome.value.result.publicKeyPackage.verifyingShares).sort(), devices.slice(1).map((d) => deviceParticipantId(d.device)).sort());
  }
});
