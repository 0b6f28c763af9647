/**
 * Binds one pure protocol role to an actor: protocol frames in (decoded from a copy, since the
 * role keeps what it is given, unless the bytes are the frame's own), ticks in, and after each batch the role's ready(): persist first,
 * then the messages, each to one actor or to the ring's group. No protocol logic lives here.
 */
import { decode, encodedSize, encodeInto, peekMessageType } from '../src/codec/index.ts';
import type { Message, MessageType } from '../src/protocol/messages.ts';
import type { DropCounters, Persist, Role } from '../src/protocol/ready.ts';
import type { ValueRun } from '../src/protocol/runs.ts';
import type { ActorBehavior, ActorContext } from '../runtime/actor/actor.ts';
import { FrameKind } from '../runtime/host/envelope.ts';

export interface RoleHooks<D> {
  /** Make `persist` durable; called before any message of the same ready() is sent. */
  persist?(p: Persist): void;
  delivered?(items: readonly D[]): void;
  /** Frames of other kinds than protocol messages. */
  onOtherFrame?(kind: number, src: number, bytes: Uint8Array, offset: number, length: number): void;
  status?(): Record<string, unknown>;
  /** Message types the role ignores: their frames are skipped without being copied or decoded. */
  ignored?: ReadonlySet<MessageType>;
  /** Each message, before the role steps on it. */
  seen?: ((msg: Message) => void) | undefined;
  /**
   * The role keeps what it is given long after the step (an acceptor's votes, until trimmed): its
   * frames are copied into the run pool even when their bytes are their own. A frame's own bytes
   * are a datagram's buffer from node:dgram; views kept for seconds keep whole datagrams alive
   * past the young generation, and their memory, freed only by full collections, was given back to
   * the kernel and faulted in again for new datagrams (README, Benchmarks: the actor-thread gateway).
   */
  keepsLong?: boolean;
}

const ENCODE_OPTS = { checksum: false } as const;

export function bindRole<D>(ctx: ActorContext, ring: number, role: Role<Message, D> & { drops: DropCounters }, hooks: RoleHooks<D> = {}): ActorBehavior {
  let decodeErrors = 0;
  const ignored = hooks.ignored;
  const copyAlways = hooks.keepsLong === true;
  // One writer for every message: the post office calls it at once, while `encoding` is set.
  let encoding: Message | null = null;
  const write = (bytes: Uint8Array, offset: number): number => encodeInto(encoding as Message, bytes, offset, ENCODE_OPTS);
  const size = (): number => encodedSize(encoding as Message);
  // An actor on the same thread gets the message object itself: no encoding, no copy.
  const send = (to: number | 'group', msg: Message): void => {
    if (to !== 'group' && ctx.sendObject(to, msg)) return;
    encoding = msg;
    if (to === 'group') ctx.sendGroupObject(ring, msg, FrameKind.PROTOCOL, size, write);
    else ctx.sendFrame(to, FrameKind.PROTOCOL, size(), write);
    encoding = null;
  };
  const markRun = (mark: (bytes: Uint8Array) => void): ((r: ValueRun) => void) => (r) => mark(r.packed);
  return {
    onFrame(kind, src, _ring, bytes, offset, length, stable) {
      if (kind !== FrameKind.PROTOCOL) return hooks.onOtherFrame?.(kind, src, bytes, offset, length);
      if (ignored !== undefined) {
        const type = peekMessageType(bytes, offset, length);
        if (type !== null && ignored.has(type)) return;
      }
      // The decoded message keeps views into its bytes (its runs): a copy from the thread's run
      // pool, unless they are the frame's own and the role lets go of them soon.
      const r = stable === true && !copyAlways ? decode(bytes, offset, length) : decode(ctx.poolCopy(bytes, offset, offset + length), 0, length);
      if (!r.ok) {
        decodeErrors++;
        return;
      }
      hooks.seen?.(r.msg);
      role.step(r.msg);
    },
    onObject(_src, msg) {
      if (ignored !== undefined && ignored.has((msg as Message).type)) return;
      hooks.seen?.(msg as Message);
      role.step(msg as Message);
    },
    onTick() {
      role.tick();
    },
    flush() {
      if (!role.hasReady()) return;
      const r = role.ready();
      if (r.persist !== null) hooks.persist?.(r.persist);
      for (const out of r.messages) send(out.to, out.msg);
      if (r.delivered.length > 0) hooks.delivered?.(r.delivered);
    },
    forEachHeldBytes(mark) {
      role.forEachHeldRun(markRun(mark));
    },
    status() {
      return { ...(hooks.status?.() ?? {}), dropped: role.drops.total, drops: role.drops.toJSON(), decodeErrors };
    },
  };
}
