/**
 * Broadcast: announcements many peers need (sync offers, rendezvous), published on gossipsub
 * topics (https://github.com/libp2p/specs/blob/master/pubsub/gossipsub/gossipsub-v1.1.md) behind
 * a small interface, so callers never see libp2p. Messages are signed by the publishing peer
 * (gossipsub's StrictSign policy); the sender is reported as the device derived from, or bound
 * to, that key.
 *
 * @module
 */
import type { GossipSub, Message } from '@libp2p/gossipsub';
import { permanentError } from '../../core/errors.ts';
import type { DeviceId } from '../../core/identifiers.ts';
import type { PeerDirectory } from './peer-directory.ts';
import { deviceIdOfPeer } from './peer-identity.ts';

/** A message received on a topic. */
export interface Announcement {
  /** The topic. */
  readonly topic: string;
  /** The publishing device, when its key maps to one. */
  readonly from: DeviceId | undefined;
  /** The bytes published. */
  readonly data: Uint8Array;
}

/** Publish/subscribe on named topics. */
export interface Broadcast {
  /** Publishes `data` on `topic`; resolves with how many peers it was sent to directly. */
  publish(topic: string, data: Uint8Array): Promise<number>;
  /** Calls `handler` for every message on `topic` from another peer; returns an unsubscribe. */
  subscribe(topic: string, handler: (announcement: Announcement) => void): () => void;
}

/** The largest announcement accepted for publishing (gossipsub's own default limit is 1 MiB). */
export const MAX_ANNOUNCEMENT_BYTES = 64 << 10;

/** {@link Broadcast} over a libp2p gossipsub service. */
export class GossipBroadcast implements Broadcast {
  private readonly handlers = new Map<string, Set<(announcement: Announcement) => void>>();

  constructor(
    private readonly pubsub: GossipSub,
    private readonly directory: PeerDirectory,
  ) {
    pubsub.addEventListener('message', (event) => { this.dispatch(event.detail); });
  }

  async publish(topic: string, data: Uint8Array): Promise<number> {
    checkTopic(topic);
    if (data.length > MAX_ANNOUNCEMENT_BYTES) throw permanentError('network.announcement-too-large', `an announcement has at most ${MAX_ANNOUNCEMENT_BYTES} bytes, got ${data.length}`);
    const result = await this.pubsub.publish(topic, data);
    return result.recipients.length;
  }

  subscribe(topic: string, handler: (announcement: Announcement) => void): () => void {
    checkTopic(topic);
    let set = this.handlers.get(topic);
    if (set === undefined) {
      set = new Set();
      this.handlers.set(topic, set);
      this.pubsub.subscribe(topic);
    }
    set.add(handler);
    return () => {
      const current = this.handlers.get(topic);
      if (current === undefined || !current.delete(handler) || current.size > 0) return;
      this.handlers.delete(topic);
      this.pubsub.unsubscribe(topic);
    };
  }

  private dispatch(message: Message): void {
    const handlers = this.handlers.get(message.topic);
    if (handlers === undefined) return;
    const from = message.type === 'signed' ? (this.directory.peer(message.from)?.device ?? deviceIdOfPeer(message.from)) : undefined;
    for (const handler of handlers) handler({ topic: message.topic, from, data: message.data });
  }
}

function checkTopic(topic: string): void {
  if (topic.length === 0 || topic.length > 200) throw permanentError('network.bad-topic', `a topic name has 1 to 200 characters, got ${topic.length}`);
}
