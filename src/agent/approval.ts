/**
 * Approval policies: whether this device takes part in a session another device of its
 * authority asks for. `auto` approves every well-formed request from a member (the demo's
 * policy); `prompt` asks on the terminal, one request at a time, and declines when there is no
 * terminal to ask on.
 *
 * Source: issue 11 item 2 ("under an approval policy in its config").
 *
 * @module
 */
import { createInterface } from 'node:readline/promises';
import type { AgentRequest } from './agent-request.ts';
import type { ApprovalPolicy, MemberConfig } from './device-config.ts';

/** The answer of a policy: approved, or declined with a reason. */
export type Approval = { readonly approved: true } | { readonly approved: false; readonly reason: string };

/** Decides on one request from `from`. */
export type Approver = (request: AgentRequest, from: MemberConfig) => Promise<Approval>;

/** Approves everything (the checks of membership happen before any policy is asked). */
export const autoApprover: Approver = () => Promise.resolve({ approved: true });

/** One line describing `request` for a person. */
export function describeRequest(request: AgentRequest, from: MemberConfig): string {
  if (request.op === 'guardian-setup') return `${from.name} (${from.device}) asks this device to make ${request.guardianship.guardians.map((g) => g.name).join(', ')} guardians of the authority (recovery cooldown ${request.guardianship.cooldownMs} ms)`;
  if (request.op === 'reshare') {
    const what = [...request.add.map((m) => `add ${m.name} (${m.device})`), ...request.remove.map((device) => `remove ${device}`)].join(' and ');
    return `${from.name} (${from.device}) asks this device to ${what}: reshare the group key onto ${request.roles.length} devices, threshold ${request.threshold}`;
  }
  if (request.op === 'derive') return `${from.name} (${from.device}) asks this device to derive the key of context ${JSON.stringify(request.context)} (app ${JSON.stringify(request.app)}) with ${request.roles.length} devices`;
  const text = new TextDecoder('utf-8', { fatal: false }).decode(request.message.subarray(0, 200));
  return `${from.name} (${from.device}) asks this device to ${request.op} ${JSON.stringify(text)} with ${request.roles.length} signers`;
}

/** Asks a person whether to go ahead with what `question` describes. */
export type Asker = (question: string) => Promise<Approval>;

/** Asks on the terminal, one question at a time; declines at once when stdin is not a terminal. */
export function terminalAsker(): Asker {
  let queue: Promise<unknown> = Promise.resolve();
  return (question) => {
    const asked = queue.then(async (): Promise<Approval> => {
      if (!process.stdin.isTTY) return { approved: false, reason: 'the approval policy is "prompt" and there is no terminal to ask on' };
      const lines = createInterface({ input: process.stdin, output: process.stderr });
      try {
        const answer = await lines.question(`${question}. Approve? [y/N] `);
        return /^y(es)?$/i.test(answer.trim()) ? { approved: true } : { approved: false, reason: 'declined on the terminal' };
      } finally {
        lines.close();
      }
    });
    queue = asked;
    return asked;
  };
}

/** Asks on the terminal about each request (see {@link terminalAsker}). */
export function terminalApprover(): Approver {
  const ask = terminalAsker();
  return (request, from) => ask(describeRequest(request, from));
}

/** The approver of `policy`. */
export function approverOf(policy: ApprovalPolicy): Approver {
  return policy === 'auto' ? autoApprover : terminalApprover();
}

/** The asker of `policy`: `auto` approves, `prompt` asks on the terminal. */
export function askerOf(policy: ApprovalPolicy): Asker {
  return policy === 'auto' ? () => Promise.resolve({ approved: true }) : terminalAsker();
}
