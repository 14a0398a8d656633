// `aura node --json` processes for tests on 127.0.0.1: spawned as a user runs them, their JSON-line
// events collected, every wait bounded, every process killed at the end (`stopAll`).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = resolve(import.meta.dirname, '..', '..');
const WAIT_LIMIT_MS = 30_000;
const running = new Set<AuraNode>();

/** One event a node printed. */
export type NodeEvent = Record<string, unknown> & { event: string };

/** The event a JSON line holds, or undefined when the line is not a JSON object with an `event`. */
function parseEvent(line: string): NodeEvent | undefined {
  try {
    const value = JSON.parse(line) as unknown;
    return typeof value === 'object' && value !== null && typeof (value as { event?: unknown }).event === 'string' ? (value as NodeEvent) : undefined;
  } catch {
    return undefined;
  }
}

/** One `aura node --json` process and the events it printed. */
export class AuraNode {
  readonly events: NodeEvent[] = [];
  readonly process: ChildProcessWithoutNullStreams;
  private readonly waiters = new Set<() => void>();
  exitCode: number | null | undefined;

  /** Starts `aura node --json --data-dir DATAROOT/NAME ARGS…`. */
  constructor(readonly name: string, dataRoot: string, args: readonly string[]) {
    this.process = spawn(process.execPath, [resolve(ROOT, 'bin/aura.js'), 'node', '--json', '--data-dir', join(dataRoot, name), ...args], { cwd: ROOT });
    running.add(this);
    createInterface({ input: this.process.stdout }).on('line', (line) => {
      const event = parseEvent(line);
      if (event !== undefined) this.events.push(event);
      // A node this harness killed may leave its last line cut short mid-write; any other such line is a defect.
      else if (!this.process.killed) throw new Error(`${this.name} printed a line that is not a JSON event: ${line}`);
      for (const wake of this.waiters) wake();
    });
    this.process.stderr.resume();
    this.process.on('exit', (code) => {
      this.exitCode = code;
      running.delete(this);
      for (const wake of this.waiters) wake();
    });
  }

  /** Resolves with the first event matching `predicate` (waiting for it if need be). */
  async waitFor(what: string, predicate: (event: NodeEvent) => boolean): Promise<NodeEvent> {
    for (;;) {
      const found = this.events.find(predicate);
      if (found !== undefined) return found;
      if (this.exitCode !== undefined) throw new Error(`${this.name} exited (${this.exitCode}) before ${what}`);
      await new Promise<void>((wake, fail) => {
        const timer = setTimeout(() => {
          fail(new Error(`${this.name}: gave up after ${WAIT_LIMIT_MS} ms waiting for ${what}`));
        }, WAIT_LIMIT_MS);
        const done = (): void => {
          clearTimeout(timer);
          this.waiters.delete(done);
          wake();
        };
        this.waiters.add(done);
      });
    }
  }

  /** Writes one JSON-line command. */
  command(command: Record<string, unknown>): void {
    this.process.stdin.write(JSON.stringify(command) + '\n');
  }

  send(to: string, channel: string, payload: string): void {
    this.command({ send: { to, channel, payload } });
  }

  run(source: string, params: Record<string, number>, roles: Record<string, string>, paceMs = 0): void {
    this.command({ run: { source, params, roles, paceMs } });
  }

  /** The session events of `session` this node printed. */
  sessionEvents(session: unknown): NodeEvent[] {
    return this.events.filter((e) => e.event.startsWith('session-') && e['session'] === session);
  }

  messages(channel: string): string[] {
    return this.events.filter((e) => e.event === 'message' && e['channel'] === channel).map((e) => String(e['payload']));
  }

  async stop(signal: NodeJS.Signals): Promise<number | null> {
    if (this.exitCode === undefined) {
      this.process.kill(signal);
      await this.waitFor('exit', () => false).catch(() => undefined);
    }
    return this.exitCode ?? null;
  }
}

/** Waits for a node's `ready` event: its device, peer id and first listen address. */
export async function ready(node: AuraNode): Promise<{ device: string; peerId: string; address: string }> {
  const event = await node.waitFor('ready', (e) => e.event === 'ready');
  const addresses = event['addresses'] as string[];
  return { device: String(event['device']), peerId: String(event['peerId']), address: addresses[0] ?? '' };
}

/** Kills every node still running. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((node) => node.stop('SIGKILL')));
}
