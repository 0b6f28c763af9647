/**
 * One link of a SAB chain: forwards every frame from its inbound ring to its outbound ring, and
 * stops after forwarding a zero-length frame. The raw chain of bench/single-ring-bench.ts forwards
 * at once; the latency floor (bench/latency-floor-bench.ts) passes `workUs` and `valueBytes`, and
 * the link first works `workUs` microseconds on each value of `valueBytes` in the frame, standing
 * for one value's share of a ring's actors.
 */
import { workerData } from 'node:worker_threads';
import { attachSpscRing } from '../src/sab-ring/index.ts';

const { inbound, outbound, workUs = 0, valueBytes = 1 } = workerData as { inbound: SharedArrayBuffer; outbound: SharedArrayBuffer; workUs?: number; valueBytes?: number };
const wait = { waitStrategy: { kind: 'spin-then-wait', spinBudget: 2000 } } as const;
const consumer = attachSpscRing(inbound).consumer(wait);
const producer = attachSpscRing(outbound).producer(wait);

// Work is a counted loop, calibrated once: a loop on the clock would allocate (each reading is a
// boxed number) and bring the worker scavenges of its own.
let sink = 0;
const spin = (iterations: number): void => {
  let x = sink;
  for (let k = 0; k < iterations; k++) x = (x * 1103515245 + 12345) | 0;
  sink = x;
};
const iterationsPerUs = workUs > 0 ? calibrate() : 0;
function calibrate(): number {
  const iterations = 20_000_000;
  spin(iterations / 10); // let the JIT compile it first
  const t0 = performance.now();
  spin(iterations);
  return iterations / ((performance.now() - t0) * 1000);
}

let stop = false;
const forward = (bytes: Uint8Array, offset: number, length: number): void => {
  if (length === 0) stop = true;
  else if (workUs > 0) spin(Math.round(((workUs * length) / valueBytes) * iterationsPerUs));
  while (!producer.tryWrite(bytes.subarray(offset, offset + length))) producer.waitForSpace(length, 100);
};
while (!stop) if (consumer.drain(forward) === 0) consumer.waitForData(100);
producer.close();
consumer.close();
