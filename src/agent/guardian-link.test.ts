import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { encodeCanonical } from '../core/canonical.ts';
import { isAuraError } from '../core/errors.ts';
import { deriveIdentifier } from '../core/identifiers.ts';
import { decodeGuardianMessage } from './guardian-link.ts';

const request = { authority: deriveIdentifier('authority', { k: 1 }), newDevice: deriveIdentifier('device', { k: 2 }), deviceKey: new Uint8Array(32), hpkeKey: new Uint8Array(32), nonce: new Uint8Array(16) };
const recover = { k: 'recover', session: deriveIdentifier('session', { k: 3 }), request, approvers: [], survivors: [], name: 'device-4', address: '/ip4/127.0.0.1/tcp/1' };

describe('guardian channel messages', () => {
  it('decode what they encode: asks, answers, refusals', () => {
    assert.deepEqual(decodeGuardianMessage(encodeCanonical({ t: 'ask', id: 7, body: recover })), { t: 'ask', id: 7, body: recover });
    assert.deepEqual(decodeGuardianMessage(encodeCanonical({ t: 'answer', id: 7, body: { k: 'joined' } })), { t: 'answer', id: 7, body: { k: 'joined' } });
    const callOff = { k: 'call-off', abort: new Uint8Array([1, 2, 3]) };
    assert.deepEqual(decodeGuardianMessage(encodeCanonical({ t: 'ask', id: 8, body: callOff })), { t: 'ask', id: 8, body: callOff });
    assert.deepEqual(decodeGuardianMessage(encodeCanonical({ t: 'answer', id: 8, body: { k: 'called-off' } })), { t: 'answer', id: 8, body: { k: 'called-off' } });
    assert.deepEqual(decodeGuardianMessage(encodeCanonical({ t: 'refuse', id: 7, code: 'agent.declined', reason: 'no' })), { t: 'refuse', id: 7, code: 'agent.declined', reason: 'no' });
  });

  it('refuse unknown kinds, extra or missing fields, and malformed payloads, naming the problem', () => {
    const refused = (value: unknown, pattern: RegExp): void => {
      assert.throws(() => decodeGuardianMessage(encodeCanonical(value)), (e) => isAuraError(e, 'agent.bad-message') && pattern.test(e.message));
    };
    refused({ t: 'ask', id: 1, body: { k: 'steal' } }, /unknown ask "steal"/);
    refused({ t: 'ask', id: 1, body: recover, extra: 1 }, /exactly t, id and a map body/);
    refused({ t: 'ask', id: 1, body: { ...recover, request: { ...request, nonce: new Uint8Array(3) } } }, /body\.request\.nonce: expected 16 bytes/);
    refused({ t: 'answer', id: 1, body: { k: 'state' } }, /missing field/);
    refused({ t: 'ask', id: 1, body: { k: 'call-off', abort: 'stop' } }, /body\.abort/);
    refused({ t: 'refuse', id: -1, code: 'x', reason: 'y' }, /numeric id/);
  });
});
