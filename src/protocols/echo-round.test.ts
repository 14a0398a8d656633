import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { DeviceId } from '../core/identifiers.ts';
import { EchoRound, deliver, echoFaultBound } from './echo-round.ts';

const device = (k: number) => `device-${k}` as DeviceId;
const SENDER = device(0);

/** The relays one view gets: each relayer's value, the byzantine ones' chosen for this view. */
function view(honest: ReadonlyMap<number, string>, byzantine: readonly number[], lies: (relayer: number) => string) {
  return [...[...honest].map(([k, value]) => ({ device: device(k), value })), ...byzantine.map((k) => ({ device: device(k), value: lies(k) }))];
}

/** n devices (device 0 the sender), the byzantine relayers among 1..n-1 (with the sender, at most f byzantine), each honest relayer's receipt. */
const scenario = (senderByzantine: boolean) =>
  fc.integer({ min: 2, max: 10 }).chain((n) => {
    const f = echoFaultBound(n);
    const room = senderByzantine ? f - 1 : f;
    return fc.record({
      n: fc.constant(n),
      byzantine: fc.uniqueArray(fc.integer({ min: 1, max: n - 1 }), { maxLength: Math.max(0, room) }),
      received: fc.array(fc.constantFrom('a', 'b', 'c'), { minLength: n, maxLength: n }),
      liesA: fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { minLength: n, maxLength: n }),
      liesB: fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { minLength: n, maxLength: n }),
    });
  });

function honestRelays(n: number, byzantine: readonly number[], value: (k: number) => string): Map<number, string> {
  return new Map(Array.from({ length: n - 1 }, (_, i) => i + 1).filter((k) => !byzantine.includes(k)).map((k) => [k, value(k)]));
}

describe('consistent broadcast by one echo round', () => {
  it('tolerates f < n/3 byzantine devices', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 10].map(echoFaultBound), [0, 0, 0, 1, 1, 1, 2, 3]);
  });

  it('delivers an honest sender\'s value at every view, whatever f byzantine relayers say', () => {
    fc.assert(
      fc.property(scenario(false), ({ n, byzantine, liesA }) => {
        const relays = view(honestRelays(n, byzantine, () => 'v'), byzantine, (k) => liesA[k] ?? 'd');
        assert.deepEqual(deliver(SENDER, relays, n), { kind: 'delivered', value: 'v' });
      }),
    );
  });

  it('never lets two views deliver different values for one sender, even a byzantine one', () => {
    fc.assert(
      fc.property(scenario(true), ({ n, byzantine, received, liesA, liesB }) => {
        const honest = honestRelays(n, byzantine, (k) => received[k] ?? 'a');
        // The sender's own device relays too, and lies as it likes: it is not counted.
        const first = deliver(SENDER, [...view(honest, byzantine, (k) => liesA[k] ?? 'd'), { device: SENDER, value: 'a' }], n);
        const second = deliver(SENDER, [...view(honest, byzantine, (k) => liesB[k] ?? 'd'), { device: SENDER, value: 'b' }], n);
        if (first.kind === 'delivered' && second.kind === 'delivered') assert.equal(first.value, second.value);
      }),
    );
  });

  it('decides alike at every view when the sender is the only byzantine device', () => {
    fc.assert(
      fc.property(scenario(true), ({ n, received }) => {
        const honest = honestRelays(n, [], (k) => received[k] ?? 'a');
        const decisions = ['a', 'b', 'c'].map((ownWord) => deliver(SENDER, [...view(honest, [], () => 'd'), { device: SENDER, value: ownWord }], n));
        assert.ok(decisions.every((d) => JSON.stringify(d) === JSON.stringify(decisions[0])));
      }),
    );
  });

  it('names a sender that told two stories each to more than f devices, and outvotes one told to at most f', () => {
    const relays = (stories: readonly string[]) => stories.map((value, k) => ({ device: device(k + 1), value }));
    // n = 7 devices: f = 2, a quorum is n - 1 - f = 4 of the six others.
    assert.deepEqual(deliver(SENDER, relays(['a', 'a', 'a', 'b', 'b', 'b']), 7), { kind: 'equivocated' });
    assert.deepEqual(deliver(SENDER, relays(['a', 'a', 'a', 'a', 'b', 'b']), 7), { kind: 'delivered', value: 'a' });
    assert.deepEqual(deliver(SENDER, relays(['a', 'a', 'a', 'b', 'b', 'c']), 7), { kind: 'equivocated' });
  });

  it('counts a device once, whatever number of its roles relay, and lets a lone device trust itself', () => {
    // n = 5: f = 1, a quorum is 3 of the four others; device 1 plays two roles and relays `a` from both.
    const twice = [{ device: device(1), value: 'a' }, { device: device(1), value: 'a' }, { device: device(2), value: 'a' }, { device: device(3), value: 'b' }, { device: device(4), value: 'c' }];
    assert.deepEqual(deliver(SENDER, twice, 5), { kind: 'equivocated' });
    assert.deepEqual(deliver(SENDER, [...twice.slice(0, 3), { device: device(3), value: 'a' }], 5), { kind: 'delivered', value: 'a' });
    assert.deepEqual(deliver(SENDER, [{ device: SENDER, value: 'a' }], 1), { kind: 'delivered', value: 'a' });
  });

  it('gathers a role\'s own receipts and the relays of others', () => {
    const round = new EchoRound<string>(device(1), 4);
    round.received(0, 'a');
    round.received(2, 'x');
    assert.deepEqual(round.echo(), [{ from: 0, value: 'a' }, { from: 2, value: 'x' }]);
    round.relayed(device(2), [{ from: 0, value: 'a' }]);
    round.relayed(device(3), [{ from: 0, value: 'b' }]);
    assert.deepEqual(round.deliver(0, SENDER), { kind: 'delivered', value: 'a' });
  });
});
