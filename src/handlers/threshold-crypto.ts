/**
 * The {@link ThresholdCryptoEffects} handler: the `Ed25519CryptoEffects` handler plus every
 * randomized threshold operation of `src/crypto/`, all drawing from the handler's one
 * {@link RandomEffects}. {@link productionThresholdCrypto} uses the operating system's generator;
 * {@link deterministicThresholdCrypto} a seeded ChaCha20 stream, so that in the simulator the same
 * seed gives the same keys, nonces and signatures.
 *
 * @module
 */
import type { RandomEffects } from '../core/effects.ts';
import { trustedDealerKeygen, type DealerOptions, type DealerOutput } from '../crypto/dealer.ts';
import { dkdCommit, type DkdCommitState, type DkdCommitment, type DkdSession } from '../crypto/dkd.ts';
import { dkgRound1, type DkgConfig, type DkgRound1Message, type DkgRound1State } from '../crypto/dkg.ts';
import { commit, type SigningCommitment, type SigningNonces } from '../crypto/frost.ts';
import { generateHpkeKeyPair, hpkeSeal, type HpkeKeyPair, type HpkeOptions, type SealedBox } from '../crypto/hpke.ts';
import type { KeyShare } from '../crypto/key-share.ts';
import { sealKeyStore, type KeyStoreEntries, type ScryptParams } from '../crypto/key-store-format.ts';
import { repairDeltas, type RepairConfig, type RepairDelta } from '../crypto/repair.ts';
import { reshareDeal, type ReshareConfig, type ReshareDealing, type ReshareSubShare } from '../crypto/reshare.ts';
import type { ThresholdCryptoEffects } from '../crypto/threshold-effects.ts';
import { Ed25519CryptoEffects } from './ed25519-crypto.ts';
import { NodeRandom, SeededRandom, type Seed } from './random.ts';

/** Ed25519, hashing and FROST operations with randomness from `random`. */
export class FrostCryptoEffects extends Ed25519CryptoEffects implements ThresholdCryptoEffects {
  trustedDealer(options: DealerOptions): DealerOutput {
    return trustedDealerKeygen(options, this.random);
  }

  commit(share: KeyShare): { readonly nonces: SigningNonces; readonly commitment: SigningCommitment } {
    return commit(share, this.random);
  }

  dkgRound1(config: DkgConfig): { readonly state: DkgRound1State; readonly broadcast: DkgRound1Message } {
    return dkgRound1(config, this.random);
  }

  reshareDeal(config: ReshareConfig, share: KeyShare): { readonly broadcast: ReshareDealing; readonly send: readonly ReshareSubShare[] } {
    return reshareDeal(config, share, this.random);
  }

  repairDeltas(config: RepairConfig, share: KeyShare): readonly RepairDelta[] {
    return repairDeltas(config, share, this.random);
  }

  dkdCommit(session: DkdSession): { readonly state: DkdCommitState; readonly broadcast: DkdCommitment } {
    return dkdCommit(session, this.random);
  }

  generateHpkeKeyPair(): Promise<HpkeKeyPair> {
    return generateHpkeKeyPair(this.random);
  }

  hpkeSeal(recipientPublicKey: Uint8Array, plaintext: Uint8Array, options: HpkeOptions): Promise<SealedBox> {
    return hpkeSeal(recipientPublicKey, plaintext, options, this.random);
  }

  sealKeyStore(entries: KeyStoreEntries, passphrase: string, params?: ScryptParams): Promise<Uint8Array> {
    return sealKeyStore(entries, passphrase, this.random, params);
  }
}

/** The production handler: operating-system randomness. */
export function productionThresholdCrypto(random: RandomEffects = new NodeRandom()): FrostCryptoEffects {
  return new FrostCryptoEffects(random);
}

/** The deterministic handler: the same seed gives the same keys, nonces and signatures. */
export function deterministicThresholdCrypto(seed: Seed): FrostCryptoEffects {
  return new FrostCryptoEffects(new SeededRandom(seed));
}
