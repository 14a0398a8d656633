/**
 * Consistent broadcast with agreement, by relay rounds after a broadcast, for a choreography whose
 * broadcasts a byzantine sender could tell differently to different participants. Devices are
 * the voices (a device playing two roles is one: only its first role's relays count, see
 * {@link EchoRound}); n devices tolerate f = ⌊(n - 1) / 3⌋ byzantine ones.
 *
 * **Echo** (Reiter's echo broadcast: M. K. Reiter, "Secure agreement protocols: reliable and
 * atomic group multicast in Rampart", CCS 1994): every device relays what it received from each
 * sender. With f ≤ 1 this round decides ({@link deliver}), counting the devices other than the
 * sender's: two values each relayed by more than f devices mean the sender told honest devices
 * different things (`equivocated`); else the value relayed by at least n - 1 - f devices is
 * `delivered`; else the sender `equivocated` (an honest sender's value always reaches n - 1 - f).
 * With f ≤ 1 a byzantine sender has only honest relayers, so every honest participant sees the
 * same relays and decides the same.
 *
 * **Confirm**: with f = 2 (7 to 9 devices) a byzantine sender and a byzantine relayer could
 * collude against one echo round: the relayer backs the sender's second story at some
 * participants only. Deterministic agreement needs f + 1 rounds (Fischer and Lynch 1982; Dolev
 * and Strong 1983), so every device also relays the digest of what each other device relayed
 * to it, and the decision is exponential information gathering over the three rounds (Lamport,
 * Shostak and Pease 1982; Lynch, *Distributed Algorithms*, 1996, §6.2.3, {@link agree}): what
 * each relayer said is the strict majority of what the others say it said, and the sender's value
 * is the strict majority of those; no majority means the sender `equivocated`.
 *
 * Either way: an honest sender's value is delivered at every honest participant and it is never
 * said to equivocate; every honest participant decides the same. Beyond f = 2 (10 devices and
 * more) the two relay rounds keep the first property but not the second (docs/protocols.md).
 *
 * @module
 */
import { toHex } from '../core/bytes.ts';
import { encodeCanonical, type CanonicalValue } from '../core/canonical.ts';
import { taggedDigest } from '../core/hash.ts';
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

/** One confirmed relay: the digest of what device `device` (by index) relayed of sender `from`. */
export interface ConfirmEntry {
  /** The sender's index in its role family. */
  readonly from: number;
  /** The relaying device's index in the session's device list. */
  readonly device: number;
  /** `taggedDigest("aura.protocols.echo.v1.value", canonical value)`. */
  readonly digest: Uint8Array;
}

const VALUE_TAG = 'aura.protocols.echo.v1.value';

/** The most byzantine devices among `devices` that the relay rounds tolerate: f < n/3. */
export function echoFaultBound(devices: number): number {
  return Math.floor((devices - 1) / 3);
}

/** The digest by which relays of `value` are compared, as confirmations carry it. */
function valueDigest(value: CanonicalValue): Uint8Array {
  return taggedDigest(VALUE_TAG, encodeCanonical(value));
}

/** {@link valueDigest} in hex, a map key. */
function valueKey(value: CanonicalValue): string {
  return toHex(valueDigest(value));
}

/**
 * What `sender` broadcast, decided by the echo rule of the module comment from `relays` (each
 * device's receipt of it) among `devices` devices. A lone device (a resharing by one device to
 * itself) has no one else to ask: its own receipt stands.
 */
export function deliver<T extends CanonicalValue>(sender: DeviceId, relays: readonly { readonly device: DeviceId; readonly value: T }[], devices: number): Delivery<T> {
  const f = echoFaultBound(devices);
  const support = new Map<string, { readonly value: T; readonly devices: Set<DeviceId> }>();
  for (const relay of relays) {
    if (relay.device === sender && devices > 1) continue;
    const key = valueKey(relay.value);
    const entry = support.get(key) ?? { value: relay.value, devices: new Set<DeviceId>() };
    entry.devices.add(relay.device);
    support.set(key, entry);
  }
  const backed = [...support.values()].filter((s) => s.devices.size > f);
  const quorum = Math.max(1, devices - 1 - f);
  const [only] = backed;
  return backed.length === 1 && only !== undefined && only.devices.size >= quorum ? { kind: 'delivered', value: only.value } : { kind: 'equivocated' };
}

/** The value more than half of `values` hold (`undefined`, nothing said, counts as a value), or `undefined`. */
function majority(values: readonly (string | undefined)[]): string | undefined {
  const counts = new Map<string | undefined, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  for (const [v, count] of counts) if (count * 2 > values.length) return v;
  return undefined;
}

