/**
 * What `ringcast start` does besides running the node: `--load` proposes numbered values through
 * a local proposer, `--record` appends every instance a local learner delivers to a file, one
 * JSON line each, so that a test (or a person) can check agreement and order across nodes.
 *
 * A load value is `--value-bytes` long: bytes 0..3 its sequence number (u32 LE), bytes 4..7 the
 * proposing node's transport id (u32 LE), then zeros. The recorder writes each value as
 * `[nodeId, seq]` (null for a value shorter than 8 bytes, which --load never proposes).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { ErrorCode, isRingcastError } from '../../src/errors.ts';
import type { DeliveredInstance } from '../../src/protocol/ready.ts';

export const LOAD_VALUE_BYTES_MIN = 8;
/**
 * Proposals outstanding at a time by default: the window that bounds the load when no rate is
 * given, 8 MiB of values between 512 and 8,192 of them. With five processes on loopback a 1 KB
 * value takes ~25 ms from propose to ack under load, so 1,024 outstanding capped the load near
 * 41,000 values/s while the CPUs were a fifth idle; 8,192 let the same deployments reach
 * 59,000-82,000 (README, benchmarks). Larger values need fewer: 8,192 values of 8 KB in flight
 * overflowed the sockets' buffers; in one process they cost the worker 23-32 µs per value against
 * 12 with 1,024 (the single-ring bench uses this window too).
 */
export function defaultLoadWindow(valueBytes: number): number {
  return Math.max(512, Math.min(8192, Math.round((8 * 1024 * 1024) / valueBytes)));
}
export const LOAD_WINDOW_MAX = 65_536;
/** A refused proposal (back-pressure, proposer restarting) is proposed again after this long. */
const LOAD_RETRY_DELAY_MS = 100;
/** How often the rate-limited loop wakes up, and how often progress is printed. */
const LOAD_PACE_MS = 10;
const LOAD_PROGRESS_MS = 1000;
/** Errors after which proposing the same value again can succeed. */
const RETRYABLE: readonly string[] = [ErrorCode.PROPOSER_FULL, ErrorCode.MAILBOX_FULL, ErrorCode.ACTOR_CRASHED, ErrorCode.TIMEOUT];

/** What the load proposes through: like the API's proposer, it must copy `bytes` before it returns. */
export interface Proposing {
  propose(bytes: Uint8Array): Promise<unknown>;
}

export interface LoadOptions {
  readonly count: number;
  /** Values per second; null: as fast as the window allows. */
  readonly ratePerSecond: number | null;
  readonly valueBytes: number;
  /** Proposals outstanding at most. */
  readonly window: number;
  /** This node's transport id, written into every value. */
  readonly nodeId: number;
}

export function loadValue(seq: number, nodeId: number, valueBytes: number): Uint8Array {
  return writeLoadValue(new Uint8Array(Math.max(LOAD_VALUE_BYTES_MIN, valueBytes)), seq, nodeId);
}

/** Writes the tag of value `seq` into `bytes` (the rest stays as it is); returns `bytes`. */
function writeLoadValue(bytes: Uint8Array, seq: number, nodeId: number): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, LOAD_VALUE_BYTES_MIN);
  view.setUint32(0, seq, true);
  view.setUint32(4, nodeId, true);
  return bytes;
}

/** `[nodeId, seq]` of a load value; null for anything shorter. */
export function loadValueTag(bytes: Uint8Array): [number, number] | null {
  if (bytes.length < LOAD_VALUE_BYTES_MIN) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, LOAD_VALUE_BYTES_MIN);
  return [view.getUint32(4, true), view.getUint32(0, true)];
}

/** The progress line a load prints every LOAD_PROGRESS_MS. */
export function progressLine(acked: number, count: number, ratePerSecond: number, retried: number): string {
  return `load: ${acked}/${count} acked, ${Math.round(ratePerSecond).toLocaleString('en-US')} values/s${retried > 0 ? `, ${retried} retried` : ''}`;
}

/** A progress line of a load (progressLine), its first group the values acked so far. */
export const PROGRESS_LINE = /^load: (\d+)\/\d+ acked/;

/** The values acked so far that a progress line of a load says (progressLine); null for any other line. */
export function ackedInProgressLine(line: string): number | null {
  const m = PROGRESS_LINE.exec(line);
  return m === null ? null : Number(m[1]);
}

/** Proposes `count` values, paced and windowed, and retries the ones refused for a passing reason. */
export class LoadGenerator {
  private next = 0;
  private outstanding = 0;
  private acked = 0;
  private retried = 0;
  private readonly retryQueue: number[] = [];
  /**
   * Every proposal is written into this one buffer: propose() copies it before it returns. A new
   * buffer per value was a quarter of the proposer process's main thread, with the GC it caused.
   */
  private readonly value: Uint8Array;
  private readonly startedMs = performance.now();
  private lastProgress = { atMs: this.startedMs, acked: 0 };
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private finish: (outcome: 'done' | 'stopped' | Error) => void = () => undefined;
  /** Resolves when every value is acked ('done'), on stop() ('stopped'), or with the error that ended it. */
  readonly finished: Promise<'done' | 'stopped' | Error>;

