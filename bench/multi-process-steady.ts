/**
 * Five processes on loopback at steady state: values/s delivered by the learner (and acked at the
 * proposer) and CPU per value delivered, each process and each thread, over a window of a long run (the processes' JIT warm-up left out), read from
 * /proc/<pid>/task/<tid>/stat. For where the time goes, and for comparing placements side by side.
 *
 *   npx tsx bench/multi-process-steady.ts [--mode multicast|ring] [--bytes 1024]
 *       [--gateway own-thread|actor-thread] [--seconds 5] [--warmup 15] [--threads] [--window W]
 *       [--root DIR] [--crc native|native128|zlib] [--protocol key=value ...]
 *
 * `--root`: where the deployment's directory goes (acceptor logs, the learner's record), as for
 * bench/multi-process-bench.ts. `--crc zlib` has the processes check datagrams and log chunks
 * with node:zlib's CRC-32 instead of ringcast's native one (RINGCAST_NATIVE=0), `--crc native128`
 * with the native one's 128-bit folding (RINGCAST_CRC_WIDE=0). `--protocol` sets
 * one of the ring's protocol options (src/protocol/options.ts; repeatable, as for `ringcast sim`),
 * e.g. `--protocol instancesInFlightMax=64`.
 */
import { parseArgs } from 'node:util';
import { parseProtocolFlags } from '../runtime/cli/protocol-flags.ts';
import { Deployment, TICKS_PER_SECOND, crcChoices, describeDelivery, gatewayChoices, ticksByNode, useCrc } from '../test/deployment/processes.ts';

const { values: args } = parseArgs({
  options: { mode: { type: 'string' }, bytes: { type: 'string' }, gateway: { type: 'string' }, seconds: { type: 'string' }, threads: { type: 'boolean' }, window: { type: 'string' }, warmup: { type: 'string' }, root: { type: 'string' }, crc: { type: 'string' }, protocol: { type: 'string', multiple: true } },
});
const mode = args.mode ?? 'multicast';
if (mode !== 'multicast' && mode !== 'ring') throw new Error(`--mode: multicast or ring, not ${mode}`);
const [gateway] = gatewayChoices(args.gateway, false);
const [crc = 'native'] = crcChoices(args.crc, false);
useCrc(crc);
const bytes = Number(args.bytes ?? 1024);
const seconds = Number(args.seconds ?? 5);
/**
 * Seconds of load before the window: on 2 busy cores the processes' JIT still compiles hot
 * functions for several seconds (after 4 s: 57,673-74,113 values/s at 23.1-28.6 us per value in
 * three runs; after 15 s: 75,101-79,942 at 21.0-21.6; after 30 s no better).
 */
const warmupSeconds = Number(args.warmup ?? 15);
const protocol = args.protocol === undefined ? undefined : parseProtocolFlags(args.protocol);
const d = new Deployment({ mode, basePort: 22000 + (mode === 'ring' ? 300 : 0), gateway, ...(args.root === undefined ? {} : { root: args.root }), ...(protocol === undefined ? {} : { protocol }) });


try {
  const { acked, delivered, seconds: secs, ticks, delivery } = await d.steadyLoad({ bytes, warmupSeconds, seconds, ...(args.window === undefined ? {} : { window: args.window }) });
  const microsPerValue = (ticks: number): string => ((ticks * 1e6) / TICKS_PER_SECOND / delivered).toFixed(1);
  const perSecond = (n: number): string => Math.round(n / secs).toLocaleString('en-US');
  console.log(
    `${mode}, ${bytes} B, gateway ${gateway ?? 'own-thread (default)'}, crc32 ${crc}, logs under ${d.dir}: ${perSecond(delivered)} values/s delivered by the learner (${((delivered * bytes) / secs / 1e6).toFixed(1)} MB/s), ${perSecond(acked)} acked, over ${secs.toFixed(1)} s`,
  );
  if (args.threads === true) for (const [key, used] of ticks) if (used > 0) console.log(`  ${key.padEnd(32)} ${((used * 100) / TICKS_PER_SECOND / secs).toFixed(0).padStart(3)}% of a core  ${microsPerValue(used)} µs/value`);
  const { byNode, total } = ticksByNode(ticks);
  for (const [node, used] of byNode) console.log(`  ${node}: ${microsPerValue(used)} µs/value`);
  console.log(`  all processes: ${microsPerValue(total)} µs of CPU per value`);
  console.log(`  the learner: ${describeDelivery(delivery)}`);
  if (delivery.problems.length > 0) process.exitCode = 1;
} finally {
  await d.stopAll();
}
