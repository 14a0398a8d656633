/**
 * A device's network identity: its Ed25519 key is its libp2p key, so the libp2p peer id is the
 * device key's public half (an identity multihash of the protobuf public key, per the libp2p
 * peer-id spec, https://github.com/libp2p/specs/blob/master/peer-ids/peer-ids.md), and Noise's
 * handshake proves possession of it on every connection.
 *
 * A device id can be derived from the same public key:
 * `deviceIdOfPublicKey(pk) = deriveIdentifier("device", { ed25519: pk })`, i.e.
 * `taggedDigest("aura.id.v1.device", dagCbor({ ed25519: pk }))`. Any Ed25519 peer therefore has a
 * device id anyone can check; the {@link PeerDirectory} also accepts ids assigned otherwise.
 *
 * @module
 */
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys';
import type { Ed25519PrivateKey, PeerId } from '@libp2p/interface';
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id';
import { permanentError } from '../../core/errors.ts';
import { deriveIdentifier, type DeviceId } from '../../core/identifiers.ts';

/** Bytes of an Ed25519 secret seed (RFC 8032). */
export const DEVICE_KEY_BYTES = 32;

/** The libp2p private key of a device's 32-byte Ed25519 secret seed. */
export async function libp2pKeyOfDevice(secretKey: Uint8Array): Promise<Ed25519PrivateKey> {
  if (secretKey.length !== DEVICE_KEY_BYTES) {
    throw permanentError('network.bad-device-key', `a device key is a ${DEVICE_KEY_BYTES}-byte Ed25519 seed, got ${secretKey.length} bytes`);
  }
  return generateKeyPairFromSeed('Ed25519', secretKey);
}

/** The libp2p peer id of a device's 32-byte Ed25519 secret seed. */
export async function peerIdOfDevice(secretKey: Uint8Array): Promise<PeerId> {
  return peerIdFromPrivateKey(await libp2pKeyOfDevice(secretKey));
}

/** The device id derived from a 32-byte Ed25519 public key. */
export function deviceIdOfPublicKey(publicKey: Uint8Array): DeviceId {
  if (publicKey.length !== DEVICE_KEY_BYTES) throw permanentError('network.bad-device-key', `an Ed25519 public key has ${DEVICE_KEY_BYTES} bytes, got ${publicKey.length}`);
  return deriveIdentifier('device', { ed25519: publicKey });
}

/** The device id derived from a peer's Ed25519 key, or `undefined` for a peer of another key type. */
export function deviceIdOfPeer(peer: PeerId): DeviceId | undefined {
  return peer.type === 'Ed25519' ? deviceIdOfPublicKey(peer.publicKey.raw) : undefined;
}

/** Parses a peer id's text form (`12D3KooW…`); anything else is `network.bad-peer-id`. */
export function parsePeerId(text: string): PeerId {
  try {
    return peerIdFromString(text);
  } catch (error) {
    throw permanentError('network.bad-peer-id', `"${text.slice(0, 80)}" is not a libp2p peer id`, { cause: error });
  }
}
