// Bad input at the session monitor: every kind of wrong frame stops the receiving role with a
// typed error, every other role of the session is told, and other sessions carry on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isAuraError } from '../core/errors.ts';
import { randomIdentifier, type SessionId } from '../core/identifiers.ts';
import { SeededRandom } from '../handlers/random.ts';
import { pingPong, purchase, requestReply, ring } from '../../test/support/protocols.ts';
import { BytesMemoryTransport } from './bytes-transport.ts';
import { ProtocolViolation } from './errors.ts';
import type { AbortNotice, Envelope, Frame } from './frame.ts';
import { MemoryTransport } from './memory-transport.ts';
import { runRole, type RoleImpl, type RoleResult } from './run-role.ts';
import type { Port, Transport } from './transport.ts';

const random = new SeededRandom('session-monitor');
const newSession = (): SessionId => randomIdentifier('session', random);

/** A role played by hand: it sees every frame sent to it and sends whatever the test says. */
function rawPeer(transport: Transport, session: SessionId, role: string): { port: Port; frames: Frame[] } {
  const frames: Frame[] = [];
  const port = transport.open(session, role, { deliver: (frame) => void frames.push(frame), fail: () => undefined });
  return { port, frames };
}

function pong(session: SessionId, changes: Partial<Envelope> = {}): Envelope {
  return { kind: 'message', session, protocol: pingPong.contentId, from: 'Bob', to: 'Alice', seq: 0, label: 'Pong', choice: null, payload: { n: 1 }, ...changes };
}

const oneRound = (): RoleImpl => {
  let played = 0;
  return { select: () => (played++ < 1 ? 'more' : 'done'), send: { Ping: () => ({ n: 1 }) } };
};

/** Runs Alice against a hand-played Bob who answers her Ping with `reply` frames. */
async function aliceGets(...replies: ((session: SessionId) => Envelope)[]): Promise<{ error: unknown; frames: Frame[] }> {
  const transport = new MemoryTransport();
  const session = newSession();
  const bob = rawPeer(transport, session, 'Bob');
  const running = runRole(pingPong, 'Alice', oneRound(), transport, { session });
  for (const reply of replies) bob.port.send(reply(session));
  const error = await running.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  return { error, frames: bob.frames };
}

function assertViolation(error: unknown, code: string, expected: RegExp, actual: RegExp): void {
  assert.ok(error instanceof ProtocolViolation, `expected a ProtocolViolation, got ${String(error)}`);
  assert.equal(error.code, code);
  assert.match(error.expected, expected);
  assert.match(error.actual, actual);
}

function abortNotice(frames: readonly Frame[]): AbortNotice | undefined {
  return frames.find((frame): frame is AbortNotice => frame.kind === 'abort');
}

test('a label the role never receives from that peer is refused on arrival, and the peer is told', async () => {
  const { error, frames } = await aliceGets((session) => pong(session, { label: 'Ping' }));
  assertViolation(error, 'runtime.violation.unexpected-message', /no Ping from Bob/, /Ping from Bob \(seq 0\)/);
  assert.equal(abortNotice(frames)?.code, 'runtime.violation.unexpected-message');
});

test('a label the role receives later, but not at this step, is a wrong-label violation', async () => {
  const transport = new MemoryTransport();
  const session = newSession();
  const seller = rawPeer(transport, session, 'Seller');
  const buyer: RoleImpl = { select: (labels) => (labels.includes('accept') ? 'accept' : 'cash'), send: { Pay: () => ({ amount: 5 }), Decline: () => ({ reason: '' }) } };
  const running = runRole(purchase, 'Buyer', buyer, transport, { session });
  // Paying cash, the buyer expects a Receipt before the Bye.
  seller.port.send({ kind: 'message', session, protocol: purchase.contentId, from: 'Seller', to: 'Buyer', seq: 0, label: 'Bye', choice: null, payload: null });
  await assert.rejects(running, (error: unknown) => {
    assertViolation(error, 'runtime.violation.wrong-label', /^recv Receipt from Seller$/, /^Bye from Seller \(seq 0\)$/);
    return true;
  });
  assert.equal(abortNotice(seller.frames)?.code, 'runtime.violation.wrong-label');
});

