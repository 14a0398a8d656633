/**
 * Memos of derived values (parsed identifiers, decoded points, hashers by tag…) bounded against
 * unusual use: when one holds its limit, it forgets everything before remembering a new entry.
 * Forgetting costs only a recomputation, so the simplest bound serves; the usual working set is
 * far below every limit.
 *
 * @module
 */

/** A `Map` that is cleared before a new key is set once it holds `limit` entries. */
export class BoundedMap<K, V> extends Map<K, V> {
  /** An empty map of at most `limit` entries. */
  constructor(private readonly limit: number) {
    super();
  }

  override set(key: K, value: V): this {
    if (this.size >= this.limit && !this.has(key)) this.clear();
    return super.set(key, value);
  }
}

/** A `Set` that is cleared before a new value is added once it holds `limit` values. */
export class BoundedSet<T> extends Set<T> {
  /** An empty set of at most `limit` values. */
  constructor(private readonly limit: number) {
    super();
  }

  override add(value: T): this {
    if (this.size >= this.limit && !this.has(value)) this.clear();
    return super.add(value);
  }
}
