/**
 * `aura choreo run FILE [--protocol P] [--param K=V]... [--seed N] [--max-steps N]`: runs every
 * role of a protocol in this process over the in-memory transport, each with the runtime's
 * default implementation (`randomImpl`: seeded random payloads, choices and loop decisions), and
 * prints the trace (issue 4, item 7).
 *
 * Exit codes: 0 every role reached `end`, or the run reached `--max-steps` messages with no
 * violation (the output says which); 1 diagnostics or a role failed (its error on stderr); 2 usage.
 *
 * What a default run cannot know is said, not guessed: a named payload type with no codec here runs
 * as opaque bytes (a note names it), and annotations (`guard_capability`, `flow_cost`, …) are
 * counted by hooks that enforce nothing (the guard chain comes later). Timeouts are armed on a
 * clock that stands still: in one process no role waits on a slow peer, so a receive only ever
 * waits for a peer's computation (the simulator exercises timeouts).
 *
 * @module
 */
import type { Command } from 'commander';
import type { ProjectedProtocol } from '../../choreo/local-type.ts';
import { permanentError } from '../../core/errors.ts';
import { randomIdentifier } from '../../core/identifiers.ts';
import { ManualClock } from '../../handlers/physical-time.ts';
import { SeededRandom } from '../../handlers/random.ts';
import { DefaultRunSetting, MemoryTransport, Trace, randomImpl, runSession, type SessionOutcome, type Transport } from '../../runtime/index.ts';
import { loadRunnableProtocol, type LoadOptions } from './choreo-load.ts';
import { collect } from './choreo.ts';

/** Messages a run may send before it stops, when `--max-steps` is not given. */
export const DEFAULT_MAX_STEPS = 10_000;

interface RunCommandOptions extends LoadOptions {
  readonly seed: string;
  readonly maxSteps: string;
}

/** Adds `run` to the `choreo` group of `program`. */
export function registerChoreoRun(group: Command): void {
  group
    .command('run')
    .description('run every role in-process with seeded random payloads and choices; print the trace')
    .argument('<file>', '.choreo file')
    .option('--protocol <name>', 'the protocol to run (needed when the file declares several)')
    .option('--param <K=V>', 'value of a symbolic parameter (repeatable)', collect, [])
    .option('--seed <n>', 'seed of the random payloads, choices and session id', '1')
    .option('--max-steps <n>', 'stop after this many messages (a success when no role failed)', String(DEFAULT_MAX_STEPS))
    .action(async function (this: Command, file: string, options: RunCommandOptions) {
      const seed = wholeNumber(this, options.seed, '--seed', 0);
      const maxSteps = wholeNumber(this, options.maxSteps, '--max-steps', 1);
      const protocol = loadRunnableProtocol(this, file, options);
      const run = await runDefault(protocol, seed, maxSteps);
      console.log(`protocol ${protocol.name} (${protocol.contentId}), seed ${seed}, roles ${protocol.roles.join(', ')}`);
      for (const note of run.notes) console.log(`note: ${note}`);
      for (const line of run.trace.lines()) console.log(line);
      const { outcome } = run;
      if (outcome.status === 'ended') console.log(`ended: every role reached end after ${outcome.messages} messages`);
      if (outcome.status === 'bounded') console.log(`bounded: reached --max-steps ${maxSteps} messages with no violation (the protocol may never end)`);
      if (outcome.status === 'failed') {
        for (const [role, result] of Object.entries(outcome.roles)) {
          if (result.status === 'rejected') console.error(`${role}: ${result.reason instanceof Error ? result.reason.message : String(result.reason)}`);
        }
        throw permanentError('choreo.run-failed', `${protocol.name} failed after ${outcome.messages} messages (seed ${seed})`);
      }
    });
}

/** What one default run produced. */
export interface DefaultRun {
  readonly outcome: SessionOutcome;
  readonly trace: Trace;
  /** What the run stood in for: opaque named types, annotations counted but not enforced. */
  readonly notes: readonly string[];
}

/**
 * Runs every role of `protocol` with `randomImpl` from `seed` over `transport` (default: a fresh
 * `MemoryTransport`), stopping after `maxSteps` messages. The same seed gives the same trace.
 */
export async function runDefault(protocol: ProjectedProtocol, seed: number, maxSteps: number, transport: Transport = new MemoryTransport()): Promise<DefaultRun> {
  const random = new SeededRandom(seed);
  const setting = new DefaultRunSetting(protocol);
  const impls = Object.fromEntries(protocol.roles.map((role) => [role, randomImpl(protocol, role, random.fork(role), setting.types)]));
  const trace = new Trace();
  const outcome = await runSession(protocol, impls, transport, {
    session: randomIdentifier('session', random.fork('session')),
    types: setting.types,
    extensions: setting.extensions,
    time: new ManualClock(),
    observer: trace,
    maxMessages: maxSteps,
  });
  return { outcome, trace, notes: setting.notes() };
}

/** A whole-number option of at least `min`; anything else is a usage error of `command`. */
function wholeNumber(command: Command, text: string, option: string, min: number): number {
  const value = /^\d{1,15}$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= min)) command.error(`error: ${option} expects a whole number of at least ${min}, got "${text}"`, { exitCode: 2, code: 'aura.choreo.number' });
  return value;
}