test('a payload of the wrong shape is a payload violation naming the field', async () => {
  const { error } = await aliceGets((session) => pong(session, { payload: { n: 'five' } }));
  assertViolation(error, 'runtime.violation.payload', /recv Pong from Bob\(n: u64\)/, /payload\.n: expected u64/);
  const extra = await aliceGets((session) => pong(session, { payload: { n: 1, m: 2 } }));
  assertViolation(extra.error, 'runtime.violation.payload', /Pong/, /record \{n, m\}/);
});

test('a duplicated or skipped sequence number is detected', async () => {
  const duplicate = await aliceGets(pong, pong);
  assertViolation(duplicate.error, 'runtime.violation.duplicate', /message 1 from Bob/, /duplicate of message 0/);
  const gap = await aliceGets((session) => pong(session, { seq: 1 }));
  assertViolation(gap.error, 'runtime.violation.sequence-gap', /message 0 from Bob/, /gap before message 1/);
});

test('a frame of another session, another protocol, or from a stranger is refused', async () => {
  const other = newSession();
  assertViolation((await aliceGets(() => pong(other))).error, 'runtime.violation.unknown-session', /session/, new RegExp(other));
  assertViolation((await aliceGets((session) => pong(session, { protocol: 'bafyother' }))).error, 'runtime.violation.protocol-mismatch', /protocol/, /bafyother/);
  assertViolation((await aliceGets((session) => pong(session, { from: 'Mallory' }))).error, 'runtime.violation.wrong-peer', /another role/, /Mallory/);
});

test('an unknown branch label, or branch labels where none are expected, are violations', async () => {
  const transport = new MemoryTransport();
  const session = newSession();
  const alice = rawPeer(transport, session, 'Alice');
  const bob = runRole(pingPong, 'Bob', { send: { Pong: () => ({ n: 0 }) } }, transport, { session });
  alice.port.send({ kind: 'message', session, protocol: pingPong.contentId, from: 'Alice', to: 'Bob', seq: 0, label: 'Ping', choice: ['maybe'], payload: { n: 1 } });
  await assert.rejects(bob, (error: unknown) => error instanceof ProtocolViolation && error.code === 'runtime.violation.branch-label' && /maybe/.test(error.actual));
  const labelled = await aliceGets((session) => pong(session, { choice: ['more'] }));
  assertViolation(labelled.error, 'runtime.violation.branch-label', /recv Pong/, /\[more\]/);
});

test('a message left over when the role ends is a violation', async () => {
  const transport = new MemoryTransport();
  const session = newSession();
  const client = rawPeer(transport, session, 'Client');
  const request = (seq: number): Envelope => ({ kind: 'message', session, protocol: requestReply.contentId, from: 'Client', to: 'Server', seq, label: 'Request', choice: null, payload: { id: seq } });
  client.port.send(request(0));
  client.port.send(request(1));
  await assert.rejects(runRole(requestReply, 'Server', { send: { Reply: () => ({ id: 0 }) } }, transport, { session }), (error: unknown) =>
    isAuraError(error, 'runtime.violation.unexpected-message'),
  );
});

test('an outgoing payload of the wrong shape stops the sender before anything leaves', async () => {
  const transport = new MemoryTransport();
  const session = newSession();
  const bob = rawPeer(transport, session, 'Bob');
  await assert.rejects(runRole(pingPong, 'Alice', { select: () => 'more', send: { Ping: () => ({ n: -1 }) } }, transport, { session }), (error: unknown) =>
    isAuraError(error, 'runtime.violation.payload'),
  );
  assert.deepEqual(bob.frames.map((frame) => frame.kind), ['abort']);
  await assert.rejects(runRole(pingPong, 'Alice', { select: () => 'later', send: { Ping: () => ({ n: 1 }) } }, transport, { session: newSession() }), (error: unknown) =>
    isAuraError(error, 'runtime.violation.select'),
  );
});

