/**
 * Single-producer single-consumer ring: one mailbox edge between two threads.
 *
 *   const ring = createSpscRing({ capacityBytes: 1 << 16 });
 *   worker.postMessage(ring.sab);             // the other thread: attachSpscRing(sab).consumer()
 *   const producer = ring.producer();
 *
 * The consumer slot is registered at creation, so frames written before the consumer thread
 * attaches wait for it rather than being lost. Either endpoint may be closed and opened again
 * (a restarted actor): the new one resumes from the published indices.
 */
import { frameBytesMaxOf } from './frame-format.ts';
import { RingConsumer } from './ring-consumer.ts';
import { RingKind, allocateRing, readGeometry, type RingGeometry } from './ring-layout.ts';
import {
  validateEndpointOptions,
  validateSpscRingOptions,
  type EndpointOptions,
  type SpscRingOptions,
} from './ring-options.ts';
import { RingProducer } from './ring-producer.ts';
import { registerReaderSlot } from './reader-slots.ts';

const CONSUMER_SLOT = 0;

export class SpscRing {
  /** Send this to the other thread and attachSpscRing() it there. */
  readonly sab: SharedArrayBuffer;
  readonly capacityBytes: number;
  /** Largest payload a frame may have. */
  readonly frameBytesMax: number;
  private readonly geometry: RingGeometry;

  /** Use createSpscRing() or attachSpscRing(). */
  constructor(sab: SharedArrayBuffer, geometry: RingGeometry) {
    this.sab = sab;
    this.geometry = geometry;
    this.capacityBytes = geometry.capacityBytes;
    this.frameBytesMax = frameBytesMaxOf(geometry.capacityBytes);
  }

  /** Opens the producer endpoint; at most one is open at a time (RingEndpointTakenError). */
  producer(options?: EndpointOptions): RingProducer {
    return new RingProducer(this.sab, this.geometry, validateEndpointOptions(options));
  }

  /** Opens the consumer endpoint; at most one is open at a time (RingEndpointTakenError). */
  consumer(options?: EndpointOptions): RingConsumer {
    const placement = { readerSlot: CONSUMER_SLOT, detachOnClose: false };
    return new RingConsumer(this.sab, this.geometry, placement, validateEndpointOptions(options));
  }
}

/** Allocates a ring. Throws RingOptionsError naming a refused option. */
export function createSpscRing(options: SpscRingOptions): SpscRing {
  const { capacityBytes } = validateSpscRingOptions(options);
  const sab = allocateRing(RingKind.SPSC, capacityBytes, 1);
  const geometry = readGeometry(sab, RingKind.SPSC);
  registerReaderSlot(new Int32Array(sab, 0, geometry.dataOffsetBytes / 4), 1);
  return new SpscRing(sab, geometry);
}

/** Wraps a ring's buffer received from another thread. Throws RingLayoutError if it is not one. */
export function attachSpscRing(sab: SharedArrayBuffer): SpscRing {
  return new SpscRing(sab, readGeometry(sab, RingKind.SPSC));
}
