/**
 * The faults of the seeded sweep (`fault-sweep.ts`), as wraps of a member's honest role logic
 * (`RunOptions.roleImpl`): byzantine behaviours that change what the member sends, and stops
 * (a crash, or silence) at its first handling of a message label. A wrap reports when the member
 * actually misbehaved (`acted`), since a behaviour aimed at a role the member never plays (a
 * resharing dealer that is never asked to deal) leaves it honest in effect.
 *
 * @module
 */
import type { RoleImpl } from '../runtime/run-role.ts';
import type { AccusationPayload, DkgRound1Payload, ReshareAckEchoPayload, ReshareAckPayload, ReshareEchoConfirmPayload, ReshareSubSharePayload } from './payload-types.ts';

/** How a byzantine member misbehaves. */
export type Behaviour =
  | 'bad-share'
  | 'bad-proof'
  | 'bad-commitment'
  | 'bad-reveal'
  | 'equivocation'
  | 'withhold'
  | 'other-message'
  | 'false-complaint'
  | 'ack-equivocation'
  | 'ack-split'
  | 'echo-lie'
  | 'bad-approval'
  | 'hide-dispute';

/** A fault of one member. */
export type Fault =
  | { readonly kind: 'byzantine'; readonly member: number; readonly behaviour: Behaviour }
  | { readonly kind: 'crash'; readonly member: number; readonly label: string }
  | { readonly kind: 'silent'; readonly member: number; readonly label: string };

/** A change of one role's logic. */
export type Wrap = (honest: RoleImpl) => RoleImpl;

/** What a byzantine wrap needs from the run. */
export interface FaultTools {
  /** A sealed box for role `to` that is not the share it should get (DKG shares, resharing sub-shares). */
  readonly badSeal: (to: string) => Promise<{ readonly enc: Uint8Array; readonly ciphertext: Uint8Array }>;
  /** The participant id a false complaint accuses (an honest dealer's). */
  readonly victim: string;
  /** Called each time the member sends something it should not. */
  readonly acted: () => void;
}

type Payload = Record<string, unknown>;

/** Changes what `label` sends (to each recipient); a role without that label is left alone. */
function overrideSend(label: string, change: (payload: Payload, to: string) => Payload | Promise<Payload>): Wrap {
  return (honest) => {
    const original = honest.send?.[label];
    if (original === undefined) return honest;
    return { ...honest, send: { ...honest.send, [label]: async (to: string) => change((await original(to)) as Payload, to) } };
  };
}

/** Several wraps in order. */
function all(...wraps: Wrap[]): Wrap {
  return (honest) => wraps.reduce((impl, wrap) => wrap(impl), honest);
}

function flipped(bytes: Uint8Array, at: number): Uint8Array {
  const copy = bytes.slice();
  copy[at % Math.max(1, bytes.length)] = ((bytes[at] ?? 0) + 1) % 256;
  return copy;
}

/** A wrap that calls `acted` whenever it changes a payload (`change` returns undefined to leave it). */
function misbehave(label: string, tools: FaultTools, change: (payload: Payload, to: string) => Payload | undefined | Promise<Payload | undefined>): Wrap {
  return overrideSend(label, async (payload, to) => {
    const changed = await change(payload, to);
    if (changed === undefined) return payload;
    tools.acted();
    return changed;
  });
}

/** Every other recipient a wrap sees, from the second: an equivocation that splits the participants in halves. */
function alternateRecipients(): (to: string) => boolean {
  const seen: string[] = [];
  return (to) => {
    if (!seen.includes(to)) seen.push(to);
    return seen.indexOf(to) % 2 === 1;
  };
}

/** The first recipient a wrap sees, then every other one: equivocation tells one story to the first. */
function firstRecipient(): (to: string) => boolean {
  let first: string | undefined;
  return (to) => {
    first ??= to;
    return to === first;
  };
}

function subShare(payload: Payload): ReshareSubSharePayload | null {
  return payload['subShare'] as ReshareSubSharePayload | null;
}

/** An acknowledgement with a complaint that `tools.victim` dealt commitments that do not check. */
function falseComplaint(payload: Payload, tools: FaultTools): Payload {
  const ack = payload['ack'] as ReshareAckPayload;
  const complaint: AccusationPayload = { accused: tools.victim, reason: 'bad-commitment', evidence: new Uint8Array(0) };
  return { ack: { ...ack, complaints: [...ack.complaints, complaint] } };
}

/**
 * The wrap of a byzantine behaviour, over every protocol of the sweep (each label belongs to one
 * protocol, so a wrap changes only what the protocol run has). `other-message` changes the
 * member's input, not its logic: the runner sees to it.
 */
