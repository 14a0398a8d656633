/**
 * A first-in first-out queue that takes from the front in O(1) and allocates nothing per item
 * once warm (an array with a moving head, reset whenever it empties).
 *
 * @module
 */

/** A FIFO queue. */
export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  /** Number of queued items. */
  get size(): number {
    return this.items.length - this.head;
  }

  /** Appends `item`. */
  push(item: T): void {
    this.items.push(item);
  }

  /** The first item, without removing it. */
  peek(): T | undefined {
    return this.items[this.head];
  }

  /** The first item satisfying `test`, without removing it. */
  find(test: (item: T) => boolean): T | undefined {
    for (let i = this.head; i < this.items.length; i++) {
      const item = this.items[i] as T; // head <= i < length: occupied
      if (test(item)) return item;
    }
    return undefined;
  }

  /** Removes `item` (the first occurrence); true when it was queued. */
  remove(item: T): boolean {
    if (this.items[this.head] === item) {
      this.items[this.head++] = undefined;
      if (this.head === this.items.length) this.clear();
      return true;
    }
    const index = this.items.indexOf(item, this.head);
    if (index < 0) return false;
    this.items.splice(index, 1);
    return true;
  }

  /** Every queued item, oldest first. */
  toArray(): T[] {
    return this.items.slice(this.head) as T[];
  }

  /** Empties the queue. */
  clear(): void {
    this.items.length = 0;
    this.head = 0;
  }
}
