/**
 * Benchmarks of the choreography runtime (issue 4): in-memory ping-pong with the session monitor
 * on, beside the same payloads over bare promise queues measured in the same run; the same
 * ping-pong with every frame encoded to canonical bytes and decoded, as a byte transport does it;
 * and a 3-party ring of 15 messages end to end (sessions opened, run and closed).
 */
import { randomIdentifier, type SessionId } from '../src/core/identifiers.ts';
import { SeededRandom } from '../src/handlers/random.ts';
import { BytesMemoryTransport } from '../src/runtime/bytes-transport.ts';
import { MemoryTransport } from '../src/runtime/memory-transport.ts';
import { runRole, type RoleImpl } from '../src/runtime/run-role.ts';
import type { Transport } from '../src/runtime/transport.ts';
import { pingPong, ring } from '../test/support/protocols.ts';
import { microsPerOp, perSecond, type Benchmark } from './harness.ts';

const ROUNDS = 20_000;
const random = new SeededRandom('runtime-bench');
const sessions: SessionId[] = Array.from({ length: 4096 }, () => randomIdentifier('session', random));
let next = 0;
const newSession = (): SessionId => sessions[next++ % sessions.length]!; // index is taken modulo the length

function pingPongRoles(rounds: number): [RoleImpl, RoleImpl] {
  let played = 0;
  let last = 0;
  const alice: RoleImpl = { select: () => (played++ < rounds ? 'more' : 'done'), send: { Ping: () => ({ n: played }) } };
  const bob: RoleImpl = { recv: { Ping: (payload) => void (last = (payload as { n: number }).n) }, send: { Pong: () => ({ n: last }) } };
  return [alice, bob];
}

async function runPingPong(transport: Transport, rounds: number): Promise<void> {
  const session = newSession();
  const [alice, bob] = pingPongRoles(rounds);
  await Promise.all([runRole(pingPong, 'Alice', alice, transport, { session }), runRole(pingPong, 'Bob', bob, transport, { session })]);
}

/** The baseline: an unbounded queue whose `take` always returns a promise, as bare async code does. */
class PromiseQueue<T> {
  private readonly items: T[] = [];
  private waiter: ((item: T) => void) | undefined;

  push(item: T): void {
    const waiter = this.waiter;
    if (waiter === undefined) this.items.push(item);
    else {
      this.waiter = undefined;
      waiter(item);
    }
  }

  take(): Promise<T> {
    if (this.items.length > 0) return Promise.resolve(this.items.shift()!); // length > 0
    return new Promise((resolve) => (this.waiter = resolve));
  }
}

async function bareQueues(rounds: number): Promise<void> {
  const toBob = new PromiseQueue<{ n: number }>();
  const toAlice = new PromiseQueue<{ n: number }>();
  const alice = async (): Promise<void> => {
    for (let n = 0; n < rounds; n++) {
      toBob.push({ n });
      await toAlice.take();
    }
  };
  const bob = async (): Promise<void> => {
    for (let i = 0; i < rounds; i++) toAlice.push({ n: (await toBob.take()).n });
  };
  await Promise.all([alice(), bob()]);
}

const ring15 = ring(5);
const relay: RoleImpl = { send: { Token: () => ({ hop: 1 }) } };
const memory = new MemoryTransport();

export const benchmarks: Benchmark[] = [
  {
    name: 'runtime/ping-pong in-memory, monitor on',
    unit: 'msgs/s',
    // The ratio printed is ours / baseline in msgs/s: 0.10x means ten times slower than bare queues.
    target: '>= 1,000,000 msgs/s; ratio >= 0.10x, i.e. at most 10x slower',
    measure: () => perSecond(2 * ROUNDS + 1, () => runPingPong(memory, ROUNDS)),
    baseline: { name: 'bare promise queues', measure: () => perSecond(2 * ROUNDS, () => bareQueues(ROUNDS)) },
  },
  {
    name: 'runtime/ping-pong canonical bytes',
    unit: 'msgs/s',
    samples: 7,
    measure: () => perSecond(2 * 5000 + 1, () => runPingPong(new BytesMemoryTransport(), 5000)),
  },
  {
    name: 'runtime/3-party ring of 15 messages',
    unit: 'µs/run',
    target: '<= 30 µs',
    measure: () =>
      microsPerOp(500, () => {
        const session = newSession();
        return Promise.all(['A', 'B', 'C'].map((role) => runRole(ring15, role, relay, memory, { session })));
      }),
  },
];
