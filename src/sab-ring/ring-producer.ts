/**
 * The producer endpoint, shared by both ring kinds: one thread writes, and waits on the slowest
 * registered reader slot (one slot for SPSC, up to readersMax for broadcast).
 *
 * Hot path: reserve() compares against a cached limit (slowest cursor + capacity) and only
 * re-reads the reader cursors when that limit says the frame does not fit; commit() publishes the
 * tail with one Atomics.store and reads one sleepers word. Nothing is allocated per frame.
 */
import { FRAME_HEADER_BYTES, PADDING_MARKER, frameBytesOf } from './frame-format.ts';
import { RingEndpoint } from './ring-endpoint.ts';
import { RingEndpointTakenError, RingFrameTooLargeError, RingStateError } from './ring-errors.ts';
import {
  SlotState,
  W_DATA_SLEEPERS,
  W_PRODUCER_OPEN,
  W_PRODUCER_SLEEPERS,
  W_SPACE_SEQ,
  W_TAIL,
  slotCursorWord,
  slotStateWord,
  type RingGeometry,
} from './ring-layout.ts';
import type { EndpointConfig } from './ring-options.ts';
import { wakeReaders } from './reader-slots.ts';
import { Waiter, type WaitTarget } from './wait-strategy.ts';
import { copyRange } from '../bulk-copy.ts';

/** reserve() result when the frame does not fit now: back-pressure, not an error. */
export const RESERVE_FULL = -1;
/** reservedLength values that are not a length: no open reservation, and the endpoint closed. */
const NO_RESERVATION = -1;
const CLOSED = -2;

export class RingProducer extends RingEndpoint implements WaitTarget {
  readonly wakeWord = W_SPACE_SEQ;
  readonly sleepersWord = W_PRODUCER_SLEEPERS;

  private readonly readersMax: number;
  private readonly waiter: Waiter;
  private tail: number;
  /** Absolute index up to which writing is known safe: slowest cursor + capacity. */
  private limit: number;
  private frameStart = 0;
  private reservedLength = NO_RESERVATION;
  private wantedBytes = 0;

  constructor(sab: SharedArrayBuffer, geometry: RingGeometry, config: EndpointConfig) {
    super(sab, geometry);
    if (Atomics.compareExchange(this.header, W_PRODUCER_OPEN, 0, 1) !== 0) {
      throw new RingEndpointTakenError('producer');
    }
    this.readersMax = geometry.readersMax;
    this.waiter = new Waiter(this, config.waitStrategy, config.keepAlive);
    // A producer attached after another one closed continues from the published tail.
    this.tail = Atomics.load(this.header, W_TAIL);
    this.limit = this.tail;
    this.refreshLimit();
  }

  /**
   * Reserves room for a frame of `lengthBytes` and returns the offset in `bytes` where its payload
   * goes, or RESERVE_FULL when it does not fit until readers release frames. Write the payload in
   * place, then commit() (or cancel()). The offset is 8-byte aligned: copying from an 8-aligned
   * source lets V8 copy word by word. Throws RingFrameTooLargeError above frameBytesMax.
   */
  reserve(lengthBytes: number): number {
    if (this.reservedLength !== NO_RESERVATION) this.refuseReserve();
    this.checkLength(lengthBytes);
    const frameBytes = frameBytesOf(lengthBytes);
    const needBytes = this.needBytesOf(frameBytes);
    if (((this.tail + needBytes - this.limit) | 0) > 0) {
      this.refreshLimit();
      if (((this.tail + needBytes - this.limit) | 0) > 0) return RESERVE_FULL;
    }
    let start = this.tail;
    let offset = start & this.mask;
    if (needBytes !== frameBytes) {
      // Not enough room before the end: mark the rest of the lap unused, start over at 0.
      this.data32[offset >> 2] = PADDING_MARKER;
      start = (start + this.capacityBytes - offset) | 0;
      offset = 0;
    }
    this.data32[offset >> 2] = lengthBytes;
    this.frameStart = start;
    this.reservedLength = lengthBytes;
    return offset + FRAME_HEADER_BYTES;
  }

