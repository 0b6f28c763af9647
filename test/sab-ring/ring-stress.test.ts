/**
 * Stress between real worker threads: 10 million frames of random sizes in total, every frame
 * checked for its sequence number, length and content. Rings are small (4–8 KiB) so that they run
 * completely full and completely empty thousands of times, and large frames wrap with padding.
 * The seed is printed; RINGCAST_SEED=<n> replays a run.
 */
import { describe, expect, it } from 'vitest';
import { createBroadcastRing, createSpscRing, type EndpointOptions } from '../../src/sab-ring/index.ts';
import { startWorker } from './run-worker.ts';
import type { StressInput, StressResult } from './stress-worker.ts';

const STRESS_WORKER_URL = new URL('./stress-worker.ts', import.meta.url);
const SEED = Number(process.env['RINGCAST_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
console.log(`ring stress seed ${SEED} (RINGCAST_SEED=${SEED} replays it)`);

const spin: EndpointOptions = { waitStrategy: { kind: 'spin' } };
const wait: EndpointOptions = { waitStrategy: { kind: 'wait' } };
const spinThenWait: EndpointOptions = { waitStrategy: { kind: 'spin-then-wait', spinBudget: 500 } };
const waitAsync: EndpointOptions = { waitStrategy: { kind: 'wait-async' } };

type StressCase = [name: string, producer: EndpointOptions, consumer: EndpointOptions, framesTotal: number];

/** Generous: on 2 cores shared with other work, a spinner that shares its core loses 10-100x. */
const STRESS_TIMEOUT_MS = 120_000;

function runThread(input: Omit<StressInput, 'seed'>): Promise<StressResult> {
  return startWorker<StressResult>(STRESS_WORKER_URL, { ...input, seed: SEED }).result;
}

/** Every frame arrived and checked out, and the ring ran full (even for small frames) and empty. */
function expectCleanRun(producer: StressResult, consumers: StressResult[], framesTotal: number): void {
  expect(producer.error, `seed ${SEED}`).toBeNull();
  expect(producer.frames).toBe(framesTotal);
  expect(producer.fullSmallCount).toBeGreaterThan(0);
  for (const consumer of consumers) {
    expect(consumer.error, `seed ${SEED}`).toBeNull();
    expect(consumer.frames).toBe(framesTotal);
    expect(consumer.emptyCount).toBeGreaterThan(0);
  }
}

describe('SPSC ring between two worker threads', () => {
  const cases: StressCase[] = [
    ['wait / wait', wait, wait, 3_000_000],
    ['spin-then-wait / spin-then-wait', spinThenWait, spinThenWait, 2_500_000],
    ['wait-async / wait-async', waitAsync, waitAsync, 1_300_000],
    // Few frames: a spinner pays a whole time slice whenever its peer shares its core.
    ['spin / wait-async', spin, waitAsync, 200_000],
  ];
  it.each(cases)('%s: every frame arrives once, in order, intact', async (_name, producer, consumer, framesTotal) => {
    const ring = createSpscRing({ capacityBytes: 4096 });
    const common = { ringKind: 'spsc', sab: ring.sab, readerSlot: 0, framesTotal } as const;
    const [produced, consumed] = await Promise.all([
      runThread({ ...common, role: 'producer', endpoint: producer }),
      runThread({ ...common, role: 'consumer', endpoint: consumer }),
    ]);
    expectCleanRun(produced, [consumed], framesTotal);
  }, STRESS_TIMEOUT_MS);
});

describe('broadcast ring: one producer thread, three reader threads', () => {
  const cases: StressCase[] = [
    ['wait / wait', wait, wait, 2_000_000],
    ['spin-then-wait / wait-async', spinThenWait, waitAsync, 1_000_000],
  ];
  it.each(cases)('%s: every reader gets every frame, in order, intact', async (_name, producer, reader, framesTotal) => {
    const ring = createBroadcastRing({ capacityBytes: 8192, readersMax: 4 });
    const readerSlots = [ring.registerReader(), ring.registerReader(), ring.registerReader()];
    const common = { ringKind: 'broadcast', sab: ring.sab, framesTotal } as const;
    const [produced, ...consumed] = await Promise.all([
      runThread({ ...common, role: 'producer', readerSlot: 0, endpoint: producer }),
      ...readerSlots.map((readerSlot) => runThread({ ...common, role: 'consumer', readerSlot, endpoint: reader })),
    ]);
    expectCleanRun(produced, consumed, framesTotal);
  }, STRESS_TIMEOUT_MS);
});
