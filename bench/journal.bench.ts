/**
 * Benchmarks of the journal: incremental reduction of a counter view, durable ingest into SQLite
 * (batched and one fact per transaction, in both durability modes: `normal`, the default, and
 * `full`), cold open plus rebuild of a 1,000,000-fact journal's view (a full replay of every fact,
 * and a resume from a view checkpoint plus a replay of the 10,000 facts stored after it), the cost
 * of the full `quick_check` an unclean shutdown adds, signing facts, and reconciliation of two
 * 100,000-fact sets differing by 1%.
 *
 * @module
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Ed25519CryptoEffects } from '../src/handlers/ed25519-crypto.ts';
import { SeededRandom } from '../src/handlers/random.ts';
import { SqliteFactStore } from '../src/handlers/sqlite-fact-store.ts';
import { counterReducer } from '../src/journal/counter.ts';
import type { FactRecord } from '../src/journal/fact.ts';
import { RangeReconciler, reconcileLocally } from '../src/journal/reconcile.ts';
import { IncrementalView } from '../src/journal/reducer.ts';
import { TestAuthority } from '../src/journal/testing.ts';
import { rebuildView, saveViewCheckpoint } from '../src/journal/view-checkpoint.ts';
import { millisOf, perSecond, type Benchmark } from './harness.ts';

const random = new SeededRandom('journal-bench');
const alice = new TestAuthority(new Ed25519CryptoEffects(random.fork('crypto')), random.fork('alice'));
const scratch = mkdtempSync(join(tmpdir(), 'aura-journal-bench-'));
process.on('exit', () => { rmSync(scratch, { recursive: true, force: true }); });

/** `count` local counter facts over 16 counters. */
function counterFacts(count: number): FactRecord[] {
  return Array.from({ length: count }, (_, i) => alice.local(alice.draft('counter.add', { counter: `c${i % 16}`, amount: (i % 7) + 1 })));
}

let cached: FactRecord[] | undefined;
/** 100,000 facts, made once. */
function facts100k(): FactRecord[] {
  return (cached ??= counterFacts(100_000));
}

type Durability = 'full' | 'normal';

let files = 0;
const freshDb = (): string => join(scratch, `db-${files++}.sqlite`);

/** Batched ingest of 100,000 facts (`batch` per transaction) into a fresh store. */
async function batchedIngest(durability: Durability, batch: number): Promise<number> {
  const facts = facts100k();
  const store = SqliteFactStore.open(freshDb(), { durability });
  const rate = await perSecond(facts.length, async () => {
    for (let i = 0; i < facts.length; i += batch) await store.put(facts.slice(i, i + batch));
  });
  await store.close();
  return rate;
}

/** One-fact transactions. */
async function singleFactTransactions(durability: Durability, count: number): Promise<number> {
  const facts = facts100k().slice(0, count);
  const store = SqliteFactStore.open(freshDb(), { durability });
  const rate = await perSecond(count, async () => {
    for (const fact of facts) await store.put([fact]);
  });
  await store.close();
  return rate;
}

const MILLION = 1_000_000;
/** A store of 1,000,000 counter facts, built once per machine (kept in the temp directory). */
async function millionFactStore(): Promise<string> {
  const path = join(tmpdir(), 'aura-journal-bench-1m-v1.sqlite');
  if (existsSync(path)) {
    const store = SqliteFactStore.open(path, { check: 'none' });
    const count = await store.count();
    await store.close();
    if (count === MILLION) return path;
    rmSync(path, { force: true });
  }
  const store = SqliteFactStore.open(path, { durability: 'normal', check: 'none' });
  for (let written = 0; written < MILLION; written += 10_000) await store.put(counterFacts(10_000));
  await store.close();
  return path;
}

/** Facts stored after the checkpoint of the checkpoint benchmark. */
const SUFFIX = 10_000;

/** Saves, once, a counter-view checkpoint covering all but the last {@link SUFFIX} facts of the million-fact store. */
async function checkpointedStore(): Promise<string> {
  const path = await millionFactStore();
  const store = SqliteFactStore.open(path, { check: 'none' });
  const position = (await store.position()) - SUFFIX;
  if ((await store.loadCheckpoint(alice.authority, counterReducer.name))?.position !== position) {
    let state = counterReducer.init();
    await store.scan(alice.authority, (record) => { state = counterReducer.step(state, record); }, { verify: false, through: position });
    await saveViewCheckpoint(store, alice.authority, counterReducer, { state, position });
  }
  await store.close();
  return path;
}

/** Wall time of opening `path` and rebuilding the counter view, with or without its checkpoint. */
function coldRebuild(path: string, useCheckpoint: boolean): Promise<number> {
  return millisOf(async () => {
    const store = SqliteFactStore.open(path);
    const view = await rebuildView(store, alice.authority, counterReducer, { useCheckpoint });
    if (view.state.size === 0 || view.resumed !== useCheckpoint) throw new Error('the rebuild did not read the journal as intended');
    await store.close();
  });
}

