/**
 * The lock of a device data directory, so two processes never open the same device: `agent.lock`
 * is created exclusively (`O_EXCL`) and holds the owner's process id. A lock whose process is
 * gone (a crash, `kill -9`) is stale and is taken over; a live one is `agent.locked`, naming the
 * process that holds it.
 *
 * Source: issue 11 item 1 (the brief: "a lock file so two processes never open the same dir").
 *
 * @module
 */
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { permanentError, systemError } from '../core/errors.ts';

/** The lock file's name inside a device directory. */
export const LOCK_FILE = 'agent.lock';

/** A held lock. */
export interface DirLock {
  /** The lock file. */
  readonly path: string;
  /** Removes the lock file (idempotent). */
  release(): void;
}

/**
 * Takes the lock of `dir` for this process. Errors: `agent.locked` (another live process holds
 * it), `agent.io`.
 */
export function lockDir(dir: string): DirLock {
  const path = join(dir, LOCK_FILE);
  for (let tries = 0; tries < 2; tries++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx', mode: 0o600 });
      let held = true;
      return {
        path,
        release: () => {
          if (!held) return;
          held = false;
          try {
            unlinkSync(path);
          } catch {
            // already removed by hand: nothing left to release
          }
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw systemError('agent.io', `cannot create ${path}: ${(error as Error).message}`, { cause: error });
    }
    const owner = lockOwner(path);
    if (owner !== undefined && processAlive(owner)) {
      throw permanentError('agent.locked', `${dir} is in use by process ${owner} (an "aura node" or another command); stop it or use its control socket`, { context: { dir, pid: owner } });
    }
    unlinkSync(path); // stale: its process is gone
  }
  throw permanentError('agent.locked', `${dir} is being locked by another process at the same time`, { context: { dir } });
}

/** The process id written in the lock file at `path`, if it holds one. */
export function lockOwner(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
