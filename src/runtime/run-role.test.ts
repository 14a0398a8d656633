import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomIdentifier } from '../core/identifiers.ts';
import { isAuraError } from '../core/errors.ts';
import { SeededRandom } from '../handlers/random.ts';
import { ManualClock } from '../handlers/physical-time.ts';
import { annotated, fork, pingPong, purchase, requestReply, ring, vote } from '../../test/support/protocols.ts';
import { MemoryTransport } from './memory-transport.ts';
import { runRole, type RoleImpl } from './run-role.ts';
import type { RoleEvent } from './role-event.ts';
import { ExtensionRegistry } from './extensions.ts';

const random = new SeededRandom('run-role');
const newSession = () => randomIdentifier('session', random);

/** A ping-pong Alice that plays `rounds` rounds and records the Pongs. */
function alice(rounds: number, pongs: number[]): RoleImpl {
  let played = 0;
  return {
    select: () => (played++ < rounds ? 'more' : 'done'),
    send: { Ping: () => ({ n: played }) },
    recv: { Pong: (payload) => void pongs.push((payload as { n: number }).n) },
  };
}

function bobEcho(): RoleImpl {
  let last = 0;
  return { recv: { Ping: (payload) => void (last = (payload as { n: number }).n) }, send: { Pong: () => ({ n: last * 10 }) } };
}

test('ping-pong: Bob learns each label from Alice, answers each Ping, and both reach end', async () => {
  const transport = new MemoryTransport();
  const session = newSession();
  const pongs: number[] = [];
  const [a, b] = await Promise.all([
    runRole(pingPong, 'Alice', alice(3, pongs), transport, { session }),
    runRole(pingPong, 'Bob', bobEcho(), transport, { session }),
  ]);
  assert.deepEqual(pongs, [10, 20, 30]);
  assert.deepEqual([a.status, a.messages, b.status, b.messages], ['ended', 7, 'ended', 7]);
  assert.equal(transport.sessionCount, 0, 'both ports are closed once the roles end');
});

test('a rec loop runs as many rounds as the chooser decides, not once', async () => {
  const transport = new MemoryTransport();
  const session = newSession();
  const pongs: number[] = [];
  await Promise.all([runRole(pingPong, 'Alice', alice(1000, pongs), transport, { session }), runRole(pingPong, 'Bob', bobEcho(), transport, { session })]);
  assert.equal(pongs.length, 1000);
  assert.equal(pongs[999], 10_000);
});

test('a 3-party ring passes the token 15 times in order', async () => {
  const transport = new MemoryTransport();
  const session = newSession();
  const seen: string[] = [];
  const relay = (name: string): RoleImpl => {
    let hop = 0;
    return {
      recv: { Token: (payload) => void seen.push(`${name}:${(hop = (payload as { hop: number }).hop)}`) },
      send: { Token: () => ({ hop: name === 'A' && seen.length === 0 ? 0 : hop + 1 }) },
    };
  };
  const protocol = ring(5);
  const results = await Promise.all(['A', 'B', 'C'].map((role) => runRole(protocol, role, relay(role), transport, { session })));
  assert.deepEqual(results.map((result) => result.messages), [10, 10, 10]);
  assert.deepEqual(seen, Array.from({ length: 15 }, (_, i) => `${['B', 'C', 'A'][i % 3] ?? ''}:${i}`));
});

