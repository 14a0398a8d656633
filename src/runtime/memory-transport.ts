/**
 * The in-memory {@link Transport}: frame objects are handed to the receiving role as they are,
 * without copying or serializing, FIFO per ordered pair, many sessions multiplexed. This is the
 * transport of tests, of the in-process runner and of the throughput benchmark.
 *
 * @module
 */
import type { RoleName } from '../choreo/local-type.ts';
import type { SessionId } from '../core/identifiers.ts';
import type { Frame } from './frame.ts';
import { MemoryHub, type HubPort } from './memory-hub.ts';
import type { Port, Receiver, Transport } from './transport.ts';

/** One role's port: hands each frame to the hub as it is. */
class MemoryPort implements Port {
  constructor(private readonly port: HubPort<Frame>) {}

  send(frame: Frame): undefined {
    this.port.send(frame.to, frame);
    return undefined;
  }

  close(): void {
    this.port.close();
  }
}

/** Frames between roles in one process, handed over as objects. */
export class MemoryTransport implements Transport {
  private readonly hub = new MemoryHub<Frame>();

  open(session: SessionId, role: RoleName, receiver: Receiver): Port {
    return new MemoryPort(this.hub.open(session, role, receiver.deliver.bind(receiver)));
  }

  /** How many sessions still have an open or waiting endpoint. */
  get sessionCount(): number {
    return this.hub.sessionCount;
  }
}
