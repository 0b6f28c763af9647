/** One link of the raw SAB chain: forwards every frame from its inbound ring to its outbound ring. */
import { workerData } from 'node:worker_threads';
import { attachSpscRing } from '../src/sab-ring/index.ts';

const { inbound, outbound } = workerData as { inbound: SharedArrayBuffer; outbound: SharedArrayBuffer };
const wait = { waitStrategy: { kind: 'spin-then-wait', spinBudget: 2000 } } as const;
const consumer = attachSpscRing(inbound).consumer(wait);
const producer = attachSpscRing(outbound).producer(wait);
let stop = false;
const forward = (bytes: Uint8Array, offset: number, length: number): void => {
  if (length === 0) stop = true;
  while (!producer.tryWrite(bytes.subarray(offset, offset + length))) producer.waitForSpace(length, 100);
};
while (!stop) if (consumer.drain(forward) === 0) consumer.waitForData(100);
producer.close();
consumer.close();
