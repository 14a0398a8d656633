/**
 * Runs the `aura` program in this process, as `bin/aura.js` would, with its console output
 * captured: for tests of commands that need no separate process.
 */
import { runCli } from '../../src/cli/program.ts';

/** The exit code and the captured output of one command. */
export interface CliRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `aura ...args` and captures stdout (console.log) and stderr (console.error, process.stderr). */
export async function aura(...args: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const { log, error } = console;
  const writeErr = process.stderr.write.bind(process.stderr);
  console.log = (...parts: unknown[]) => out.push(parts.join(' '));
  console.error = (...parts: unknown[]) => err.push(parts.join(' '));
  process.stderr.write = ((chunk: string | Uint8Array) => (err.push(String(chunk)), true));
  try {
    const status = await runCli(args);
    return { status, stdout: out.join('\n'), stderr: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
    process.stderr.write = writeErr;
  }
}
