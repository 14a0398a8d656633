/**
 * The {@link FactStore} on SQLite: facts keyed by CID with a namespace/type index, each `put` one
 * transaction, reads verified, an integrity check on open (see `sqlite-database.ts` for the
 * layout and the durability guarantee).
 *
 * @module
 */
import type { FactRecord } from '../journal/fact.ts';
import { MAX_REPORTED_PROBLEMS, readStoredFact, storedFactProblem, type FactStore, type IntegrityReport, type ScanOptions, type ViewCheckpoint } from '../journal/fact-store.ts';
import type { Namespace } from '../journal/namespace.ts';
import { closeSqliteDatabase, integrityProblems, openSqliteDatabase, sqliteCall, type SqliteDatabase, type SqliteOptions } from './sqlite-database.ts';
import { parseContentId, type ContentId } from '../core/content-id.ts';
import { permanentError, systemError } from '../core/errors.ts';

/** Facts in a SQLite database file. */
export class SqliteFactStore implements FactStore {
  private readonly namespaceIds = new Map<string, number>();
  private readonly statements;
  private readonly transactions;
  private closed = false;

  /** Opens (or creates) the store at `path`; see {@link openSqliteDatabase} for errors. */
  static open(path: string, options?: SqliteOptions): SqliteFactStore {
    return new SqliteFactStore(openSqliteDatabase(path, options), path);
  }

  /** A store over an already opened database (shared with `SqliteStorage`, say). */
  constructor(
    private readonly db: SqliteDatabase,
    private readonly path: string,
  ) {
    this.statements = {
      // One statement looks the CID up and inserts when absent: half the calls of has-then-insert.
      insertIfAbsent: db.prepare<[string, number, number, string, Uint8Array, number, string]>(
        'INSERT INTO facts (cid, cid_prefix, namespace, type_id, bytes) SELECT ?, ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM facts WHERE cid_prefix = ? AND cid = ?)',
      ),
      namespaceId: db.prepare<[string], number>('SELECT id FROM namespaces WHERE name = ?').pluck(),
      addNamespace: db.prepare('INSERT INTO namespaces (name) VALUES (?)'),
      get: db.prepare<[number, string], Buffer>('SELECT bytes FROM facts WHERE cid_prefix = ? AND cid = ?').pluck(),
      has: db.prepare<[number, string], number>('SELECT 1 FROM facts WHERE cid_prefix = ? AND cid = ?').pluck(),
      keys: db.prepare<[number], string>('SELECT cid FROM facts WHERE namespace = ? ORDER BY cid').pluck(),
      scan: db.prepare<[number, number, number], [string, Buffer]>('SELECT cid, bytes FROM facts WHERE namespace = ? AND seq > ? AND seq <= ?').raw(),
      scanType: db.prepare<[number, string, number, number], [string, Buffer]>('SELECT cid, bytes FROM facts WHERE namespace = ? AND type_id = ? AND seq > ? AND seq <= ?').raw(),
      countType: db.prepare<[number, string], number>('SELECT count(*) FROM facts WHERE namespace = ? AND type_id = ?').pluck(),
      seqSpan: db.prepare<[], [number | null, number | null]>('SELECT min(seq), max(seq) FROM facts').raw(),
      position: db.prepare<[], number | null>('SELECT max(seq) FROM facts').pluck(),
      saveView: db.prepare<[number, string, number, Uint8Array]>('INSERT INTO views (namespace, name, position, state) VALUES (?, ?, ?, ?) ON CONFLICT (namespace, name) DO UPDATE SET position = excluded.position, state = excluded.state'),
      loadView: db.prepare<[number, string], [number, Buffer]>('SELECT position, state FROM views WHERE namespace = ? AND name = ?').raw(),
      dropViews: db.prepare('DELETE FROM views'),
      // `+namespace` keeps the planner on the row-id range instead of the namespace index.
      chunk: db.prepare<[number, number, number], ChunkRow>(`SELECT ${CHUNK_COLUMNS} FROM facts WHERE seq > ? AND seq <= ? AND +namespace = ?`).raw(),
      chunkType: db.prepare<[number, number, number, string], ChunkRow>(`SELECT ${CHUNK_COLUMNS} FROM facts WHERE seq > ? AND seq <= ? AND +namespace = ? AND +type_id = ?`).raw(),
      count: db.prepare<[], number>('SELECT count(*) FROM facts').pluck(),
      countIn: db.prepare<[number], number>('SELECT count(*) FROM facts WHERE namespace = ?').pluck(),
      remove: db.prepare('DELETE FROM facts WHERE cid_prefix = ? AND cid = ?'),
      all: db.prepare<[], [string, string, string, Buffer]>('SELECT f.cid, n.name, f.type_id, f.bytes FROM facts f JOIN namespaces n ON n.id = f.namespace').raw(),
    };
    this.transactions = {
      // A scan reads in one transaction: one snapshot, whatever other connections write meanwhile.
      scan: db.transaction((id: number, visit: (record: FactRecord) => void, options: ScanOptions) => this.scanIn(id, visit, options)),
      put: db.transaction((records: readonly FactRecord[]) => {
        let added = 0;
        for (const record of records) added += this.insert(record, this.namespaceIdOf(record.fact.metadata.namespace, true));
        return added;
      }),
      remove: db.transaction((keys: readonly string[]) => {
        let removed = 0;
        for (const key of keys) removed += this.statements.remove.run(cidPrefix(parseContentId(key)), key).changes;
        if (removed > 0) this.statements.dropViews.run();
        return removed;
      }),
    };
  }

