/**
 * How a command reaches a device: through the control socket of the device's running node
 * (`aura node --dir`), or, when no node runs, by opening the directory (passphrase, lock) and,
 * if the command needs the network, starting the device agent in this process for the command's
 * duration. Either way the device is on the network at most once.
 *
 * @module
 */
import type { PhysicalTimeEffects } from '../core/effects.ts';
import { BackgroundClock } from '../agent/background-clock.ts';
import { NodeRandom } from '../handlers/random.ts';
import type { RoleObserver } from '../runtime/role-event.ts';
import { callControl, type ControlRequest } from '../agent/control-socket.ts';
import { DeviceAgent, type AgentEvent } from '../agent/device-agent.ts';
import { openDeviceDir, type OpenDevice } from '../agent/device-dir.ts';
import { openOptions, passphraseFor, type DeviceCommandOptions } from './device-options.ts';

/** Where an in-process agent listens: any free loopback port (the configured one may be in use). */
const EPHEMERAL_LISTEN = '/ip4/127.0.0.1/tcp/0';

/** A device opened in this process, with its agent on the network. */
export interface LocalAgent {
  /** The open directory. */
  readonly device: OpenDevice;
  /** The agent. */
  readonly agent: DeviceAgent;
}

/** How to run one operation on a device. */
export interface DeviceOperation<T> {
  /** The request for a running node. */
  readonly remote: ControlRequest;
  /** Turns the node's result into the operation's. */
  readonly decode: (result: Readonly<Record<string, unknown>>) => T;
  /** Runs the operation in this process on the started agent. */
  readonly local: (local: LocalAgent) => Promise<T>;
  /** How long the local agent waits for the other members to connect (ms). */
  readonly connectMs: number;
  /** Where progress events go. */
  readonly events?: (event: Readonly<Record<string, unknown>>) => void;
  /** Watches the roles the local agent plays. */
  readonly observer?: RoleObserver;
}

/** Runs `operation` on the device of `options.dir` (see the module comment). */
export async function runOnDevice<T>(options: DeviceCommandOptions, operation: DeviceOperation<T>): Promise<T> {
  const remote = await callControl(options.dir, operation.remote, operation.events);
  if (remote !== undefined) return operation.decode(remote);
  const random = new NodeRandom();
  const time: PhysicalTimeEffects = new BackgroundClock();
  const device = await openDeviceDir(options.dir, await passphraseFor(options, options.dir), random, openOptions(options));
  try {
    const agent = await DeviceAgent.start({
      device,
      random,
      time,
      listen: [EPHEMERAL_LISTEN],
      events: (event: AgentEvent) => operation.events?.(event),
      ...(operation.observer === undefined ? {} : { observer: operation.observer }),
    });
    try {
      await agent.connect(operation.connectMs);
      return await operation.local({ device, agent });
    } finally {
      await agent.stop();
    }
  } finally {
    await device.close();
  }
}

/** The line `aura node --dir` prints for `event`: its JSON with `--json` (for programs), else {@link formatAgentEvent}'s text. */
export function nodeEventLine(event: Readonly<Record<string, unknown>>, json: boolean): string {
  return json ? JSON.stringify(event) : formatAgentEvent(event);
}

/** One line of text for an agent event. */
export function formatAgentEvent(event: Readonly<Record<string, unknown>>): string {
  const e = event as AgentEvent | { readonly event: 'stopped' };
  switch (e.event) {
    case 'ready':
      return `listening ${e.addresses.join(' ')}`;
    case 'peer-online':
      return `${e.name} is online`;
    case 'peer-offline':
      return `${e.name} went offline`;
    case 'request-sent':
      return `asked ${e.to.join(', ')} to ${e.op}`;
    case 'accepted':
      return `${e.by} accepted`;
    case 'round':
      return `round ${e.label}: ${e.from} answered`;
    case 'signed':
      return `signed with ${e.signers.join(', ')}`;
    case 'served':
      return `took part in a ${e.op} session for ${e.for}`;
    case 'declined':
      return `declined a request from ${e.for}: ${e.reason}`;
    case 'derived':
      return `derived the key of ${JSON.stringify(e.context)} with ${e.members.join(', ')}`;
    case 'synced':
      return `synced with ${e.peer}: ${e.outcome}, sent ${e.sent}, received ${e.added}${e.rejected > 0 ? `, refused ${e.rejected}` : ''}`;
    case 'sync-failed':
      return `sync with ${e.peer} failed: error[${e.code}]: ${e.message}`;
    case 'failed':
      return `session ${e.session} failed: error[${e.code}]: ${e.message}`;
    case 'guardians-added':
      return `guardians ${e.guardians.join(', ')} set up`;
    case 'guardian-joined':
      return `now a guardian of ${e.authority} (with ${e.guardians - 1} other guardians)`;
    case 'recovery-requested':
      return `recovery request ${e.request} for ${e.authority} from new device ${e.newDevice}: approve with "aura recovery approve --request ${e.request}"`;
    case 'recovery-disputed':
      return `the owner disputed recovery request ${e.request}`;
    case 'recovery-cooldown':
      return `recovery ${e.request.slice(0, 16)}: cooldown until ${e.endsAt}`;
    case 'recovery-completed':
      return `recovery ${e.request.slice(0, 16)} completed: ${e.newDevice} holds a share of ${e.authority}`;
    case 'recovery-failed':
      // A guardian's failure outside a recovery (in a device change or guardian setup) names no request.
      if (e.request === '') return `as a guardian of ${e.authority}: error[${e.code}]: ${e.message}`;
      return `recovery ${e.request.slice(0, 16)} of ${e.authority} ended: error[${e.code}]: ${e.message}`;
    case 'recovery-tree-unchanged':
      return `recovery ${e.request.slice(0, 16)}: this device keeps its new share, but the tree change was not signed: error[${e.code}]: ${e.message}`;
    case 'membership-changed':
      return `devices changed: now ${e.members.join(', ')}, ${e.threshold} of ${e.members.length} sign, epoch ${e.epoch}`;
    case 'removed':
      return `this device was removed from its authority at epoch ${e.epoch} and destroyed its share`;
    case 'guardianship-changed':
      return `the devices of ${e.authority} changed: this guardian holds a fresh recovery share (${e.owners} devices, epoch ${e.epoch})`;
    case 'stopped':
      return 'stopped';
    default:
      return unformatted(e);
  }
}

/**
 * The line of an event this version does not know (a newer node's, through the control socket):
 * its JSON. Its parameter is `never`, so an event of {@link AgentEvent} left out above fails to compile.
 */
function unformatted(event: never): string {
  return JSON.stringify(event);
}