test('nested choices: the first message carries both labels, and the seller follows each path', async () => {
  for (const [outer, inner] of [['accept', 'card'], ['accept', 'cash'], ['reject', undefined]] as const) {
    const transport = new MemoryTransport();
    const session = newSession();
    const sellerSaw: string[] = [];
    const buyer: RoleImpl = {
      select: (labels) => (labels.includes('accept') ? outer : (inner ?? 'card')),
      send: { Pay: () => ({ amount: 12n }), Decline: () => ({ reason: 'too dear' }) },
    };
    const seller: RoleImpl = {
      recv: { Pay: (payload) => void sellerSaw.push(`Pay ${String((payload as { amount: unknown }).amount)}`), Decline: () => void sellerSaw.push('Decline') },
      send: { Receipt: () => ({ id: 'r-1' }) },
    };
    const events: RoleEvent[] = [];
    await Promise.all([
      runRole(purchase, 'Buyer', buyer, transport, { session }),
      runRole(purchase, 'Seller', seller, transport, { session, observer: { onEvent: (event) => events.push(event) } }),
    ]);
    const offers = events.filter((event) => event.type === 'offer').map((event) => event.label);
    assert.deepEqual(offers, inner === undefined ? [outer] : [outer, inner]);
    assert.deepEqual(sellerSaw, [inner === undefined ? 'Decline' : 'Pay 12']);
  }
});

test('parallel parts run concurrently: A sends both requests before either answer arrives', async () => {
  const transport = new MemoryTransport();
  const session = newSession();
  const events: string[] = [];
  const worker: RoleImpl = { local: { Work: () => undefined } };
  const a: RoleImpl = { send: { Left: () => ({ x: 1 }), Right: () => ({ y: 2 }) } };
  await Promise.all([
    runRole(fork, 'A', a, transport, { session, observer: { onEvent: (event) => events.push(`${event.type} ${event.label ?? ''}`) } }),
    runRole(fork, 'B', worker, transport, { session }),
    runRole(fork, 'C', worker, transport, { session }),
  ]);
  assert.deepEqual(events.slice(0, 2), ['send Left', 'send Right']);
  assert.deepEqual(events.slice(-3), ['send Done', 'send Done', 'end ']);
});

test('a gather with quorum 2 proceeds after two votes and drops the third', async () => {
  const transport = new MemoryTransport();
  const session = newSession();
  const votes: string[] = [];
  let releaseLate = (): void => undefined;
  const late = new Promise<void>((resolve) => (releaseLate = resolve));
  const coordinator: RoleImpl = {
    send: { Ask: () => ({ q: 'ship it?' }), Result: () => ({ yes: votes.length }) },
    recv: {
      Vote: (_payload, from) => {
        votes.push(from);
        if (votes.length === 2) releaseLate();
      },
    },
  };
  const worker = (name: string): RoleImpl => ({
    send: { Vote: async () => (name === 'W[2]' ? late.then(() => ({ yes: true })) : { yes: true }) },
  });
  const results = await Promise.all([
    runRole(vote, 'Coordinator', coordinator, transport, { session }),
    ...['W[0]', 'W[1]', 'W[2]'].map((name) => runRole(vote, name, worker(name), transport, { session })),
  ]);
  assert.deepEqual(votes, ['W[0]', 'W[1]']);
  assert.deepEqual(results.map((result) => result.status), ['ended', 'ended', 'ended', 'ended']);
});

test('a receive past its timeout_ms stops the session with a typed timeout, and the peer is told', async () => {
  const transport = new MemoryTransport();
  const session = newSession();
  const time = new ManualClock();
  let answer = (): void => undefined;
  const server: RoleImpl = {
    send: {
      Reply: () =>
        new Promise((resolve) => {
          answer = () => {
            resolve({ id: 1 });
          };
        }),
    },
  };
  const client = runRole(requestReply, 'Client', { send: { Request: () => ({ id: 1 }) } }, transport, { session, time });
  const serving = runRole(requestReply, 'Server', server, transport, { session, time });
  await new Promise((resolve) => setImmediate(resolve));
  time.advance(50);
  await assert.rejects(client, (error: unknown) => isAuraError(error, 'runtime.receive-timeout') && error.kind === 'transient');
  answer();
  await assert.rejects(serving, (error: unknown) => isAuraError(error, 'runtime.session-aborted') && error.context.code === 'runtime.receive-timeout');
});

