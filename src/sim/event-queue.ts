/**
 * The simulator's pending events: a binary min-heap ordered by virtual time, ties broken by the
 * order in which events were scheduled. That tie-break is what makes a run a pure function of its
 * seed: two events at the same instant always fire in the same order.
 *
 * @module
 */

/** One scheduled event. */
export interface ScheduledEvent {
  /** Virtual time (ms) at which it fires. */
  readonly time: number;
  /** Scheduling order; breaks ties between events at the same time. */
  readonly seq: number;
  /** What happens when it fires. */
  readonly fire: () => void;
}

/** A min-heap of {@link ScheduledEvent}s by `(time, seq)`. */
export class EventQueue {
  private readonly heap: ScheduledEvent[] = [];
  private nextSeq = 0;

  /** How many events are pending. */
  get size(): number {
    return this.heap.length;
  }

  /** Schedules `fire` at virtual time `time`. */
  push(time: number, fire: () => void): void {
    const heap = this.heap;
    const event: ScheduledEvent = { time, seq: this.nextSeq++, fire };
    let index = heap.length;
    heap.push(event);
    while (index > 0) {
      const parent = (index - 1) >> 1;
      const above = heap[parent]!; // parent < index < length
      if (!before(event, above)) break;
      heap[index] = above;
      index = parent;
    }
    heap[index] = event;
  }

  /** The earliest event's time, or `undefined` when empty. */
  peekTime(): number | undefined {
    return this.heap[0]?.time;
  }

  /** Removes and returns the earliest event. */
  pop(): ScheduledEvent | undefined {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    let index = 0;
    const length = heap.length;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      const child = right < length && before(heap[right]!, heap[left]!) ? right : left; // both < length
      const smaller = heap[child]!; // child < length
      if (!before(smaller, last)) break;
      heap[index] = smaller;
      index = child;
    }
    heap[index] = last;
    return top;
  }

  /** Drops every pending event. */
  clear(): void {
    this.heap.length = 0;
  }
}

function before(a: ScheduledEvent, b: ScheduledEvent): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
