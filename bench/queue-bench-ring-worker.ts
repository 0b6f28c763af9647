/**
 * A SAB ring endpoint thread of the queue benchmark. The producer sends the timed throughput
 * phases on the data ring, then pings on the ping ring and waits for each pong; the consumer
 * counts the data frames, then answers each ping with a pong and records its one-way latency.
 * Both endpoints of a run use the same wait strategy.
 */
import { parentPort, workerData } from 'node:worker_threads';
import {
  RESERVE_FULL,
  attachSpscRing,
  type RingConsumer,
  type RingProducer,
} from '../src/sab-ring/index.ts';
import {
  FrameCounter,
  LatencyRecorder,
  PONG_BYTES,
  microsSinceStamp,
  nowNs,
  sendTimedPhases,
  stampInto,
  type ConsumerReport,
  type ProducerReport,
  type RingRunInput,
} from './queue-bench-shared.ts';

/** Waits with whichever of the sync or async methods the endpoint's strategy takes. */
class Endpoints {
  readonly isAsync: boolean;
  constructor(readonly input: RingRunInput) {
    this.isAsync = input.waitStrategy.kind === 'wait-async';
  }

  producer(sab: SharedArrayBuffer): RingProducer {
    return attachSpscRing(sab).producer({ waitStrategy: this.input.waitStrategy });
  }

  consumer(sab: SharedArrayBuffer): RingConsumer {
    return attachSpscRing(sab).consumer({ waitStrategy: this.input.waitStrategy });
  }

  /** Reserves `lengthBytes`, waiting for space as long as it takes. */
  async reserve(producer: RingProducer, lengthBytes: number): Promise<number> {
    let offset = producer.reserve(lengthBytes);
    while (offset === RESERVE_FULL) {
      if (this.isAsync) await producer.waitForSpaceAsync(lengthBytes);
      else producer.waitForSpace(lengthBytes);
      offset = producer.reserve(lengthBytes);
    }
    return offset;
  }

  async waitForData(consumer: RingConsumer): Promise<void> {
    if (this.isAsync) await consumer.waitForDataAsync();
    else consumer.waitForData();
  }
}

async function runProducer(endpoints: Endpoints): Promise<ProducerReport> {
  const { input } = endpoints;
  const data = endpoints.producer(input.dataSab);
  const payload = new Uint8Array(input.sizeBytes).fill(0xa5);
  await sendTimedPhases(input, (lengthBytes) => {
    const offset = data.reserve(lengthBytes);
    if (offset === RESERVE_FULL) return endpoints.reserve(data, lengthBytes).then((late) => commit(data, payload, late, lengthBytes));
    commit(data, payload, offset, lengthBytes);
  });
  const ping = endpoints.producer(input.pingSab);
  const pong = endpoints.consumer(input.pongSab);
  const scratch = new Float64Array(1);
  const roundTripUs = new Float64Array(input.pings);
  for (let i = 0; i < input.pings; i++) {
    const startedNs = nowNs();
    stampInto(payload, scratch);
    commit(ping, payload, await endpoints.reserve(ping, input.sizeBytes), input.sizeBytes);
    while (pong.drain(noop) === 0) await endpoints.waitForData(pong);
    roundTripUs[i] = (nowNs() - startedNs) / 1_000;
  }
  return { roundTripUs: roundTripUs.sort() };
}

function commit(producer: RingProducer, payload: Uint8Array, offset: number, lengthBytes: number): void {
  if (lengthBytes === payload.length) producer.bytes.set(payload, offset);
  producer.commit();
}

async function runConsumer(endpoints: Endpoints): Promise<ConsumerReport> {
  const { input } = endpoints;
  const data = endpoints.consumer(input.dataSab);
  const counter = new FrameCounter();
  const count = (_bytes: Uint8Array, _offset: number, lengthBytes: number): void => counter.onFrame(lengthBytes);
  while (!counter.done) {
    if (data.drain(count) === 0) await endpoints.waitForData(data);
  }
  const ping = endpoints.consumer(input.pingSab);
  const pong = endpoints.producer(input.pongSab);
  const latencies = new LatencyRecorder(input.pings);
  const scratch = new Float64Array(1);
  const onPing = (bytes: Uint8Array, offset: number): void => latencies.record(microsSinceStamp(bytes, offset, scratch));
  while (!latencies.complete) {
    if (ping.drain(onPing, 1) === 0) {
      await endpoints.waitForData(ping);
      continue;
    }
    await endpoints.reserve(pong, PONG_BYTES);
    pong.commit();
  }
  return { frames: counter.frames, bytes: counter.bytes, elapsedMs: counter.elapsedMs, oneWayUs: latencies.sorted() };
}

function noop(): void {}

const endpoints = new Endpoints(workerData as RingRunInput);
const report = endpoints.input.role === 'producer' ? await runProducer(endpoints) : await runConsumer(endpoints);
parentPort?.postMessage(report);
