/**
 * The discrete-event scheduler: it owns virtual time and fires events in `(time, seq)` order.
 *
 * Simulated nodes may run asynchronous code (`await node.receive()`, `await effects.time.sleep()`).
 * Promise continuations run as microtasks, outside any event, so before firing the next event
 * the scheduler lets every woken node run until it waits again or finishes: each node thread
 * reports `enter` when it starts running and `leave` when it waits or finishes, and the run loop
 * yields to the microtask queue while any thread is running. That makes the interleaving of
 * asynchronous node code a function of the event order alone, hence of the seed.
 *
 * Code may also await host work: the platform's asynchronous crypto (WebCrypto HPKE), which
 * completes on the real event loop after a real delay. While any such request is in flight the
 * scheduler neither fires an event nor declares the run idle: it waits for the request to settle
 * and for the code awaiting it to reach its next wait (`host-work.ts`). An event that wakes one
 * role therefore sees that role through all its crypto before virtual time moves, and the run
 * stays a function of the seed.
 *
 * In the spirit of FoundationDB's deterministic simulation and TigerBeetle's VOPR.
 *
 * @module
 */
import { systemError } from '../core/errors.ts';
import { EventQueue } from './event-queue.ts';
import { hostWorkInFlight, releaseHostWork, watchHostWork } from './host-work.ts';

/** Why a run stopped. */
export type StopReason = 'idle' | 'time-limit' | 'event-limit' | 'stopped';

/** Limits of one run. */
export interface RunLimits {
  /** Stop before firing an event later than this virtual time (ms). */
  readonly until: number;
  /** Stop after this many events. */
  readonly maxEvents: number;
  /** Called between events once every thread has settled (properties, predicate waits); true stops the run. */
  readonly between?: () => boolean;
}

/** Microtask turns to wait for a running thread before falling back to macrotask turns. */
const MICROTASK_SPINS = 10_000;
/** Macrotask turns after which a thread that never waits is declared stuck outside the simulator. */
const MACROTASK_SPINS = 2_000;

/** Virtual time and the event queue. */
export class Scheduler {
  /** Current virtual time in ms. */
  now = 0;
  /** Events fired so far. */
  fired = 0;
  private readonly queue = new EventQueue();
  private running = 0;
  private readonly runningNames = new Map<string, number>();
  private drainRequested = false;

  /** Schedules `fire` at virtual time `time` (not before now). */
  at(time: number, fire: () => void): void {
    this.queue.push(Math.max(time, this.now), fire);
  }

  /** Schedules `fire` `delay` ms from now. */
  after(delay: number, fire: () => void): void {
    this.queue.push(this.now + Math.max(0, delay), fire);
  }

  /** How many events are pending. */
  get pending(): number {
    return this.queue.size;
  }

  /** A node thread started running (it will run microtasks until it calls {@link leave}). */
  enter(thread: string): void {
    this.running++;
    this.runningNames.set(thread, (this.runningNames.get(thread) ?? 0) + 1);
  }

  /** A node thread stopped running: it waits, finished, or crashed. */
  leave(thread: string): void {
    this.running--;
    const count = (this.runningNames.get(thread) ?? 1) - 1;
    if (count === 0) this.runningNames.delete(thread);
    else this.runningNames.set(thread, count);
  }

  /**
   * Code that runs outside node threads was woken (a choreography role over the simulated
   * transport: its continuations are plain promise callbacks). Before anything else happens, the
   * run loop lets the microtask queue run dry, so that code reaches its next wait at this same
   * virtual time, and the interleaving stays a function of the event order.
   */
  requestDrain(): void {
    this.drainRequested = true;
  }

  /** Fires events until none is left or a limit is reached. */
  async run(limits: RunLimits): Promise<StopReason> {
    watchHostWork();
    try {
      return await this.loop(limits);
    } finally {
      releaseHostWork();
    }
  }

  private async loop(limits: RunLimits): Promise<StopReason> {
    for (;;) {
      if (this.running > 0) await this.settle();
      if (hostWorkInFlight() > 0) {
        // The request completes in some later macrotask turn; what awaits it runs right after.
        this.drainRequested = true;
        await nextTurn();
        continue;
      }
      if (this.drainRequested) {
        this.drainRequested = false;
        await nextTurn();
        continue;
      }
      if (limits.between?.() === true) return 'stopped';
      if (this.running > 0) continue;
      const time = this.queue.peekTime();
      if (time === undefined) return 'idle';
      if (time > limits.until) {
        this.now = limits.until;
        return 'time-limit';
      }
      if (this.fired >= limits.maxEvents) return 'event-limit';
      const event = this.queue.pop()!; // peekTime just saw it
      this.now = event.time;
      this.fired++;
      event.fire();
    }
  }

  /** Yields until every running thread waits again or finishes. */
  private async settle(): Promise<void> {
    for (let spins = 0; this.running > 0; spins++) {
      if (spins < MICROTASK_SPINS) await Promise.resolve();
      // A thread awaiting host work is not stuck: wait for the work however long it takes.
      else if (hostWorkInFlight() > 0) {
        spins = MICROTASK_SPINS;
        await nextTurn();
      } else if (spins < MICROTASK_SPINS + MACROTASK_SPINS) await nextTurn();
      else {
        const names = [...this.runningNames.keys()].join(', ');
        throw systemError('sim.foreign-await', `node ${names} awaits something outside the simulator (only node waits, sleeps and receives may block)`, { context: { nodes: names } });
      }
    }
  }
}

/** One macrotask turn: every queued microtask (and those they queue) has run by then. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
