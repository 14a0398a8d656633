/**
 * The request-response workload: clients send numbered requests to one server and retry with
 * exponential backoff when no reply comes in time; the server executes each request once,
 * remembering results in its storage (which survives a crash) so that retries and duplicates
 * get the remembered answer. Clients keep their progress in storage too, so a restarted client
 * resumes where it was.
 *
 * Implementations: client `default` (timeouts and retries) or `patient` (waits forever: a lost
 * message stalls it, which the waits-for report explains); server `default` (deduplicates) or
 * `no-dedup` (executes every copy: the at-most-once invariant catches it under duplication).
 *
 * Checks: invariant `at-most-once` (no request executed twice); outcomes `all-answered` (every
 * client finished with every request answered) and `replies-correct` (each answer is `2 n`).
 *
 * @module
 */
import { decodeCanonical, encodeCanonical } from '../../core/canonical.ts';
import { isAuraError } from '../../core/errors.ts';
import type { SimNode } from '../node.ts';
import type { Simulation } from '../simulation.ts';
import { SILENT_IMPL, type Workload, type WorkloadChecks, type WorkloadSetup } from '../workload.ts';

/** A client's question. */
interface Request {
  readonly kind: 'request';
  /** `client:index`, unique per request (retries reuse it). */
  readonly id: string;
  /** The argument; the answer is `2 n`. */
  readonly n: number;
}

/** The server's answer. */
interface Reply {
  readonly kind: 'reply';
  /** The request answered. */
  readonly id: string;
  /** `2 n`. */
  readonly result: number;
}

/** What an outside observer sees (ghost state for the properties; nodes never read it). */
interface Observations {
  /** Executions per request id. */
  readonly executions: Map<string, number>;
  /** Requests that got a reply. */
  readonly answered: Set<string>;
  /** Requests a client gave up on. */
  readonly gaveUp: Set<string>;
  /** Replies with a wrong result. */
  readonly wrong: string[];
  /** Clients that finished all their requests. */
  readonly finished: Set<string>;
}

/** How a client behaves. */
interface ClientSettings {
  /** The server's node name. */
  readonly server: string;
  /** Requests to make. */
  readonly requests: number;
  /** Reply timeout in ms, or none (wait forever). */
  readonly timeout: number | undefined;
  /** Retries after the first attempt. */
  readonly retries: number;
  /** First backoff in ms, doubled at each retry. */
  readonly backoff: number;
}

/** The request-response workload. */
export const requestResponseWorkload: Workload = {
  name: 'request-response',
  description: 'clients with timeouts and retries against a deduplicating server',
  roles: { server: { impls: ['default', 'no-dedup', SILENT_IMPL], min: 1, max: 1 }, client: { impls: ['default', 'patient', SILENT_IMPL], min: 1 } },
  params: { requests: 3, timeout: 100, retries: 3, backoff: 50 },
  properties: { invariants: ['at-most-once'], outcomes: ['all-answered', 'replies-correct'] },
  setup,
};

function setup(sim: Simulation, { participants, params }: WorkloadSetup): WorkloadChecks {
  const seen: Observations = { executions: new Map(), answered: new Set(), gaveUp: new Set(), wrong: [], finished: new Set() };
  const server = participants.find((participant) => participant.role === 'server')?.name ?? '';
  const value = (name: string): number => params[name] ?? requestResponseWorkload.params[name] ?? 0;
  const clients = participants.filter((participant) => participant.role === 'client');
  for (const participant of participants) {
    if (participant.impl === SILENT_IMPL) {
      sim.addNode(participant.name, () => undefined);
    } else if (participant.role === 'server') {
      sim.addNode(participant.name, (node) => {
        runServer(node, participant.impl !== 'no-dedup', seen);
      });
    } else {
      const settings: ClientSettings = { server, requests: value('requests'), timeout: participant.impl === 'patient' ? undefined : value('timeout'), retries: value('retries'), backoff: value('backoff') };
      sim.addNode(participant.name, (node) => runClient(node, settings, seen));
    }
  }
  return {
    invariants: {
      'at-most-once': () => {
        for (const [id, count] of seen.executions) if (count > 1) return `request ${id} was executed ${count} times`;
        return true;
      },
    },
    outcomes: {
      'all-answered': () => {
        for (const client of clients) {
          if (client.impl === SILENT_IMPL) continue;
          if (!seen.finished.has(client.name)) return `client ${client.name} did not finish`;
        }
        const gaveUp = [...seen.gaveUp].sort();
        return gaveUp.length === 0 ? true : `clients gave up on ${gaveUp.length} request(s): ${gaveUp.join(', ')}`;
      },
      'replies-correct': () => (seen.wrong.length === 0 ? true : `wrong replies: ${seen.wrong.join('; ')}`),
    },
  };
}

function runServer(node: SimNode, dedup: boolean, seen: Observations): void {
  const storage = node.effects.storage;
  node.onMessage(async (envelope) => {
    const request = envelope.payload as Partial<Request>;
    // A damaged message is ignored, as a real server would refuse it.
    if (request.kind !== 'request' || typeof request.id !== 'string' || typeof request.n !== 'number') return;
    const key = `done/${request.id}`;
    const remembered = dedup ? await storage.get(key) : undefined;
    let result: number;
    if (remembered === undefined) {
      seen.executions.set(request.id, (seen.executions.get(request.id) ?? 0) + 1);
      result = request.n * 2;
      node.local(`execute ${request.id}`);
      await storage.put(key, encodeCanonical(result));
    } else {
      result = decodeCanonical(remembered) as number;
    }
    const reply: Reply = { kind: 'reply', id: request.id, result };
    node.send(envelope.from, reply, { label: 'Reply', size: 48 });
  });
}

async function runClient(node: SimNode, settings: ClientSettings, seen: Observations): Promise<void> {
  const storage = node.effects.storage;
  const stored = await storage.get('next');
  for (let next = stored === undefined ? 0 : (decodeCanonical(stored) as number); next < settings.requests; next++) {
    const id = `${node.name}:${next}`;
    const answer = await ask(node, settings, { kind: 'request', id, n: next });
    if (answer === undefined) {
      seen.gaveUp.add(id);
      node.choice(`give up on ${id}`);
    } else {
      seen.answered.add(id);
      if (answer.result !== next * 2) seen.wrong.push(`${id} got ${answer.result}`);
    }
    await storage.put('next', encodeCanonical(next + 1));
  }
  seen.finished.add(node.name);
}

/** Sends `request` until a reply comes or the retries run out. */
async function ask(node: SimNode, settings: ClientSettings, request: Request): Promise<Reply | undefined> {
  for (let attempt = 0; attempt <= settings.retries; attempt++) {
    node.send(settings.server, request, { label: 'Request', size: 48 });
    try {
      const envelope = await node.receive({
        from: settings.server,
        label: 'Reply',
        match: (candidate) => (candidate.payload as Reply).id === request.id,
        description: `the reply to ${request.id}`,
        ...(settings.timeout === undefined ? {} : { timeoutMs: settings.timeout }),
      });
      return envelope.payload as Reply;
    } catch (error) {
      if (!isAuraError(error, 'sim.receive-timeout')) throw error;
      node.choice(`retry ${request.id}`);
      await node.sleep(settings.backoff * 2 ** attempt);
    }
  }
  return undefined;
}
