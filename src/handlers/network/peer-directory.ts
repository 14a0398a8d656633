/**
 * The directory from Aura names to network names: which libp2p peer a device is, which authority
 * it belongs to, and where it can be dialled. It is also where an inbound claim is checked: a
 * frame's claimed sender must be the device bound to the authenticated remote peer.
 *
 * Bindings come from configuration (`register`) or, for devices whose id is derived from their
 * key (`peer-identity.ts`), from the authenticated peer itself (`authenticate` learns them).
 * A device is bound to one peer; rebinding it to another peer is refused, so a second key can
 * never take over a device id.
 *
 * @module
 */
import type { PeerId } from '@libp2p/interface';
import type { Multiaddr } from '@multiformats/multiaddr';
import { permanentError } from '../../core/errors.ts';
import type { AuthorityId, DeviceId } from '../../core/identifiers.ts';
import { deviceIdOfPeer } from './peer-identity.ts';

/** Where a device lives on the network. */
export interface PeerEntry {
  /** The Aura device. */
  readonly device: DeviceId;
  /** The authority the device belongs to, when known. */
  readonly authority?: AuthorityId;
  /** Its libp2p peer id (its Ed25519 key). */
  readonly peer: PeerId;
  /** Addresses to dial it at; may be empty for a peer that dials us. */
  readonly addresses: readonly Multiaddr[];
}

/** Devices by id and by peer id. */
export class PeerDirectory {
  private readonly byDevice = new Map<DeviceId, PeerEntry>();
  private readonly byPeer = new Map<string, PeerEntry>();

  /**
   * Adds or updates a device's entry; new addresses are added to the known ones. Binding a device
   * or a peer that is already bound to a different counterpart is `network.binding-conflict`.
   */
  register(entry: PeerEntry): PeerEntry {
    const existing = this.byDevice.get(entry.device);
    const peerKey = entry.peer.toString();
    const boundDevice = this.byPeer.get(peerKey)?.device;
    if ((existing !== undefined && !existing.peer.equals(entry.peer)) || (boundDevice !== undefined && boundDevice !== entry.device)) {
      throw permanentError('network.binding-conflict', `device ${entry.device} and peer ${peerKey} are already bound to others`, { context: { device: entry.device, peer: peerKey } });
    }
    const known = existing?.addresses ?? [];
    const addresses = [...known, ...entry.addresses.filter((address) => !known.some((k) => k.equals(address)))];
    const authority = entry.authority ?? existing?.authority;
    const merged: PeerEntry = authority === undefined ? { device: entry.device, peer: entry.peer, addresses } : { device: entry.device, authority, peer: entry.peer, addresses };
    this.byDevice.set(entry.device, merged);
    this.byPeer.set(peerKey, merged);
    return merged;
  }

  /** The entry of a device, if known. */
  device(device: DeviceId): PeerEntry | undefined {
    return this.byDevice.get(device);
  }

  /** The entry bound to a peer, if any. */
  peer(peer: PeerId): PeerEntry | undefined {
    return this.byPeer.get(peer.toString());
  }

  /** The devices known to belong to `authority`. */
  devicesOf(authority: AuthorityId): DeviceId[] {
    return [...this.byDevice.values()].filter((entry) => entry.authority === authority).map((entry) => entry.device);
  }

  /**
   * Checks that `claimed` is the device of the authenticated `remote` peer and returns it. A
   * device unknown here is accepted, and learned, only when its id is derived from the remote
   * peer's key. Anything else is `network.sender-spoofed`.
   */
  authenticate(claimed: DeviceId, remote: PeerId): DeviceId {
    const entry = this.byDevice.get(claimed);
    if (entry !== undefined) {
      if (entry.peer.equals(remote)) return claimed;
      throw spoofed(claimed, remote, `it is bound to peer ${entry.peer.toString()}`);
    }
    const bound = this.byPeer.get(remote.toString());
    if (bound !== undefined) throw spoofed(claimed, remote, `that peer is device ${bound.device}`);
    if (deviceIdOfPeer(remote) !== claimed) throw spoofed(claimed, remote, 'the device is unknown and its id is not derived from that peer key');
    this.register({ device: claimed, peer: remote, addresses: [] });
    return claimed;
  }
}

function spoofed(claimed: DeviceId, remote: PeerId, why: string): Error {
  return permanentError('network.sender-spoofed', `peer ${remote.toString()} claims to be device ${claimed}, but ${why}`, { context: { claimed, peer: remote.toString() } });
}
