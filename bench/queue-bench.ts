/**
 * Queue benchmark: the SAB SPSC ring against worker.postMessage and a MessageChannel port, for
 * 64 B, 1 KB, 8 KB and 32 KB frames, between two threads (one producer, one consumer).
 *
 *   npx tsx bench/queue-bench.ts [--quick] [--sizes 64,1024] [--strategies spin,wait]
 *                                [--duration-ms 700] [--capacity-bytes 1048576] [--spin-budget N]
 *                                [--repeat N]
 *
 * Per row: frames/s and GB/s of a timed one-way stream (the consumer's clock, between markers,
 * after a warm-up), and the one-way latency p50/p99 of a ping-pong with one frame in flight
 * (send and receive times on the process-wide monotonic clock), plus the round trip p50.
 * The ring's consumer receives a view (no copy); message baselines receive a structured-clone copy.
 * On 2 cores, a spinning endpoint holds a whole core: figures swing with the machine's load.
 */
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { createSpscRing, type WaitStrategy, type WaitStrategyKind } from '../src/sab-ring/index.ts';
import { runMessageProducer, type ConsumerReportMessage, type MessageRunInput } from './queue-bench-messages.ts';
import { percentileOf, type ConsumerReport, type ProducerReport, type RingRunInput, type RunParams } from './queue-bench-shared.ts';

const BOOTSTRAP_URL = new URL('./queue-worker-bootstrap.mjs', import.meta.url);
const RING_WORKER_URL = new URL('./queue-bench-ring-worker.ts', import.meta.url);
const MESSAGE_WORKER_URL = new URL('./queue-bench-message-worker.ts', import.meta.url);
const PING_RING_BYTES = 1 << 17;

function strategyOf(kind: WaitStrategyKind, spinBudget: number | undefined): WaitStrategy {
  switch (kind) {
    case 'spin':
    case 'wait':
      return { kind };
    case 'spin-then-wait':
    case 'wait-async':
      return spinBudget === undefined ? { kind } : { kind, spinBudget };
  }
}
const STRATEGY_KINDS: readonly WaitStrategyKind[] = ['spin', 'wait', 'wait-async', 'spin-then-wait'];

interface BenchOptions {
  readonly sizesBytes: readonly number[];
  readonly strategies: readonly WaitStrategyKind[];
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly pings: number;
  readonly capacityBytes: number;
  /** For spin-then-wait and wait-async; undefined: the module's defaults. */
  readonly spinBudget: number | undefined;
  /** Runs per case; the table shows the best figure of each. */
  readonly repeat: number;
}

interface Row {
  readonly transport: string;
  readonly strategy: string;
  readonly sizeBytes: number;
  readonly framesPerSec: number;
  readonly gbPerSec: number;
  readonly oneWayUsP50: number;
  readonly oneWayUsP99: number;
  readonly roundTripUsP50: number;
}

function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      sizes: { type: 'string', default: '64,1024,8192,32768' },
      strategies: { type: 'string', default: 'spin,wait,wait-async,spin-then-wait' },
      'duration-ms': { type: 'string' },
      'capacity-bytes': { type: 'string', default: String(1 << 20) },
      'spin-budget': { type: 'string' },
      repeat: { type: 'string', default: '1' },
    },
  });
  const strategies = values.strategies.split(',').map((name) => {
    if (!STRATEGY_KINDS.includes(name as WaitStrategyKind)) throw new Error(`--strategies: unknown '${name}'`);
    return name as WaitStrategyKind;
  });
  const spinBudget = values['spin-budget'];
  return {
    sizesBytes: values.sizes.split(',').map(Number),
    strategies,
    warmupMs: values.quick ? 100 : 200,
    durationMs: Number(values['duration-ms'] ?? (values.quick ? 250 : 700)),
    pings: values.quick ? 2_000 : 10_000,
    capacityBytes: Number(values['capacity-bytes']),
    spinBudget: spinBudget === undefined ? undefined : Number(spinBudget),
    repeat: Math.max(1, Number(values.repeat)),
  };
}

