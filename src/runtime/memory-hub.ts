/**
 * Routing shared by the in-memory transports: per session, one mailbox per role; items sent to a
 * role that has not opened yet are held, items for a closed mailbox are dropped. Delivery is
 * synchronous, so order per ordered pair is the order of the sends.
 *
 * @module
 */
import type { RoleName } from '../choreo/local-type.ts';
import { permanentError } from '../core/errors.ts';
import type { SessionId } from '../core/identifiers.ts';

/** Where a hub delivers the items of one mailbox. */
export type HubSink<T> = (item: T) => void;

/** One role's endpoint in one session of a {@link MemoryHub}. */
export interface HubPort<T> {
  /** Delivers `item` to `to` in this session (or holds it until `to` opens). */
  send(to: RoleName, item: T): void;
  /** Closes this mailbox: later items for it are dropped. */
  close(): void;
}

interface Mailbox<T> {
  sink: HubSink<T> | null;
  held: T[];
  closed: boolean;
}

/** Mailboxes of many concurrent sessions, in one process. */
export class MemoryHub<T> {
  private readonly sessions = new Map<SessionId, Map<RoleName, Mailbox<T>>>();

  /** Opens `role`'s mailbox in `session`, delivering anything held for it to `sink` first. */
  open(session: SessionId, role: RoleName, sink: HubSink<T>): HubPort<T> {
    const boxes = this.sessionBoxes(session);
    const box = mailbox(boxes, role);
    if (box.sink !== null || box.closed) throw permanentError('transport.already-open', `role ${role} already opened session ${session}`, { context: { session, role } });
    box.sink = sink;
    const held = box.held;
    box.held = [];
    for (const item of held) sink(item);
    return new MemoryHubPort(boxes, box, () => {
      this.sessions.delete(session);
    });
  }

  /** How many sessions have an open or waiting mailbox (closed sessions are forgotten). */
  get sessionCount(): number {
    return this.sessions.size;
  }

  private sessionBoxes(session: SessionId): Map<RoleName, Mailbox<T>> {
    let boxes = this.sessions.get(session);
    if (boxes === undefined) {
      boxes = new Map();
      this.sessions.set(session, boxes);
    }
    return boxes;
  }
}

/** A port of a {@link MemoryHub}: a class rather than closures, since one is made per role and session. */
class MemoryHubPort<T> implements HubPort<T> {
  constructor(
    private readonly boxes: Map<RoleName, Mailbox<T>>,
    private readonly box: Mailbox<T>,
    private readonly forget: () => void,
  ) {}

  send(to: RoleName, item: T): void {
    const target = mailbox(this.boxes, to);
    if (target.sink !== null) target.sink(item);
    else if (!target.closed) target.held.push(item);
  }

  close(): void {
    this.box.sink = null;
    this.box.closed = true;
    this.box.held = [];
    for (const other of this.boxes.values()) if (!other.closed) return;
    this.forget();
  }
}

function mailbox<T>(boxes: Map<RoleName, Mailbox<T>>, role: RoleName): Mailbox<T> {
  let box = boxes.get(role);
  if (box === undefined) {
    box = { sink: null, held: [], closed: false };
    boxes.set(role, box);
  }
  return box;
}
