/**
 * One ring in one process: values/s and MB/s at 1 KB and 8 KB for each placement (a thread per
 * actor, shared threads), latency p50/p99/p99.9 at half of the maximum load, beside a raw chain of
 * SAB rings through as many threads as the placement uses, measured in the same run, and beside
 * the latency floor at the same half-load rate (bench/latency-floor-bench.ts: the same load through
 * two threads that do no protocol work; once echoing at once, once spinning 1e6 / max µs per value,
 * as long as the busiest thread works per value at full load), which shows how much of the p99
 * this machine takes by itself.
 *
 *   npx tsx bench/single-ring-bench.ts [--seconds 5] [--quick] [--retained-bytes N]
 *
 * `--retained-bytes` sets the acceptors' acceptorRetainedBytesMax (default 16 MiB): less retention
 * keeps the working set in cache (8 KB values gain), at the cost of how far a restarted learner
 * can catch up.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { parseArgs } from 'node:util';
import { Histogram } from '../src/metrics/histogram.ts';
import { createSpscRing } from '../src/sab-ring/index.ts';
import { startNode, type RingcastNode } from '../runtime/node/node.ts';
import { defaultLoadWindow } from '../runtime/cli/load-and-record.ts';

const { values: args } = parseArgs({ options: { seconds: { type: 'string' }, quick: { type: 'boolean' }, 'retained-bytes': { type: 'string' } } });
const RETAINED = args['retained-bytes'] === undefined ? undefined : Number(args['retained-bytes']);
const SECONDS = Number(args.seconds ?? (args.quick === true ? 2 : 5));
const SIZES = args.quick === true ? [1024] : [1024, 8192];
const PLACEMENTS = ['dedicated', 'shared'] as const;
const clock = (): number => performance.timeOrigin + performance.now();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Result {
  valuesPerSec: number;
  mbPerSec: number;
  latency: Histogram;
}


/** The send time in a value's first 8 bytes; one DataView per buffer (a delivery's values share one). */
let stampView: DataView = new DataView(new ArrayBuffer(8));
function sentAt(bytes: Uint8Array): number {
  if (stampView.buffer !== bytes.buffer) stampView = new DataView(bytes.buffer);
  return stampView.getFloat64(bytes.byteOffset, true);
}

/**
 * Offers load: closed loop with `window` outstanding (each answer sends the next value), or open
 * loop at `ratePerSec`. propose() copies the value before it returns, so one buffer serves every
 * value (its first 8 bytes carry the send time), unless `how.fresh` asks for a new Uint8Array per value, as a program that
 * allocates each value would. Deliveries are borrowed (read in the callback, as the bench does),
 * unless `how.copied` asks for the default: each delivery copied out of the mailbox.
 */
async function offer(node: RingcastNode, bytes: number, seconds: number, load: { window: number } | { ratePerSec: number }, how: { fresh?: boolean; copied?: boolean } = {}): Promise<Result> {
  const fresh = how.fresh === true;
  const latency = new Histogram();
  let delivered = 0;
  const unsubscribe = node.learner(1).onDeliver((d) => {
    const now = clock();
    for (const v of d.values) {
      delivered++;
      latency.record((now - sentAt(v.bytes)) * 1000);
    }
  }, { borrow: how.copied !== true });
  const proposer = node.proposer(1);
  let outstanding = 0;
  const reused = new Uint8Array(bytes);
  const start = performance.now();
  const end = start + seconds * 1000;
  let refill = 'window' in load;
  // Closed loop: each answer sends the next value at once (a loop that topped the window up every
  // millisecond left the worker idle a fifth of the time at 8 KB, every value answered and none sent).
  const settled = (): void => {
    outstanding--;
    if (refill) propose();
  };
  const propose = (): void => {
    const value = fresh ? new Uint8Array(bytes) : reused;
    new DataView(value.buffer).setFloat64(0, clock(), true);
    outstanding++;
    proposer.propose(value).then(settled, settled);
  };
  if ('window' in load) {
    while (outstanding < load.window) propose();
    await sleep(seconds * 1000);
    refill = false;
  } else {
    let sent = 0;
    while (performance.now() < end) {
      const due = Math.floor(((performance.now() - start) / 1000) * load.ratePerSec);
      while (sent < due && outstanding < 1 << 16) (propose(), sent++);
      await sleep(1);
    }
  }
  const elapsed = (performance.now() - start) / 1000;
  unsubscribe();
  while (outstanding > 0 && performance.now() < end + 5000) await sleep(10);
  return { valuesPerSec: delivered / elapsed, mbPerSec: (delivered * bytes) / elapsed / 1e6, latency };
}

