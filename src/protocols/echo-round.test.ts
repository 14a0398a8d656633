import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { DeviceId } from '../core/identifiers.ts';
import { EchoRound, agree, deliver, echoFaultBound } from './echo-round.ts';

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

  it('gathers a role\'s own receipts and the relays of others; a role not first of its device takes its device\'s receipts from that role', () => {
    const devices = [0, 1, 2, 3].map(device);
    const first = new EchoRound<string>(device(1), devices, true);
    first.received(0, 'a');
    first.received(2, 'x');
    assert.deepEqual(first.echo(), [{ from: 0, value: 'a' }, { from: 2, value: 'x' }]);
    first.relayed(device(2), [{ from: 0, value: 'a' }]);
    first.relayed(device(3), [{ from: 0, value: 'b' }]);
    assert.deepEqual(first.deliver(0, SENDER), { kind: 'delivered', value: 'a' });
    // The device's second role heard `b` itself, but its device speaks through the first role.
    const second = new EchoRound<string>(device(1), devices, false);
    second.received(0, 'b');
    second.relayed(device(1), first.echo());
    second.relayed(device(2), [{ from: 0, value: 'a' }]);
    second.relayed(device(3), [{ from: 0, value: 'b' }]);
    assert.deepEqual(second.deliver(0, SENDER), { kind: 'delivered', value: 'a' });
  });
});

/**
 * Three rounds among n devices (device 0 the sender): the sender's value to each device, each
 * device's echo to each other, each device's confirmation to each other. A byzantine device says
 * what `lie` tells it, differently to each receiver; an honest one says what it heard.
 */
function threeRounds(n: number, byzantine: ReadonlySet<number>, sent: (to: number) => string, lie: (round: number, from: number, to: number, about: number) => string) {
  const echo = (k: number, to: number) => (byzantine.has(k) ? lie(1, k, to, 0) : sent(k));
  const confirm = (l: number, to: number, k: number) => (byzantine.has(l) ? lie(2, l, to, k) : echo(k, l));
  const devices = Array.from({ length: n }, (_, k) => device(k));
  return (p: number) => agree(SENDER, devices, (k, l) => {
    const [ki, li] = [devices.indexOf(k), devices.indexOf(l)];
    return li === p ? echo(ki, p) : confirm(li, p, ki);
  });
}

describe('agreement by two relay rounds (f = 2)', () => {
  const scenario = (senderByzantine: boolean) =>
    fc.record({
      n: fc.integer({ min: 7, max: 9 }),
      relayers: fc.uniqueArray(fc.integer({ min: 1, max: 6 }), { minLength: senderByzantine ? 1 : 2, maxLength: senderByzantine ? 1 : 2 }),
      sent: fc.array(fc.constantFrom('a', 'b', 'c'), { minLength: 9, maxLength: 9 }),
      lies: fc.array(fc.constantFrom('a', 'b', 'c'), { minLength: 2 * 9 * 9 * 9, maxLength: 2 * 9 * 9 * 9 }),
    });
  const lieOf = (lies: readonly string[]) => (round: number, from: number, to: number, about: number) => lies[(((round - 1) * 9 + from) * 9 + to) * 9 + about] ?? 'a';

  it('every honest device decides the same, even when a byzantine sender and a byzantine relayer collude', () => {
    fc.assert(
      fc.property(scenario(true), ({ n, relayers, sent, lies }) => {
        const byzantine = new Set([0, ...relayers]);
        const decide = threeRounds(n, byzantine, (to) => sent[to] ?? 'a', lieOf(lies));
        const decisions = Array.from({ length: n }, (_, p) => p).filter((p) => !byzantine.has(p)).map(decide);
        assert.ok(decisions.every((d) => d === decisions[0]), JSON.stringify(decisions));
      }),
    );
  });

  it('every honest device decides an honest sender\'s value, whatever two byzantine relayers say', () => {
    fc.assert(
      fc.property(scenario(false), ({ n, relayers, lies }) => {
        const byzantine = new Set(relayers);
        const decide = threeRounds(n, byzantine, () => 'v', lieOf(lies));
        for (let p = 1; p < n; p++) if (!byzantine.has(p)) assert.equal(decide(p), 'v');
      }),
    );
  });

  it('one echo round alone does not give agreement with two colluding byzantine devices: the reason for the second', () => {
    // n = 7, f = 2: the sender tells three honest devices `a` and two `b`; byzantine device 6 backs `a` to device 1 only.
    const relays = (lie: string) => [...['a', 'a', 'a', 'b', 'b'].map((value, k) => ({ device: device(k + 1), value })), { device: device(6), value: lie }];
    assert.deepEqual(deliver(SENDER, relays('a'), 7), { kind: 'delivered', value: 'a' });
    assert.deepEqual(deliver(SENDER, relays('b'), 7), { kind: 'equivocated' });
    // With the confirm round, the same attack leaves every honest device with one decision.
    const sent = (to: number) => (to <= 3 ? 'a' : 'b');
    const decide = threeRounds(7, new Set([0, 6]), sent, (_round, _from, to) => (to === 1 ? 'a' : 'b'));
    assert.equal(new Set([1, 2, 3, 4, 5].map(decide)).size, 1);
  });
});
