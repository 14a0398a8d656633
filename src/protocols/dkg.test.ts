import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { toHex } from '../core/bytes.ts';
import { isAuraError } from '../core/errors.ts';
import { randomIdentifier } from '../core/identifiers.ts';
import { aggregate, commit, signShare } from '../crypto/frost.ts';
import { HPKE_INFO, generateHpkeKeyPair, hpkeSealValue, type HpkeKeyPair } from '../crypto/hpke.ts';
import { deviceParticipantId } from '../crypto/participant.ts';
import { verifyStrict } from '../crypto/signature.ts';
import { utf8 } from '../core/bytes.ts';
import { ManualClock } from '../handlers/physical-time.ts';
import { SeededRandom } from '../handlers/random.ts';
import { MemoryTransport } from '../runtime/memory-transport.ts';
import type { RoleImpl } from '../runtime/run-role.ts';
import { dkgProtocol, runDkgDevice, type DkgDevice, type DkgSetup } from './dkg.ts';
import type { DkgRound1Payload } from './payload-types.ts';

interface Fixture {
  readonly setup: DkgSetup;
  readonly devices: readonly DkgDevice[];
  readonly keys: readonly HpkeKeyPair[];
}

async function fixture(n: number, threshold: number, seed: string): Promise<Fixture> {
  const random = new SeededRandom(seed);
  const keys = await Promise.all(Array.from({ length: n }, () => generateHpkeKeyPair(random)));
  const devices = keys.map((key, k) => ({ device: randomIdentifier('device', random), hpkeSecretKey: key.secretKey, random: random.fork(`device-${k}`) }));
  const members = devices.map((d, k) => ({ device: d.device, hpkePublicKey: keys[k]!.publicKey }));
  return { setup: { members, threshold, session: randomIdentifier('session', random) }, devices, keys };
}

type Wrap = (honest: RoleImpl) => RoleImpl;

/** Runs every device; `byzantine` maps a member index to how it misbehaves in the first attempt. */
async function runAll(f: Fixture, byzantine: ReadonlyMap<number, Wrap> = new Map()) {
  const transport = new MemoryTransport();
  return Promise.allSettled(
    f.devices.map((device, k) => {
      const wrap = byzantine.get(k);
      return runDkgDevice(f.setup, device, transport, wrap === undefined ? {} : { roleImpl: (honest, attempt) => (attempt === 0 ? wrap(honest) : honest) });
    }),
  );
}

function honestResults(settled: Awaited<ReturnType<typeof runAll>>, byzantine: ReadonlySet<number>) {
  return settled.flatMap((s, k) => {
    if (byzantine.has(k)) return [];
    if (s.status === "rejected") throw new Error(`member ${k}: ${String(s.reason)} ${JSON.stringify((s.reason as { context?: unknown }).context)}`);
    return [s.value];
  });
}

/** Two of the results sign together, and the signature verifies under the group key. */
function assertSigns(results: ReturnType<typeof honestResults>, threshold: number) {
  const random = new SeededRandom('sign');
  const signers = results.slice(0, threshold).map((r) => ({ share: r.result.keyShare, ...commit(r.result.keyShare, random) }));
  const pkg = { message: utf8('dkg works'), commitments: signers.map((s) => s.commitment) };
  const signature = aggregate(results[0]!.result.publicKeyPackage, pkg, signers.map((s) => signShare(s.share, s.nonces, pkg)));
  assert.ok(verifyStrict(results[0]!.result.publicKeyPackage.groupPublicKey, pkg.message, signature));
}

function assertSameKey(results: ReturnType<typeof honestResults>) {
  const keys = new Set(results.map((r) => toHex(r.result.publicKeyPackage.groupPublicKey)));
  assert.equal(keys.size, 1, 'every honest member has the same group key');
}

describe('DKG choreography', () => {
  it('checks and projects for n = 3, 5, 7', () => {
    for (const n of [3, 5, 7]) assert.equal(dkgProtocol(n).roles.length, n);
  });

  for (const [n, t] of [[3, 2], [5, 3], [7, 5]] as const) {
    it(`honest ${t}-of-${n}: same group key everywhere, shares sign`, async () => {
      const f = await fixture(n, t, `honest-${n}`);
      const results = honestResults(await runAll(f), new Set());
      assertSameKey(results);
      for (const r of results) assert.deepEqual(r.excluded, []);
      assert.deepEqual(new Set(Object.keys(results[0]!.result.publicKeyPackage.verifyingShares)), new Set(f.devices.map((d) => deviceParticipantId(d.device))));
      assertSigns(results, t);
    });
  }
});

const badProof: Wrap = (honest) => ({
  ...honest,
  send: {
    ...honest.send,
    Commit: async (to) => {
      const { round1 } = (await honest.send!['Commit']!(to)) as { round1: DkgRound1Payload };
      const proof = round1.proof.slice();
      proof[40]! ^= 1;
      return { round1: { ...round1, proof } };
    },
  },
});

const equivocate: Wrap = (honest) => {
  let first: string | undefined;
  return {
    ...honest,
    send: {
      ...honest.send,
      Commit: async (to) => {
        const { round1 } = (await honest.send!['Commit']!(to)) as { round1: DkgRound1Payload };
        first ??= to;
        if (to === first) return { round1 };
        // Another valid-looking message to the others: a different (but well-formed) commitment list.
        return { round1: { ...round1, commitments: [...round1.commitments].reverse() } };
      },
    },
  };
};

const withhold: Wrap = (honest) => ({ ...honest, send: { ...honest.send, Share: () => ({ sealed: null }) } });