/** Frames/s through a chain of `threads` worker threads joined by SPSC rings, from and back to main. */
async function rawChain(threads: number, bytes: number, seconds: number): Promise<number> {
  const rings = Array.from({ length: threads + 1 }, () => createSpscRing({ capacityBytes: 4 * 1024 * 1024 }));
  const bootstrap = new URL('../runtime/host/worker-bootstrap.mjs', import.meta.url);
  const entry = new URL('./sab-chain-worker.ts', import.meta.url).href;
  const workers = Array.from({ length: threads }, (_, i) => new Worker(bootstrap, { workerData: { entry, inbound: rings[i]?.sab, outbound: rings[i + 1]?.sab } }));
  const producer = (rings[0] as ReturnType<typeof createSpscRing>).producer();
  const consumer = (rings[threads] as ReturnType<typeof createSpscRing>).consumer();
  const frame = new Uint8Array(bytes);
  await sleep(500); // let the workers load
  let received = 0;
  const count = (): void => void received++;
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) {
    for (let k = 0; k < 64; k++) if (!producer.tryWrite(frame)) break;
    if (consumer.drain(count) === 0) await new Promise((r) => setImmediate(r));
  }
  const elapsed = (performance.now() - start) / 1000;
  // An empty frame tells each link to stop; drain until it comes back round, so no link blocks.
  let stopped = false;
  const untilStop = (_b: Uint8Array, _o: number, length: number): void => void (length === 0 && (stopped = true));
  while (!producer.tryWrite(new Uint8Array(0))) consumer.drain(untilStop);
  while (!stopped) if (consumer.drain(untilStop) === 0) await new Promise((r) => setImmediate(r));
  await Promise.all(workers.map((w) => w.terminate()));
  return received / elapsed;
}

const FLOOR_BENCH = fileURLToPath(new URL('./latency-floor-bench.ts', import.meta.url));

/** bench/latency-floor-bench.ts at `rate`, in a process of its own: its output, and its p50 / p99 / p99.9. */
function latencyFloor(rate: number, bytes: number, seconds: number, gapsSeconds: number, workUs = 0): { out: string; quantiles: string } {
  const pass = ['--rate', String(Math.round(rate)), '--work-us', workUs.toFixed(2), '--bytes', String(bytes), '--seconds', String(seconds), '--warmup', '1', '--gaps-seconds', String(gapsSeconds)];
  const out = execFileSync(process.execPath, ['--import', 'tsx', FLOOR_BENCH, ...pass], { encoding: 'utf8' });
  const m = /latency p50 ([\d.]+) \/ p99 ([\d.]+) \/ p99\.9 ([\d.]+)/.exec(out);
  if (m === null) throw new Error(`the latency floor printed no latency:\n${out}`);
  return { out, quantiles: `${m[1]} / ${m[2]} / ${m[3]}` };
}

const ms = (us: number): string => (us / 1000).toFixed(2);
let machine: string | null = null;
const rows: string[][] = [];
for (const placement of PLACEMENTS) {
  for (const bytes of SIZES) {
    const node = await startNode({ rings: [{ id: 1, ...(RETAINED === undefined ? {} : { protocol: { acceptorRetainedBytesMax: RETAINED } }) }], placement: { mode: placement } });
    node.onLog = () => undefined;
    const threads = node.threadReport().length;
    // Warm up for 3 s: the JIT, and the first touch of the acceptors' vote-store pages (tens of MB).
    const window = defaultLoadWindow(bytes);
    await offer(node, bytes, 3, { window });
    const max = await offer(node, bytes, SECONDS, { window });
    const fresh = await offer(node, bytes, SECONDS, { window }, { fresh: true });
    const copied = await offer(node, bytes, SECONDS, { window }, { copied: true });
    // 2 s at half load first, as the latency floor and bench/gc-latency-bench.ts warm up at their
    // rate: the latency is that of a steady half load, not of the way down from full load.
    await offer(node, bytes, 2, { ratePerSec: max.valuesPerSec / 2 });
    const half = await offer(node, bytes, SECONDS, { ratePerSec: max.valuesPerSec / 2 });
    await node.close();
    const chain = await rawChain(threads, bytes, Math.min(SECONDS, 3));
    // The first floor also probes the machine's own gaps (two threads spinning in C), once.
    const floor = latencyFloor(half.valuesPerSec, bytes, SECONDS, machine === null ? 3 : 0);
    machine ??= /^machine: .*$/m.exec(floor.out)?.[0] ?? 'machine: the latency floor printed no gaps';
    // The worker's share of a value at full load, where the busiest thread is busy all the time.
    const loaded = latencyFloor(half.valuesPerSec, bytes, SECONDS, 0, 1e6 / max.valuesPerSec);
    rows.push([
      placement,
      `${bytes}`,
      `${window}`,
      `${threads}`,
      Math.round(max.valuesPerSec).toLocaleString('en-US'),
      max.mbPerSec.toFixed(1),
      Math.round(fresh.valuesPerSec).toLocaleString('en-US'),
      Math.round(copied.valuesPerSec).toLocaleString('en-US'),
      Math.round(half.valuesPerSec).toLocaleString('en-US'),
      `${ms(half.latency.quantile(0.5))} / ${ms(half.latency.quantile(0.99))} / ${ms(half.latency.quantile(0.999))}`,
      floor.quantiles,
      loaded.quantiles,
      Math.round(chain).toLocaleString('en-US'),
      ((chain * bytes) / 1e6).toFixed(0),
    ]);
    console.error(`done: ${placement} ${bytes} B`);
  }
}
const header = ['placement', 'value B', 'window', 'threads', 'max values/s', 'max MB/s', 'values/s, new buffer per value', 'values/s, deliveries copied', 'half-load values/s', 'half-load latency p50 / p99 / p99.9 ms', 'latency floor at that rate, ms', 'floor with 1e6/max µs of work per value, ms', 'raw SAB chain frames/s', 'chain MB/s'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
const line = (r: string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
console.log(machine);
