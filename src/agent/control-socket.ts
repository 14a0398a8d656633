/**
 * The local control channel of a running `aura node --dir DIR`: a Unix socket `DIR/agent.sock`
 * (in the device directory, mode 0700, so only its owner reaches it) speaking JSON lines. A
 * command that needs the device while its node runs (`aura sign --dir DIR`) sends one request
 * line, `{"op":"sign","message":HEX}` or `{"op":"status"}`, and reads event lines
 * (`{"event":…}`, the agent's progress) until one `{"result":{…}}` or `{"error":{kind,code,message}}`
 * line; then the connection closes. So a device is never started twice on the network.
 *
 * Source: issue 11 (the brief: "talk to the running node over a local control channel").
 *
 * @module
 */
import { existsSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { AuraError, permanentError, toAuraError, type ErrorKind } from '../core/errors.ts';
import { CONTROL_SOCKET_FILE } from './device-dir.ts';

/** One request line. */
export type ControlRequest = Readonly<Record<string, unknown>> & { readonly op: string };

/** Serves one request: `event` streams progress; the returned value is the result. */
export type ControlHandler = (request: ControlRequest, event: (line: Readonly<Record<string, unknown>>) => void) => Promise<Readonly<Record<string, unknown>>>;

/** The control socket path of `dir`. */
export function controlSocketPath(dir: string): string {
  return join(dir, CONTROL_SOCKET_FILE);
}

/**
 * Serves `handler` on the control socket of `dir` (the caller holds the directory's lock, so a
 * socket file left there by a crashed node is stale and replaced). Returns a closer.
 */
export async function serveControl(dir: string, handler: ControlHandler): Promise<{ close(): Promise<void> }> {
  const path = controlSocketPath(dir);
  if (existsSync(path)) unlinkSync(path);
  const server: Server = createServer((socket) => {
    serveConnection(socket, handler);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        if (existsSync(path)) unlinkSync(path);
      }),
  };
}

function serveConnection(socket: Socket, handler: ControlHandler): void {
  const write = (line: Readonly<Record<string, unknown>>): void => {
    if (!socket.destroyed) socket.write(JSON.stringify(line) + '\n');
  };
  const lines = createInterface({ input: socket });
  lines.once('line', (line) => {
    lines.close();
    let request: ControlRequest;
    try {
      const parsed = JSON.parse(line) as unknown;
      if (typeof parsed !== 'object' || parsed === null || typeof (parsed as { op?: unknown }).op !== 'string') throw new Error('expected {"op":NAME,…}');
      request = parsed as ControlRequest;
    } catch (error) {
      write({ error: permanentError('agent.bad-control', `bad control request: ${(error as Error).message}`).toJSON() });
      socket.end();
      return;
    }
    handler(request, (event) => {
      write(event);
    })
      .then((result) => {
        write({ result });
      })
      .catch((error: unknown) => {
        write({ error: toAuraError(error).toJSON() });
      })
      .finally(() => socket.end());
  });
  socket.on('error', () => undefined); // the client went away: nothing to answer
  lines.on('error', () => undefined); // the same error, seen through the line reader
}

/**
 * Sends `request` to the node serving `dir` and returns its result, calling `onEvent` with each
 * event line; `undefined` when no node serves `dir` (no socket, or nobody listening on it).
 * Errors: the node's error, rebuilt as an {@link AuraError}; `agent.control-closed`.
 */
export function callControl(dir: string, request: ControlRequest, onEvent: (event: Readonly<Record<string, unknown>>) => void = () => undefined): Promise<Readonly<Record<string, unknown>> | undefined> {
  const path = controlSocketPath(dir);
  if (!existsSync(path)) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    let connected = false;
    let settled = false;
    /** Ends the call once: with a result (or `undefined`: no node), or with an error. */
    const settle = (outcome: { readonly result: Readonly<Record<string, unknown>> | undefined } | { readonly error: AuraError }): void => {
      if (settled) return;
      settled = true;
      socket.destroy();
      if ('error' in outcome) reject(outcome.error);
      else resolve(outcome.result);
    };
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // A socket file with nobody listening is left by a node that crashed: there is no node.
      const noNode = !connected && (error.code === 'ECONNREFUSED' || error.code === 'ENOENT');
      settle(noNode ? { result: undefined } : { error: toAuraError(error, 'agent.control-failed') });
    });
    socket.on('connect', () => {
      connected = true;
      socket.write(JSON.stringify(request) + '\n');
      // Lines are read once connected: before that, the socket's errors are the connect's.
      createInterface({ input: socket }).on('line', (line) => {
        answer(line);
      });
    });
    const answer = (line: string): void => {
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(line) as Record<string, unknown>;
      } catch {
        settle({ error: permanentError('agent.control-failed', `the node at ${path} answered something that is not JSON`) });
        return;
      }
      if (message.result !== undefined) settle({ result: message.result as Record<string, unknown> });
      else if (message.error !== undefined) settle({ error: rebuildError(message.error) });
      else onEvent(message);
    };
    socket.on('close', () => {
      settle({ error: permanentError('agent.control-closed', `the node at ${path} closed the connection without an answer`) });
    });
  });
}

function rebuildError(value: unknown): AuraError {
  const json = (typeof value === 'object' && value !== null ? value : {}) as { kind?: unknown; code?: unknown; message?: unknown };
  const kind: ErrorKind = json.kind === 'transient' || json.kind === 'permanent' ? json.kind : 'system';
  return new AuraError(kind, typeof json.code === 'string' ? json.code : 'agent.control-failed', typeof json.message === 'string' ? json.message : 'the node failed');
}
