/**
 * `aura node --dir DEVICE_DIR`: the device agent as a long-lived process. It opens the device
 * directory (passphrase, lock), starts the device on its configured address, keeps the other
 * members connected, serves the sessions they start under the configured approval policy, and
 * answers local commands on its control socket (`status`, `journal`, `sign`, `derive`, `sync`,
 * `device-add`, `device-remove`, `guardian-add`, `recovery-approve`, `recovery-dispute`,
 * `recovery-status`); as a guardian it also answers guardian setup and recovery requests
 * (`src/agent/guardian-desk.ts`);
 * it syncs its journal with the other members every `--sync-interval-ms` (default 10 s). It stops cleanly on
 * SIGINT or SIGTERM: sessions under way fail at their peers (peer gone), the journal is closed
 * and the lock released.
 *
 * With `--json` it prints one JSON object per line: the agent's events (`ready`, `peer-online`,
 * `served`, `failed`, …) and `stopped`. `ready` (in text, the `listening …` line) comes once the
 * control socket accepts connections and the device is on the network, so a script may run a
 * command as soon as it sees it.
 *
 * Source: issue 11 item 2 (`aura node --dir`).
 *
 * @module
 */
import { fromHex, toHex } from '../../core/bytes.ts';
import { permanentError } from '../../core/errors.ts';
import { BackgroundClock } from '../../agent/background-clock.ts';
import { NodeRandom } from '../../handlers/random.ts';
import { serveControl, type ControlHandler } from '../../agent/control-socket.ts';
import { DeviceAgent, type AgentEvent } from '../../agent/device-agent.ts';
import { openDeviceDir } from '../../agent/device-dir.ts';
import { deviceStatus, journalEntries } from '../../agent/device-report.ts';
import { nodeEventLine } from '../device-access.ts';
import { deriveResult } from './derive.ts';
import { guardianAddResult, guardianContactsOf } from './guardian.ts';
import { changeOfControl, changeResultJson } from './device.ts';
import { openOptions, passphraseFor, positiveInteger, TraceFile, untilInterrupted, type DeviceCommandOptions } from '../device-options.ts';

/** Options of `aura node --dir`. */
export interface DeviceNodeOptions extends DeviceCommandOptions {
  /** Listen addresses overriding the configured one. */
  readonly listen: readonly string[];
  /** Bound of each protocol receive. */
  readonly receiveTimeoutMs?: string;
  /** Mean time between periodic journal syncs. */
  readonly syncIntervalMs?: string;
}

/** Mean time between a device node's periodic journal syncs with the other members, in ms. */
export const DEVICE_SYNC_INTERVAL_MS = 10_000;

/** Runs the device agent of `options.dir` until SIGINT/SIGTERM. */
export async function runDeviceNode(options: DeviceNodeOptions): Promise<void> {
  const print = (event: Readonly<Record<string, unknown>>): void => {
    console.log(nodeEventLine(event, options.json === true));
  };
  const receiveTimeoutMs = options.receiveTimeoutMs === undefined ? undefined : positiveInteger(options.receiveTimeoutMs, '--receive-timeout-ms', 'milliseconds');
  const syncIntervalMs = options.syncIntervalMs === undefined ? DEVICE_SYNC_INTERVAL_MS : positiveInteger(options.syncIntervalMs, '--sync-interval-ms', 'milliseconds');
  const random = new NodeRandom();
  const device = await openDeviceDir(options.dir, await passphraseFor(options, options.dir), random, openOptions(options));
  const trace = new TraceFile(options.trace);
  // The control socket listens before the agent starts, so that "ready" (the agent's first event)
  // means everything is up: a command run as soon as a script sees it reaches this node. A request
  // that arrives while the agent is still starting waits for it.
  let starting: Promise<DeviceAgent> | undefined;
  try {
    const control = await serveControl(options.dir, async (request, event) => {
      // Assigned before any connection can be served: the listen resolves before the next line runs.
      const running = await starting!;
      return controlHandler(running)(request, event);
    });
    let agent: DeviceAgent | undefined;
    try {
      starting = DeviceAgent.start({
        device,
        random,
        time: new BackgroundClock(),
        ...(options.listen.length === 0 ? {} : { listen: options.listen }),
        events: (event: AgentEvent) => {
          print(event);
        },
        ...(receiveTimeoutMs === undefined ? {} : { receiveTimeoutMs }),
        syncIntervalMs,
        ...(trace.observer === undefined ? {} : { observer: trace.observer }),
      });
      agent = await starting;
      if (options.json !== true) console.log(`device ${device.config.device} of authority ${device.config.authority} is up; Ctrl-C stops it`);
      agent.keepConnected();
      await untilInterrupted();
    } finally {
      await control.close();
      await agent?.stop();
    }
  } finally {
    await device.close();
    trace.write();
  }
  print({ event: 'stopped' });
}

