/**
 * The agent's wall clock: the time of `WallClock`, but its sleeps do not keep the process alive
 * (`unref`). Protocol receive timeouts and reconnect loops sleep long and cannot be cancelled
 * through the time effect; with this clock a command ends as soon as its work is done instead
 * of waiting for those timers to fire.
 *
 * @module
 */
import type { PhysicalTime } from '../core/time.ts';
import type { PhysicalTimeEffects } from '../core/effects.ts';
import { WallClock } from '../handlers/physical-time.ts';

/** Wall-clock time whose sleeps are background timers. */
export class BackgroundClock implements PhysicalTimeEffects {
  private readonly wall = new WallClock();

  now(): PhysicalTime {
    return this.wall.now();
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      setTimeout(resolve, Math.max(0, ms)).unref();
    });
  }
}
