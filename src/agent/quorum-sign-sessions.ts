/**
 * The sessions of `aura sign` as the devices run it, and the role map of each, for their session
 * groups (`session-groups.ts`): first the quorum signing of `sign-quorum.choreo`
 * (`runQuorumSigning`: every online member is asked, the first t that answer sign the
 * `signature.issued` fact), whose attempts exclude members and whose inner signing runs among the
 * chosen t only (`S[j]` the j-th chosen); then the chosen t sign the message itself
 * (`runSigningDevice`) in a session named by the request's session and the chosen signers
 * ({@link messageSession}). Which t answer first is known only at run time, so the map covers
 * every choice: each t-subset of the members left that holds the requester.
 *
 * @module
 */
import type { RoleName } from '../choreo/local-type.ts';
import { deriveIdentifier, type DeviceId, type SessionId } from '../core/identifiers.ts';
import { epochSession } from '../protocols/epoch.ts';
import { exclusionAttempts, exclusionSessions, familyRoles } from './session-groups.ts';

/** The session in which the chosen `signers` of the request `session` sign its message. */
export function messageSession(session: SessionId, signers: readonly DeviceId[]): SessionId {
  return deriveIdentifier('session', { base: session, message: signers });
}

/** The `size`-subsets of `members`, each in member order. */
function subsets(members: readonly DeviceId[], size: number): DeviceId[][] {
  if (size === 0) return [[]];
  if (members.length < size) return [];
  const [first, ...rest] = members as [DeviceId, ...DeviceId[]]; // members.length >= size > 0
  return [...subsets(rest, size - 1).map((s) => [first, ...s]), ...subsets(rest, size)];
}

/** The `size`-subsets of `members` (member order) that hold `keep`. */
function subsetsWith(members: readonly DeviceId[], size: number, keep: DeviceId): DeviceId[][] {
  return subsets(members, size).filter((s) => s.includes(keep));
}

/**
 * Every session of the signing `session` (epoch `epoch`) asked of `members` by `requester` with
 * threshold `threshold`, with its role map.
 */
export function quorumSignSessions(session: SessionId, epoch: number, members: readonly DeviceId[], requester: DeviceId, threshold: number): Map<SessionId, Map<RoleName, DeviceId>> {
  const sessions = new Map<SessionId, Map<RoleName, DeviceId>>();
  for (const { session: attempt, left } of exclusionAttempts(epochSession(session, epoch), members, threshold, requester)) {
    sessions.set(attempt, new Map([...familyRoles(['S'], left), ['R', requester]]));
    for (const chosen of subsetsWith(left, threshold, requester)) sessions.set(deriveIdentifier('session', { base: attempt, signers: chosen }), familyRoles(['S'], chosen));
  }
  for (const chosen of subsetsWith(members, threshold, requester)) {
    for (const [signing, roles] of exclusionSessions(epochSession(messageSession(session, chosen), epoch), chosen, threshold)) sessions.set(signing, roles);
  }
  return sessions;
}
