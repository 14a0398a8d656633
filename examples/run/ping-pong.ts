/**
 * `examples/choreo/ping-pong.choreo`, driven: the client sends a sequence number, the server
 * answers with the next one.
 *
 * @module
 */
import type { RoleImpl } from '../../src/runtime/index.ts';
import { loadExample, runToEnd, type ExampleRunOptions } from './session.ts';

interface Seq {
  readonly seq: number;
}

/** Plays one round trip from `seq`; resolves with the sequence number the client got back. */
export async function pingPong(seq: number, options: ExampleRunOptions = {}): Promise<number> {
  let answer: number | undefined;
  let asked = 0;
  const client: RoleImpl = {
    send: { Ping: () => ({ seq }) },
    recv: { Pong: (payload) => (answer = (payload as Seq).seq) },
  };
  const server: RoleImpl = {
    recv: { Ping: (payload) => (asked = (payload as Seq).seq) },
    send: { Pong: () => ({ seq: asked + 1 }) },
  };
  await runToEnd(loadExample('ping-pong'), { Client: client, Server: server }, options);
  if (answer === undefined) throw new Error('the client got no Pong');
  return answer;
}
