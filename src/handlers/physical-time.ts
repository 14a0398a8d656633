/**
 * {@link PhysicalTimeEffects} handlers: the machine's wall clock, and a manual clock that only
 * moves when a test advances it (sleepers wake in deadline order, ties in call order).
 *
 * @module
 */
import type { PhysicalTimeEffects } from '../core/effects.ts';
import { permanentError } from '../core/errors.ts';
import { physicalTime, type PhysicalTime } from '../core/time.ts';

/** The machine's clock (`Date.now`) and real timers. */
export class WallClock implements PhysicalTimeEffects {
  now(): PhysicalTime {
    return physicalTime(Date.now());
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
  }
}

interface Sleeper {
  readonly wakeAt: number;
  readonly order: number;
  readonly wake: () => void;
}

/** A clock that stands still until {@link ManualClock.advance} moves it. */
export class ManualClock implements PhysicalTimeEffects {
  private currentMs: number;
  private sleepers: Sleeper[] = [];
  private calls = 0;

  constructor(startMs = 0) {
    this.currentMs = startMs;
  }

  now(): PhysicalTime {
    return physicalTime(this.currentMs);
  }

  sleep(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.sleepers.push({ wakeAt: this.currentMs + ms, order: this.calls++, wake: resolve });
    });
  }

  /** Moves the clock forward by `ms`, waking every sleeper whose time has come, earliest first. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw permanentError('time.invalid', `a clock cannot move backwards (advance by ${ms})`);
    this.currentMs += ms;
    const due = this.sleepers.filter((s) => s.wakeAt <= this.currentMs).sort((a, b) => a.wakeAt - b.wakeAt || a.order - b.order);
    this.sleepers = this.sleepers.filter((s) => s.wakeAt > this.currentMs);
    for (const sleeper of due) sleeper.wake();
  }

  /** How many sleepers are waiting. */
  get pendingSleepers(): number {
    return this.sleepers.length;
  }
}