/** Member `from` seals a share that is not its polynomial's value (a valid-looking scalar). */
function badShare(f: Fixture, from: number): Wrap {
  const random = new SeededRandom('bad-share');
  return (honest) => ({
    ...honest,
    send: {
      ...honest.send,
      Share: async (to) => {
        const k = Number(to.slice(2, -1));
        const message = { from: deviceParticipantId(f.devices[from]!.device), to: deviceParticipantId(f.devices[k]!.device), share: new Uint8Array(32).fill(7) };
        const box = await hpkeSealValue(f.keys[k]!.publicKey, message, HPKE_INFO.dkgShare, random);
        return { sealed: { enc: box.enc, ciphertext: box.ciphertext } };
      },
    },
  });
}

describe('DKG under faults', () => {
  const cases: readonly [string, (f: Fixture, k: number) => Wrap, string][] = [
    ['a bad proof of knowledge', () => badProof, 'bad-proof'],
    ['equivocation in round one', () => equivocate, 'equivocation'],
    ['a bad share', badShare, 'bad-share'],
    ['withheld shares', () => withhold, 'missing-message'],
  ];
  for (const [n, t] of [[3, 2], [5, 3], [7, 4]] as const) {
    for (const [what, wrap, reason] of cases) {
      it(`${t}-of-${n}: ${what} is named, the rest agree on a key that signs`, async () => {
        const f = await fixture(n, t, `${what}-${n}`);
        const cheater = n - 2;
        const settled = await runAll(f, new Map([[cheater, wrap(f, cheater)]]));
        const results = honestResults(settled, new Set([cheater]));
        const cheaterDevice = f.devices[cheater]!.device;
        for (const r of results) {
          assert.ok(r.excluded.some((a) => a.device === cheaterDevice && a.reason === reason), `${cheaterDevice} named for ${reason}: ${JSON.stringify(r.excluded)}`);
          assert.ok(!Object.keys(r.result.publicKeyPackage.verifyingShares).includes(deviceParticipantId(cheaterDevice)));
        }
        // The cheater's own view is whatever its misbehaviour makes it: only the honest members' results count.
        assertSameKey(results);
        assertSigns(results, t);
      });
    }
  }

  it('a share that does not open, received before the recipient sends its own, names only its sender', async () => {
    const f = await fixture(5, 3, 'unopenable');
    const cheater = 3;
    const random = new SeededRandom('unopenable-box');
    // P[3] seals its share for P[4] (the last to send) to its own key: P[4] cannot open it.
    const garble: Wrap = (honest) => ({
      ...honest,
      send: {
        ...honest.send,
        Share: async (to) => {
          if (to !== 'P[4]') return honest.send!['Share']!(to);
          const message = { from: deviceParticipantId(f.devices[cheater]!.device), to: deviceParticipantId(f.devices[4]!.device), share: new Uint8Array(32).fill(7) };
          const box = await hpkeSealValue(f.keys[cheater]!.publicKey, message, HPKE_INFO.dkgShare, random);
          return { sealed: { enc: box.enc, ciphertext: box.ciphertext } };
        },
      },
    });
    const results = honestResults(await runAll(f, new Map([[cheater, garble]])), new Set([cheater]));
    for (const r of results) assert.deepEqual(r.excluded.map((a) => a.device), [f.devices[cheater]!.device], JSON.stringify(r.excluded));
    assertSameKey(results);
    assertSigns(results, 3);
  });

  it('aborts cleanly when fewer than t members remain', async () => {
    const f = await fixture(3, 3, 'too-few');
    const settled = await runAll(f, new Map([[1, badProof]]));
    for (const k of [0, 2]) {
      const s = settled[k]!;
      assert.ok(s.status === 'rejected' && isAuraError(s.reason, 'protocols.dkg.too-few'), String(s.status === 'rejected' ? s.reason : 'fulfilled'));
    }
  });

  it('a crashed member aborts the session for everyone, naming it', async () => {
    const f = await fixture(3, 2, 'crash');
    const crash: Wrap = (honest) => ({ ...honest, recv: { ...honest.recv, Share: () => { throw new Error('power lost'); } } });
    const settled = await runAll(f, new Map([[0, crash]]));
    for (const s of settled) assert.ok(s.status === 'rejected' && isAuraError(s.reason, 'protocols.dkg.aborted'));
    const named = settled.flatMap((s) => (s.status === 'rejected' ? [String((s.reason as { context?: Record<string, unknown> }).context?.['by'])] : []));
    assert.ok(named.includes(f.devices[0]!.device), named.join(' '));
  });

  for (const [step, silent] of [
    ['before it starts', undefined],
    ['after round one', ((h) => ({ ...h, send: { ...h.send, Share: () => new Promise<never>(() => undefined) } })) satisfies Wrap],
  ] as const) {
    it(`a member that goes silent ${step}: the others time out and abort cleanly`, async () => {
      const f = await fixture(3, 2, `silent-${step}`);
      const clock = new ManualClock();
      const transport = new MemoryTransport();
      const options = { time: clock, receiveTimeoutMs: 1000 };
      // The silent member's own outcome does not matter (it stops when its own receives time out).
      if (silent !== undefined) runDkgDevice(f.setup, f.devices[2]!, transport, { ...options, roleImpl: (h) => silent(h) }).catch(() => undefined);
      let settled = false;
      const honest = Promise.allSettled([0, 1].map((k) => runDkgDevice(f.setup, f.devices[k]!, transport, options))).finally(() => {
        settled = true;
      });
      // Messages in memory arrive within a turn: once a turn passes with the roles waiting, only the silent member is missing.
      while (!settled) {
        await new Promise((resolve) => setImmediate(resolve));
        clock.advance(1000);
      }
      for (const s of await honest) assert.ok(s.status === 'rejected' && isAuraError(s.reason, 'protocols.dkg.aborted'), String(s.status === 'rejected' ? s.reason : 'fulfilled'));
    });
  }
});
