/**
 * One queue of writes per file within the process: a read-modify-write of a file read whole and
 * written whole (the key store, `recovery.json`) waits for the ones started before it on the same
 * file, so two writers cannot read the same content and have the later write drop the earlier's
 * change. Files are keyed by resolved path, so two handles of one file share its queue; a failed
 * write does not stop the ones after it. Other processes are kept out by the device directory's
 * lock, not by this.
 *
 * @module
 */
import { resolve } from 'node:path';

/** The last write queued on each file (by resolved path), while one is queued. */
const queues = new Map<string, Promise<unknown>>();

/** Runs `write` once every write queued before it on `path` has finished (succeeded or failed). */
export function serializedOnPath<T>(path: string, write: () => Promise<T>): Promise<T> {
  const key = resolve(path);
  const previous = queues.get(key) ?? Promise.resolve();
  const result = previous.then(write, write);
  const tail = result.catch(() => undefined);
  queues.set(key, tail);
  void tail.then(() => {
    if (queues.get(key) === tail) queues.delete(key);
  });
  return result;
}