test('a timeout needs a time effect, and an unhandled annotation stops the role before it starts', async () => {
  const transport = new MemoryTransport();
  await assert.rejects(runRole(requestReply, 'Client', { send: { Request: () => ({ id: 1 }) } }, transport, { session: newSession() }), (error: unknown) =>
    isAuraError(error, 'runtime.missing-time'),
  );
  await assert.rejects(runRole(annotated, 'Alice', { send: { Note: () => ({ text: 'hi' }) } }, transport, { session: newSession() }), (error: unknown) =>
    isAuraError(error, 'runtime.unhandled-annotation') && error.message.includes('guard_capability'),
  );
  await assert.rejects(runRole(pingPong, 'Alice', {}, transport, { session: newSession() }), (error: unknown) => isAuraError(error, 'runtime.missing-handler') && /send\.Ping.*select/.test(error.message));
  await assert.rejects(runRole(pingPong, 'Carol', {}, transport, { session: newSession() }), (error: unknown) => isAuraError(error, 'runtime.unknown-role'));
});

test('extension hooks run before each annotated send, with the annotation value and payload', async () => {
  const transport = new MemoryTransport();
  const session = newSession();
  const seen: string[] = [];
  const extensions = new ExtensionRegistry()
    .register('guard_capability', ({ value, label }) => void seen.push(`guard ${String(value)} ${label}`))
    .register('flow_cost', async ({ value, payload }) => void seen.push(`cost ${String(value)} ${JSON.stringify(payload)}`));
  let got: unknown;
  await Promise.all([
    runRole(annotated, 'Alice', { send: { Note: () => ({ text: 'hi' }) } }, transport, { session, extensions }),
    runRole(annotated, 'Bob', { recv: { Note: (payload) => void (got = payload) } }, transport, { session }),
  ]);
  assert.deepEqual(seen, ['guard chat:send Note', 'cost 3 {"text":"hi"}']);
  assert.deepEqual(got, { text: 'hi' });
});

test('a hook that refuses a send stops the session, and the receiver is told', async () => {
  const transport = new MemoryTransport();
  const session = newSession();
  const extensions = new ExtensionRegistry().register('guard_capability', () => {
    throw new Error('no capability');
  }).register('flow_cost', () => undefined);
  const sending = runRole(annotated, 'Alice', { send: { Note: () => ({ text: 'hi' }) } }, transport, { session, extensions });
  const receiving = runRole(annotated, 'Bob', {}, transport, { session });
  await assert.rejects(sending, /no capability/);
  await assert.rejects(receiving, (error: unknown) => isAuraError(error, 'runtime.session-aborted'));
});

test('many concurrent sessions share one transport without mixing their messages', async () => {
  const transport = new MemoryTransport();
  const runs = Array.from({ length: 40 }, async (_, index) => {
    const session = newSession();
    const pongs: number[] = [];
    await Promise.all([runRole(pingPong, 'Alice', alice(index % 5, pongs), transport, { session }), runRole(pingPong, 'Bob', bobEcho(), transport, { session })]);
    return pongs;
  });
  const all = await Promise.all(runs);
  all.forEach((pongs, index) => {
    assert.deepEqual(pongs, Array.from({ length: index % 5 }, (_, i) => (i + 1) * 10));
  });
  assert.equal(transport.sessionCount, 0);
});

test('a role stops cleanly at maxMessages with status bounded', async () => {
  const transport = new MemoryTransport();
  const session = newSession();
  const forever: RoleImpl = { select: () => 'more', send: { Ping: () => ({ n: 1 }) } };
  const results = await Promise.all([
    runRole(pingPong, 'Alice', forever, transport, { session, maxMessages: 100 }),
    runRole(pingPong, 'Bob', bobEcho(), transport, { session, maxMessages: 100 }),
  ]);
  assert.deepEqual(results.map((result) => [result.status, result.messages]), [['bounded', 100], ['bounded', 100]]);
});
