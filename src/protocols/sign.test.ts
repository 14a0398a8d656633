import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { toHex, utf8 } from '../core/bytes.ts';
import { isAuraError } from '../core/errors.ts';
import { randomIdentifier } from '../core/identifiers.ts';
import { verifyStrict } from '../crypto/signature.ts';
import { SeededRandom } from '../handlers/random.ts';
import { MemoryTransport } from '../runtime/memory-transport.ts';
import type { RoleImpl } from '../runtime/run-role.ts';
import { runSigningDevice, type Signer, type SigningSetup } from './sign.ts';
import { dealToDevices } from './reshare-fixture.ts';

interface Fixture {
  readonly setup: SigningSetup;
  readonly signers: readonly Signer[];
}

function fixture(n: number, threshold: number, seed: string): Fixture {
  const random = new SeededRandom(seed);
  const devices = Array.from({ length: n }, () => randomIdentifier('device', random));
  const { publicKeyPackage, shares } = dealToDevices(devices, threshold, random);
  const message = utf8(`attest ${seed}`);
  const signers = devices.map((device) => ({ device, keyShare: shares.get(device)!, message, random: random.fork(device) })); // dealToDevices made one share per device
  return { setup: { signers: devices, publicKeyPackage, session: randomIdentifier('session', random) }, signers };
}

type Wrap = (honest: RoleImpl) => RoleImpl;

async function signAll(f: Fixture, byzantine: ReadonlyMap<number, Wrap> = new Map(), signers = f.signers) {
  const transport = new MemoryTransport();
  return Promise.allSettled(
    signers.map((signer, k) => {
      const wrap = byzantine.get(k);
      return runSigningDevice(f.setup, signer, transport, wrap === undefined ? {} : { roleImpl: (honest, attempt) => (attempt === 0 ? wrap(honest) : honest) });
    }),
  );
}

function honest(settled: Awaited<ReturnType<typeof signAll>>, except: ReadonlySet<number>) {
  return settled.flatMap((s, k) => {
    if (except.has(k)) return [];
    if (s.status === 'rejected') throw new Error(`signer ${k}: ${String(s.reason)}`);
    return [s.value];
  });
}

function assertOneValidSignature(f: Fixture, results: ReturnType<typeof honest>) {
  assert.equal(new Set(results.map((r) => toHex(r.signature))).size, 1, 'every honest signer holds the same signature');
  assert.ok(verifyStrict(f.setup.publicKeyPackage.groupPublicKey, f.signers[0]!.message, results[0]!.signature));
}

const badShare: Wrap = (h) => ({
  ...h,
  send: {
    ...h.send,
    SigShare: async (to) => {
      const { share } = (await h.send!['SigShare']!(to)) as { share: Uint8Array | null };
      const wrong = share === null ? null : share.slice();
      if (wrong !== null) wrong[0] = (wrong[0]! + 1) % 256;
      return { share: wrong };
    },
  },
});

const badCommitment: Wrap = (h) => ({
  ...h,
  send: {
    ...h.send,
    Commitment: async (to) => {
      const { commitment } = (await h.send!['Commitment']!(to)) as { commitment: { message: Uint8Array; hiding: Uint8Array; binding: Uint8Array } };
      return { commitment: { ...commitment, hiding: new Uint8Array(32) } }; // not a valid point encoding of a prime-order element
    },
  },
});

describe('FROST signing choreography', () => {
  it('a lone signer (1-of-1, whose broadcasts reach no one) signs by itself', async () => {
    const f = fixture(1, 1, 'alone');
    assertOneValidSignature(f, honest(await signAll(f), new Set()));
  });

  for (const [n, t] of [[3, 2], [5, 3], [7, 5]] as const) {
    it(`honest ${t}-of-${n}: every signer holds the same valid signature`, async () => {
      const f = fixture(n, t, `honest-${n}`);
      const results = honest(await signAll(f), new Set());
      assertOneValidSignature(f, results);
      for (const r of results) assert.deepEqual(r.excluded, []);
    });

    for (const [what, wrap, reason] of [['a bad signature share', badShare, 'bad-share'], ['a bad nonce commitment', badCommitment, 'bad-commitment']] as const) {
      it(`${t}-of-${n}: ${what} is named and the rest sign without it`, async () => {
        const f = fixture(n, t, `${reason}-${n}`);
        const cheater = 1;
        const results = honest(await signAll(f, new Map([[cheater, wrap]])), new Set([cheater]));
        assertOneValidSignature(f, results);
        for (const r of results) assert.ok(r.excluded.some((a) => a.device === f.signers[cheater]!.device && a.reason === reason), JSON.stringify(r.excluded));
      });
    }
  }

  it('a signer asked to sign another message is named; the others sign theirs', async () => {
    const f = fixture(5, 3, 'other-message');
    const signers = f.signers.map((s, k) => (k === 4 ? { ...s, message: utf8('something else') } : s));
    const results = honest(await signAll(f, new Map(), signers), new Set([4]));
    assertOneValidSignature(f, results);
    for (const r of results) assert.ok(r.excluded.some((a) => a.device === f.signers[4]!.device && a.reason === 'disagreement'));
  });

  it('aborts cleanly when fewer than t honest signers remain', async () => {
    const f = fixture(3, 3, 'too-few');
    const settled = await signAll(f, new Map([[2, badShare]]));
    for (const k of [0, 1]) {
      const s = settled[k]!;
      assert.ok(s.status === 'rejected' && isAuraError(s.reason, 'protocols.sign.too-few'));
    }
  });

  it('a crashed signer aborts the session for everyone, naming it', async () => {
    const f = fixture(3, 2, 'crash');
    const crash: Wrap = (h) => ({ ...h, recv: { ...h.recv, SigShare: () => { throw new Error('power lost'); } } });
    const settled = await signAll(f, new Map([[0, crash]]));
    for (const s of settled) assert.ok(s.status === 'rejected' && isAuraError(s.reason, 'protocols.sign.aborted'));
    const named = settled.flatMap((s) => (s.status === 'rejected' ? [String((s.reason as { context: Record<string, unknown> }).context['by'])] : []));
    assert.ok(named.includes(f.signers[0]!.device), named.join(' '));
  });
});