/** What the node answers on its control socket. */
function controlHandler(agent: DeviceAgent): ControlHandler {
  return async (request, event) => {
    // The agent's device changes with the membership (config, share): read it at each request.
    const device = agent.device;
    switch (request.op) {
      case 'status':
        return { ...(await deviceStatus(device.config, device.journal, new Set(agent.onlineMembers().map((m) => m.device)))), lastSync: agent.lastSync === null ? null : new Date(agent.lastSync).toISOString() };
      case 'journal': {
        const type = typeof request.type === 'string' ? request.type : undefined;
        const limit = typeof request.limit === 'number' ? request.limit : undefined;
        return { entries: await journalEntries(device.config, device.journal, { ...(type === undefined ? {} : { type }), ...(limit === undefined ? {} : { limit }) }) };
      }
      case 'sign': {
        if (typeof request.message !== 'string') throw permanentError('agent.bad-control', 'sign needs {"message":HEX}');
        const stop = agent.subscribe(event);
        try {
          const signed = await agent.sign(fromHex(request.message));
          return { signature: toHex(signed.signature), signers: signed.signers.map((m) => m.name), groupKey: toHex(device.config.groupKey), fact: signed.fact };
        } finally {
          stop();
        }
      }
      case 'sync': {
        const stop = agent.subscribe(event);
        try {
          return { results: await agent.syncNow() };
        } finally {
          stop();
        }
      }
      case 'derive': {
        if (typeof request.context !== 'string' || typeof request.app !== 'string') throw permanentError('agent.bad-control', 'derive needs {"context":TEXT,"app":TEXT}');
        const stop = agent.subscribe(event);
        try {
          return deriveResult(await agent.derive(request.context, request.app));
        } finally {
          stop();
        }
      }
      case 'device-add':
      case 'device-remove': {
        const change = changeOfControl(request);
        const stop = agent.subscribe(event);
        try {
          return { ...changeResultJson(await agent.changeMembership(change)) };
        } finally {
          stop();
        }
      }
      case 'guardian-add': {
        if (typeof request.cooldownMs !== 'number' || !Number.isSafeInteger(request.cooldownMs) || request.cooldownMs < 0) throw permanentError('agent.bad-control', 'guardian-add needs {"guardians":[…],"cooldownMs":MS}');
        const guardians = guardianContactsOf(request.guardians);
        const stop = agent.subscribe(event);
        try {
          return { ...guardianAddResult(await agent.addGuardians(guardians, request.cooldownMs)) };
        } finally {
          stop();
        }
      }
      case 'recovery-approve':
        if (typeof request.request !== 'string') throw permanentError('agent.bad-control', 'recovery-approve needs {"request":HEX}');
        return { requests: [await agent.desk.approve(request.request)] };
      case 'recovery-dispute':
        if (typeof request.request !== 'string') throw permanentError('agent.bad-control', 'recovery-dispute needs {"request":HEX}');
        return { deliveries: await agent.desk.dispute(request.request) };
      case 'recovery-status':
        return { requests: await agent.desk.status(typeof request.request === 'string' ? request.request : undefined) };
      default:
        throw permanentError('agent.bad-control', `unknown control operation "${request.op}"`);
    }
  };
}
