import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAuraError } from '../core/errors.ts';
import { deriveIdentifier } from '../core/identifiers.ts';
import { decodeGuardianships, guardianOf, guardianshipPath, readGuardianships, updateGuardianships, withGuarded, writeGuardianships, type Guardianship } from './guardianship.ts';

const key = (n: number) => n.toString(16).padStart(2, '0').repeat(32);
const address = '/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWMn7r2bsdgLAArSfCoZKxxW7Tk1VkrvGBpXPknCcWfVa5';

function guardianship(seed: string): Guardianship {
  return {
    authority: deriveIdentifier('authority', { seed }),
    groupKey: key(1),
    threshold: 2,
    epoch: 0,
    cooldownMs: 2000,
    owners: [{ name: 'device-1', device: deriveIdentifier('device', { seed, k: 1 }), address, hpkeKey: key(2) }],
    guardians: [{ name: 'guardian-1', authority: deriveIdentifier('authority', { seed, g: 1 }), device: deriveIdentifier('device', { seed, g: 1 }), signingKey: key(3), hpkeKey: key(4), address }],
  };
}

describe('guardianship records (recovery.json)', () => {
  it('round-trips through the file, and a directory without one has none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aura-guardianship-'));
    try {
      assert.deepEqual(await readGuardianships(dir), { guarding: [] });
      const records = withGuarded({ own: guardianship('own'), guarding: [] }, guardianship('other'));
      await writeGuardianships(dir, records);
      assert.deepEqual(await readGuardianships(dir), records);
      const replaced = withGuarded(records, { ...guardianship('other'), cooldownMs: 5 });
      assert.equal(replaced.guarding.length, 1, 'a guardianship of the same authority replaces the earlier one');
      const guardian = guardianOf(guardianship('own').guardians[0]!); // the fixture has one guardian
      assert.equal(guardian.signingKey.length, 32);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps every change of updates started together (the desk\'s and a commit\'s), each reading what the one before wrote', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aura-guardianship-'));
    try {
      assert.deepEqual(await updateGuardianships(dir, (records) => records), { guarding: [] });
      assert.equal(existsSync(guardianshipPath(dir)), false, 'an update that changes nothing writes nothing');
      await writeGuardianships(dir, { guarding: [guardianship('first')] });
      const written = await Promise.all([
        updateGuardianships(dir, (records) => withGuarded(records, guardianship('second'))),
        updateGuardianships(dir, (records) => ({ ...records, own: guardianship('own') })),
        updateGuardianships(dir, (records) => withGuarded(records, guardianship('third'))),
      ]);
      const all = { own: guardianship('own'), guarding: ['first', 'second', 'third'].map(guardianship) };
      assert.deepEqual(written[2], all);
      assert.deepEqual(await readGuardianships(dir), all);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a corrupted file naming what is wrong', () => {
    const good = { format: 'aura.recovery', version: 1, guarding: [guardianship('x')] };
    const bad = { ...good, guarding: [{ ...guardianship('x'), groupKey: 'zz' }] };
    assert.throws(() => decodeGuardianships(JSON.stringify(bad), 'recovery.json'), (e) => isAuraError(e, 'agent.recovery-corrupt') && /groupKey/.test(e.message));
    assert.throws(() => decodeGuardianships('{', 'recovery.json'), (e) => isAuraError(e, 'agent.recovery-corrupt'));
    assert.throws(() => decodeGuardianships(JSON.stringify({ ...good, version: 2 }), 'recovery.json'), (e) => isAuraError(e, 'agent.recovery-corrupt') && /version 1/.test(e.message));
    assert.equal(decodeGuardianships(JSON.stringify(good), 'recovery.json').guarding.length, 1);
  });

  it('readGuardianships refuses a corrupted file in a directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aura-guardianship-'));
    try {
      writeFileSync(guardianshipPath(dir), '[]');
      await assert.rejects(readGuardianships(dir), (e) => isAuraError(e, 'agent.recovery-corrupt'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
