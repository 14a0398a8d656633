/**
 * A first-in first-out queue on a growable ring buffer: O(1) at both ends, and nothing allocated
 * or resized per item once warm (the hot path of every receive goes through one).
 *
 * @module
 */

/** A FIFO queue. */
export class Fifo<T> {
  private items: (T | undefined)[] = new Array<T | undefined>(4).fill(undefined);
  private head = 0;
  private count = 0;

  /** Number of queued items. */
  get size(): number {
    return this.count;
  }

  /** Appends `item`. */
  push(item: T): void {
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) % this.items.length] = item;
    this.count++;
  }

  /** The first item, without removing it. */
  peek(): T | undefined {
    return this.count === 0 ? undefined : this.items[this.head];
  }

  /** The first item satisfying `test`, without removing it. */
  find(test: (item: T) => boolean): T | undefined {
    for (let i = 0; i < this.count; i++) {
      const item = this.items[(this.head + i) % this.items.length] as T; // i < count: occupied
      if (test(item)) return item;
    }
    return undefined;
  }

  /** Removes `item` (its first occurrence); true when it was queued. */
  remove(item: T): boolean {
    if (this.count > 0 && this.items[this.head] === item) {
      this.items[this.head] = undefined;
      this.head = (this.head + 1) % this.items.length;
      this.count--;
      return true;
    }
    const all = this.toArray();
    const index = all.indexOf(item);
    if (index < 0) return false;
    all.splice(index, 1);
    this.clear();
    for (const kept of all) this.push(kept);
    return true;
  }

  /** Every queued item, oldest first. */
  toArray(): T[] {
    return Array.from({ length: this.count }, (_, i) => this.items[(this.head + i) % this.items.length] as T); // i < count: occupied
  }

  /** Empties the queue. */
  clear(): void {
    this.items.fill(undefined);
    this.head = 0;
    this.count = 0;
  }

  private grow(): void {
    const items = this.toArray();
    this.items = new Array<T | undefined>(this.items.length * 2).fill(undefined);
    items.forEach((item, i) => (this.items[i] = item));
    this.head = 0;
  }
}
