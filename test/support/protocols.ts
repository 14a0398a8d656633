/**
 * Hand-built projected protocols for the runtime's tests and benchmarks, written with the builder
 * of `src/runtime/builder.ts` as projection would produce them from the global protocols shown
 * in each comment.
 */
import type { ProjectedProtocol } from '../../src/choreo/local-type.ts';
import { branch, gather, jump, local, par, protocol, rec, recv, select, send, seq, type Part } from '../../src/runtime/builder.ts';

/**
 * ```
 * protocol PingPong { roles: Alice, Bob;
 *   loop (decides: Alice) { Alice -> Bob: Ping(n: u64); Bob -> Alice: Pong(n: u64); }
 *   Alice -> Bob: Stop; }
 * ```
 */
export const pingPong: ProjectedProtocol = protocol('PingPong', {
  Alice: seq(
    rec('L', select({
      more: [send('Bob', 'Ping', { n: 'u64' }, { choice: ['more'] }), recv('Bob', 'Pong', { n: 'u64' }), jump('L')],
      done: [send('Bob', 'Stop', undefined, { choice: ['done'] })],
    })),
  ),
  Bob: seq(
    rec('L', branch('Alice', {
      more: [recv('Alice', 'Ping', { n: 'u64' }), send('Alice', 'Pong', { n: 'u64' }), jump('L')],
      done: [recv('Alice', 'Stop')],
    })),
  ),
});

/**
 * A ring of three roles passing a token `rounds` times: `loop (count: rounds) { A -> B: Token(hop: u64);
 * B -> C: Token(hop: u64); C -> A: Token(hop: u64); }` (projection unrolls the count).
 */
export function ring(rounds: number): ProjectedProtocol {
  const repeat = (parts: Part[]): Part[] => Array.from({ length: rounds }, () => parts).flat();
  const token = { hop: 'u64' };
  return protocol(`Ring${rounds}`, {
    A: seq(...repeat([send('B', 'Token', token), recv('C', 'Token', token)])),
    B: seq(...repeat([recv('A', 'Token', token), send('C', 'Token', token)])),
    C: seq(...repeat([recv('B', 'Token', token), send('A', 'Token', token)])),
  });
}

/**
 * Nested choices of one chooser whose first message carries both labels:
 * ```
 * choice Buyer {
 *   accept: { choice Buyer { card: { Buyer -> Seller: Pay(amount: u64); } cash: { Buyer -> Seller: Pay(amount: u64); Seller -> Buyer: Receipt(id: string); } } }
 *   reject: { Buyer -> Seller: Decline(reason: string); }
 * }
 * Seller -> Buyer: Bye;
 * ```
 */
export const purchase: ProjectedProtocol = protocol('Purchase', {
  Buyer: seq(
    select({
      accept: [
        select({
          card: [send('Seller', 'Pay', { amount: 'u64' }, { choice: ['accept', 'card'] }), recv('Seller', 'Bye')],
          cash: [send('Seller', 'Pay', { amount: 'u64' }, { choice: ['accept', 'cash'] }), recv('Seller', 'Receipt', { id: 'string' }), recv('Seller', 'Bye')],
        }),
      ],
      reject: [send('Seller', 'Decline', { reason: 'string' }, { choice: ['reject'] }), recv('Seller', 'Bye')],
    }),
  ),
  Seller: seq(
    branch('Buyer', {
      accept: [
        branch('Buyer', {
          card: [recv('Buyer', 'Pay', { amount: 'u64' }), send('Buyer', 'Bye')],
          cash: [recv('Buyer', 'Pay', { amount: 'u64' }), send('Buyer', 'Receipt', { id: 'string' }), send('Buyer', 'Bye')],
        }),
      ],
      reject: [recv('Buyer', 'Decline', { reason: 'string' }), send('Buyer', 'Bye')],
    }),
  ),
});

/**
 * Two concurrent exchanges: `parallel { A -> B: Left(x: u64); B -> A: LeftAck; | A -> C: Right(y: u64);
 * C -> A: RightAck; } A -> B: Done; A -> C: Done;` where B's and C's local steps let a test see
 * whether the parts overlap.
 */
export const fork: ProjectedProtocol = protocol('Fork', {
  A: seq(
    par([send('B', 'Left', { x: 'u64' }), recv('B', 'LeftAck')], [send('C', 'Right', { y: 'u64' }), recv('C', 'RightAck')]),
    send('B', 'Done'),
    send('C', 'Done'),
  ),
  B: seq(recv('A', 'Left', { x: 'u64' }), local('Work', ['x']), send('A', 'LeftAck'), recv('A', 'Done')),
  C: seq(recv('A', 'Right', { y: 'u64' }), local('Work', ['y']), send('A', 'RightAck'), recv('A', 'Done')),
});

/**
 * A gather with a quorum: `Coordinator -> W[*]: Ask(q: string); W[*][quorum = 2] -> Coordinator:
 * Vote(yes: bool); Coordinator -> W[*]: Result(yes: u64);` over three workers.
 */
export const vote: ProjectedProtocol = protocol('Vote', {
  Coordinator: seq(
    send('W[0]', 'Ask', { q: 'string' }),
    send('W[1]', 'Ask', { q: 'string' }),
    send('W[2]', 'Ask', { q: 'string' }),
    gather(['W[0]', 'W[1]', 'W[2]'], 'Vote', { yes: 'bool' }, 2),
    send('W[0]', 'Result', { yes: 'u64' }),
    send('W[1]', 'Result', { yes: 'u64' }),
    send('W[2]', 'Result', { yes: 'u64' }),
  ),
  ...Object.fromEntries(
    ['W[0]', 'W[1]', 'W[2]'].map((worker) => [worker, seq(recv('Coordinator', 'Ask', { q: 'string' }), send('Coordinator', 'Vote', { yes: 'bool' }), recv('Coordinator', 'Result', { yes: 'u64' }))]),
  ),
});

/** `Client -> Server: Request(id: u64); Server[timeout_ms = 50] -> Client: Reply(id: u64);` */
export const requestReply: ProjectedProtocol = protocol('RequestReply', {
  Client: seq(send('Server', 'Request', { id: 'u64' }), recv('Server', 'Reply', { id: 'u64' }, { timeout_ms: 50 })),
  Server: seq(recv('Client', 'Request', { id: 'u64' }), send('Client', 'Reply', { id: 'u64' }, { annotations: { timeout_ms: 50 } })),
});

/** `Alice[guard_capability = "chat:send", flow_cost = 3] -> Bob: Note(text: string);` */
export const annotated: ProjectedProtocol = protocol('Annotated', {
  Alice: seq(send('Bob', 'Note', { text: 'string' }, { annotations: { guard_capability: 'chat:send', flow_cost: 3 } })),
  Bob: seq(recv('Alice', 'Note', { text: 'string' }, { guard_capability: 'chat:send', flow_cost: 3 })),
});
