/**
 * Wait strategies across real threads: the sleeper announces itself, the other side wakes it,
 * and an Atomics.waitAsync sleeper keeps its thread alive while it waits.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  RingErrorCode,
  attachBroadcastRing,
  createBroadcastRing,
  createSpscRing,
  type WaitStrategy,
} from '../../src/sab-ring/index.ts';
import { W_DATA_SLEEPERS, W_PRODUCER_SLEEPERS } from '../../src/sab-ring/ring-layout.ts';
import { startWorker } from './run-worker.ts';
import type { WaitReport, WaitScenario } from './wait-worker.ts';

const WAIT_WORKER_URL = new URL('./wait-worker.ts', import.meta.url);

/** Omit over each member of a union (plain Omit would merge the members). */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type ScenarioInput = DistributiveOmit<WaitScenario, 'timeoutMs'>;

function runScenario(input: ScenarioInput): Promise<WaitReport> {
  return startWorker<WaitReport>(WAIT_WORKER_URL, { ...input, timeoutMs: WAIT_TIMEOUT_MS }).result;
}

/** The sleeper's timeout; a wake-up must end its wait well before (a wait that times out and then finds room also returns true). */
const WAIT_TIMEOUT_MS = 10_000;

async function expectWokenEarly(report: Promise<WaitReport>, expected: Omit<WaitReport, 'waitedMs'>): Promise<void> {
  const { waitedMs, ...outcome } = await report;
  expect(outcome).toEqual(expected);
  expect(waitedMs).toBeLessThan(WAIT_TIMEOUT_MS / 2);
}