  async put(records: readonly FactRecord[]): Promise<number> {
    return this.call(() => {
      // A single fact whose namespace is known is one statement: SQLite commits it atomically on
      // its own, without the BEGIN and COMMIT round trips of an explicit transaction.
      const only = records.length === 1 ? records[0] : undefined;
      const namespaceId = only === undefined ? undefined : this.namespaceIds.get(only.fact.metadata.namespace);
      if (only !== undefined && namespaceId !== undefined) return this.insert(only, namespaceId);
      try {
        return this.transactions.put.immediate(records);
      } catch (error) {
        this.namespaceIds.clear(); // namespaces created by the rolled-back transaction are gone
        throw error;
      }
    });
  }

  async get(key: string): Promise<FactRecord | undefined> {
    const bytes = this.call(() => this.statements.get.get(cidPrefix(parseContentId(key)), key));
    return bytes === undefined ? undefined : readStoredFact(key, bytes, true);
  }

  async has(key: string): Promise<boolean> {
    return this.call(() => this.statements.has.get(cidPrefix(parseContentId(key)), key) !== undefined);
  }

  async keys(namespace: Namespace): Promise<string[]> {
    return this.call(() => {
      const id = this.namespaceIdOf(namespace, false);
      return id === undefined ? [] : this.statements.keys.all(id);
    });
  }

  async scan(namespace: Namespace, visit: (record: FactRecord) => void, options: ScanOptions = {}): Promise<number> {
    return this.call(() => {
      const id = this.namespaceIdOf(namespace, false);
      return id === undefined ? 0 : this.transactions.scan(id, visit, options);
    });
  }

  /**
   * The scan itself. A namespace (or type) that fills at least a quarter of the table is read in
   * chunks of {@link CHUNK_ROWS} row ids, each chunk one row of concatenated facts, keys and
   * lengths: one call into SQLite and one buffer per chunk instead of per fact (per-row reads
   * spent most of a cold start allocating). A small one is read through its index, row by row.
   */
  private scanIn(id: number, visit: (record: FactRecord) => void, options: ScanOptions): number {
    const { typeId } = options;
    const verify = options.verify ?? true;
    const [lowest, highest] = this.statements.seqSpan.get() ?? [null, null];
    if (lowest === null || highest === null) return 0;
    const first = Math.max(lowest, (options.after ?? 0) + 1);
    const last = Math.min(highest, options.through ?? highest);
    const size = typeId === undefined ? (this.statements.countIn.get(id) ?? 0) : (this.statements.countType.get(id, typeId) ?? 0);
    let count = 0;
    if (size * 4 < last - first + 1) {
      const rows = typeId === undefined ? this.statements.scan.iterate(id, first - 1, last) : this.statements.scanType.iterate(id, typeId, first - 1, last);
      for (const [key, bytes] of rows) {
        visit(readStoredFact(key, bytes, verify));
        count++;
      }
      return count;
    }
    for (let after = first - 1; after < last; after += CHUNK_ROWS) {
      const through = Math.min(last, after + CHUNK_ROWS);
      const row = typeId === undefined ? this.statements.chunk.get(after, through, id) : this.statements.chunkType.get(after, through, id, typeId);
      if (row !== undefined) count += visitChunk(row, visit, verify);
    }
    return count;
  }

  async count(namespace?: Namespace): Promise<number> {
    return this.call(() => {
      if (namespace === undefined) return this.statements.count.get() ?? 0;
      const id = this.namespaceIdOf(namespace, false);
      return id === undefined ? 0 : (this.statements.countIn.get(id) ?? 0);
    });
  }

  async remove(keys: readonly string[]): Promise<number> {
    return this.call(() => this.transactions.remove.immediate(keys));
  }

