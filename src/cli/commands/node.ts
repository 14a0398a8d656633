/**
 * `aura node --dir DEVICE_DIR`: the device agent of a device directory (see `device-node.ts`).
 *
 * `aura node --data-dir DIR [--listen ADDR]... [--peer ADDR]...`: a long-running Aura peer. It
 * loads (or creates) its device key in DIR, listens, dials the given peers, prints its peer id,
 * device id and listen addresses, serves `/aura/choreo/1` and gossipsub, and stops cleanly on
 * SIGINT or SIGTERM.
 *
 * It serves choreography sessions: a {@link SessionHost} on the node's transport joins the sessions
 * it is invited to and runs its roles of protocols from `--protocols DIR` (default
 * `examples/choreo/`).
 *
 * With `--json` it speaks JSON lines, for programs and tests: events on stdout (`ready`,
 * `peer-connected`, `message`, `peer-gone`, `log`, `error`, `stopped`, and the session host's
 * `session-invited`, `session-started`, `session-ended`, `session-failed`, `frame-rejected`) and
 * commands on stdin: `{"send":{"to":DEVICE,"channel":NAME,"payload":HEX}}` sends raw bytes, and
 * `{"run":{"source":FILE,"params":{…},"roles":{ROLE:DEVICE,…},"paceMs":N}}` starts a session.
 *
 * With `--journal FILE --namespace ID` it keeps a journal and syncs it with its peers by
 * anti-entropy (`node-sync.ts`, which adds the `append`, `sync` and `digest` commands).
 *
 * @module
 */
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { fromHex, toHex } from '../../core/bytes.ts';
import { isAuraError, permanentError, toAuraError } from '../../core/errors.ts';
import { parseIdentifier } from '../../core/identifiers.ts';
import { formatLogEntry, type NetworkLogEntry } from '../../handlers/network/choreo-transport.ts';
import { loadOrCreateDeviceKey } from '../../handlers/network/device-key-file.ts';
import { DEFAULT_LISTEN } from '../../handlers/network/libp2p-node.ts';
import { peerEntryOfAddress, startNetworkDevice, type NetworkDevice } from '../../handlers/network/network-device.ts';
import { deviceIdOfPeer } from '../../handlers/network/peer-identity.ts';
import { WallClock } from '../../handlers/physical-time.ts';
import { NodeRandom } from '../../handlers/random.ts';
import { SessionHost, type SessionEvent, type SessionSpec } from '../../runtime/session-host.ts';
import { EXAMPLE_PROTOCOLS, protocolLibrary } from '../protocol-library.ts';
import { positiveInteger, untilInterrupted, usageError } from '../device-options.ts';
import { runDeviceNode } from './device-node.ts';
import { nodeSyncConfig, startNodeSync, type NodeSync } from './node-sync.ts';

interface NodeOptions {
  readonly dir?: string;
  readonly passphraseFile?: string;
  readonly authority?: string;
  readonly trace?: string;
  readonly dataDir?: string;
  readonly listen: string[];
  readonly peer: string[];
  readonly livenessMs?: string;
  readonly json?: boolean;
  readonly protocols: string;
  readonly receiveTimeoutMs?: string;
  readonly journal?: string;
  readonly namespace?: string;
  readonly syncIntervalMs?: string;
}

