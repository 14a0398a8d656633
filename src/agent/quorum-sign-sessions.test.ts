import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deriveIdentifier, randomIdentifier, type DeviceId } from '../core/identifiers.ts';
import { SeededRandom } from '../handlers/random.ts';
import { epochSession } from '../protocols/epoch.ts';
import { messageSession, quorumSignSessions } from './quorum-sign-sessions.ts';

test('the sessions of a quorum signing map the requester to R and each possible choice of signers to S[0..t-1]', () => {
  const random = new SeededRandom('quorum-sessions');
  const [a, b, c] = [0, 1, 2].map(() => randomIdentifier('device', random)) as [DeviceId, DeviceId, DeviceId];
  const session = randomIdentifier('session', random);
  const sessions = quorumSignSessions(session, 4, [a, b, c], b, 2);
  const first = epochSession(session, 4);
  assert.deepEqual([...(sessions.get(first) ?? [])], [['S[0]', a], ['S[1]', b], ['S[2]', c], ['R', b]]);
  // b asked and c answered first: the inner signing renumbers them S[0], S[1].
  assert.deepEqual([...(sessions.get(deriveIdentifier('session', { base: first, signers: [b, c] })) ?? [])], [['S[0]', b], ['S[1]', c]]);
  assert.equal(sessions.has(deriveIdentifier('session', { base: first, signers: [a, c] })), false); // b always signs
  assert.deepEqual([...(sessions.get(epochSession(messageSession(session, [b, c]), 4)) ?? [])], [['S[0]', b], ['S[1]', c]]);
});