  async position(): Promise<number> {
    return this.call(() => this.statements.position.get() ?? 0);
  }

  async saveCheckpoint(namespace: Namespace, name: string, checkpoint: ViewCheckpoint): Promise<void> {
    this.call(() => {
      this.statements.saveView.run(this.namespaceIdOf(namespace, true), name, checkpoint.position, checkpoint.state);
    });
  }

  async loadCheckpoint(namespace: Namespace, name: string): Promise<ViewCheckpoint | undefined> {
    return this.call(() => {
      const id = this.namespaceIdOf(namespace, false);
      const row = id === undefined ? undefined : this.statements.loadView.get(id, name);
      return row === undefined ? undefined : { position: row[0], state: new Uint8Array(row[1]) };
    });
  }

  async checkIntegrity(options: { readonly deep?: boolean } = {}): Promise<IntegrityReport> {
    return this.call(() => {
      const problems = integrityProblems(this.db, 'full').slice(0, MAX_REPORTED_PROBLEMS);
      if (options.deep === true) {
        for (const [key, namespace, typeId, bytes] of this.statements.all.iterate()) {
          const problem = storedFactProblem(key, namespace, typeId, bytes);
          if (problem !== undefined && problems.length < MAX_REPORTED_PROBLEMS) problems.push(problem);
        }
      }
      return { ok: problems.length === 0, facts: this.statements.count.get() ?? 0, problems };
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    closeSqliteDatabase(this.db, this.path);
  }

  /** Inserts `record` unless its CID is stored: 1 when added, 0 when it was there. */
  private insert({ id, key, bytes, fact }: FactRecord, namespaceId: number): number {
    const prefix = cidPrefix(id);
    return this.statements.insertIfAbsent.run(key, prefix, namespaceId, fact.typeId, bytes, prefix, key).changes;
  }

  /** The row id of `namespace`, created when `create` is set. */
  private namespaceIdOf(namespace: string, create: true): number;
  private namespaceIdOf(namespace: string, create: false): number | undefined;
  private namespaceIdOf(namespace: string, create: boolean): number | undefined {
    let id = this.namespaceIds.get(namespace) ?? this.statements.namespaceId.get(namespace);
    if (id === undefined && create) id = Number(this.statements.addNamespace.run(namespace).lastInsertRowid);
    if (id !== undefined) this.namespaceIds.set(namespace, id);
    return id;
  }

  private call<T>(operation: () => T): T {
    if (this.closed) throw permanentError('store.closed', `the fact store at ${this.path} is closed`);
    return sqliteCall(this.path, operation);
  }
}

/** Row ids per chunk of a large scan. */
const CHUNK_ROWS = 4096;

/**
 * One chunk of a scan as one row: how many facts, their bytes back to back (`group_concat` of
 * blobs is text holding the raw bytes, which the cast turns back into a blob unchanged), their
 * lengths, and their CIDs. The three aggregates are fed the same rows in the same order, so the
 * i-th length and the i-th CID belong to the i-th fact. CID text never holds a comma or a space.
 */
const CHUNK_COLUMNS = "count(*), CAST(group_concat(bytes, '') AS BLOB), group_concat(length(bytes), ','), group_concat(cid, ' ')";

/** A chunk row (the aggregates are null when the chunk holds no fact of the scan). */
type ChunkRow = [number, Buffer | null, string | null, string | null];

/** Visits the facts of a chunk row; returns how many. */
function visitChunk([count, bytes, lengths, keys]: ChunkRow, visit: (record: FactRecord) => void, verify: boolean): number {
  if (count === 0 || bytes === null || lengths === null || keys === null) return 0;
  const lengthList = lengths.split(',');
  const keyList = keys.split(' ');
  if (lengthList.length !== count || keyList.length !== count) throw systemError('store.corrupt', `a scan chunk of ${count} facts came back with ${lengthList.length} lengths and ${keyList.length} keys`);
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const end = offset + Number(lengthList[i]);
    visit(readStoredFact(keyList[i]!, bytes.subarray(offset, end), verify)); // i < count = keyList.length
    offset = end;
  }
  if (offset !== bytes.length) throw systemError('store.corrupt', `a scan chunk holds ${bytes.length} bytes of facts but its lengths add up to ${offset}`);
  return count;
}

/** The first 6 bytes of a CID's digest as an integer: the indexed part of the key. */
function cidPrefix(id: ContentId): number {
  const digest = id.multihash.digest;
  return digest[0]! * 2 ** 40 + digest[1]! * 2 ** 32 + ((digest[2]! << 24) >>> 0) + (digest[3]! << 16) + (digest[4]! << 8) + digest[5]!; // digests have 32 bytes
}
