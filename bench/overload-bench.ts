/**
 * Overload from a cold start: one ring in one process (shared placement unless told) is offered an open-loop
 * rate from its first millisecond, by a program that goes on proposing whatever is refused, and
 * the bench prints what was delivered in each second and how many proposals were refused. A ring
 * that degrades gracefully refuses the excess (RINGCAST_ERR_PROPOSER_FULL) while it warms up and
 * then delivers what is offered, or its maximum when more is offered; one that collapses falls
 * below both and stays there.
 *
 *   npx tsx bench/overload-bench.ts [--rate 200000] [--bytes 1024] [--seconds 8]
 *       [--outstanding-bytes N] [--placement shared|dedicated]
 *
 * `--outstanding-bytes` sets the node's proposeOutstandingBytesMax (default 64 MiB).
 */
import { parseArgs } from 'node:util';
import { startNode } from '../runtime/node/node.ts';

const { values: args } = parseArgs({
  options: { rate: { type: 'string' }, bytes: { type: 'string' }, seconds: { type: 'string' }, 'outstanding-bytes': { type: 'string' }, placement: { type: 'string' } },
});
const RATE = Number(args.rate ?? 200_000);
const BYTES = Number(args.bytes ?? 1024);
const SECONDS = Number(args.seconds ?? 8);
const PLACEMENT = args.placement ?? 'shared';
if (PLACEMENT !== 'shared' && PLACEMENT !== 'dedicated') throw new Error(`--placement: shared or dedicated, not ${PLACEMENT}`);
const OUTSTANDING_BYTES = args['outstanding-bytes'] === undefined ? undefined : Number(args['outstanding-bytes']);
for (const [name, v, min] of [['rate', RATE, 1], ['bytes', BYTES, 1], ['seconds', SECONDS, 1], ['outstanding-bytes', OUTSTANDING_BYTES ?? 1, 1]] as const) {
  if (!Number.isInteger(v) || v < min) throw new Error(`--${name}: an integer of at least ${min}, not ${String(args[name])}`);
}

const node = await startNode({ rings: [{ id: 1 }], placement: { mode: PLACEMENT }, ...(OUTSTANDING_BYTES === undefined ? {} : { proposeOutstandingBytesMax: OUTSTANDING_BYTES }) });
node.onLog = () => undefined;
let delivered = 0;
let refused = 0;
node.learner(1).onDeliver((d) => void (delivered += d.values.length), { borrow: true });
const proposer = node.proposer(1);
const value = new Uint8Array(BYTES);
const acked = (): void => undefined;
const refusedOne = (): void => void refused++;
const perSecond: number[] = [];
const start = performance.now();
let sent = 0;
let secondStart = start;
let deliveredAtSecond = 0;
while (perSecond.length < SECONDS) {
  // Open loop, as the latency benchmarks offer: each millisecond timer sends what the rate owes.
  // At most 10 ms of the rate per turn: a main thread that cannot keep up offers less (the last
  // line says how much), rather than never yielding to the node's own work.
  const due = Math.min(Math.floor(((performance.now() - start) / 1000) * RATE), sent + Math.ceil(RATE / 100));
  for (; sent < due; sent++) proposer.propose(value).then(acked, refusedOne);
  if (performance.now() - secondStart >= 1000) {
    perSecond.push(delivered - deliveredAtSecond);
    deliveredAtSecond = delivered;
    secondStart += 1000;
  }
  await new Promise((r) => setTimeout(r, 1));
}
await node.close();
console.log(`overload from a cold start: ${RATE.toLocaleString('en-US')} values/s of ${BYTES} B offered for ${SECONDS} s, ${PLACEMENT} placement, proposeOutstandingBytesMax ${OUTSTANDING_BYTES ?? 'default (64 MiB)'}`);
console.log(`delivered per second: ${perSecond.map((n) => n.toLocaleString('en-US')).join(' ')}`);
console.log(`refused: ${refused.toLocaleString('en-US')} of ${sent.toLocaleString('en-US')} offered`);
