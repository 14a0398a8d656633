/**
 * What `aura device add|remove --json` and `aura status --json` print, for the tests of device
 * changes, and reading a device's status in this process.
 *
 * @module
 */
import assert from 'node:assert/strict';
import { aura } from './cli.ts';

/** The output of `aura device add|remove --json`. */
export interface Changed {
  readonly epoch: number;
  readonly members: string[];
  readonly threshold: number;
  readonly groupKey: string;
  readonly removed: string[];
  readonly added?: { readonly name: string; readonly device: string; readonly dir: string };
}

/** The part of `aura status --json` these tests read. */
export interface Status {
  readonly groupKey: string;
  readonly epoch: number;
  readonly threshold: number;
  readonly members: { readonly name: string; readonly online?: boolean }[];
}

/** `aura status --dir DIR --json`, run in this process. */
export async function statusOf(dir: string): Promise<Status> {
  const shown = await aura('status', '--dir', dir, '--json');
  assert.equal(shown.status, 0, shown.stderr);
  return JSON.parse(shown.stdout) as Status;
}
