/**
 * Running `aura` as separate processes, as a user does: for the demo and the end-to-end tests.
 * Each process talks only to 127.0.0.1 (the device nodes listen on loopback) and is killed after
 * a time limit so nothing outlives its caller.
 *
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';

/** The repository root (where `bin/aura.js` is). */
export const AURA_ROOT = resolve(import.meta.dirname, '../..');

/** Longest a process may run before it is killed. */
export const PROCESS_LIMIT_MS = 300_000;

/** A finished `aura` run. */
export interface AuraRun {
  /** Exit code (`null` when killed by a signal). */
  readonly status: number | null;
  /** Everything it printed on stdout. */
  readonly stdout: string;
  /** Everything it printed on stderr. */
  readonly stderr: string;
}

/** A running `aura` process whose stdout JSON lines are collected. */
export interface AuraProcess {
  /** The process. */
  readonly child: ChildProcess;
  /** The JSON lines it printed so far. */
  readonly lines: Record<string, unknown>[];
  /** Resolves with its exit code. */
  readonly exited: Promise<number | null>;
  /** Resolves with the first JSON line matching `match` (rejects if the process exits first). */
  waitFor(match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
}

function start(args: readonly string[], env: NodeJS.ProcessEnv | undefined): { child: ChildProcess & { stdout: NonNullable<ChildProcess['stdout']>; stderr: NonNullable<ChildProcess['stderr']> }; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [resolve(AURA_ROOT, 'bin/aura.js'), ...args], { cwd: AURA_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
  const timer = setTimeout(() => child.kill('SIGKILL'), PROCESS_LIMIT_MS);
  const exited = new Promise<number | null>((done) => {
    child.on('exit', (code) => {
      clearTimeout(timer);
      done(code);
    });
  });
  return { child, exited };
}

/** Runs `aura ...args` to the end. */
export async function runAura(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<AuraRun> {
  const { child, exited } = start(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const status = await exited;
  return { status, stdout, stderr };
}

/** Starts `aura ...args` (a node, say) and collects its JSON lines. */
export function spawnAura(args: readonly string[], env?: NodeJS.ProcessEnv): AuraProcess {
  const { child, exited } = start(args, env);
  const lines: Record<string, unknown>[] = [];
  const waiters: { match: (line: Record<string, unknown>) => boolean; resolve: (line: Record<string, unknown>) => void }[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  createInterface({ input: child.stdout }).on('line', (text) => {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return; // a human line: callers read the JSON ones
    }
    lines.push(line);
    for (const waiter of waiters.splice(0)) {
      if (waiter.match(line)) waiter.resolve(line);
      else waiters.push(waiter);
    }
  });
  return {
    child,
    lines,
    exited,
    waitFor: (match) => {
      const found = lines.find(match);
      if (found !== undefined) return Promise.resolve(found);
      return new Promise((resolveLine, reject) => {
        waiters.push({ match, resolve: resolveLine });
        void exited.then((code) => {
          reject(new Error(`aura ${args.join(' ')} exited (${code}) before the line awaited: ${stderr.trim()}`));
        });
      });
    },
  };
}

/**
 * True when `node:crypto` (OpenSSL's Ed25519) verifies `signatureHex` over `message` under
 * `groupKeyHex`: a check of a signature `aura sign` printed, independent of Aura's own code.
 */
export function verifiesWithNodeCrypto(groupKeyHex: string, message: string, signatureHex: string): boolean {
  const key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(groupKeyHex, 'hex').toString('base64url') }, format: 'jwk' });
  return verify(null, Buffer.from(message), key, Buffer.from(signatureHex, 'hex'));
}
