/**
 * A {@link StorageEffects} handler in memory, for tests and the simulator (where it stands for a
 * node's disk and survives a simulated restart because the simulator keeps the object).
 *
 * @module
 */
import type { StorageEffects, StorageWrite } from '../core/effects.ts';

/** Key-value storage in a `Map`, listed in key order. Values are copied in and out. */
export class MemoryStorage implements StorageEffects {
  private readonly entries = new Map<string, Uint8Array>();

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.entries.get(key)?.slice();
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    this.entries.set(key, value.slice());
  }

  async delete(key: string): Promise<boolean> {
    return this.entries.delete(key);
  }

  async list(prefix: string): Promise<string[]> {
    return [...this.entries.keys()].filter((key) => key.startsWith(prefix)).sort();
  }

  async batch(writes: readonly StorageWrite[]): Promise<void> {
    for (const { key, value } of writes) {
      if (value === undefined) this.entries.delete(key);
      else this.entries.set(key, value.slice());
    }
  }
}
