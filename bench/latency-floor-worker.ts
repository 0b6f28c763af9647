/**
 * The worker of bench/latency-floor-bench.ts: takes each frame of stamped values from its inbound
 * ring, works `workUs` microseconds on each value in it (a spin on the clock, standing for one
 * value's share of a ring's actors), and sends the frame back unchanged on its outbound ring. A
 * zero-length frame stops it.
 */
import { workerData } from 'node:worker_threads';
import { attachSpscRing } from '../src/sab-ring/index.ts';

const { inbound, outbound, workUs, valueBytes } = workerData as { inbound: SharedArrayBuffer; outbound: SharedArrayBuffer; workUs: number; valueBytes: number };
const consumer = attachSpscRing(inbound).consumer({ waitStrategy: { kind: 'spin-then-wait', spinBudget: 2000 } });
const producer = attachSpscRing(outbound).producer({ waitStrategy: { kind: 'spin-then-wait', spinBudget: 2000 } });
let stop = false;
// Work is owed on a clock of its own, so a burst of values costs its exact sum of `workUs`
// whatever one reading of the clock costs.
let busyUntil = 0;
const work = (us: number): void => {
  busyUntil = Math.max(busyUntil, performance.now()) + us / 1000;
  while (performance.now() < busyUntil);
};
const echo = (bytes: Uint8Array, offset: number, length: number): void => {
  if (length === 0) {
    stop = true;
    return;
  }
  if (workUs > 0) work((workUs * length) / valueBytes);
  while (!producer.tryWrite(bytes.subarray(offset, offset + length))) producer.waitForSpace(length, 100);
};
while (!stop) if (consumer.drain(echo) === 0) consumer.waitForData(100);
producer.close();
consumer.close();
