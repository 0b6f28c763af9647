/**
 * Broadcast ring: one producer, up to readersMax readers, each with its own cursor; every reader
 * sees every frame written while it is registered. The in-process analogue of IP multicast for
 * value dissemination (Phase 2A carrying the value once to acceptors and learners).
 *
 * Slow-reader policy: the producer waits. A frame is overwritten only when every registered reader
 * has released it, so a slow reader slows the producer (back-pressure on the slowest cursor) and
 * no value is ever lost silently. A dead reader would block the producer forever, so a supervisor
 * calls detachReader(slot) for it; the producer is woken and goes on at the pace of the others.
 * With no reader registered the producer never waits, and its frames are seen by no one.
 *
 *   const ring = createBroadcastRing({ capacityBytes: 1 << 20, readersMax: 4 });
 *   const slot = ring.registerReader();         // before starting the reader's thread
 *   // reader thread: attachBroadcastRing(sab).consumer(slot)
 */
import { frameBytesMaxOf } from './frame-format.ts';
import { RingConsumer } from './ring-consumer.ts';
import { RingOptionsError } from './ring-errors.ts';
import { RingKind, allocateRing, readGeometry, type RingGeometry } from './ring-layout.ts';
import {
  validateBroadcastRingOptions,
  validateEndpointOptions,
  type BroadcastRingOptions,
  type EndpointOptions,
} from './ring-options.ts';
import { RingProducer } from './ring-producer.ts';
import { isReaderSlotRegistered, registerReaderSlot, unregisterReaderSlot } from './reader-slots.ts';

export class BroadcastRing {
  /** Send this to other threads and attachBroadcastRing() it there. */
  readonly sab: SharedArrayBuffer;
  readonly capacityBytes: number;
  readonly readersMax: number;
  /** Largest payload a frame may have. */
  readonly frameBytesMax: number;
  private readonly geometry: RingGeometry;
  private readonly header: Int32Array;

  /** Use createBroadcastRing() or attachBroadcastRing(). */
  constructor(sab: SharedArrayBuffer, geometry: RingGeometry) {
    this.sab = sab;
    this.geometry = geometry;
    this.header = new Int32Array(sab, 0, geometry.dataOffsetBytes / 4);
    this.capacityBytes = geometry.capacityBytes;
    this.readersMax = geometry.readersMax;
    this.frameBytesMax = frameBytesMaxOf(geometry.capacityBytes);
  }

  /** Opens the producer endpoint; at most one is open at a time (RingEndpointTakenError). */
  producer(options?: EndpointOptions): RingProducer {
    return new RingProducer(this.sab, this.geometry, validateEndpointOptions(options));
  }

  /**
   * Registers a reader slot whose cursor starts at the current tail, and returns its index.
   * From now on the producer waits for it. Throws RingReadersFullError when all slots are taken.
   */
  registerReader(): number {
    return registerReaderSlot(this.header, this.readersMax);
  }

  /** Opens the consumer of a registered slot, in the reader's thread. */
  consumer(readerSlot: number, options?: EndpointOptions): RingConsumer {
    this.checkSlot(readerSlot);
    const placement = { readerSlot, detachOnClose: true };
    return new RingConsumer(this.sab, this.geometry, placement, validateEndpointOptions(options));
  }

  /**
   * Unregisters a reader (for a supervisor, when the reader's thread died): the producer stops
   * waiting for it at once. Safe from any thread. Returns false if the slot was not registered.
   */
  detachReader(readerSlot: number): boolean {
    this.checkSlot(readerSlot);
    return unregisterReaderSlot(this.header, readerSlot);
  }

  /** The registered slots, in slot order. */
  registeredReaders(): number[] {
    const slots: number[] = [];
    for (let slot = 0; slot < this.readersMax; slot++) {
      if (isReaderSlotRegistered(this.header, slot)) slots.push(slot);
    }
    return slots;
  }

  private checkSlot(readerSlot: number): void {
    if (Number.isInteger(readerSlot) && readerSlot >= 0 && readerSlot < this.readersMax) return;
    throw new RingOptionsError('readerSlot', `must be an integer from 0 to ${this.readersMax - 1}, got ${readerSlot}`);
  }
}

/** Allocates a ring with `readersMax` slots, none registered. Throws RingOptionsError. */
export function createBroadcastRing(options: BroadcastRingOptions): BroadcastRing {
  const { capacityBytes, readersMax } = validateBroadcastRingOptions(options);
  const sab = allocateRing(RingKind.BROADCAST, capacityBytes, readersMax);
  return new BroadcastRing(sab, readGeometry(sab, RingKind.BROADCAST));
}

/** Wraps a ring's buffer received from another thread. Throws RingLayoutError if it is not one. */
export function attachBroadcastRing(sab: SharedArrayBuffer): BroadcastRing {
  return new BroadcastRing(sab, readGeometry(sab, RingKind.BROADCAST));
}
