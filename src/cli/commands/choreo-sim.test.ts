// `aura choreo sim` over every example choreography: the end-to-end check that projection is
// sound (every run of the default implementation reaches end), and that under faults every run
// ends, aborts cleanly or stalls with the faults to blame.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { aura } from '../../../test/support/cli.ts';
import { protocol, recv, send, seq } from '../../runtime/builder.ts';
import { simulateChoreo } from '../../sim/choreo-sim.ts';
import { failureReport } from './choreo-sim.ts';

const EXAMPLES = resolve(import.meta.dirname, '..', '..', '..', 'examples', 'choreo');

for (const file of readdirSync(EXAMPLES).filter((name) => name.endsWith('.choreo')).sort()) {
  test(`choreo sim ${file}: every seed passes, without faults and with chaos`, async () => {
    for (const faults of ['none', 'chaos']) {
      const result = await aura('choreo', 'sim', join(EXAMPLES, file), '--seeds', '8', '--faults', faults, '--param', 'N=3');
      assert.equal(result.status, 0, result.stdout + result.stderr);
      assert.match(result.stdout, new RegExp(`faults ${faults}: 8 seed\\(s\\) in [\\d.]+ s: 8 passed, 0 failed`));
    }
  });
}

test('a failing seed is reported with each role, the faults and the waits-for report in protocol terms', async () => {
  // Not a projection of anything: each role first waits for the other.
  const stuck = protocol('Stuck', { A: seq(recv('B', 'Hello'), send('B', 'Bye')), B: seq(recv('A', 'Bye'), send('A', 'Hello')) });
  const lines = failureReport(await simulateChoreo(stuck, { seed: 4 }), ['crash A at 5']);
  assert.deepEqual(lines, [
    'seed 4: stalled at t=0.0 ms after 2 events (0 sent, 0 delivered, 0 dropped)',
    '  fault: crash A at 5',
    '  A: running',
    '  B: running',
    '  protocol bug: deadlock A -> B -> A',
    '    A waits for "Hello" from B (role A at step "recv Hello from B" of protocol Stuck) since t=0: deadlock, A and B wait for each other (directly or around a cycle)',
    '    B waits for "Bye" from A (role B at step "recv Bye from A" of protocol Stuck) since t=0: deadlock, B and A wait for each other (directly or around a cycle)',
  ]);
});

test('choreo sim: faults that stall a run pass when the faults explain it; unknown presets and bad numbers are refused', async () => {
  const result = await aura('choreo', 'sim', join(EXAMPLES, 'ping-pong.choreo'), '--seeds', '3', '--faults', 'crash');
  assert.equal(result.status, 0, result.stdout + result.stderr);
  const bad = await aura('choreo', 'sim', join(EXAMPLES, 'ping-pong.choreo'), '--seeds', '2', '--faults', 'earthquake');
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /unknown fault preset "earthquake"; known: none, lossy/);
  const usage = await aura('choreo', 'sim', join(EXAMPLES, 'ping-pong.choreo'), '--seeds', 'many');
  assert.equal(usage.status, 2);
});
