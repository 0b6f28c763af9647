/**
 * Message-passing baselines of the queue benchmark, over any port-like endpoint: a worker's
 * `parentPort` (the `worker.postMessage` baseline, whose producer is the main thread) or one end
 * of a MessageChannel between two workers. Each frame is a Uint8Array that structured clone
 * copies. The consumer acknowledges every ACK_EVERY frames so that the producer keeps a bounded
 * window in flight, like a bounded ring (an unbounded queue would measure memory growth).
 */
import type { MessagePort } from 'node:worker_threads';
import {
  FrameCounter,
  LatencyRecorder,
  microsSinceStamp,
  nowNs,
  sendTimedPhases,
  stampInto,
  type ConsumerReport,
  type ProducerReport,
  type RunParams,
} from './queue-bench-shared.ts';

const ACK_EVERY = 16;
const WINDOW_BYTES = 4 << 20;
const PONG = new Uint8Array(8);

/** The part of Worker and MessagePort this benchmark uses. */
export interface PortLike {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
}

export interface MessageRunInput extends RunParams {
  readonly role: 'producer' | 'consumer';
  /** MessageChannel runs: this end's port. Absent: talk to the parent through parentPort. */
  readonly port?: MessagePort;
}

export interface ConsumerReportMessage {
  readonly report: ConsumerReport;
}

export async function runMessageProducer(port: PortLike, params: RunParams): Promise<ProducerReport> {
  const windowFrames = Math.max(4 * ACK_EVERY, Math.floor(WINDOW_BYTES / params.sizeBytes));
  let acked = 0;
  let onAck: (() => void) | null = null;
  let onPong: (() => void) | null = null;
  port.on('message', (message) => {
    if (typeof message === 'number') {
      acked = message;
      onAck?.();
    } else if (message instanceof Uint8Array) {
      onPong?.();
    }
  });
  const nextAck = (): Promise<void> => new Promise((resolve) => (onAck = resolve));
  const nextPong = (): Promise<void> => new Promise((resolve) => (onPong = resolve));
  const payload = new Uint8Array(params.sizeBytes).fill(0xa5);
  let sent = 0;
  const drainWindow = async (): Promise<void> => {
    while (sent - acked >= windowFrames) await nextAck();
  };
  await sendTimedPhases(params, (lengthBytes) => {
    port.postMessage(lengthBytes === payload.length ? payload : new Uint8Array(lengthBytes));
    sent += 1;
    // A promise only when the window is full: an await per frame would slow the baseline.
    return sent - acked >= windowFrames ? drainWindow() : undefined;
  });
  const scratch = new Float64Array(1);
  const roundTripUs = new Float64Array(params.pings);
  for (let i = 0; i < params.pings; i++) {
    const startedNs = nowNs();
    stampInto(payload, scratch);
    const pong = nextPong();
    port.postMessage(payload);
    await pong;
    roundTripUs[i] = (nowNs() - startedNs) / 1_000;
  }
  return { roundTripUs: roundTripUs.sort() };
}

/** Counts the timed phases, then answers pings; resolves once every ping is answered. */
export function runMessageConsumer(port: PortLike, params: RunParams): Promise<ConsumerReport> {
  const counter = new FrameCounter();
  const latencies = new LatencyRecorder(params.pings);
  const scratch = new Float64Array(1);
  let received = 0;
  return new Promise((resolve) => {
    port.on('message', (message) => {
      if (!(message instanceof Uint8Array)) return;
      if (!counter.done) {
        counter.onFrame(message.length);
        received += 1;
        if (received % ACK_EVERY === 0 || counter.done) port.postMessage(received);
        return;
      }
      latencies.record(microsSinceStamp(message, 0, scratch));
      port.postMessage(PONG);
      if (latencies.complete) {
        resolve({ frames: counter.frames, bytes: counter.bytes, elapsedMs: counter.elapsedMs, oneWayUs: latencies.sorted() });
      }
    });
  });
}
