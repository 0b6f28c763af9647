/**
 * Body of the stress-test threads: a producer writing `framesTotal` patterned frames, or a
 * consumer checking each one, on an SPSC ring or one reader slot of a broadcast ring.
 * Posts one StressResult. Waits have a long timeout so that a lost wake-up fails instead of hanging.
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  RESERVE_FULL,
  attachBroadcastRing,
  attachSpscRing,
  type EndpointOptions,
  type RingConsumer,
  type RingProducer,
} from '../../src/sab-ring/index.ts';
import { FramePattern } from './frame-pattern.ts';

export interface StressInput {
  readonly role: 'producer' | 'consumer';
  readonly ringKind: 'spsc' | 'broadcast';
  readonly sab: SharedArrayBuffer;
  readonly readerSlot: number;
  readonly framesTotal: number;
  readonly seed: number;
  readonly endpoint: EndpointOptions;
}

export interface StressResult {
  readonly frames: number;
  /** Producer: reserve() found no room. `fullSmallCount`: even for a frame under 256 bytes. */
  readonly fullCount: number;
  readonly fullSmallCount: number;
  /** Consumer: drain() found the ring empty. */
  readonly emptyCount: number;
  readonly error: string | null;
  readonly elapsedMs: number;
}

const WAIT_TIMEOUT_MS = 20_000;
const SMALL_FRAME_BYTES = 256;

type Outcome = boolean | Promise<boolean>;

function openEndpoint(input: StressInput): RingProducer | RingConsumer {
  if (input.ringKind === 'spsc') {
    const ring = attachSpscRing(input.sab);
    return input.role === 'producer' ? ring.producer(input.endpoint) : ring.consumer(input.endpoint);
  }
  const ring = attachBroadcastRing(input.sab);
  return input.role === 'producer' ? ring.producer(input.endpoint) : ring.consumer(input.readerSlot, input.endpoint);
}

async function produce(producer: RingProducer, input: StressInput): Promise<Omit<StressResult, 'elapsedMs'>> {
  const pattern = new FramePattern(input.seed, producer.frameBytesMax);
  const isAsync = input.endpoint.waitStrategy?.kind === 'wait-async';
  const waitForSpace = (lengthBytes: number): Outcome =>
    isAsync ? producer.waitForSpaceAsync(lengthBytes, WAIT_TIMEOUT_MS) : producer.waitForSpace(lengthBytes, WAIT_TIMEOUT_MS);
  let fullCount = 0;
  let fullSmallCount = 0;
  for (let seq = 0; seq < input.framesTotal; seq++) {
    const lengthBytes = pattern.lengthOf(seq);
    let offset = producer.reserve(lengthBytes);
    while (offset === RESERVE_FULL) {
      fullCount += 1;
      if (lengthBytes < SMALL_FRAME_BYTES) fullSmallCount += 1;
      const waited = waitForSpace(lengthBytes);
      if (!(typeof waited === 'boolean' ? waited : await waited)) {
        return { frames: seq, fullCount, fullSmallCount, emptyCount: 0, error: `no space for frame ${seq} in 20 s` };
      }
      offset = producer.reserve(lengthBytes);
    }
    pattern.write(producer.bytes, offset, seq, lengthBytes);
    producer.commit();
  }
  return { frames: input.framesTotal, fullCount, fullSmallCount, emptyCount: 0, error: null };
}

async function consume(consumer: RingConsumer, input: StressInput): Promise<Omit<StressResult, 'elapsedMs'>> {
  const pattern = new FramePattern(input.seed, consumer.frameBytesMax);
  const isAsync = input.endpoint.waitStrategy?.kind === 'wait-async';
  let nextSeq = 0;
  let error: string | null = null;
  const onFrame = (bytes: Uint8Array, offset: number, lengthBytes: number): void => {
    error = pattern.check(bytes, offset, lengthBytes, nextSeq);
    if (error !== null) throw new Error(error);
    nextSeq += 1;
  };
  let emptyCount = 0;
  while (nextSeq < input.framesTotal) {
    try {
      if (consumer.drain(onFrame) > 0) continue;
    } catch {
      break;
    }
    emptyCount += 1;
    const waited = isAsync ? consumer.waitForDataAsync(WAIT_TIMEOUT_MS) : consumer.waitForData(WAIT_TIMEOUT_MS);
    if (!(typeof waited === 'boolean' ? waited : await waited)) {
      error = `no frame after ${nextSeq} in 20 s`;
      break;
    }
  }
  return { frames: nextSeq, fullCount: 0, fullSmallCount: 0, emptyCount, error };
}

const input = workerData as StressInput;
const startedMs = performance.now();
const endpoint = openEndpoint(input);
const outcome = 'reserve' in endpoint ? await produce(endpoint, input) : await consume(endpoint, input);
endpoint.close();
const result: StressResult = { ...outcome, elapsedMs: performance.now() - startedMs };
parentPort?.postMessage(result);
