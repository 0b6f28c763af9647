/**
 * Latency at a fixed offered rate, one ring in one process (shared placement by default), with
 * what each thread's young-generation collector did meanwhile: scavenges, their pauses, and the
 * bytes they promoted. For the p99 at half load, which follows the scavenges of the main thread
 * and the actors' worker (README, Benchmarks).
 *
 *   npx tsx bench/gc-latency-bench.ts [--rate 100000] [--seconds 4] [--bytes 1024]
 *       [--placement shared|dedicated] [--runs 1]
 *
 * The benchmark runs itself again as a child under `--trace-gc-nvp` and reads V8's lines: each
 * names its isolate, and the main thread's isolate is the one at the lowest address (the others
 * are workers). Scavenges are counted from the end of the 3 s warm-up by each isolate's own clock
 * (workers start a little after the process, so theirs include up to a few hundred ms of it).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Histogram } from '../src/metrics/histogram.ts';
import { startNode } from '../runtime/node/node.ts';

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string' },
    seconds: { type: 'string' },
    bytes: { type: 'string' },
    placement: { type: 'string' },
    runs: { type: 'string' },
    child: { type: 'boolean' },
  },
});
const RATE = Number(args.rate ?? 100_000);
const SECONDS = Number(args.seconds ?? 4);
const BYTES = Number(args.bytes ?? 1024);
const PLACEMENT = args.placement ?? 'shared';
const WARMUP_S = 3;
if (PLACEMENT !== 'shared' && PLACEMENT !== 'dedicated') throw new Error(`--placement: shared or dedicated, not ${PLACEMENT}`);
for (const [name, v] of [['rate', RATE], ['seconds', SECONDS], ['bytes', BYTES]] as const) {
  if (!Number.isFinite(v) || v < (name === 'bytes' ? 8 : 1)) throw new Error(`--${name}: a number of at least ${name === 'bytes' ? 8 : 1}, not ${String(v)}`);
}

interface ChildResult {
  recordFromMs: number;
  delivered: number;
  p50: number;
  p99: number;
  p999: number;
}

if (args.child === true) {
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  const node = await startNode({ rings: [{ id: 1 }], placement: { mode: PLACEMENT } });
  node.onLog = () => undefined;
  let latency = new Histogram();
  let delivered = 0;
  let view: DataView = new DataView(new ArrayBuffer(8));
  node.learner(1).onDeliver(
    (d) => {
      const now = performance.now();
      for (const v of d.values) {
        if (view.buffer !== v.bytes.buffer) view = new DataView(v.bytes.buffer);
        latency.record((now - view.getFloat64(v.bytes.byteOffset, true)) * 1000);
        delivered++;
      }
    },
    { borrow: true },
  );
  const proposer = node.proposer(1);
  const value = new Uint8Array(BYTES);
  const stamp = new DataView(value.buffer);
  let outstanding = 0;
  const settled = (): void => void outstanding--;
  // Open loop: each millisecond timer sends what the rate owes since the start.
  const offer = async (seconds: number): Promise<void> => {
    const start = performance.now();
    let sent = 0;
    while (performance.now() - start < seconds * 1000) {
      const due = Math.floor(((performance.now() - start) / 1000) * RATE);
      for (; sent < due && outstanding < 1 << 16; sent++) {
        stamp.setFloat64(0, performance.now(), true);
        outstanding++;
        proposer.propose(value).then(settled, settled);
      }
      await sleep(1);
    }
  };
  await offer(WARMUP_S);
  latency = new Histogram();
  delivered = 0;
  const recordFromMs = performance.now();
  await offer(SECONDS);
  const q = (x: number): number => latency.quantile(x) / 1000;
  const result: ChildResult = { recordFromMs, delivered, p50: q(0.5), p99: q(0.99), p999: q(0.999) };
  console.log(`RESULT ${JSON.stringify(result)}`);
  await node.close();
  process.exit(0);
}

interface Scavenges {
  count: number;
  pauseMs: number[];
  promoted: number;
  firstMs: number;
  lastMs: number;
}

const me = fileURLToPath(import.meta.url);
const pass = ['--rate', String(RATE), '--seconds', String(SECONDS), '--bytes', String(BYTES), '--placement', PLACEMENT];
console.log(`offered ${RATE.toLocaleString('en-US')} values/s of ${BYTES} B, ${PLACEMENT} placement, ${SECONDS} s after ${WARMUP_S} s of warm-up`);
for (let run = 1; run <= Number(args.runs ?? 1); run++) {
  const child = spawnSync(process.execPath, [...process.execArgv, '--trace-gc-nvp', me, '--child', ...pass], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const out = child.stdout ?? '';
  const line = out.split('\n').find((l) => l.startsWith('RESULT '));
  if (child.status !== 0 || line === undefined) {
    console.error(child.stderr);
    throw new Error(`the measuring child failed (exit ${String(child.status)})`);
  }
  const r = JSON.parse(line.slice('RESULT '.length)) as ChildResult;
  const byIsolate = new Map<string, Scavenges>();
  for (const l of out.split('\n')) {
    const m = /^\[\d+:(0x[0-9a-f]+)\]\s+(\d+) ms: (.*)$/.exec(l);
    if (m === null || !/\bgc=s\b/.test(m[3] as string)) continue;
    const t = Number(m[2]);
    if (t < r.recordFromMs) continue;
    const field = (name: string): number => Number(new RegExp(`\\b${name}=([0-9.]+)`).exec(m[3] as string)?.[1] ?? 0);
    const s = byIsolate.get(m[1] as string) ?? { count: 0, pauseMs: [], promoted: 0, firstMs: t, lastMs: t };
    s.count++;
    s.pauseMs.push(field('pause'));
    s.promoted += field('promoted');
    s.lastMs = t;
    byIsolate.set(m[1] as string, s);
  }
  const isolates = [...byIsolate].sort((a, b) => (BigInt(a[0]) < BigInt(b[0]) ? -1 : 1));
  console.log(
    `run ${run}: delivered ${Math.round(r.delivered / SECONDS).toLocaleString('en-US')} values/s, latency p50 ${r.p50.toFixed(2)} / p99 ${r.p99.toFixed(2)} / p99.9 ${r.p999.toFixed(2)} ms`,
  );
  isolates.forEach(([address, s], k) => {
    if (s.count < 3) return; // a thread with nearly nothing to do (spare, idle helpers)
    const pauses = [...s.pauseMs].sort((a, b) => a - b);
    const mean = pauses.reduce((x, y) => x + y, 0) / pauses.length;
    const every = s.count > 1 ? (s.lastMs - s.firstMs) / (s.count - 1) : NaN;
    console.log(
      `  ${k === 0 ? 'main  ' : 'worker'} ${address}: ${s.count} scavenges, every ${every.toFixed(0)} ms, pause mean ${mean.toFixed(2)} max ${(pauses[pauses.length - 1] ?? 0).toFixed(2)} ms, promoted ${(s.promoted / s.count / 1024).toFixed(0)} KB each`,
    );
  });
}
