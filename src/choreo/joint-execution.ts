/**
 * A tiny executor of projected protocols, used to test that projection is sound: it runs every
 * role's local type together, with asynchronous sends and one FIFO queue per ordered pair of roles
 * (the semantics of `LANGUAGE.md`), picking among the enabled steps with a seeded random source,
 * and reports a deadlock (nobody can move but someone has not ended, or messages are left over)
 * or an unexpected message (a receive or branch that finds another message at the head of its
 * queue). Branch labels travel with messages as the projection put them in `send.choice`.
 *
 * Inside a `par`, the parts of a role run concurrently and share the queues from each peer, so a
 * part takes the first message of its queue that it can accept (the parallel-confusion check,
 * `E024`, guarantees that a peer's message label names exactly one part); outside a `par`, a role
 * only ever looks at the head of each queue.
 *
 * Simplification: a gather with a quorum waits for every member here (the runtime may drop late
 * messages; this checker only checks that the types fit together).
 *
 * @module
 */
import type { RandomEffects } from '../core/effects.ts';
import { randomInt } from '../core/random.ts';
import type { LocalType, ProjectedProtocol, RecType, RoleName } from './local-type.ts';

/** How a joint execution ended. */
export type ExecutionOutcome =
  | { readonly kind: 'ended'; readonly steps: number }
  | { readonly kind: 'bounded'; readonly steps: number }
  | { readonly kind: 'deadlock'; readonly steps: number; readonly detail: string }
  | { readonly kind: 'unexpected'; readonly steps: number; readonly detail: string };

interface Message {
  readonly label: string;
  readonly choice: readonly string[];
  consumed: number;
}

type Env = ReadonlyMap<string, RecType>;

/** A running thread of one role: a local type, or concurrent parts followed by a continuation. */
type Proc = { kind: 'type'; type: LocalType; env: Env } | { kind: 'par'; parts: Proc[]; next: Proc };

interface Step {
  readonly role: RoleName;
  readonly run: () => string | null;
}

/** Runs all roles of `projected` together for at most `maxSteps` steps. */
export function executeJointly(projected: ProjectedProtocol, random: RandomEffects, maxSteps = 10_000): ExecutionOutcome {
  const queues = new Map<string, Message[]>();
  const queue = (from: RoleName, to: RoleName): Message[] => {
    const key = `${from}\u0000${to}`;
    let found = queues.get(key);
    if (found === undefined) queues.set(key, (found = []));
    return found;
  };
  const procs = new Map<RoleName, Proc>();
  for (const role of projected.roles) {
    const local = projected.locals[role];
    if (local !== undefined) procs.set(role, normalize({ kind: 'type', type: local, env: new Map() }));
  }
  for (let steps = 0; steps < maxSteps; steps++) {
    const enabled: Step[] = [];
    const blocked: string[] = [];
    for (const [role, proc] of procs) collectSteps(role, proc, (replacement) => procs.set(role, replacement), queue, enabled, blocked, false);
    if (enabled.length === 0) {
      const unexpected = blocked.find((detail) => detail.startsWith('unexpected'));
      if (unexpected !== undefined) return { kind: 'unexpected', steps, detail: unexpected };
      const waiting = [...procs].filter(([, proc]) => !isEnded(proc)).map(([role]) => role);
      const leftover = [...queues].filter(([, messages]) => messages.length > 0).map(([key, messages]) => `${key.replace('\u0000', '->')}: ${messages.map((message) => message.label).join(', ')}`);
      if (waiting.length === 0 && leftover.length === 0) return { kind: 'ended', steps };
      return { kind: 'deadlock', steps, detail: `waiting: ${waiting.join(', ') || 'nobody'}; undelivered: ${leftover.join('; ') || 'none'}` };
    }
    const step = enabled[randomInt(random, enabled.length)]!; // index below length
    const problem = step.run();
    if (problem !== null) return { kind: 'unexpected', steps, detail: `${step.role}: ${problem}` };
  }
  return { kind: 'bounded', steps: maxSteps };
}

function isEnded(proc: Proc): boolean {
  return proc.kind === 'type' && proc.type.kind === 'end';
}

/** Unfolds `rec`, follows `continue`, and closes finished `par` blocks. */
function normalize(proc: Proc): Proc {
  let current = proc;
  for (let guard = 0; guard < 10_000; guard++) {
    if (current.kind === 'par') {
      current.parts = current.parts.map(normalize);
      if (!current.parts.every(isEnded)) return current;
      current = current.next;
      continue;
    }
    const { type, env } = current;
    if (type.kind === 'rec') {
      current = { kind: 'type', type: type.body, env: new Map(env).set(type.label, type) };
    } else if (type.kind === 'var') {
      const target = env.get(type.label);
      if (target === undefined) return current;
      current = { kind: 'type', type: target.body, env };
    } else if (type.kind === 'par') {
      current = { kind: 'par', parts: type.branches.map((branch) => ({ kind: 'type', type: branch, env })), next: { kind: 'type', type: type.next, env } };
    } else {
      return current;
    }
  }
  return current;
}

function collectSteps(
  role: RoleName,
  proc: Proc,
  replace: (proc: Proc) => void,
  queue: (from: RoleName, to: RoleName) => Message[],
  enabled: Step[],
  blocked: string[],
  concurrent: boolean,
): void {
  if (proc.kind === 'par') {
    proc.parts.forEach((part, index) => {
      const replacePart = (replacement: Proc): void => {
        proc.parts[index] = replacement;
        replace(normalize(proc));
      };
      collectSteps(role, part, replacePart, queue, enabled, blocked, true);
    });
    return;
  }
  const { type, env } = proc;
  const advance = (next: LocalType): void => {
    replace(normalize({ kind: 'type', type: next, env }));
  };
  switch (type.kind) {
    case 'send':
      enabled.push({
        role,
        run: () => {
          queue(role, type.to).push({ label: type.label, choice: type.choice ?? [], consumed: 0 });
          advance(type.next);
          return null;
        },
      });
      return;
    case 'local':
      enabled.push({ role, run: () => (advance(type.next), null) });
      return;
    case 'select':
      for (const branch of Object.values(type.branches)) enabled.push({ role, run: () => (advance(branch), null) });
      return;
    case 'recv': {
      const messages = queue(type.from, role);
      const accepts = (message: Message): boolean => message.label === type.label && message.consumed === message.choice.length;
      const index = concurrent ? messages.findIndex(accepts) : messages.length > 0 && accepts(messages[0]!) ? 0 : -1; // length checked
      const head = messages[0];
      if (index === -1) {
        if (head !== undefined && !concurrent) {
          blocked.push(`unexpected: ${role} expects ${type.label} from ${type.from}, finds ${head.label}${head.consumed < head.choice.length ? ` with branch label ${head.choice[head.consumed] ?? ''}` : ''}`);
        }
        return;
      }
      enabled.push({ role, run: () => (messages.splice(index, 1), advance(type.next), null) });
      return;
    }
    case 'branch': {
      const messages = queue(type.from, role);
      const head = concurrent ? messages.find((message) => message.consumed < message.choice.length && (message.choice[message.consumed] ?? '') in type.branches) : messages[0];
      if (head === undefined) return;
      const label = head.choice[head.consumed];
      const next = label === undefined ? undefined : type.branches[label];
      if (next === undefined) {
        blocked.push(`unexpected: ${role} expects a branch label from ${type.from}, finds ${head.label} carrying ${label ?? 'no label'}`);
        return;
      }
      enabled.push({ role, run: () => ((head.consumed += 1), advance(next), null) });
      return;
    }
    default:
      return;
  }
}
