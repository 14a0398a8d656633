// Device agents of an authority with a guardian, in this process over libp2p on loopback: a
// guardian that declines a change of the devices after every member accepted it. Every agent's
// receives are bounded by ten minutes, so a member that waited for the lock notice (the old
// behaviour) would fail only then, and with another error than the one asserted.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { toHex, utf8 } from '../core/bytes.ts';
import { isAuraError } from '../core/errors.ts';
import { verifyStrict } from '../crypto/signature.ts';
import { NodeRandom } from '../handlers/random.ts';
import { authorityView } from '../protocols/authority.ts';
import { loadJournal } from './authority-journal.ts';
import { BackgroundClock } from './background-clock.ts';
import { DeviceAgent, type AgentEvent } from './device-agent.ts';
import type { OpenDevice } from './device-dir.ts';
import type { GuardianContact } from './guardianship.ts';
import { openTestAuthority, type OpenedTestAuthority } from './testing.ts';

const random = new NodeRandom();
const time = new BackgroundClock();
/** Far beyond how long the test takes: a receive that waits it out fails the assertions below. */
const RECEIVE_TIMEOUT_MS = 600_000;
const DECLINED = 'not without talking to me first';

let owner: OpenedTestAuthority;
let guardianAuthority: OpenedTestAuthority;
const agents: DeviceAgent[] = [];
const events = new Map<DeviceAgent, AgentEvent[]>();

before(async () => {
  [owner, guardianAuthority] = await Promise.all([openTestAuthority(3, 1, random), openTestAuthority(1, 1, random)]);
});
after(async () => {
  await Promise.all(agents.map((a) => a.stop()));
  await Promise.all([owner.close(), guardianAuthority.close()]);
});

async function start(device: OpenDevice, extra: Partial<Parameters<typeof DeviceAgent.start>[0]> = {}): Promise<DeviceAgent> {
  const seen: AgentEvent[] = [];
  const agent = await DeviceAgent.start({ device, random, time, receiveTimeoutMs: RECEIVE_TIMEOUT_MS, events: (e) => seen.push(e), ...extra });
  agents.push(agent);
  events.set(agent, seen);
  return agent;
}

/** Resolves with the first event of `agent` matching `match`, waiting for it. */
async function eventOf(agent: DeviceAgent, match: (e: AgentEvent) => boolean): Promise<AgentEvent> {
  for (;;) {
    const found = events.get(agent)?.find(match);
    if (found !== undefined) return found;
    await time.sleep(20);
  }
}

function contactOf(device: OpenDevice): GuardianContact {
  const own = device.config.members.find((m) => m.device === device.config.device)!; // a device is among its members
  return { name: 'guardian-1', authority: device.config.authority, device: device.config.device, signingKey: toHex(device.config.groupKey), hpkeKey: toHex(device.hpke.publicKey), address: own.address };
}

test('a guardian that declines a change after the members accepted it: the members stop at once with its reason, and nothing changes', async () => {
  const [first, second, third] = owner.devices as [OpenDevice, OpenDevice, OpenDevice];
  const guardianDevice = guardianAuthority.devices[0]!; // a one-device authority
  // The guardian joins the guardian setup, and declines any change of the devices it guards.
  const guardian = await start(guardianDevice, { ask: (question) => Promise.resolve(question.includes('changes the devices') ? { approved: false, reason: DECLINED } : { approved: true }) });
  const [initiator, member] = [await start(first), await start(second), await start(third)];
  await initiator.connect(10_000);
  await initiator.addGuardians([contactOf(guardianDevice)], 0);
  await eventOf(guardian, (e) => e.event === 'guardian-joined');
  const epoch = authorityView(await loadJournal(first.journal, first.config.authority)).epoch;

  await assert.rejects(initiator.changeMembership({ remove: [third.config.device] }), (e) => {
    assert.ok(isAuraError(e, 'agent.guardian-declined'), String(e));
    assert.match(e.message, new RegExp(`declined: guardian-1 \\(${guardianDevice.config.device}\\): .*${DECLINED}.*Nothing changed`));
    return true;
  });
  // device-2 had accepted and started its part: it heard the decline instead of a lock notice.
  const failed = await eventOf(member, (e) => e.event === 'failed');
  assert.ok(failed.event === 'failed');
  assert.equal(failed.code, 'agent.called-off');
  assert.match(failed.message, new RegExp(`^device-1 called the session off: .*guardian-1 \\(${guardianDevice.config.device}\\): .*${DECLINED}`));
  assert.ok(member.device.config.members.length === 3 && authorityView(await loadJournal(second.journal, second.config.authority)).epoch === epoch, 'nothing changed at device-2');
  assert.equal(authorityView(await loadJournal(first.journal, first.config.authority)).epoch, epoch);

  // The members still sign together, with their shares of before.
  const message = utf8('still the same devices');
  const signed = await member.sign(message);
  assert.ok(verifyStrict(owner.authority.groupKey, message, signed.signature));
});
