/**
 * Runs the `aura` program in this process with its console output captured, for CLI tests that
 * need many invocations (a child process per call would cost a TypeScript start-up each).
 */
import { runCli } from '../../src/cli/program.ts';

/** Exit code and captured output of one `aura` invocation. */
export interface CliRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `aura ...args` in-process. */
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