export function byzantineWrap(behaviour: Behaviour, tools: FaultTools): Wrap {
  switch (behaviour) {
    case 'bad-share':
      return all(
        misbehave('Share', tools, async (p, to) => (p['sealed'] === null ? undefined : { ...p, sealed: await tools.badSeal(to) })),
        misbehave('SigShare', tools, (p) => (p['share'] instanceof Uint8Array ? { ...p, share: flipped(p['share'], 0) } : undefined)),
        misbehave('DistributeSubShare', tools, async (p, to) => {
          const honest = subShare(p);
          return honest === null ? undefined : { subShare: { ...honest, sealed: await tools.badSeal(to) } };
        }),
      );
    case 'bad-proof':
      return misbehave('Commit', tools, (p) => {
        const round1 = p['round1'] as DkgRound1Payload | undefined;
        return round1 === undefined ? undefined : { ...p, round1: { ...round1, proof: flipped(round1.proof, 40) } };
      });
    case 'bad-commitment':
      return all(
        misbehave('Commitment', tools, (p) => ({ ...p, commitment: { ...(p['commitment'] as object), hiding: new Uint8Array(32) } })),
        misbehave('DistributeSubShare', tools, (p) => {
          const honest = subShare(p);
          // Valid points, but not the dealer's polynomial: the old verifying share gives it away.
          return honest === null ? undefined : { subShare: { ...honest, commitments: [...honest.commitments].reverse() } };
        }),
      );
    case 'bad-reveal':
      return misbehave('Reveal', tools, (p) => {
        const contribution = p['contribution'] as Uint8Array;
        return contribution.length === 0 ? undefined : { contribution: flipped(contribution, 0) };
      });
    case 'equivocation': {
      const first = firstRecipient();
      return all(
        misbehave('Commit', tools, (p, to) => {
          const round1 = p['round1'] as DkgRound1Payload | undefined;
          return first(to) || round1 === undefined ? undefined : { ...p, round1: { ...round1, commitments: [...round1.commitments].reverse() } };
        }),
        misbehave('Reveal', tools, (p, to) => {
          const contribution = p['contribution'] as Uint8Array;
          return first(to) || contribution.length === 0 ? undefined : { contribution: flipped(contribution, 1) };
        }),
        misbehave('DistributeSubShare', tools, (p, to) => {
          const honest = subShare(p);
          return first(to) || honest === null ? undefined : { subShare: { ...honest, commitments: [...honest.commitments].reverse() } };
        }),
      );
    }
    case 'ack-equivocation': {
      // A new member tells one participant of a complaint the others never hear.
      const first = firstRecipient();
      return misbehave('Acknowledge', tools, (p, to) => (first(to) ? falseComplaint(p, tools) : undefined));
    }
    case 'ack-split':
      // A new member tells the dealers of a complaint, the other new members not.
      return misbehave('Acknowledge', tools, (p, to) => (to.startsWith('D[') ? falseComplaint(p, tools) : undefined));
    case 'echo-lie': {
      // A participant relays to half the others acknowledgements no one sent (each with a false
      // complaint), and confirms to half of them echoes no one relayed.
      const misled = alternateRecipients();
      const confused = alternateRecipients();
      return all(
        misbehave('EchoAcks', tools, (p, to) => {
          const { acks } = p['echo'] as ReshareAckEchoPayload;
          return misled(to) && acks.length > 0 ? { echo: { acks: acks.map((e) => ({ from: e.from, ack: falseComplaint({ ack: e.ack }, tools)['ack'] })) } } : undefined;
        }),
        misbehave('ConfirmAcks', tools, (p, to) => {
          const { seen } = p['confirm'] as ReshareEchoConfirmPayload;
          return confused(to) && seen.length > 0 ? { confirm: { seen: seen.map((e) => ({ ...e, digest: flipped(e.digest, 0) })) } } : undefined;
        }),
      );
    }
    case 'withhold':
      return all(
        misbehave('Share', tools, (p) => (p['sealed'] === null ? undefined : { ...p, sealed: null })),
        misbehave('SigShare', tools, (p) => (p['share'] === null ? undefined : { ...p, share: null })),
        misbehave('Reveal', tools, (p) => ((p['contribution'] as Uint8Array).length === 0 ? undefined : { contribution: new Uint8Array(0) })),
        misbehave('DistributeSubShare', tools, (p) => (subShare(p) === null ? undefined : { subShare: null })),
      );
    case 'false-complaint':
      // A new member accuses a dealer of a bad dealing; every participant re-checks it and names the accuser.
      return misbehave('Acknowledge', tools, (p) => falseComplaint(p, tools));
    case 'bad-approval':
      // A guardian's approval signature that does not verify: it does not count.
      return misbehave('Approve', tools, (p) => ((p['signature'] as Uint8Array).length === 0 ? undefined : { signature: flipped(p['signature'] as Uint8Array, 0) }));
    case 'hide-dispute':
      // A guardian that saw the owner's dispute says it did not.
      return misbehave('Release', tools, (p) => ((p['release'] as { disputed: boolean }).disputed ? { release: { disputed: false } } : undefined));
    case 'other-message':
      return (honest) => honest;
  }
}

/** Stops the member at its first handling (send or receipt) of `label`: a crash throws, silence never returns. */
export function stopWrap(label: string, how: 'crash' | 'silent'): Wrap {
  let stopped = false;
  const stop = (): never | Promise<never> => {
    stopped = true;
    if (how === 'silent') return new Promise<never>(() => undefined);
    throw new Error(`crashed at ${label}`);
  };
  return (honest) => {
    if (stopped) return honest;
    const send = honest.send?.[label];
    const recv = honest.recv?.[label];
    return {
      ...honest,
      ...(send === undefined ? {} : { send: { ...honest.send, [label]: (to: string) => (stopped ? send(to) : stop()) } }),
      ...(recv === undefined ? {} : { recv: { ...honest.recv, [label]: (payload: unknown, from: string) => (stopped ? recv(payload, from) : stop()) } }),
    };
  };
}