  /**
   * Publishes the reserved frame. `lengthBytes` may shrink it (encode into a reservation sized for
   * the worst case, commit what was written); it defaults to the reserved length.
   */
  commit(lengthBytes: number = this.reservedLength): void {
    const reservedLength = this.reservedLength;
    if (reservedLength < 0) throw new RingStateError('commit() without reserve()');
    if (lengthBytes !== reservedLength) {
      if (!(Number.isInteger(lengthBytes) && lengthBytes >= 0 && lengthBytes < reservedLength)) {
        throw new RingStateError(`commit(${lengthBytes}) outside the reserved 0..${reservedLength} bytes`);
      }
      this.data32[(this.frameStart & this.mask) >> 2] = lengthBytes;
    }
    this.reservedLength = NO_RESERVATION;
    this.publish((this.frameStart + frameBytesOf(lengthBytes)) | 0);
  }

  /** Drops the open reservation; nothing was published, so readers never see it. */
  cancel(): void {
    if (this.reservedLength >= 0) this.reservedLength = NO_RESERVATION;
  }

  /** Copies `payload` into one frame; false when it does not fit now (back-pressure). */
  tryWrite(payload: Uint8Array): boolean {
    const offset = this.reserve(payload.length);
    if (offset === RESERVE_FULL) return false;
    copyRange(this.bytes, offset, payload, 0, payload.length);
    this.commit();
    return true;
  }

  /** True when a frame of `lengthBytes` would be accepted by reserve() now. */
  hasSpaceFor(lengthBytes: number): boolean {
    this.checkLength(lengthBytes);
    this.wantedBytes = lengthBytes;
    return this.ready();
  }

  /** Waits with the endpoint's sync strategy until `lengthBytes` fit; false on timeout. */
  waitForSpace(lengthBytes: number, timeoutMs = Infinity): boolean {
    this.checkLength(lengthBytes);
    this.wantedBytes = lengthBytes;
    return this.waiter.waitSync(timeoutMs);
  }

  /** Waits with the `wait-async` strategy until `lengthBytes` fit; false on timeout. */
  waitForSpaceAsync(lengthBytes: number, timeoutMs = Infinity): Promise<boolean> {
    this.checkLength(lengthBytes);
    this.wantedBytes = lengthBytes;
    return this.waiter.waitAsync(timeoutMs);
  }

  /** Releases the producer claim so another producer (a restarted actor) can attach. */
  close(): void {
    if (this.reservedLength === CLOSED) return;
    this.reservedLength = CLOSED;
    this.waiter.close();
    Atomics.store(this.header, W_PRODUCER_OPEN, 0);
  }

  /** WaitTarget: is there room for `wantedBytes` now? Re-reads the cursors when needed. */
  ready(): boolean {
    const needBytes = this.needBytesOf(frameBytesOf(this.wantedBytes));
    if (((this.tail + needBytes - this.limit) | 0) <= 0) return true;
    this.refreshLimit();
    return ((this.tail + needBytes - this.limit) | 0) <= 0;
  }

  private publish(tail: number): void {
    this.tail = tail;
    Atomics.store(this.header, W_TAIL, tail);
    if (Atomics.load(this.header, W_DATA_SLEEPERS) !== 0) wakeReaders(this.header);
  }

  /** Bytes from the tail a frame takes, with the padding to the end of the lap if it must wrap. */
  private needBytesOf(frameBytes: number): number {
    const toEndBytes = this.capacityBytes - (this.tail & this.mask);
    return frameBytes <= toEndBytes ? frameBytes : toEndBytes + frameBytes;
  }

  /** limit = slowest registered cursor + capacity; with no reader registered, tail + capacity. */
  private refreshLimit(): void {
    const header = this.header;
    let slowest = this.tail;
    for (let slot = 0; slot < this.readersMax; slot++) {
      if (Atomics.load(header, slotStateWord(slot)) !== SlotState.ACTIVE) continue;
      const cursor = Atomics.load(header, slotCursorWord(slot));
      if (((cursor - slowest) | 0) < 0) slowest = cursor;
    }
    this.limit = (slowest + this.capacityBytes) | 0;
  }

  private refuseReserve(): never {
    if (this.reservedLength === CLOSED) throw new RingStateError('reserve() on a closed producer');
    throw new RingStateError('reserve() called twice without commit()');
  }

  private checkLength(lengthBytes: number): void {
    if (Number.isInteger(lengthBytes) && lengthBytes >= 0 && lengthBytes <= this.frameBytesMax) return;
    if (lengthBytes > this.frameBytesMax) throw new RingFrameTooLargeError(lengthBytes, this.frameBytesMax);
    throw new RingStateError(`frame length must be a non-negative integer, got ${lengthBytes}`);
  }
}
