/**
 * Body of the wait-strategy threads: one endpoint that goes to sleep in a given way, and reports
 * how it woke. The test thread watches the sleepers words to act only once this thread sleeps.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { attachBroadcastRing, attachSpscRing, type WaitStrategy } from '../../src/sab-ring/index.ts';

export type WaitScenario =
  | { readonly scenario: 'consume-one'; readonly sab: SharedArrayBuffer; readonly waitStrategy: WaitStrategy; readonly keepAlive: boolean }
  | { readonly scenario: 'produce-past-full'; readonly sab: SharedArrayBuffer; readonly waitStrategy: WaitStrategy }
  | { readonly scenario: 'read-until-detached'; readonly sab: SharedArrayBuffer; readonly readerSlot: number };

export interface WaitReport {
  readonly woke: boolean;
  readonly frame: number[] | null;
  readonly errorCode: string | null;
}

const TIMEOUT_MS = 10_000;

async function consumeOne(input: Extract<WaitScenario, { scenario: 'consume-one' }>): Promise<WaitReport> {
  const consumer = attachSpscRing(input.sab).consumer({ waitStrategy: input.waitStrategy, keepAlive: input.keepAlive });
  const woke =
    input.waitStrategy.kind === 'wait-async'
      ? await consumer.waitForDataAsync(TIMEOUT_MS)
      : consumer.waitForData(TIMEOUT_MS);
  const frame = consumer.tryRead();
  return { woke, frame: frame === null ? null : Array.from(frame), errorCode: null };
}

async function producePastFull(input: Extract<WaitScenario, { scenario: 'produce-past-full' }>): Promise<WaitReport> {
  const producer = attachSpscRing(input.sab).producer({ waitStrategy: input.waitStrategy });
  const frame = Uint8Array.of(1, 2, 3);
  while (producer.tryWrite(frame));
  const woke =
    input.waitStrategy.kind === 'wait-async'
      ? await producer.waitForSpaceAsync(frame.length, TIMEOUT_MS)
      : producer.waitForSpace(frame.length, TIMEOUT_MS);
  return { woke, frame: producer.tryWrite(Uint8Array.of(9)) ? [9] : null, errorCode: null };
}

function readUntilDetached(input: Extract<WaitScenario, { scenario: 'read-until-detached' }>): WaitReport {
  const consumer = attachBroadcastRing(input.sab).consumer(input.readerSlot, { waitStrategy: { kind: 'wait' } });
  const woke = consumer.waitForData(TIMEOUT_MS);
  try {
    consumer.drain(() => {});
    return { woke, frame: null, errorCode: null };
  } catch (error) {
    return { woke, frame: null, errorCode: (error as { code?: string }).code ?? String(error) };
  }
}

async function run(input: WaitScenario): Promise<WaitReport> {
  switch (input.scenario) {
    case 'consume-one':
      return consumeOne(input);
    case 'produce-past-full':
      return producePastFull(input);
    case 'read-until-detached':
      return readUntilDetached(input);
  }
}

parentPort?.postMessage(await run(workerData as WaitScenario));