/** Starts a worker on a .ts entry and resolves with the first message that `accept` takes. */
function runWorker<T>(entryUrl: URL, input: object, accept: (message: unknown) => message is T, transferList: MessagePort[] = []): Promise<T> {
  const worker = new Worker(BOOTSTRAP_URL, { workerData: { entry: entryUrl.href, ...input }, transferList });
  return new Promise<T>((resolve, reject) => {
    worker.on('message', (message) => accept(message) && resolve(message));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`${entryUrl.pathname} exited with code ${code}`)));
  });
}

const isConsumerReport = (message: unknown): message is ConsumerReport =>
  typeof message === 'object' && message !== null && 'oneWayUs' in message;
const isProducerReport = (message: unknown): message is ProducerReport =>
  typeof message === 'object' && message !== null && 'roundTripUs' in message;
const isReportMessage = (message: unknown): message is ConsumerReportMessage =>
  typeof message === 'object' && message !== null && 'report' in message;

function rowOf(transport: string, strategy: string, params: RunParams, consumed: ConsumerReport, produced: ProducerReport): Row {
  const seconds = consumed.elapsedMs / 1_000;
  return {
    transport,
    strategy,
    sizeBytes: params.sizeBytes,
    framesPerSec: consumed.frames / seconds,
    gbPerSec: consumed.bytes / seconds / 1e9,
    oneWayUsP50: percentileOf(consumed.oneWayUs, 0.5),
    oneWayUsP99: percentileOf(consumed.oneWayUs, 0.99),
    roundTripUsP50: percentileOf(produced.roundTripUs, 0.5),
  };
}

async function benchRing(options: BenchOptions, params: RunParams, strategy: WaitStrategyKind): Promise<Row> {
  const common = {
    ...params,
    waitStrategy: strategyOf(strategy, options.spinBudget),
    dataSab: createSpscRing({ capacityBytes: options.capacityBytes }).sab,
    pingSab: createSpscRing({ capacityBytes: Math.max(PING_RING_BYTES, 4 * params.sizeBytes) }).sab,
    pongSab: createSpscRing({ capacityBytes: PING_RING_BYTES }).sab,
  };
  const consumerInput: RingRunInput = { ...common, role: 'consumer' };
  const producerInput: RingRunInput = { ...common, role: 'producer' };
  const [consumed, produced] = await Promise.all([
    runWorker(RING_WORKER_URL, consumerInput, isConsumerReport),
    runWorker(RING_WORKER_URL, producerInput, isProducerReport),
  ]);
  return rowOf('sab-ring', strategy, params, consumed, produced);
}

async function benchPostMessage(params: RunParams): Promise<Row> {
  const consumerInput: MessageRunInput = { ...params, role: 'consumer' };
  const worker = new Worker(BOOTSTRAP_URL, { workerData: { entry: MESSAGE_WORKER_URL.href, ...consumerInput } });
  const consumed = new Promise<ConsumerReport>((resolve, reject) => {
    worker.on('message', (message) => isReportMessage(message) && resolve(message.report));
    worker.once('error', reject);
  });
  await new Promise((resolve) => worker.once('online', resolve));
  const produced = await runMessageProducer(worker, params);
  const row = rowOf('postMessage', 'event loop', params, await consumed, produced);
  await worker.terminate();
  return row;
}

async function benchMessageChannel(params: RunParams): Promise<Row> {
  const { port1, port2 } = new MessageChannel();
  const consumerInput: MessageRunInput = { ...params, role: 'consumer', port: port2 };
  const producerInput: MessageRunInput = { ...params, role: 'producer', port: port1 };
  const [consumed, produced] = await Promise.all([
    runWorker(MESSAGE_WORKER_URL, consumerInput, isReportMessage, [port2]).then((message) => message.report),
    runWorker(MESSAGE_WORKER_URL, producerInput, isProducerReport, [port1]),
  ]);
  return rowOf('MessageChannel', 'event loop', params, consumed, produced);
}

function formatRow(row: Row): string {
  const size = row.sizeBytes >= 1024 ? `${row.sizeBytes / 1024} KB` : `${row.sizeBytes} B`;
  return [
    row.transport.padEnd(15),
    row.strategy.padEnd(15),
    size.padStart(6),
    (row.framesPerSec / 1e6).toFixed(2).padStart(9),
    row.gbPerSec.toFixed(2).padStart(7),
    row.oneWayUsP50.toFixed(1).padStart(9),
    row.oneWayUsP99.toFixed(1).padStart(9),
    row.roundTripUsP50.toFixed(1).padStart(9),
  ].join(' ');
}

