/**
 * The threshold-cryptography effects: every operation of this folder that draws randomness, bound
 * to a handler's {@link RandomEffects}. Protocol code takes a {@link ThresholdCryptoEffects} and so
 * gets fresh randomness in production and a reproducible stream in the simulator (same seed =>
 * same keys, nonces and signatures). The deterministic steps (`signShare`, `aggregate`,
 * `dkgRound2`, …) are plain functions and need no handler.
 *
 * @module
 */
import type { CryptoEffects } from '../core/effects.ts';
import type { DealerOptions, DealerOutput } from './dealer.ts';
import type { DkdCommitState, DkdCommitment, DkdSession } from './dkd.ts';
import type { DkgConfig, DkgRound1Message, DkgRound1State } from './dkg.ts';
import type { SigningCommitment, SigningNonces } from './frost.ts';
import type { HpkeKeyPair, HpkeOptions, SealedBox } from './hpke.ts';
import type { KeyShare } from './key-share.ts';
import type { KeyStoreEntries, ScryptParams } from './key-store-format.ts';
import type { RepairConfig, RepairDelta } from './repair.ts';
import type { ReshareConfig, ReshareDealing, ReshareSubShare } from './reshare.ts';

/** {@link CryptoEffects} plus the randomized threshold operations. */
export interface ThresholdCryptoEffects extends CryptoEffects {
  /** `trustedDealerKeygen` with this handler's randomness. */
  trustedDealer(options: DealerOptions): DealerOutput;
  /** FROST round one (`commit`). */
  commit(share: KeyShare): { readonly nonces: SigningNonces; readonly commitment: SigningCommitment };
  /** DKG round one (`dkgRound1`). */
  dkgRound1(config: DkgConfig): { readonly state: DkgRound1State; readonly broadcast: DkgRound1Message };
  /** A resharing dealer's step (`reshareDeal`). */
  reshareDeal(config: ReshareConfig, share: KeyShare): { readonly broadcast: ReshareDealing; readonly send: readonly ReshareSubShare[] };
  /** A repair helper's first step (`repairDeltas`). */
  repairDeltas(config: RepairConfig, share: KeyShare): readonly RepairDelta[];
  /** DKD commit (`dkdCommit`). */
  dkdCommit(session: DkdSession): { readonly state: DkdCommitState; readonly broadcast: DkdCommitment };
  /** A fresh HPKE key pair. */
  generateHpkeKeyPair(): Promise<HpkeKeyPair>;
  /** HPKE seal to a recipient. */
  hpkeSeal(recipientPublicKey: Uint8Array, plaintext: Uint8Array, options: HpkeOptions): Promise<SealedBox>;
  /** Key-store encryption (`sealKeyStore`). */
  sealKeyStore(entries: KeyStoreEntries, passphrase: string, params?: ScryptParams): Promise<Uint8Array>;
}
