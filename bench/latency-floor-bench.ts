/**
 * The latency floor of the one-process ring: what p50/p99/p99.9 this machine gives a pipeline with
 * ringcast's thread layout and load and none of its work. The main thread offers stamped values
 * open-loop as bench/single-ring-bench.ts does at half load (a 1 ms timer sends what the rate owes
 * since the start), packed as the API endpoint packs proposals (frames of up to 256 KB), through
 * a SAB ring to one worker (a link of bench/sab-chain-worker.ts), which spins `--work-us` on each
 * value (one value's share of the CPU the actors take at full load: 1e6 / the maximum rate) and
 * sends the frame back through a second ring; the main thread reads it with Atomics.waitAsync,
 * as the node's API endpoint does, and records each value's latency. Nothing allocates per value
 * unless `--promises`, which makes one promise per value and settles it on return, as `propose()`
 * does.
 *
 *   npx tsx bench/latency-floor-bench.ts [--rate 300000] [--work-us 0] [--bytes 1024]
 *       [--seconds 5] [--warmup 2] [--promises] [--runs 1] [--gaps-seconds 3] [--gaps-threads 2]
 *
 * First it measures the machine itself: `--gaps-threads` threads (two by default, one per core as
 * the ring's main thread and worker are), each spinning on the clock in C (runtime/native/gaps.c)
 * for `--gaps-seconds` (0: not measured), and every gap over 0.5 ms between two readings, that is
 * every time a thread lost its core. A value in flight during such a gap waits for it, whatever the code does. Where the
 * native module is not built, one JavaScript thread spins instead, and its gaps include its own
 * minor collections.
 *
 * If this floor misses a latency target, no implementation with that CPU per value meets it on
 * this machine at that moment; if it meets it, the gap is ringcast's.
 */
import { Worker } from 'node:worker_threads';
import { parseArgs } from 'node:util';
import { NATIVE_MODULE_PATH, loadNativeCrc32 } from '../runtime/native/crc32.ts';
import { Histogram } from '../src/metrics/histogram.ts';
import { createSpscRing } from '../src/sab-ring/index.ts';

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string' },
    'work-us': { type: 'string' },
    bytes: { type: 'string' },
    seconds: { type: 'string' },
    warmup: { type: 'string' },
    promises: { type: 'boolean' },
    runs: { type: 'string' },
    'gaps-seconds': { type: 'string' },
    'gaps-threads': { type: 'string' },
  },
});
const RATE = Number(args.rate ?? 300_000);
const WORK_US = Number(args['work-us'] ?? 0);
const BYTES = Number(args.bytes ?? 1024);
const SECONDS = Number(args.seconds ?? 5);
const WARMUP_S = Number(args.warmup ?? 2);
const RUNS = Number(args.runs ?? 1);
const GAPS_S = Number(args['gaps-seconds'] ?? 3);
const GAPS_THREADS = Number(args['gaps-threads'] ?? 2);
for (const [name, v, min] of [
  ['rate', RATE, 1],
  ['work-us', WORK_US, 0],
  ['bytes', BYTES, 8],
  ['seconds', SECONDS, 0.5],
  ['warmup', WARMUP_S, 0],
  ['runs', RUNS, 1],
  ['gaps-seconds', GAPS_S, 0],
  ['gaps-threads', GAPS_THREADS, 1],
] as const) {
  if (!Number.isFinite(v) || v < min) throw new Error(`--${name}: a number of at least ${min}, not ${String(args[name])}`);
}
const OUTSTANDING_MAX = 1 << 16;
const FRAME_BYTES_TARGET = 256 * 1024;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Result {
  offered: number;
  delivered: number;
  latency: Histogram;
}

