/**
 * A {@link FactStore} in memory, for tests and the simulator (where the simulator keeps the object
 * across a simulated restart, as a disk would be kept). Same contract as the SQLite store: the
 * contract tests run against both.
 *
 * @module
 */
import { permanentError } from '../core/errors.ts';
import type { FactRecord } from './fact.ts';
import { MAX_REPORTED_PROBLEMS, readStoredFact, storedFactProblem, type FactStore, type IntegrityReport, type ScanOptions, type ViewCheckpoint } from './fact-store.ts';
import type { Namespace } from './namespace.ts';

/** One stored fact. */
interface Row {
  readonly namespace: string;
  readonly typeId: string;
  readonly bytes: Uint8Array;
  /** Its position in insertion order. */
  readonly position: number;
}

/** Facts in a `Map`, in insertion order. */
export class MemoryFactStore implements FactStore {
  private closed = false;
  private lastPosition = 0;
  private readonly checkpoints = new Map<string, ViewCheckpoint>();

  /** @param rows facts by CID text; a test may pass its own map to corrupt it underneath the store. */
  constructor(private readonly rows = new Map<string, Row>()) {}

  async put(records: readonly FactRecord[]): Promise<number> {
    this.ensureOpen();
    let added = 0;
    for (const { key, bytes, fact } of records) {
      if (this.rows.has(key)) continue;
      this.rows.set(key, { namespace: fact.metadata.namespace, typeId: fact.typeId, bytes: bytes.slice(), position: ++this.lastPosition });
      added++;
    }
    return added;
  }

  async get(key: string): Promise<FactRecord | undefined> {
    this.ensureOpen();
    const row = this.rows.get(key);
    return row === undefined ? undefined : readStoredFact(key, row.bytes, true);
  }

  async has(key: string): Promise<boolean> {
    this.ensureOpen();
    return this.rows.has(key);
  }

  async keys(namespace: Namespace): Promise<string[]> {
    this.ensureOpen();
    return [...this.rows].filter(([, row]) => row.namespace === namespace).map(([key]) => key).sort();
  }

  async scan(namespace: Namespace, visit: (record: FactRecord) => void, options: ScanOptions = {}): Promise<number> {
    this.ensureOpen();
    let count = 0;
    for (const [key, row] of this.rows) {
      if (row.namespace !== namespace || (options.typeId !== undefined && row.typeId !== options.typeId)) continue;
      if (row.position <= (options.after ?? 0) || row.position > (options.through ?? Infinity)) continue;
      visit(readStoredFact(key, row.bytes, options.verify ?? true));
      count++;
    }
    return count;
  }

  async count(namespace?: Namespace): Promise<number> {
    this.ensureOpen();
    if (namespace === undefined) return this.rows.size;
    let count = 0;
    for (const row of this.rows.values()) if (row.namespace === namespace) count++;
    return count;
  }

  async remove(keys: readonly string[]): Promise<number> {
    this.ensureOpen();
    let removed = 0;
    for (const key of keys) if (this.rows.delete(key)) removed++;
    if (removed > 0) this.checkpoints.clear();
    return removed;
  }

  async position(): Promise<number> {
    this.ensureOpen();
    return this.lastPosition;
  }

  async saveCheckpoint(namespace: Namespace, name: string, checkpoint: ViewCheckpoint): Promise<void> {
    this.ensureOpen();
    this.checkpoints.set(`${namespace} ${name}`, { position: checkpoint.position, state: checkpoint.state.slice() });
  }

  async loadCheckpoint(namespace: Namespace, name: string): Promise<ViewCheckpoint | undefined> {
    this.ensureOpen();
    return this.checkpoints.get(`${namespace} ${name}`);
  }

  async checkIntegrity(options: { readonly deep?: boolean } = {}): Promise<IntegrityReport> {
    this.ensureOpen();
    const problems: string[] = [];
    if (options.deep === true) {
      for (const [key, row] of this.rows) {
        const problem = storedFactProblem(key, row.namespace, row.typeId, row.bytes);
        if (problem !== undefined && problems.length < MAX_REPORTED_PROBLEMS) problems.push(problem);
      }
    }
    return { ok: problems.length === 0, facts: this.rows.size, problems };
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private ensureOpen(): void {
    if (this.closed) throw permanentError('store.closed', 'the fact store is closed');
  }
}
