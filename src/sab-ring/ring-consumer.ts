/**
 * The consumer endpoint of one reader slot, shared by both ring kinds.
 *
 * drain() reads the published tail once, hands every frame up to it to a callback as
 * (bytes, offset, lengthBytes) over one Uint8Array created at construction, then publishes its
 * cursor once: one wake-up, every available frame, no allocation. A frame's bytes stay valid only
 * until it is released, which drain() does when it returns: copy what must outlive the callback.
 */
import { FRAME_HEADER_BYTES, PADDING_MARKER, frameBytesOf } from './frame-format.ts';
import { RingEndpoint } from './ring-endpoint.ts';
import { RingEndpointTakenError, RingReaderDetachedError, RingStateError } from './ring-errors.ts';
import {
  SlotState,
  W_DATA_SEQ,
  W_DATA_SLEEPERS,
  W_PRODUCER_SLEEPERS,
  W_TAIL,
  slotCursorWord,
  slotGenerationWord,
  slotOpenWord,
  slotStateWord,
  type RingGeometry,
} from './ring-layout.ts';
import type { EndpointConfig } from './ring-options.ts';
import { unregisterReaderSlot, wakeProducer } from './reader-slots.ts';
import { Waiter, type WaitTarget } from './wait-strategy.ts';

/** Receives one frame: its payload is `bytes[offset, offset + lengthBytes)`, valid during the call. */
export type FrameHandler = (bytes: Uint8Array, offset: number, lengthBytes: number) => void;

/** CLOSED is final; DRAINING refuses a nested drain() from inside onFrame. */
const DrainState = { IDLE: 0, DRAINING: 1, CLOSED: 2 } as const;
type DrainState = (typeof DrainState)[keyof typeof DrainState];

export interface ConsumerPlacement {
  readonly readerSlot: number;
  /** Broadcast readers unregister their slot on close(); an SPSC consumer keeps it for its successor. */
  readonly detachOnClose: boolean;
}

export class RingConsumer extends RingEndpoint implements WaitTarget {
  readonly readerSlot: number;
  readonly wakeWord = W_DATA_SEQ;
  readonly sleepersWord = W_DATA_SLEEPERS;

  private readonly cursorWord: number;
  private readonly generation: number;
  private readonly detachOnClose: boolean;
  private readonly waiter: Waiter;
  private head: number;
  private tailSeen: number;
  private copied: Uint8Array | null = null;
  private readonly copyFrame: FrameHandler = (bytes, offset, lengthBytes) => {
    this.copied = bytes.slice(offset, offset + lengthBytes);
  };
  private drainState: DrainState = DrainState.IDLE;

  constructor(sab: SharedArrayBuffer, geometry: RingGeometry, placement: ConsumerPlacement, config: EndpointConfig) {
    super(sab, geometry);
    const { readerSlot } = placement;
    if (Atomics.load(this.header, slotStateWord(readerSlot)) !== SlotState.ACTIVE) {
      throw new RingReaderDetachedError(readerSlot);
    }
    if (Atomics.compareExchange(this.header, slotOpenWord(readerSlot), 0, 1) !== 0) {
      throw new RingEndpointTakenError(`consumer of reader slot ${readerSlot}`);
    }
    this.readerSlot = readerSlot;
    this.cursorWord = slotCursorWord(readerSlot);
    this.generation = Atomics.load(this.header, slotGenerationWord(readerSlot));
    this.detachOnClose = placement.detachOnClose;
    this.waiter = new Waiter(this, config.waitStrategy, config.keepAlive);
    // Resume where the slot's previous consumer released (or where registration placed it).
    this.head = Atomics.load(this.header, this.cursorWord);
    this.tailSeen = this.head;
  }

  /**
   * Hands every frame published so far (at most `framesMax`) to `onFrame`, then releases them all.
   * Returns the number of frames handed over. If `onFrame` throws, the frames before it and the
   * frame that threw are released (a frame that always throws must not wedge the ring).
   * Throws RingReaderDetachedError when this reader's slot was detached, and RingStateError when
   * called from inside its own `onFrame` (the outer call has not released its frames yet).
   */
  drain(onFrame: FrameHandler, framesMax = Infinity): number {
    this.checkRegistered();
    if (this.drainState !== DrainState.IDLE) this.refuseDrain();
    let head = this.head;
    // One load of the producer's line per drain, not per frame: everything published by now.
    const tail = (this.tailSeen = Atomics.load(this.header, W_TAIL));
    if (head === tail) return 0;
    const { bytes, data32, mask } = this;
    let frames = 0;
    this.drainState = DrainState.DRAINING;
    try {
      while (head !== tail && frames < framesMax) {
        const offset = head & mask;
        const lengthBytes = data32[offset >> 2] as number;
        if (lengthBytes === PADDING_MARKER) {
          head = (head + this.capacityBytes - offset) | 0;
          continue;
        }
        head = (head + frameBytesOf(lengthBytes)) | 0;
        frames += 1;
        onFrame(bytes, offset + FRAME_HEADER_BYTES, lengthBytes);
      }
    } finally {
      this.drainState = DrainState.IDLE;
      this.release(head);
    }
    return frames;
  }

  /** Convenience: a copy of the next frame (allocates), or null when the ring is empty. */
  tryRead(): Uint8Array | null {
    this.copied = null;
    this.drain(this.copyFrame, 1);
    const frame = this.copied;
    this.copied = null;
    return frame;
  }

  /** True when at least one frame is published and not yet drained. */
  hasData(): boolean {
    if (this.head !== this.tailSeen) return true;
    this.tailSeen = Atomics.load(this.header, W_TAIL);
    return this.head !== this.tailSeen;
  }

  /** Waits with the endpoint's sync strategy until data arrives; false on timeout. */
  waitForData(timeoutMs = Infinity): boolean {
    return this.waiter.waitSync(timeoutMs);
  }

  /** Waits with the `wait-async` strategy until data arrives; false on timeout. */
  waitForDataAsync(timeoutMs = Infinity): Promise<boolean> {
    return this.waiter.waitAsync(timeoutMs);
  }

  /** Releases the consumer claim; a broadcast reader also unregisters its slot. */
  close(): void {
    if (this.drainState === DrainState.CLOSED) return;
    this.drainState = DrainState.CLOSED;
    this.waiter.close();
    if (!this.isRegistered()) return;
    Atomics.store(this.header, slotOpenWord(this.readerSlot), 0);
    if (this.detachOnClose) unregisterReaderSlot(this.header, this.readerSlot);
  }

  /** WaitTarget: data published, or the slot detached (so that a sleeping reader learns of it). */
  ready(): boolean {
    return this.hasData() || !this.isRegistered();
  }

  private release(head: number): void {
    if (head === this.head) return;
    this.head = head;
    Atomics.store(this.header, this.cursorWord, head);
    if (Atomics.load(this.header, W_PRODUCER_SLEEPERS) !== 0) wakeProducer(this.header);
  }

  private refuseDrain(): never {
    if (this.drainState === DrainState.CLOSED) throw new RingStateError('drain() on a closed consumer');
    throw new RingStateError('drain() called from inside its own onFrame');
  }

  private checkRegistered(): void {
    if (!this.isRegistered()) throw new RingReaderDetachedError(this.readerSlot);
  }

  private isRegistered(): boolean {
    const header = this.header;
    return (
      Atomics.load(header, slotStateWord(this.readerSlot)) === SlotState.ACTIVE &&
      Atomics.load(header, slotGenerationWord(this.readerSlot)) === this.generation
    );
  }
}