export const benchmarks: Benchmark[] = [
  {
    name: 'journal/incremental counter reduction',
    unit: 'facts/s',
    target: '>= 1,000,000 facts/s',
    measure: () => {
      const facts = facts100k();
      const view = new IncrementalView(counterReducer);
      return perSecond(facts.length, () => {
        for (let i = 0; i < facts.length; i += 1000) view.add(facts.slice(i, i + 1000));
      });
    },
    baseline: {
      name: 'plain Map sum, no dedup',
      measure: () => {
        const facts = facts100k();
        return perSecond(facts.length, () => {
          const totals = new Map<string, number>();
          for (const { fact } of facts) {
            const { counter, amount } = fact.payload as { counter: string; amount: number };
            totals.set(counter, (totals.get(counter) ?? 0) + amount);
          }
        });
      },
    },
  },
  {
    name: 'journal/sqlite ingest, 10k-fact tx (normal, default)',
    unit: 'facts/s',
    target: '>= 100,000 facts/s',
    samples: 5,
    warmup: 1,
    measure: () => batchedIngest('normal', 10_000),
  },
  {
    name: 'journal/sqlite ingest, 1k-fact tx (normal, default)',
    unit: 'facts/s',
    target: '>= 100,000 facts/s',
    samples: 5,
    warmup: 1,
    measure: () => batchedIngest('normal', 1000),
    baseline: {
      name: 'raw better-sqlite3 insert, no index',
      measure: () => {
        const facts = facts100k();
        const db = new Database(freshDb());
        db.pragma('journal_mode = WAL');
        db.exec('CREATE TABLE t (k TEXT, v BLOB)');
        const insert = db.prepare('INSERT INTO t VALUES (?, ?)');
        const batch = db.transaction((rows: FactRecord[]) => { for (const r of rows) insert.run(r.key, r.bytes); });
        return perSecond(facts.length, () => {
          for (let i = 0; i < facts.length; i += 1000) batch(facts.slice(i, i + 1000));
        }).finally(() => db.close());
      },
    },
  },
  {
    name: 'journal/sqlite ingest, 1k-fact tx (full fsync)',
    unit: 'facts/s',
    target: '>= 100,000 facts/s',
    samples: 5,
    warmup: 1,
    measure: () => batchedIngest('full', 1000),
  },
  {
    name: 'journal/sqlite single-fact tx (normal, default)',
    unit: 'tx/s',
    target: '>= 5,000 tx/s',
    samples: 5,
    warmup: 1,
    measure: () => singleFactTransactions('normal', 5000),
  },
  {
    name: 'journal/sqlite single-fact tx (full fsync)',
    unit: 'tx/s',
    samples: 5,
    warmup: 1,
    measure: () => singleFactTransactions('full', 500),
  },
  {
    name: 'journal/cold open + full replay, 1M facts',
    unit: 'ms',
    target: '<= 5,000 ms',
    samples: 3,
    warmup: 0,
    measure: async () => coldRebuild(await millionFactStore(), false),
  },
  {
    name: 'journal/cold open + view checkpoint + replay of the last 10k, 1M facts',
    unit: 'ms',
    target: '<= 5,000 ms',
    samples: 3,
    warmup: 0,
    measure: async () => coldRebuild(await checkpointedStore(), true),
  },
  {
    name: 'journal/cold open after unclean shutdown (quick_check), 1M facts',
    unit: 'ms',
    samples: 1,
    warmup: 0,
    measure: async () => {
      const path = await millionFactStore();
      return millisOf(async () => {
        const store = SqliteFactStore.open(path, { check: 'quick' });
        await store.close();
      });
    },
  },
  {
    name: 'journal/device-signed facts (Ed25519, cached key)',
    unit: 'facts/s',
    measure: () => perSecond(2000, () => {
      for (let i = 0; i < 2000; i++) alice.deviceSigned(alice.draft('counter.add', { counter: 'c', amount: 1 }));
    }),
  },
  {
    name: 'journal/reconcile 100k vs 100k, 1% differ',
    unit: 'x missing CID bytes',
    samples: 3,
    warmup: 1,
    measure: () => {
      const ids = facts100k().map((record) => record.id.bytes);
      const shared = ids.slice(0, 99_000);
      const onlyA = ids.slice(99_000, 99_500);
      const onlyB = counterFacts(500).map((record) => record.id.bytes);
      const run = reconcileLocally(new RangeReconciler([...shared, ...onlyA]), new RangeReconciler([...shared, ...onlyB]));
      const missingBytes = [...run.missingAtA, ...run.missingAtB].reduce((sum, id) => sum + id.length, 0);
      console.log(`  reconcile: ${run.messages} messages, ${run.bytes} bytes for ${run.missingAtA.length + run.missingAtB.length} missing CIDs (${missingBytes} bytes)`);
      return run.bytes / missingBytes;
    },
  },
];
