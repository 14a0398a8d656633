/**
 * Benchmarks of anti-entropy (issue 10, "Performance"): two in-memory replicas of 100,000 facts
 * that differ by 1% (500 facts only at each side) run one `AntiEntropy` session over the
 * in-memory transport, every received fact checked (decoded strictly, signature verified) and
 * stored. Targets: converged in at most 1 s; bytes exchanged at most 3x the bytes of the missing
 * facts. Baseline: copying exactly the missing facts across, with the same checks, as if the
 * difference were known for free.
 *
 * The replicas' CID indexes are loaded before the clock starts, as in a running node; loading
 * one is measured on its own.
 *
 * The 99,000 shared facts are local-only (never sent, so never checked); the 1,000 that differ
 * are device-signed, as facts from a peer must be.
 *
 * @module
 */
import { randomIdentifier } from '../src/core/identifiers.ts';
import { Ed25519CryptoEffects } from '../src/handlers/ed25519-crypto.ts';
import { SeededRandom } from '../src/handlers/random.ts';
import type { FactRecord } from '../src/journal/fact.ts';
import { encodeFrame } from '../src/runtime/envelope-codec.ts';
import { MemoryTransport } from '../src/runtime/memory-transport.ts';
import type { Transport } from '../src/runtime/transport.ts';
import { runSyncSession } from '../src/protocols/anti-entropy.ts';
import type { StoreReplica } from '../src/protocols/sync-replica.ts';
import { SyncFixture } from '../src/protocols/sync-testing.ts';
import { millisOf, type Benchmark } from './harness.ts';

const random = new SeededRandom('sync-bench');
const fixture = new SyncFixture(new Ed25519CryptoEffects(random.fork('crypto')), random.fork('fixture'));
const alice = randomIdentifier('device', random);
const bob = randomIdentifier('device', random);

interface Sets {
  readonly shared: readonly FactRecord[];
  readonly onlyA: readonly FactRecord[];
  readonly onlyB: readonly FactRecord[];
}

let cached: Sets | undefined;
/** 99,000 shared facts, 500 only at A, 500 only at B (made once). */
function sets(): Sets {
  if (cached !== undefined) return cached;
  const { authority } = fixture;
  const shared = Array.from({ length: 99_000 }, (_, i) => authority.local(authority.draft('counter.add', { counter: `c${i % 16}`, amount: (i % 7) + 1 })));
  cached = { shared, onlyA: fixture.facts(500), onlyB: fixture.facts(500) };
  return cached;
}

let pair: [StoreReplica, StoreReplica] | undefined;
/**
 * The two replicas, their CID indexes loaded as in a running node (not timed). Made once; each
 * sample that syncs them puts them back as they were with {@link restore}.
 */
async function replicas(): Promise<[StoreReplica, StoreReplica]> {
  if (pair !== undefined) return pair;
  const { shared, onlyA, onlyB } = sets();
  pair = [await fixture.replica([...shared, ...onlyA]), await fixture.replica([...shared, ...onlyB])];
  for (const replica of pair) await replica.cids();
  return pair;
}

/** Removes from each replica what it received, so the next sample starts diverged again. */
async function restore(): Promise<void> {
  const [a, b] = await replicas();
  const { onlyA, onlyB } = sets();
  await a.remove(onlyB.map((f) => f.id.bytes));
  await b.remove(onlyA.map((f) => f.id.bytes));
}

function missingBytes(): number {
  const { onlyA, onlyB } = sets();
  return [...onlyA, ...onlyB].reduce((sum, fact) => sum + fact.bytes.length, 0);
}

/** One session between `a` and `b` over `transport`. */
async function session(a: StoreReplica, b: StoreReplica, transport: Transport) {
  const id = randomIdentifier('session', random);
  const [reportA, reportB] = await Promise.all([
    runSyncSession({ replica: a, role: 'A', peer: bob, session: id }, transport),
    runSyncSession({ replica: b, role: 'B', peer: alice, session: id }, transport),
  ]);
  if (reportA.outcome !== 'converged' || reportA.added !== 500 || reportB.added !== 500) throw new Error(`the replicas did not converge: ${JSON.stringify({ a: reportA, b: reportB })}`);
  return { reportA, reportB };
}

/** The in-memory transport, counting the bytes of every frame in its wire encoding. */
function countingTransport(): { readonly transport: Transport; readonly bytes: () => number } {
  const inner = new MemoryTransport();
  let bytes = 0;
  const transport: Transport = {
    open: (id, role, receiver) => {
      const port = inner.open(id, role, receiver);
      return {
        send: (frame) => {
          bytes += encodeFrame(frame).length;
          return port.send(frame);
        },
        close: () => { port.close(); },
      };
    },
  };
  return { transport, bytes: () => bytes };
}

/** The benchmarks of this file. */
export const benchmarks: Benchmark[] = [
  {
    name: 'sync/anti-entropy 100k vs 100k, 1% differ, in memory',
    unit: 'ms',
    target: '<= 1000 ms',
    samples: 5,
    warmup: 1,
    measure: async () => {
      const [a, b] = await replicas();
      const millis = await millisOf(() => session(a, b, new MemoryTransport()));
      await restore();
      return millis;
    },
    baseline: {
      name: 'copy the 1,000 missing facts directly (checked and stored)',
      measure: async () => {
        const [a, b] = await replicas();
        const { onlyA, onlyB } = sets();
        const millis = await millisOf(async () => {
          await b.receive(await a.facts(onlyA.map((f) => f.id.bytes)), alice);
          await a.receive(await b.facts(onlyB.map((f) => f.id.bytes)), bob);
        });
        await restore();
        return millis;
      },
    },
  },
  {
    name: 'sync/replica CID index load, 100k facts (once per replica, memory store)',
    unit: 'ms',
    samples: 3,
    warmup: 1,
    measure: async () => {
      const [a] = await replicas();
      a.refresh();
      return millisOf(() => a.cids());
    },
  },
  {
    name: 'sync/anti-entropy bytes exchanged, 100k vs 100k, 1% differ',
    unit: 'x missing fact bytes',
    target: '<= 3',
    samples: 1,
    warmup: 0,
    measure: async () => {
      const [a, b] = await replicas();
      const counting = countingTransport();
      const { reportA, reportB } = await session(a, b, counting.transport);
      await restore();
      const missing = missingBytes();
      const payload = reportA.bytesSent + reportB.bytesSent;
      console.log(`  sync: ${counting.bytes()} frame bytes (${payload} payload bytes, ${reportA.rounds + reportB.rounds} range rounds) for 1,000 missing facts of ${missing} bytes; payload ratio ${(payload / missing).toFixed(2)}`);
      return counting.bytes() / missing;
    },
  },
];
