/**
 * What the queue benchmark's threads share: the run parameters, the marker frames that bracket
 * the measured phase, the clock, and percentiles.
 *
 * A throughput run sends frames for `warmupMs` (JIT warm-up, not counted), then a 1-byte START
 * marker, then frames for `durationMs`, then a 0-byte END marker; the consumer counts between the
 * markers on its own clock. Data frames are never shorter than 8 bytes, so markers cannot clash.
 * A latency run is a ping-pong with one frame in flight: the ping carries its send time on the
 * monotonic clock shared by all threads of the process, the receiver subtracts it (one-way), the
 * sender times the round trip.
 */
import type { WaitStrategy } from '../src/sab-ring/index.ts';

export const START_MARKER_BYTES = 1;
export const END_MARKER_BYTES = 0;
export const STAMP_BYTES = 8;
export const PONG_BYTES = 8;
/** Pings not counted at the start of a latency run (the receiver may still be finishing). */
export const PINGS_WARMUP = 200;

export interface RunParams {
  readonly sizeBytes: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly pings: number;
}

export interface RingRunInput extends RunParams {
  readonly role: 'producer' | 'consumer';
  readonly waitStrategy: WaitStrategy;
  readonly dataSab: SharedArrayBuffer;
  readonly pingSab: SharedArrayBuffer;
  readonly pongSab: SharedArrayBuffer;
}

/** What a consumer measured; `oneWayUs` are the sorted one-way latencies of the counted pings. */
export interface ConsumerReport {
  readonly frames: number;
  readonly bytes: number;
  readonly elapsedMs: number;
  readonly oneWayUs: Float64Array;
}

export interface ProducerReport {
  readonly roundTripUs: Float64Array;
}

/** Monotonic nanoseconds, the same clock in every thread of the process. */
export function nowNs(): number {
  return Number(process.hrtime.bigint());
}

/** Writes the current time as a Float64 into `payload[0..8)`. */
export function stampInto(payload: Uint8Array, scratch: Float64Array): void {
  scratch[0] = nowNs();
  payload.set(new Uint8Array(scratch.buffer, 0, STAMP_BYTES), 0);
}

/** Microseconds since the stamp in `bytes[offset..offset+8)` (copied: the offset may be unaligned). */
export function microsSinceStamp(bytes: Uint8Array, offset: number, scratch: Float64Array): number {
  const now = nowNs();
  new Uint8Array(scratch.buffer, 0, STAMP_BYTES).set(bytes.subarray(offset, offset + STAMP_BYTES));
  return (now - (scratch[0] ?? now)) / 1_000;
}

export function percentileOf(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.floor(fraction * sorted.length));
  return sorted[index] ?? Number.NaN;
}

/** Counts data frames between the START and END markers, on this thread's clock. */
export class FrameCounter {
  frames = 0;
  bytes = 0;
  done = false;
  private startedMs = 0;
  private endedMs = 0;

  onFrame(lengthBytes: number): void {
    if (lengthBytes > START_MARKER_BYTES) {
      this.frames += 1;
      this.bytes += lengthBytes;
    } else if (lengthBytes === START_MARKER_BYTES) {
      this.frames = 0;
      this.bytes = 0;
      this.startedMs = performance.now();
    } else {
      this.endedMs = performance.now();
      this.done = true;
    }
  }

  get elapsedMs(): number {
    return this.endedMs - this.startedMs;
  }
}

/** Records the one-way latency of each counted ping. */
export class LatencyRecorder {
  private readonly samplesUs: Float64Array;
  private seen = 0;

  constructor(private readonly pings: number) {
    this.samplesUs = new Float64Array(Math.max(0, pings - PINGS_WARMUP));
  }

  record(latencyUs: number): void {
    if (this.seen >= PINGS_WARMUP) this.samplesUs[this.seen - PINGS_WARMUP] = latencyUs;
    this.seen += 1;
  }

  get complete(): boolean {
    return this.seen >= this.pings;
  }

  sorted(): Float64Array {
    return this.samplesUs.slice().sort();
  }
}

/** Runs `sendOne` paced by the clock: warm-up, START, measured phase, END. */
export async function sendTimedPhases(
  params: RunParams,
  sendFrame: (lengthBytes: number) => void | Promise<void>,
): Promise<void> {
  const phases: [durationMs: number, markerBytes: number][] = [
    [params.warmupMs, START_MARKER_BYTES],
    [params.durationMs, END_MARKER_BYTES],
  ];
  for (const [durationMs, markerBytes] of phases) {
    const deadlineMs = performance.now() + durationMs;
    for (let frames = 1; ; frames++) {
      const sent = sendFrame(params.sizeBytes);
      if (sent !== undefined) await sent;
      if ((frames & 63) === 0 && performance.now() >= deadlineMs) break;
    }
    const sent = sendFrame(markerBytes);
    if (sent !== undefined) await sent;
  }
}
