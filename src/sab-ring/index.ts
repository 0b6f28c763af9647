/**
 * sharedarraybuffer-ring: lock-free byte-frame rings over a SharedArrayBuffer, for moving frames
 * between worker threads without copying them through postMessage.
 *
 * - SPSC ring (createSpscRing / attachSpscRing): one producer, one consumer.
 * - Broadcast ring (createBroadcastRing / attachBroadcastRing): one producer, many readers, the
 *   producer waits for the slowest registered reader; detachReader() removes a dead one.
 * - Wait strategies per endpoint: spin, wait, spin-then-wait, wait-async.
 * - releaseAbandonedEndpoints(): for a supervisor, frees the claims of a dead thread's endpoints.
 *
 * This module imports nothing from the rest of ringcast and can be extracted as is.
 */
export { createSpscRing, attachSpscRing, SpscRing } from './spsc-ring.ts';
export { createBroadcastRing, attachBroadcastRing, BroadcastRing } from './broadcast-ring.ts';
export { releaseAbandonedEndpoints } from './endpoint-release.ts';
export { RingProducer, RESERVE_FULL } from './ring-producer.ts';
export { RingConsumer, type FrameHandler } from './ring-consumer.ts';
export { SPIN_BUDGET_DEFAULT, type WaitStrategy, type WaitStrategyKind } from './wait-strategy.ts';
export {
  RING_LIMITS,
  type SpscRingOptions,
  type BroadcastRingOptions,
  type EndpointOptions,
} from './ring-options.ts';
export { FRAME_HEADER_BYTES, frameBytesOf } from './frame-format.ts';
export {
  RingErrorCode,
  RingError,
  RingOptionsError,
  RingFrameTooLargeError,
  RingLayoutError,
  RingEndpointTakenError,
  RingReadersFullError,
  RingReaderDetachedError,
  RingStateError,
} from './ring-errors.ts';
