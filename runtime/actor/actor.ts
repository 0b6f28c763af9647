/**
 * What an actor is to the thread that hosts it. The host hands each frame addressed to the actor
 * to `onFrame`, calls `onTick` every tick, `flush` after each batch of frames (so output is
 * batched too), `onTimer` for the timers it set, and `stop` before it goes away.
 */
import type { PayloadWriter } from '../host/post-office.ts';

export interface ActorContext {
  readonly address: number;
  readonly name: string;
  /** Milliseconds on a clock shared by every thread of the process (performance.timeOrigin based). */
  nowMs(): number;
  /** Sends a frame of `kind` with a payload of at most `size` bytes written by `write`. */
  /**
   * `aligned`: `write` aligns its bulk copies to the buffer it is handed (see PostOffice.compose),
   * so it may be handed the mailbox's own memory, skipping a copy.
   */
  sendFrame(to: number, kind: number, size: number, write: PayloadWriter, aligned?: boolean): boolean;
  /** Sends one frame to every member of a ring's multicast group (but the sender). */
  sendGroup(ring: number, kind: number, size: number, write: PayloadWriter): void;
  /** Sends a user message (msgpack) to another actor. */
  send(to: number, msg: unknown): boolean;
  /**
   * Hands `msg` itself to an actor on the same thread (no encoding); false when `to` is on another
   * thread, and the caller must send a frame. The receiver keeps the object: never mutate it.
   */
  sendObject(to: number, msg: unknown): boolean;
  /** Like sendGroup, but members on this thread get `msg` itself and other threads get the frame. */
  /** `size` is asked for only when some member is on another thread and the frame must be written. */
  sendGroupObject(ring: number, msg: unknown, kind: number, size: () => number, write: PayloadWriter): void;
  /**
   * A copy of `bytes[from, to)` in this thread's run pool (src/protocol/run-pool.ts), for bytes
   * that travel between the actors of the thread as objects and live a while, like value runs.
   * Their memory is reused once no actor of the thread reports them from forEachHeldBytes:
   * whoever keeps them (or a message holding them) must report them there.
   */
  poolCopy(bytes: Uint8Array, from: number, to: number): Uint8Array;
  /**
   * Tells the node's UDP gateway whether this actor needs its ring's values (Phase 2A) from the
   * network; the gateway listens to the ring's multicast group only while some actor does. A
   * no-op in a node without a gateway. Role actors call it; other actors have no use for it.
   */
  wantValues(on: boolean): void;
  /** Whether `address` is an actor of this process (on any of its threads). */
  isLocal(address: number): boolean;
  setTimer(name: string, delayMs: number, repeat?: boolean): void;
  cancelTimer(name: string): void;
  log(line: string): void;
}

export interface ActorBehavior {
  /**
   * One frame; the payload view is valid only during the call: copy what you keep. Unless
   * `stable`: then the bytes are the frame's own (a datagram's buffer, that nothing reuses) and
   * views into them may be kept.
   */
  onFrame(kind: number, src: number, ring: number, bytes: Uint8Array, offset: number, length: number, stable?: boolean): void;
  /** An object from an actor on the same thread (see ActorContext.sendObject). */
  onObject?(src: number, msg: unknown): void;
  onTick?(nowMs: number): void;
  flush?(): void;
  onTimer?(name: string): void;
  stop?(): void;
  /**
   * Calls `mark` with every byte array from ctx.poolCopy that the actor holds (its own, or ones in
   * objects other actors handed it). The thread calls it between batches, never during a call.
   */
  forEachHeldBytes?(mark: (bytes: Uint8Array) => void): void;
  /** A small status object for `ringcast status` and the API. */
  status?(): Record<string, unknown>;
}

/** A module that can be spawned as an actor exports one of these (as default, or by name). */
export interface ActorModule {
  readonly kind: 'ringcast-actor';
  create(ctx: ActorContext, args: unknown): ActorBehavior | Promise<ActorBehavior>;
}

export function isActorModule(x: unknown): x is ActorModule {
  return typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'ringcast-actor' && typeof (x as { create?: unknown }).create === 'function';
}
