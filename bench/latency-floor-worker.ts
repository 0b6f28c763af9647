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
// Work is a counted loop, calibrated once: a loop on the clock would allocate (each reading is a
// boxed number) and bring the worker scavenges of its own.
let sink = 0;
const spin = (iterations: number): void => {
  let x = sink;
  for (let k = 0; k < iterations; k++) x = (x * 1103515245 + 12345) | 0;
  sink = x;
};
const CALIBRATION = 20_000_000;
spin(CALIBRATION / 10); // let the JIT compile it first
const t0 = performance.now();
spin(CALIBRATION);
const iterationsPerUs = CALIBRATION / ((performance.now() - t0) * 1000);
const work = (us: number): void => spin(Math.round(us * iterationsPerUs));
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