async function run(): Promise<Result> {
  const toWorker = createSpscRing({ capacityBytes: 16 << 20 });
  const fromWorker = createSpscRing({ capacityBytes: 16 << 20 });
  const bootstrap = new URL('../runtime/host/worker-bootstrap.mjs', import.meta.url);
  const entry = new URL('./sab-chain-worker.ts', import.meta.url).href;
  const worker = new Worker(bootstrap, { workerData: { entry, inbound: toWorker.sab, outbound: fromWorker.sab, workUs: WORK_US, valueBytes: BYTES } });
  const producer = toWorker.producer();
  const consumer = fromWorker.consumer({ waitStrategy: { kind: 'wait-async' } });
  await sleep(500); // let the worker load

  let latency = new Histogram();
  let delivered = 0;
  let outstanding = 0;
  let open = true;
  const settlers: Array<() => void> = [];
  let settled = 0;
  let view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(8));
  const back = (bytes: Uint8Array, offset: number, length: number): void => {
    if (view.buffer !== bytes.buffer) view = new DataView(bytes.buffer);
    const now = performance.now();
    for (let at = bytes.byteOffset + offset; at < bytes.byteOffset + offset + length; at += BYTES) {
      latency.record((now - view.getFloat64(at, true)) * 1000);
      delivered++;
      outstanding--;
      if (args.promises === true) {
        settlers[settled++]?.();
        if (settled === settlers.length) settlers.length = settled = 0;
      }
    }
  };
  // The API endpoint's pump: drain, and wait with Atomics.waitAsync when there is nothing.
  const pump = (async () => {
    let yielded = performance.now();
    while (open) {
      const n = consumer.drain(back);
      if (n === 0) {
        await consumer.waitForDataAsync(20);
        yielded = performance.now();
      } else if (performance.now() - yielded >= 1) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        yielded = performance.now();
      } else await Promise.resolve();
    }
  })();

  const valuesPerFrame = Math.max(1, Math.floor(FRAME_BYTES_TARGET / BYTES));
  const frame = new Uint8Array(valuesPerFrame * BYTES);
  const stamp = new DataView(frame.buffer);
  let offered = 0;
  const noop = (): void => undefined;
  const offer = async (seconds: number): Promise<void> => {
    const start = performance.now();
    let sent = 0;
    while (performance.now() - start < seconds * 1000) {
      const due = Math.floor(((performance.now() - start) / 1000) * RATE);
      while (sent < due && outstanding < OUTSTANDING_MAX) {
        const n = Math.min(due - sent, OUTSTANDING_MAX - outstanding, valuesPerFrame);
        for (let k = 0; k < n; k++) stamp.setFloat64(k * BYTES, performance.now(), true);
        if (!producer.tryWrite(frame.subarray(0, n * BYTES))) break;
        sent += n;
        outstanding += n;
        offered += n;
        if (args.promises === true) for (let k = 0; k < n; k++) void new Promise<void>((resolve) => settlers.push(resolve)).then(noop);
      }
      await sleep(1);
    }
  };
  await offer(WARMUP_S);
  latency = new Histogram();
  delivered = 0;
  offered = 0;
  await offer(SECONDS);
  const result = { offered: offered / SECONDS, delivered: delivered / SECONDS, latency };
  while (!producer.tryWrite(new Uint8Array(0))) await sleep(1);
  open = false;
  await pump;
  await worker.terminate();
  return result;
}

/** Spins on the clock in JavaScript for `seconds`: the gaps over 0.5 ms between readings, in ms. */
function jsGaps(seconds: number): number[] {
  const gaps: number[] = [];
  const start = performance.now();
  let last = start;
  while (last - start < seconds * 1000) {
    const t = performance.now();
    if (t - last > 0.5) gaps.push(t - last);
    last = t;
  }
  return gaps;
}

/** `threads` threads spinning in C at once: each one's gaps over 0.5 ms, in ms. */
function nativeGaps(seconds: number, threads: number): Promise<number[][]> {
  const path = NATIVE_MODULE_PATH;
  const code = "const { parentPort, workerData } = require('node:worker_threads'); parentPort.postMessage(require(workerData.path).schedulingGaps(workerData.seconds, 0.5));";
  const spinner = (): Promise<number[]> =>
    new Promise((resolve, reject) => {
      const w = new Worker(code, { eval: true, workerData: { path, seconds } });
      w.once('message', (gaps: number[]) => resolve(gaps));
      w.once('error', reject);
    });
  return Promise.all(Array.from({ length: threads }, spinner));
}

const describeGaps = (gaps: number[], seconds: number): string => {
  const lost = gaps.reduce((a, b) => a + b, 0);
  return `lost its core ${gaps.length} times for over 0.5 ms, ${gaps.filter((g) => g > 2).length} of them over 2 ms (largest ${Math.max(0, ...gaps).toFixed(2)} ms), ${((lost * 100) / (seconds * 1000)).toFixed(2)}% of the time`;
};

const ms = (us: number): string => (us / 1000).toFixed(2);
if (GAPS_S > 0) {
  if (loadNativeCrc32() instanceof Error) {
    console.log(`machine: one JavaScript thread spinning ${GAPS_S} s (its own minor collections included; the native probe is not built) ${describeGaps(jsGaps(GAPS_S), GAPS_S)}`);
  } else {
    const each = (await nativeGaps(GAPS_S, GAPS_THREADS)).map((g, k) => `thread ${k + 1} ${describeGaps(g, GAPS_S)}`);
    console.log(`machine: ${GAPS_THREADS} thread${GAPS_THREADS === 1 ? '' : 's'} spinning in C ${GAPS_S} s at once: ${each.join('; ')}`);
  }
}
console.log(`latency floor: ${RATE.toLocaleString('en-US')} values/s of ${BYTES} B offered by a 1 ms timer, one worker spinning ${WORK_US} µs per value${args.promises === true ? ', a promise per value' : ''}, ${SECONDS} s after ${WARMUP_S} s of warm-up`);
for (let k = 1; k <= RUNS; k++) {
  const r = await run();
  console.log(
    `run ${k}: offered ${Math.round(r.offered).toLocaleString('en-US')}, delivered ${Math.round(r.delivered).toLocaleString('en-US')} values/s, latency p50 ${ms(r.latency.quantile(0.5))} / p99 ${ms(r.latency.quantile(0.99))} / p99.9 ${ms(r.latency.quantile(0.999))} / max ${ms(r.latency.max)} ms`,
  );
}