test('garbage bytes abort the session for all three roles; another session on the transport ends normally', async () => {
  const broken = newSession();
  const healthy = newSession();
  let count = 0;
  const transport = new BytesMemoryTransport({
    tamper: (bytes, session) => {
      if (session !== broken || ++count !== 4) return bytes;
      const garbage = bytes.slice();
      garbage[0] = 0xff;
      return garbage;
    },
  });
  const relay: RoleImpl = { send: { Token: () => ({ hop: 1 }) } };
  const protocol = ring(3);
  const run = (session: SessionId): Promise<PromiseSettledResult<RoleResult>[]> =>
    Promise.allSettled(['A', 'B', 'C'].map((role) => runRole(protocol, role, relay, transport, { session })));
  const [brokenRun, healthyRun] = await Promise.all([run(broken), run(healthy)]);
  const codes = brokenRun.map((result) => (result.status === 'rejected' && isAuraError(result.reason) ? result.reason.code : 'ended'));
  assert.deepEqual(codes.toSorted(), ['cbor.malformed', 'runtime.session-aborted', 'runtime.session-aborted']);
  assert.deepEqual(healthyRun.map((result) => result.status), ['fulfilled', 'fulfilled', 'fulfilled']);
});

test('any one corrupted byte in any frame is either accepted as a valid frame or stops the session with a typed error (property)', async () => {
  const protocol = ring(2);
  const relay: RoleImpl = { send: { Token: () => ({ hop: 1 }) } };
  await fc.assert(
    fc.asyncProperty(fc.nat({ max: 5 }), fc.nat(), fc.integer({ min: 1, max: 255 }), async (target, position, mask) => {
      let count = 0;
      let receiver = '';
      const transport = new BytesMemoryTransport({
        tamper: (bytes, _session, _from, to) => {
          if (count++ !== target) return bytes;
          receiver = to;
          const changed = bytes.slice();
          const index = position % changed.length;
          changed[index] = (changed[index] ?? 0) ^ mask;
          return changed;
        },
      });
      const session = newSession();
      const results = await Promise.allSettled(['A', 'B', 'C'].map((role) => runRole(protocol, role, relay, transport, { session })));
      const failures = results.flatMap((result, index) => (result.status === 'rejected' ? [{ role: ['A', 'B', 'C'][index], error: result.reason as unknown }] : []));
      for (const { error } of failures) assert.ok(isAuraError(error) && /^(cbor|envelope|runtime\.violation|runtime\.session-aborted)/.test(error.code), String(error));
      const causes = failures.filter(({ error }) => !isAuraError(error, 'runtime.session-aborted'));
      assert.ok(causes.length <= 1);
      if (causes.length === 1) assert.equal(causes[0]?.role, receiver);
      if (failures.length > 0) assert.equal(causes.length, 1, 'an abort always has a cause');
    }),
    { numRuns: 150 },
  );
});

test('a blocked role says which message from whom it waits for, at which step', async () => {
  const transport = new MemoryTransport();
  const session = newSession();
  let monitor: { pendingWaits(): readonly unknown[] } | undefined;
  // Catch the role's own session object as the receiver it opens with.
  const spy: Transport = {
    open: (id, role, receiver) => {
      monitor = receiver as unknown as { pendingWaits(): readonly unknown[] };
      return transport.open(id, role, receiver);
    },
  };
  const bob = rawPeer(transport, session, 'Bob');
  const alice = runRole(pingPong, 'Alice', oneRound(), spy, { session });
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(monitor?.pendingWaits(), [{ from: ['Bob'], label: 'Pong', step: 'recv Pong from Bob' }]);
  bob.port.send(pong(session));
  await alice;
  assert.deepEqual(monitor.pendingWaits(), []);
});