/** Adds the `node` command to `program`. */
export function registerNodeCommand(program: Command): void {
  program
    .command('node')
    .description('run a device (--dir) or a bare peer (--data-dir) over libp2p until SIGINT/SIGTERM')
    .option('--dir <dir>', 'a device directory (from aura init): serve its authority\'s sessions')
    .option('--passphrase-file <file>', 'with --dir: the key store passphrase (else $AURA_PASSPHRASE, else a prompt)')
    .option('--authority <id>', 'with --dir: refuse the directory unless it belongs to this authority')
    .option('--data-dir <dir>', 'a bare peer: where its device key lives (created if missing)')
    .option('--listen <addr>', `multiaddr to listen on, repeatable (default ${DEFAULT_LISTEN})`, collect, [])
    .option('--peer <addr>', 'multiaddr of a peer to dial, ending in /p2p/<peer id>; repeatable', collect, [])
    .option('--liveness-ms <ms>', 'report a peer gone after this long without a frame from it')
    .option('--json', 'JSON lines: events on stdout (and, with --data-dir, commands on stdin)')
    .option('--trace <file>', 'with --dir: write the protocol trace (one JSON object per role event) to FILE')
    .option('--protocols <dir>', 'with --data-dir: directory of the .choreo files this node runs sessions of', EXAMPLE_PROTOCOLS)
    .option('--receive-timeout-ms <ms>', 'bound every receive of a session role')
    .option('--journal <file>', 'with --data-dir: keep the journal of --namespace in this SQLite file and sync it with every peer (node-sync.ts)')
    .option('--namespace <id>', 'with --data-dir: the namespace of --journal (authority-… or context-…)')
    .option('--sync-interval-ms <ms>', 'mean time between periodic journal syncs (default 30000 with --data-dir, 10000 with --dir)')
    .action((options: NodeOptions) => {
      if ((options.dir === undefined) === (options.dataDir === undefined)) throw usageError('give exactly one of --dir DEVICE_DIR and --data-dir DIR');
      if (options.dir !== undefined) return runDeviceNode({ ...options, dir: options.dir });
      return runNode({ ...options, dataDir: options.dataDir! }); // one of the two is given, checked above
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

async function runNode(options: NodeOptions & { readonly dataDir: string }): Promise<void> {
  const emit = options.json === true ? (event: Record<string, unknown>) => void process.stdout.write(JSON.stringify(event) + '\n') : undefined;
  const livenessTimeoutMs = options.livenessMs === undefined ? undefined : positiveInteger(options.livenessMs, '--liveness-ms', 'milliseconds');
  const receiveTimeoutMs = options.receiveTimeoutMs === undefined ? undefined : positiveInteger(options.receiveTimeoutMs, '--receive-timeout-ms', 'milliseconds');
  const syncIntervalMs = options.syncIntervalMs === undefined ? undefined : positiveInteger(options.syncIntervalMs, '--sync-interval-ms', 'milliseconds');
  const peers = options.peer.map(peerEntryOfAddress);
  const journalConfig = nodeSyncConfig({ ...(options.journal === undefined ? {} : { journal: options.journal }), ...(options.namespace === undefined ? {} : { namespace: options.namespace }), ...(syncIntervalMs === undefined ? {} : { syncIntervalMs }), ...(receiveTimeoutMs === undefined ? {} : { receiveTimeoutMs }) });
  const random = new NodeRandom();
  const key = await loadOrCreateDeviceKey(options.dataDir, random);
  const log = (entry: NetworkLogEntry): void => {
    if (emit === undefined) process.stderr.write(formatLogEntry(entry) + '\n');
    else emit({ ...entry, event: 'log', kind: entry.event });
  };
  const device = await startNetworkDevice({
    deviceKey: key.secretKey,
    ...(options.listen.length === 0 ? {} : { listen: options.listen }),
    time: new WallClock(),
    random,
    log,
    ...(livenessTimeoutMs === undefined ? {} : { limits: { livenessTimeoutMs } }),
  });
  const host = new SessionHost({
    channel: device.transport,
    load: protocolLibrary(options.protocols),
    time: new WallClock(),
    random,
    ...(receiveTimeoutMs === undefined ? {} : { receiveTimeoutMs }),
    events: (event) => {
      if (emit === undefined) console.log(formatSessionEvent(event));
      else emit({ ...event });
    },
  });
  device.node.addEventListener('peer:connect', (event) => {
    emit?.({ event: 'peer-connected', peer: event.detail.toString(), device: deviceIdOfPeer(event.detail) });
  });
  device.transport.onMessage((message) => {
    emit?.({ event: 'message', from: message.from, channel: message.channel, payload: toHex(message.payload) });
  });
  device.transport.onPeerGone((gone) => {
    if (emit === undefined) console.log(`peer gone: ${gone.device}: ${gone.reason}`);
    else emit({ event: 'peer-gone', device: gone.device, reason: gone.reason, undelivered: gone.undelivered });
  });
  const journal = journalConfig === undefined ? undefined : startNodeSync(journalConfig, { device, transport: host.transport, deviceSecretKey: key.secretKey, random, emit });
  const addresses = device.addresses().map(String);
  if (emit === undefined) {
    console.log(`peer id   ${device.node.peerId.toString()}\ndevice    ${device.device}${key.created ? `\nkey       created ${key.path} (mode 0600, not encrypted at rest)` : ''}`);
    for (const address of addresses) console.log(`listening ${address}`);
  } else {
    emit({ event: 'ready', peerId: device.node.peerId.toString(), device: device.device, addresses, keyCreated: key.created });
  }
  for (const entry of peers) {
    device.directory.register(entry);
    device.node.dial(entry.addresses[0]!).catch((error: unknown) => { // peerEntryOfAddress gives one address
      const failure = toAuraError(error, 'network.dial-failed');
      log({ event: 'dial-failed', code: failure.code, message: failure.message, peer: entry.peer.toString(), device: entry.device });
    });
  }
  const commands = emit === undefined ? undefined : serveCommands(device, host, journal, emit);
  await untilInterrupted();
  commands?.close();
  await journal?.close();
  host.close();
  await device.stop();
  if (emit === undefined) console.log('stopped');
  else emit({ event: 'stopped' });
}

/** Reads JSON-line commands from stdin; returns the reader so shutdown can close it. */
function serveCommands(device: NetworkDevice, host: SessionHost, journal: NodeSync | undefined, emit: (event: Record<string, unknown>) => void): { close(): void } {
  const lines = createInterface({ input: process.stdin });
  const failed = (error: unknown): void => {
    emit({ event: 'error', ...toAuraError(error).toJSON() });
  };
  lines.on('line', (line) => {
    if (line.trim() === '') return;
    try {
      const command = JSON.parse(line) as { send?: { to?: unknown; channel?: unknown; payload?: unknown }; run?: unknown };
      if (journal?.command(command) === true) return;
      if (command.run !== undefined) {
        // The host reports the outcome as session events; a failure before the session exists is an error event.
        host.start(sessionSpec(command.run)).catch((error: unknown) => {
          if (!isAuraError(error) || !error.code.startsWith('session.')) failed(error);
        });
        return;
      }
      const send = command.send;
      if (send === undefined || typeof send.to !== 'string' || typeof send.channel !== 'string' || typeof send.payload !== 'string') {
        throw permanentError('cli.bad-command', 'expected {"send":{"to":DEVICE,"channel":NAME,"payload":HEX}} or {"run":{"source":FILE,"roles":{ROLE:DEVICE},…}}');
      }
      device.transport.send(parseIdentifier('device', send.to), send.channel, fromHex(send.payload)).catch(failed);
    } catch (error) {
      emit({ event: 'error', ...toAuraError(error, 'cli.bad-command').toJSON() });
    }
  });
  return {
    close: () => {
      lines.close();
    },
  };
}

/** The session spec of a `run` command. Error: `cli.bad-command`. */
function sessionSpec(run: unknown): SessionSpec {
  const bad = (): never => {
    throw permanentError('cli.bad-command', 'expected {"run":{"source":FILE,"params":{NAME:N},"roles":{ROLE:DEVICE},"paceMs":N}}');
  };
  if (typeof run !== 'object' || run === null) return bad();
  const { source, params, roles, paceMs } = run as Record<string, unknown>;
  if (typeof source !== 'string' || typeof roles !== 'object' || roles === null) return bad();
  if (params !== undefined && (typeof params !== 'object' || params === null)) return bad();
  if (paceMs !== undefined && typeof paceMs !== 'number') return bad();
  const devices = Object.fromEntries(Object.entries(roles).map(([role, device]) => [role, parseIdentifier('device', typeof device === 'string' ? device : bad())]));
  return { source, roles: devices, ...(params === undefined ? {} : { params: params as Record<string, number> }), ...(paceMs === undefined ? {} : { paceMs }) };
}

/** One line of text for a session event. */
function formatSessionEvent(event: SessionEvent): string {
  switch (event.event) {
    case 'session-invited':
      return `session ${event.session}: invited by ${event.from} to ${event.protocol}`;
    case 'session-started':
      return `session ${event.session}: started, playing ${event.roles.join(', ')}`;
    case 'session-ended':
      return `session ${event.session}: ended (${event.roles.map((role) => `${role.role} ${role.messages} messages`).join(', ')})`;
    case 'session-failed':
      return `session ${event.session}: failed: error[${event.code}]: ${event.message}`;
    case 'frame-rejected':
      return `frame rejected from ${event.device} on ${event.channel}: error[${event.code}]: ${event.message}`;
  }
}
