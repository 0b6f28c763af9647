/**
 * Body of the wait-strategy threads: one endpoint that goes to sleep in a given way, and reports
 * how it woke. The test thread watches the sleepers words to act only once this thread sleeps.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { attachBroadcastRing, attachSpscRing, type WaitStrategy } from '../../src/sab-ring/index.ts';

interface ScenarioBase {
  readonly sab: SharedArrayBuffer;
  readonly timeoutMs: number;
}

export type WaitScenario =
  | (ScenarioBase & { readonly scenario: 'consume-one'; readonly waitStrategy: WaitStrategy; readonly keepAlive: boolean })
  | (ScenarioBase & { readonly scenario: 'produce-past-full'; readonly waitStrategy: WaitStrategy })
  | (ScenarioBase & { readonly scenario: 'read-until-detached'; readonly readerSlot: number });

export interface WaitReport {
  readonly woke: boolean;
  /** How long the wait took: well under the timeout when a wake-up, not the timeout, ended it. */
  readonly waitedMs: number;
  readonly frame: number[] | null;
  readonly errorCode: string | null;
}

async function consumeOne(input: Extract<WaitScenario, { scenario: 'consume-one' }>): Promise<WaitReport> {
  const consumer = attachSpscRing(input.sab).consumer({ waitStrategy: input.waitStrategy, keepAlive: input.keepAlive });
  const startedMs = performance.now();
  const woke =
    input.waitStrategy.kind === 'wait-async'
      ? await consumer.waitForDataAsync(input.timeoutMs)
      : consumer.waitForData(input.timeoutMs);
  const waitedMs = performance.now() - startedMs;
  const frame = consumer.tryRead();
  return { woke, waitedMs, frame: frame === null ? null : Array.from(frame), errorCode: null };
}

async function producePastFull(input: Extract<WaitScenario, { scenario: 'produce-past-full' }>): Promise<WaitReport> {
  const producer = attachSpscRing(input.sab).producer({ waitStrategy: input.waitStrategy });
  const frame = Uint8Array.of(1, 2, 3);
  while (producer.tryWrite(frame));
  const startedMs = performance.now();
  const woke =
    input.waitStrategy.kind === 'wait-async'
      ? await producer.waitForSpaceAsync(frame.length, input.timeoutMs)
      : producer.waitForSpace(frame.length, input.timeoutMs);
  const waitedMs = performance.now() - startedMs;
  return { woke, waitedMs, frame: producer.tryWrite(Uint8Array.of(9)) ? [9] : null, errorCode: null };
}

function readUntilDetached(input: Extract<WaitScenario, { scenario: 'read-until-detached' }>): WaitReport {
  const consumer = attachBroadcastRing(input.sab).consumer(input.readerSlot, { waitStrategy: { kind: 'wait' } });
  const startedMs = performance.now();
  const woke = consumer.waitForData(input.timeoutMs);
  const waitedMs = performance.now() - startedMs;
  try {
    consumer.drain(() => {});
    return { woke, waitedMs, frame: null, errorCode: null };
  } catch (error) {
    return { woke, waitedMs, frame: null, errorCode: (error as { code?: string }).code ?? String(error) };
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