/**
 * Exponential information gathering over a broadcast and two relay rounds: `said(k, l)` is what
 * device `l` says device `k` relayed of `sender`'s value (a digest, `undefined` for nothing).
 * Returns the agreed digest, or `undefined` when there is none (the sender equivocated).
 */
export function agree(sender: DeviceId, devices: readonly DeviceId[], said: (k: DeviceId, l: DeviceId) => string | undefined): string | undefined {
  const others = devices.filter((d) => d !== sender);
  return majority(others.map((k) => majority(others.filter((l) => l !== k).map((l) => said(k, l)))));
}

/**
 * One role's view of the relay rounds of one broadcast: what it received from each sender itself,
 * what each device relayed (`echo`) and what each device says every other relayed (`confirm`).
 * Only a device's first role in the session speaks for it, so an honest device with two roles
 * (which may have received different stories) is one voice; a role that is not its device's first
 * takes its device's receipts from that role's messages, so both roles decide alike.
 */
export class EchoRound<T extends CanonicalValue> {
  readonly #self: DeviceId;
  readonly #speaks: boolean;
  readonly #devices: readonly DeviceId[];
  readonly #direct = new Map<number, T>();
  readonly #echoes = new Map<DeviceId, Map<number, T>>();
  readonly #confirms = new Map<DeviceId, Map<string, string>>();
  readonly #byDigest = new Map<string, T>();

  /**
   * A view held by a role of device `self` in a session among `devices` (distinct, in the
   * session's order); `speaks` says whether this role is its device's first.
   */
  constructor(self: DeviceId, devices: readonly DeviceId[], speaks: boolean) {
    this.#self = self;
    this.#devices = devices;
    this.#speaks = speaks;
  }

  /** Records what sender `from` sent this role. */
  received(from: number, value: T): void {
    this.#direct.set(from, value);
    this.#byDigest.set(valueKey(value), value);
  }

  /** What this role relays in the echo round: everything it received, by sender. */
  echo(): RelayEntry<T>[] {
    return [...this.#direct].map(([from, value]) => ({ from, value }));
  }

  /** Records the echo of `device`'s first role. */
  relayed(device: DeviceId, entries: readonly RelayEntry<T>[]): void {
    const values = new Map<number, T>();
    for (const { from, value } of entries) {
      if (!values.has(from)) values.set(from, value);
      this.#byDigest.set(valueKey(value), value);
    }
    this.#echoes.set(device, values);
  }

  /** What this role relays in the confirm round: the digest of each other device's echo, by sender. */
  confirm(): ConfirmEntry[] {
    return [...this.#echoes].flatMap(([device, values]) => {
      const index = this.#devices.indexOf(device);
      if (device === this.#self || index < 0) return [];
      return [...values].map(([from, value]) => ({ from, device: index, digest: valueDigest(value) }));
    });
  }

  /** Records the confirmation of `device`'s first role. */
  confirmed(device: DeviceId, entries: readonly ConfirmEntry[]): void {
    const digests = new Map<string, string>();
    for (const { from, device: index, digest } of entries) {
      const key = `${from}/${index}`;
      if (!digests.has(key)) digests.set(key, toHex(digest));
    }
    this.#confirms.set(device, digests);
  }

  /** What sender `from`, of device `sender`, broadcast: by the echo rule with f ≤ 1, by {@link agree} beyond. */
  deliver(from: number, sender: DeviceId): Delivery<T> {
    const n = this.#devices.length;
    if (echoFaultBound(n) <= 1) {
      const relays = this.#devices.flatMap((device) => {
        const value = this.#relayOf(device, from);
        return value === undefined ? [] : [{ device, value }];
      });
      return deliver(sender, relays, n);
    }
    const said = (k: DeviceId, l: DeviceId): string | undefined => {
      if (l === this.#self && this.#speaks) {
        const value = this.#relayOf(k, from);
        return value === undefined ? undefined : valueKey(value);
      }
      return this.#confirms.get(l)?.get(`${from}/${this.#devices.indexOf(k)}`);
    };
    const agreed = agree(sender, this.#devices, said);
    const value = agreed === undefined ? undefined : this.#byDigest.get(agreed);
    return value === undefined ? { kind: 'equivocated' } : { kind: 'delivered', value };
  }

  /** What `device` relayed of sender `from`: this role's own receipt when it speaks for its device. */
  #relayOf(device: DeviceId, from: number): T | undefined {
    return device === this.#self && this.#speaks ? this.#direct.get(from) : this.#echoes.get(device)?.get(from);
  }
}