/** Resolves once the other thread has announced itself asleep in `word`. */
async function untilAsleep(sab: SharedArrayBuffer, word: number): Promise<void> {
  const header = new Int32Array(sab, 0, 64);
  const deadlineMs = performance.now() + 10_000;
  while (Atomics.load(header, word) === 0) {
    if (performance.now() > deadlineMs) throw new Error(`word ${word} never announced a sleeper`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

const sleepingStrategies: WaitStrategy[] = [
  { kind: 'wait' },
  { kind: 'spin-then-wait', spinBudget: 100 },
  { kind: 'wait-async' },
  { kind: 'wait-async', spinBudget: 100 },
];

describe('a sleeping consumer thread is woken by a frame', () => {
  it.each(sleepingStrategies)('%j', async (waitStrategy) => {
    const ring = createSpscRing({ capacityBytes: 256 });
    const report = runScenario({ scenario: 'consume-one', sab: ring.sab, waitStrategy, keepAlive: true });
    await untilAsleep(ring.sab, W_DATA_SLEEPERS);
    await new Promise((resolve) => setTimeout(resolve, 50)); // the only pending work is the wait
    ring.producer().tryWrite(Uint8Array.of(4, 5, 6));
    await expectWokenEarly(report, { woke: true, frame: [4, 5, 6], errorCode: null });
  });

  it('without keepAlive, a thread whose only work is Atomics.waitAsync exits: why keepAlive is on', async () => {
    const ring = createSpscRing({ capacityBytes: 256 });
    const waitStrategy: WaitStrategy = { kind: 'wait-async' };
    const report = runScenario({ scenario: 'consume-one', sab: ring.sab, waitStrategy, keepAlive: false });
    // 13 is Node's exit code for a top-level await that never settled: the event loop ran out of
    // work while the wait was still pending, and the thread ended without ever seeing the frame.
    await expect(report).rejects.toThrow(/exited with code 13 before posting/);
  });
});

describe('a sleeping producer thread is woken by a release', () => {
  it.each(sleepingStrategies)('%j', async (waitStrategy) => {
    const ring = createSpscRing({ capacityBytes: 256 });
    const report = runScenario({ scenario: 'produce-past-full', sab: ring.sab, waitStrategy });
    await untilAsleep(ring.sab, W_PRODUCER_SLEEPERS);
    expect(ring.consumer().drain(() => {}, 1)).toBe(1);
    await expectWokenEarly(report, { woke: true, frame: [9], errorCode: null });
  });
});

describe('detachReader wakes the threads it concerns', () => {
  it('a detached reader asleep waiting for data wakes and learns it is detached', async () => {
    const ring = createBroadcastRing({ capacityBytes: 256, readersMax: 2 });
    const readerSlot = ring.registerReader();
    const report = runScenario({ scenario: 'read-until-detached', sab: ring.sab, readerSlot });
    await untilAsleep(ring.sab, W_DATA_SLEEPERS);
    ring.detachReader(readerSlot);
    await expectWokenEarly(report, { woke: true, frame: null, errorCode: RingErrorCode.READER_DETACHED });
  });
});

describe('waiting in the thread itself', () => {
  afterEach(() => vi.restoreAllMocks());

  // Found by CI (session 9): the test above once waited out its whole timeout. Readers slept on
  // TAIL, which a detach leaves as it is, so a detach landing between a reader's last readiness
  // check and its sleep notified no one who was asleep yet. This replays that interleaving.
  it('a detach just after the reader found its slot registered, before it sleeps, still wakes it', () => {
    const ring = createBroadcastRing({ capacityBytes: 256, readersMax: 2 });
    const slot = ring.registerReader();
    const consumer = attachBroadcastRing(ring.sab).consumer(slot, { waitStrategy: { kind: 'wait' } });
    const ready = consumer.ready.bind(consumer);
    let checks = 0;
    // The first check is the one before sleeping is announced; the second is the last one before
    // the sleep, and the detach lands right after it has found the slot registered.
    consumer.ready = (): boolean => {
      const found = ready();
      if (++checks === 2) {
        expect(found).toBe(false);
        ring.detachReader(slot);
      }
      return found;
    };
    const startedMs = performance.now();
    expect(consumer.waitForData(WAIT_TIMEOUT_MS)).toBe(true);
    expect(performance.now() - startedMs).toBeLessThan(WAIT_TIMEOUT_MS / 2);
    expect(checks).toBeGreaterThanOrEqual(3);
    expect(() => consumer.drain(() => {})).toThrow(expect.objectContaining({ code: RingErrorCode.READER_DETACHED }));
  });

  it('nobody asleep: frames flow without a single Atomics.notify', () => {
    const ring = createSpscRing({ capacityBytes: 1024 });
    const producer = ring.producer();
    const consumer = ring.consumer();
    const notify = vi.spyOn(Atomics, 'notify');
    for (let seq = 0; seq < 1_000; seq++) {
      producer.tryWrite(Uint8Array.of(seq & 0xff));
      consumer.drain(() => {});
    }
    expect(notify).not.toHaveBeenCalled();
  });

  it('spin gives up at its timeout', () => {
    const consumer = createSpscRing({ capacityBytes: 256 }).consumer({ waitStrategy: { kind: 'spin' } });
    const startedMs = performance.now();
    expect(consumer.waitForData(5)).toBe(false);
    expect(performance.now() - startedMs).toBeGreaterThanOrEqual(5);
  });

  it('wait-async resolves false at its timeout and leaves no sleeper behind', async () => {
    const ring = createSpscRing({ capacityBytes: 256 });
    const consumer = ring.consumer({ waitStrategy: { kind: 'wait-async' } });
    expect(await consumer.waitForDataAsync(5)).toBe(false);
    expect(Atomics.load(consumer.header, W_DATA_SLEEPERS)).toBe(0);
    consumer.close();
  });

  it('a sync wait on a wait-async endpoint, or an async wait on a sync one, is refused', async () => {
    const ring = createSpscRing({ capacityBytes: 256 });
    const asyncConsumer = ring.consumer({ waitStrategy: { kind: 'wait-async' } });
    expect(() => asyncConsumer.waitForData(0)).toThrow(expect.objectContaining({ code: RingErrorCode.STATE }));
    const producer = ring.producer({ waitStrategy: { kind: 'wait' } });
    await expect(producer.waitForSpaceAsync(4, 0)).rejects.toMatchObject({ code: RingErrorCode.STATE });
  });
});
