/**
 * `examples/choreo/ring.choreo`, driven: a token goes once around a ring of `n` nodes, and each
 * node adds one hop.
 *
 * @module
 */
import type { RoleImpl } from '../../src/runtime/index.ts';
import { loadExample, runToEnd, type ExampleRunOptions } from './session.ts';

/** Passes the token around `n` nodes; resolves with the hop count node 0 gets back and the order nodes saw it in. */
export async function ring(n: number, options: ExampleRunOptions = {}): Promise<{ hops: number; order: string[] }> {
  const protocol = loadExample('ring', { N: n });
  const order: string[] = [];
  let back: number | undefined;
  const impls = Object.fromEntries(
    protocol.roles.map((role): [string, RoleImpl] => {
      let held = 0;
      return [role, {
        send: { Token: () => (order.push(role), { hops: held + 1 }) },
        recv: { Token: (payload) => ((held = (payload as { hops: number }).hops), role === 'Node[0]' && (back = held)) },
      }];
    }),
  );
  await runToEnd(protocol, impls, options);
  if (back === undefined) throw new Error('the token never came back');
  return { hops: back, order };
}
