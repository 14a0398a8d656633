/**
 * A 2-of-3 account made by `aura init` for one test file: a fresh temporary directory with a
 * passphrase file, created before the file's tests and removed after them, together with the
 * node processes the tests start (killed then).
 *
 * @module
 */
import { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAura, type AuraProcess } from '../../src/cli/aura-process.ts';

/** What `aura init --json` prints. */
interface Initialized {
  readonly authority: string;
  readonly groupKey: string;
  readonly devices: readonly { readonly name: string; readonly dir: string; readonly device: string }[];
}

/** The account of one test file (its fields are set once the file's `before` hook ran). */
export class CliAccount {
  /** The temporary directory holding everything. */
  root = '';
  /** The file holding the passphrase of every device. */
  passFile = '';
  /** Node processes a test started: killed after the file. */
  readonly nodes: AuraProcess[] = [];
  private initialized: Initialized | undefined;

  private get account(): Initialized {
    assert.ok(this.initialized !== undefined, 'the account is made in the before hook');
    return this.initialized;
  }

  /** The authority id. */
  get authority(): string {
    return this.account.authority;
  }

  /** The group key, hex. */
  get groupKey(): string {
    return this.account.groupKey;
  }

  /** The devices, in `init`'s order. */
  get devices(): Initialized['devices'] {
    return this.account.devices;
  }

  /** The directory of device `k` (0-based). */
  dirOf(k: number): string {
    const device = this.devices[k];
    assert.ok(device !== undefined, `no device ${k}`);
    return device.dir;
  }

  /** Registers the file's hooks: `aura init` 2-of-3 under `prefix` with `passphrase`, removal after. */
  static forThisFile(prefix: string, passphrase: string): CliAccount {
    const account = new CliAccount();
    before(async () => {
      account.root = mkdtempSync(join(tmpdir(), prefix));
      account.passFile = join(account.root, 'passphrase');
      writeFileSync(account.passFile, `${passphrase}\n`);
      const init = await runAura(['init', '--devices', '3', '--threshold', '2', '--dir', join(account.root, 'account'), '--passphrase-file', account.passFile, '--kdf-log-n', '10', '--json']);
      assert.equal(init.status, 0, init.stderr);
      account.initialized = JSON.parse(init.stdout) as Initialized;
    });
    after(async () => {
      for (const node of account.nodes) node.child.kill('SIGKILL');
      await Promise.all(account.nodes.map((n) => n.exited));
      rmSync(account.root, { recursive: true, force: true });
    });
    return account;
  }
}