  constructor(
    private readonly proposer: Proposing,
    private readonly options: LoadOptions,
    private readonly print: (line: string) => void,
  ) {
    this.value = new Uint8Array(Math.max(LOAD_VALUE_BYTES_MIN, options.valueBytes));
    this.finished = new Promise((resolve) => (this.finish = resolve));
    this.timer = setInterval(() => this.onTimer(), LOAD_PACE_MS);
    this.pump();
  }

  stats(): Record<string, number> {
    return { count: this.options.count, proposed: this.next, acked: this.acked, outstanding: this.outstanding, retried: this.retried };
  }

  stop(): void {
    this.end('stopped');
  }

  private onTimer(): void {
    const now = performance.now();
    if (now - this.lastProgress.atMs >= LOAD_PROGRESS_MS) {
      const rate = ((this.acked - this.lastProgress.acked) * 1000) / (now - this.lastProgress.atMs);
      this.print(progressLine(this.acked, this.options.count, rate, this.retried));
      this.lastProgress = { atMs: now, acked: this.acked };
    }
    this.pump();
  }

  /** Proposes as many values as the window and the rate allow now. */
  private pump(): void {
    const allowed = this.options.ratePerSecond === null ? Infinity : Math.floor(((performance.now() - this.startedMs) / 1000) * this.options.ratePerSecond) + 1;
    while (!this.stopped && this.outstanding < this.options.window) {
      const retry = this.retryQueue.shift();
      if (retry !== undefined) this.propose(retry);
      else if (this.next < this.options.count && this.next < allowed) this.propose(this.next++);
      else break;
    }
  }

  private propose(seq: number): void {
    this.outstanding++;
    this.proposer.propose(writeLoadValue(this.value, seq, this.options.nodeId)).then(
      () => this.onAcked(),
      (e: unknown) => this.onRefused(seq, e),
    );
  }

  private onAcked(): void {
    this.outstanding--;
    this.acked++;
    if (this.acked === this.options.count) {
      this.print(`load: ${this.options.count} acked`);
      this.end('done');
    } else this.pump();
  }

  private onRefused(seq: number, e: unknown): void {
    this.outstanding--;
    if (this.stopped) return;
    if (!isRingcastError(e) || !RETRYABLE.includes(e.code)) {
      this.end(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    this.retried++;
    setTimeout(() => {
      this.retryQueue.push(seq);
      this.pump();
    }, LOAD_RETRY_DELAY_MS);
  }

  private end(outcome: 'done' | 'stopped' | Error): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.finish(outcome);
  }
}

/** Bytes of record lines held before they are written; they are also written every flush period. */
const RECORD_BUFFER_BYTES_MAX = 256 * 1024;
export const RECORD_FLUSH_MS = 50;

/** Appends one JSON line per delivered instance to a file, written at least every RECORD_FLUSH_MS. */
export class DeliveryRecorder {
  private lines: string[] = [];
  private bufferedBytes = 0;
  private instances = 0;
  private readonly timer: NodeJS.Timeout;
  private fd: number | null;

  /** Opens `path` for appending (throws if it cannot). */
  constructor(readonly path: string) {
    this.fd = openSync(path, 'a');
    this.timer = setInterval(() => this.flush(), RECORD_FLUSH_MS);
  }

  record(learner: number, d: DeliveredInstance): void {
    if (this.fd === null) return;
    const line = { ring: d.ring, learner, instance: d.instance, values: d.values.map((v) => loadValueTag(v.bytes)), ...(d.slots === 1 ? {} : { slots: d.slots }) };
    const text = `${JSON.stringify(line)}\n`;
    this.lines.push(text);
    this.bufferedBytes += text.length;
    this.instances++;
    if (this.bufferedBytes >= RECORD_BUFFER_BYTES_MAX) this.flush();
  }

  stats(): Record<string, number | string> {
    return { file: this.path, instances: this.instances };
  }

  /** Writes what is buffered. Synchronous: lines stay in order and nothing is lost at exit. */
  flush(): void {
    if (this.fd === null || this.lines.length === 0) return;
    const text = this.lines.join('');
    this.lines = [];
    this.bufferedBytes = 0;
    writeSync(this.fd, text);
  }

  close(): void {
    if (this.fd === null) return;
    clearInterval(this.timer);
    this.flush();
    closeSync(this.fd);
    this.fd = null;
  }
}