const TABLE_HEADER = [
  'transport'.padEnd(15),
  'wait strategy'.padEnd(15),
  'frame'.padStart(6),
  'M frames/s'.padStart(9),
  'GB/s'.padStart(7),
  '1-way p50'.padStart(9),
  '1-way p99'.padStart(9),
  'rtt p50'.padStart(9),
].join(' ');

function printTargets(rows: readonly Row[]): void {
  const ringRows = (sizeBytes: number): Row[] =>
    rows.filter((row) => row.transport === 'sab-ring' && row.sizeBytes === sizeBytes);
  const spinOf = (sizeBytes: number): Row | undefined => ringRows(sizeBytes).find((row) => row.strategy === 'spin');
  const bestOf = (sizeBytes: number): Row | undefined =>
    ringRows(sizeBytes).sort((a, b) => b.framesPerSec - a.framesPerSec)[0];
  const post64 = rows.find((row) => row.transport === 'postMessage' && row.sizeBytes === 64);
  const describe = (row: Row | undefined, unit: 'frames' | 'bytes'): string => {
    if (row === undefined) return 'not run';
    const figure = unit === 'frames' ? `${(row.framesPerSec / 1e6).toFixed(2)} M frames/s` : `${row.gbPerSec.toFixed(2)} GB/s`;
    const ratio = post64 === undefined || unit === 'bytes' ? '' : `, ${(row.framesPerSec / post64.framesPerSec).toFixed(1)}x postMessage`;
    return `${figure}${ratio} (${row.strategy})`;
  };
  console.log('\ntargets: 64 B >= 7 M frames/s spinning, 8 KB >= 8 GB/s spinning, 64 B >= 10x postMessage');
  console.log(`  64 B  spin: ${describe(spinOf(64), 'frames')}; best ring row: ${describe(bestOf(64), 'frames')}`);
  console.log(`  8 KB  spin: ${describe(spinOf(8192), 'bytes')}; best ring row: ${describe(bestOf(8192), 'bytes')}`);
}

/**
 * Runs a case `repeat` times and keeps the best of each figure. On a shared machine a run only
 * loses to interference (a spinner sharing its core with its peer loses 10-100x), so the best run
 * is the closest to what the code does; run once (the default) to see the typical figure.
 */
async function bestOf(repeat: number, run: () => Promise<Row>): Promise<Row> {
  let best = await run();
  for (let i = 1; i < repeat; i++) {
    const row = await run();
    best = {
      ...best,
      framesPerSec: Math.max(best.framesPerSec, row.framesPerSec),
      gbPerSec: Math.max(best.gbPerSec, row.gbPerSec),
      oneWayUsP50: Math.min(best.oneWayUsP50, row.oneWayUsP50),
      oneWayUsP99: Math.min(best.oneWayUsP99, row.oneWayUsP99),
      roundTripUsP50: Math.min(best.roundTripUsP50, row.roundTripUsP50),
    };
  }
  return best;
}

/** Spinning needs a core per spinner: say how busy the machine was, so the figures can be read. */
function loadLine(): string {
  const [one, five] = loadavg();
  return `load average ${one?.toFixed(2)} (1 min), ${five?.toFixed(2)} (5 min) on ${availableParallelism()} cores`;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const { warmupMs, durationMs, pings } = options;
  console.log(`queue bench: ${durationMs} ms per stream after ${warmupMs} ms warm-up, ${pings} pings, ` +
    `ring ${options.capacityBytes} B; latencies in µs; ${loadLine()}`);
  if (options.repeat > 1) console.log(`each figure is the best of ${options.repeat} runs (runs differ with the machine's load)`);
  console.log(TABLE_HEADER);
  const rows: Row[] = [];
  for (const sizeBytes of options.sizesBytes) {
    const params: RunParams = { sizeBytes, warmupMs, durationMs, pings };
    const runs: (() => Promise<Row>)[] = [
      ...options.strategies.map((strategy) => () => benchRing(options, params, strategy)),
      () => benchPostMessage(params),
      () => benchMessageChannel(params),
    ];
    for (const run of runs) {
      const row = await bestOf(options.repeat, run);
      rows.push(row);
      console.log(formatRow(row));
    }
  }
  printTargets(rows);
  console.log(`after: ${loadLine()}`);
}

await main();
