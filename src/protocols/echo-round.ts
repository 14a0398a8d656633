/**
 * Consistent broadcast by one echo round, for a choreography whose broadcasts a byzantine sender
 * could tell differently to different participants (Reiter's echo broadcast: M. K. Reiter, "Secure
 * agreement protocols: reliable and atomic group multicast in Rampart", CCS 1994; Cachin,
 * Guerraoui and Rodrigues, *Introduction to Reliable and Secure Distributed Programming*, 2011,
 * §3.10). After a round in which senders broadcast, every participant relays what it received
 * from each sender (its own receipts, not its own messages), and each decides from the relays
 * alone, counting devices (a device playing two roles is one voice), what each sender said:
 *
 * - two values each relayed by more than f devices: the sender told honest devices different
 *   things, so it `equivocated` (f byzantine relayers alone cannot back a value it never sent);
 * - else the value relayed by at least n - 1 - f devices (the sender's own device not counted) is
 *   `delivered`: an honest sender's value always is, as the n - 1 - f honest others relay it;
 * - else the sender `equivocated`: an honest sender's value would have been delivered.
 *
 * With n devices and f = ⌊(n - 1) / 3⌋: no honest sender is ever said to equivocate; two honest
 * participants never deliver different values for one sender (two quorums of n - 1 - f share an
 * honest relayer); and when the sender is the only byzantine device, every relayer is honest, so
 * every honest participant sees the same relays and decides the same. What one round cannot give
 * is agreement when a byzantine sender and a byzantine relayer collude (possible from n = 7): the
 * relayer can back the sender's second value at some participants only. Deterministic agreement
 * needs f + 1 rounds (Fischer and Lynch 1982; Dolev and Strong 1983); see docs/protocols.md.
 *
 * @module
 */
import { toHex } from '../core/bytes.ts';
import { encodeCanonical, type CanonicalValue } from '../core/canonical.ts';
import type { DeviceId } from '../core/identifiers.ts';

/** What a participant decides one sender broadcast: its value, or that it told devices different things. */
export type Delivery<T> = { readonly kind: 'delivered'; readonly value: T } | { readonly kind: 'equivocated' };

/** One relayed receipt: the value the sender with index `from` sent the relaying role. */
export interface RelayEntry<T> {
  /** The sender's index in its role family. */
  readonly from: number;
  /** What it sent. */
  readonly value: T;
}

/** The most byzantine devices among `devices` that one echo round tolerates: f < n/3. */
export function echoFaultBound(devices: number): number {
  return Math.floor((devices - 1) / 3);
}

/**
 * What `sender` broadcast, decided from `relays` (each device's receipts of it) among `devices`
 * devices, by the rule of the module comment. A lone device (a resharing by one device to itself)
 * has no one else to ask: its own receipt stands.
 */
export function deliver<T extends CanonicalValue>(sender: DeviceId, relays: readonly { readonly device: DeviceId; readonly value: T }[], devices: number): Delivery<T> {
  const f = echoFaultBound(devices);
  const support = new Map<string, { readonly value: T; readonly devices: Set<DeviceId> }>();
  for (const relay of relays) {
    if (relay.device === sender && devices > 1) continue;
    const key = toHex(encodeCanonical(relay.value));
    const entry = support.get(key) ?? { value: relay.value, devices: new Set<DeviceId>() };
    entry.devices.add(relay.device);
    support.set(key, entry);
  }
  const backed = [...support.values()].filter((s) => s.devices.size > f);
  const quorum = Math.max(1, devices - 1 - f);
  const [only] = backed;
  return backed.length === 1 && only !== undefined && only.devices.size >= quorum ? { kind: 'delivered', value: only.value } : { kind: 'equivocated' };
}

/**
 * One role's view of one echo round of one broadcast: what it received from each sender itself,
 * and what every other role relayed. The role sends {@link EchoRound.echo} in the echo round,
 * feeds each echo it receives to {@link EchoRound.relayed}, then asks {@link EchoRound.deliver}.
 */
export class EchoRound<T extends CanonicalValue> {
  readonly #self: DeviceId;
  readonly #devices: number;
  readonly #direct = new Map<number, T>();
  readonly #relays: { readonly device: DeviceId; readonly entry: RelayEntry<T> }[] = [];

  /** A view held by a role of device `self`, in a session among `devices` distinct devices. */
  constructor(self: DeviceId, devices: number) {
    this.#self = self;
    this.#devices = devices;
  }

  /** Records what sender `from` sent this role. */
  received(from: number, value: T): void {
    this.#direct.set(from, value);
  }

  /** What this role relays: everything it received, by sender. */
  echo(): RelayEntry<T>[] {
    return [...this.#direct].map(([from, value]) => ({ from, value }));
  }

  /** Records the echo another role, of `device`, sent. */
  relayed(device: DeviceId, entries: readonly RelayEntry<T>[]): void {
    for (const entry of entries) this.#relays.push({ device, entry });
  }

  /** What sender `from`, of device `sender`, broadcast, from every relay and this role's own receipt. */
  deliver(from: number, sender: DeviceId): Delivery<T> {
    const relays = this.#relays.filter((r) => r.entry.from === from).map((r) => ({ device: r.device, value: r.entry.value }));
    const own = this.#direct.get(from);
    return deliver(sender, own === undefined ? relays : [...relays, { device: this.#self, value: own }], this.#devices);
  }
}
