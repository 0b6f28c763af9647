/**
 * What an idle deployment costs: the five processes of bench/multi-process-bench.ts started
 * through the CLI with no load, and the CPU each process (and, with --threads, each thread) uses
 * over a window after they settled, from /proc. An idle ring still ticks (tickMs), heartbeats and
 * watches for failures; this shows how much of a core that takes.
 *
 *   npx tsx bench/idle-bench.ts [--settle 8] [--seconds 5] [--tick-ms 10] [--threads]
 *       [--gateway own-thread|actor-thread]
 */
import { parseArgs } from 'node:util';
import { Deployment, TICKS_PER_SECOND, gatewayChoices, ticksByNode } from '../test/deployment/processes.ts';

const { values: args } = parseArgs({ options: { settle: { type: 'string' }, seconds: { type: 'string' }, 'tick-ms': { type: 'string' }, threads: { type: 'boolean' }, gateway: { type: 'string' } } });
const SETTLE = Number(args.settle ?? 8);
const SECONDS = Number(args.seconds ?? 5);
const TICK_MS = args['tick-ms'] === undefined ? undefined : Number(args['tick-ms']);
for (const [name, v, min] of [['settle', SETTLE, 0], ['seconds', SECONDS, 1], ['tick-ms', TICK_MS ?? 1, 1]] as const) {
  if (!Number.isInteger(v) || v < min) throw new Error(`--${name}: an integer of at least ${min}, not ${String(args[name])}`);
}

const [GATEWAY] = gatewayChoices(args.gateway, false);

const d = new Deployment({ mode: 'multicast', basePort: 23000, ...(TICK_MS === undefined ? {} : { tickMs: TICK_MS }), gateway: GATEWAY });
try {
  for (const n of ['a1', 'a2', 'a3', 'l', 'p']) d.start(n, ['--quiet']);
  await new Promise((r) => setTimeout(r, SETTLE * 1000));
  const t0 = d.threadTicks();
  await new Promise((r) => setTimeout(r, SECONDS * 1000));
  const ticks = d.threadTicksSince(t0);
  const pct = (used: number): string => `${((used * 100) / TICKS_PER_SECOND / SECONDS).toFixed(1)}%`;
  if (args.threads === true) for (const [key, used] of ticks) if (used > 0) console.log(`  ${key.padEnd(28)} ${pct(used)} of a core`);
  const { byNode, total } = ticksByNode(ticks);
  console.log(`five idle processes, tickMs ${TICK_MS ?? 10}, gateway ${GATEWAY ?? 'own-thread (default)'}, over ${SECONDS} s after ${SETTLE} s: ${pct(total)} of a core in all`);
  for (const [node, used] of byNode) console.log(`  ${node}: ${pct(used)} of a core`);
} finally {
  await d.stopAll();
}
