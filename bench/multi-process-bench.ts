/**
 * A ring of five processes on loopback (three acceptors, a proposer, a learner), each started
 * through the CLI: values/s and MB/s at 1 KB and 8 KB in both dissemination modes at steady
 * state, beside the raw loopback UDP figures of bench/udp-bench.ts and the floor of
 * bench/ring-floor-bench.ts (the same datagrams with node:dgram alone), measured in the same run.
 *
 *   npx tsx bench/multi-process-bench.ts [--warmup 15] [--seconds 5] [--quick]
 *       [--gateway own-thread|actor-thread|both] [--crc native|native128|zlib|both] [--root DIR]
 *
 * Each case loads the ring from one proposer process for `--warmup` seconds (on 2 busy cores the
 * processes' JIT compiles hot functions for several seconds: see multi-process-steady.ts), then
 * measures the values the learner delivered (and, beside them, those the proposer saw acked)
 * and the five processes' CPU over `--seconds`, from one of the load's progress lines to another.
 * (Until session 7 it timed a fixed count of values from a new proposer process, JIT warm-up
 * included; until session 12 it reported the values acked, which say only that a value was
 * decided: a learner behind the deciding went unseen.) Each case then reads the learner's record: no value
 * delivered twice, none lost (test/deployment/processes.ts, deliveryCheck), else the case is
 * marked WRONG and the benchmark exits 1; values delivered out of their proposer's order are
 * counted (that order is not promised when a Submit is lost: README, Known limits).
 * `--gateway` sets the nodes' placement.gateway: `both` (the default) measures every case with
 * the config's default, own-thread, then with actor-thread (opt-in, and faster since session 11:
 * README, Deployments); `own-thread` or `actor-thread` measures that one alone. `--root` is where the deployment's
 * directory goes (acceptor logs, the learner's record; default the OS's temporary directory):
 * /dev/shm keeps the logs in memory, where they survive a killed process as on disk, not a
 * machine crash. `--crc` sets which CRC-32 the five processes check datagrams and log chunks with
 * (runtime/native/crc32.ts): ringcast's native one (the default where `npm install` built it),
 * the same without its 512-bit folding (`native128`, RINGCAST_CRC_WIDE=0), or node:zlib's
 * (RINGCAST_NATIVE=0); `both` measures every case with native and zlib, one after the other.
 */
import { execFileSync } from 'node:child_process';
import { loadavg, tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Deployment, TICKS_PER_SECOND, crcChoices, gatewayChoices, ticksByNode, useCrc, type CrcChoice, type DeliveryCheck, type GatewayChoice } from '../test/deployment/processes.ts';

const { values: args } = parseArgs({
  options: { warmup: { type: 'string' }, seconds: { type: 'string' }, quick: { type: 'boolean' }, gateway: { type: 'string' }, crc: { type: 'string' }, root: { type: 'string' } },
});
const GATEWAYS = gatewayChoices(args.gateway ?? 'both', true);
const CRCS = crcChoices(args.crc, true);
const WARMUP_S = Number(args.warmup ?? (args.quick === true ? 5 : 15));
const SECONDS = Number(args.seconds ?? (args.quick === true ? 3 : 5));
for (const [name, v] of [['warmup', WARMUP_S], ['seconds', SECONDS]] as const) {
  if (!Number.isFinite(v) || v < (name === 'seconds' ? 1 : 0)) throw new Error(`--${name}: a number of seconds (at least ${name === 'seconds' ? 1 : 0}), not ${String(v)}`);
}
const SIZES = args.quick === true ? [1024] : [1024, 8192];
const MODES = ['multicast', 'ring'] as const;

async function measure(mode: (typeof MODES)[number], bytes: number, basePort: number, gateway: GatewayChoice | undefined, crc: CrcChoice): Promise<{ valuesPerSec: number; ackedPerSec: number; mbPerSec: number; cpuMicrosPerValue: number; delivery: DeliveryCheck }> {
  useCrc(crc);
  const d = new Deployment({ mode, basePort, gateway, ...(args.root === undefined ? {} : { root: args.root }) });
  try {
    const { acked, delivered, seconds, ticks, delivery } = await d.steadyLoad({ bytes, warmupSeconds: WARMUP_S, seconds: SECONDS });
    // Without /proc there are no ticks: CPU per value is then unknown (NaN, printed as '-').
    const cpuTicks = ticks.size === 0 ? NaN : ticksByNode(ticks).total;
    return {
      valuesPerSec: delivered / seconds,
      ackedPerSec: acked / seconds,
      mbPerSec: (delivered * bytes) / seconds / 1e6,
      cpuMicrosPerValue: (cpuTicks * 1e6) / TICKS_PER_SECOND / delivered,
      delivery,
    };
  } finally {
    await d.stopAll();
  }
}

const rows: string[][] = [];
let port = 21000;
for (const gateway of GATEWAYS) {
  for (const mode of MODES) {
    for (const bytes of SIZES) {
      for (const crc of CRCS) {
        const r = await measure(mode, bytes, (port += 300), gateway, crc);
        const cpu = Number.isNaN(r.cpuMicrosPerValue) ? '-' : r.cpuMicrosPerValue.toFixed(1);
        rows.push([mode, gateway ?? 'own-thread', crc, String(bytes), Math.round(r.valuesPerSec).toLocaleString('en-US'), r.mbPerSec.toFixed(1), Math.round(r.ackedPerSec).toLocaleString('en-US'), cpu, r.delivery.problems.length === 0 ? `${r.delivery.delivered.toLocaleString('en-US')}, ${r.delivery.outOfOrder.toLocaleString('en-US')}` : 'WRONG']);
        for (const problem of r.delivery.problems) console.error(`${mode} ${gateway ?? 'own-thread'} ${bytes} B: ${problem}`);
        if (r.delivery.problems.length > 0) process.exitCode = 1;
        console.error(`done: ${mode} ${gateway ?? 'default gateway'} crc32 ${crc} ${bytes} B`);
      }
    }
  }
}
const header = ['dissemination', 'gateway', 'crc32', 'value B', 'values/s delivered', 'MB/s', 'acked/s', 'CPU µs/value', 'learner: delivered, out of proposal order'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
const line = (r: string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
console.log(`ring of 5 processes on loopback, each case measured over ${SECONDS} s after ${WARMUP_S} s of load, acceptor logs under ${args.root ?? tmpdir()}, load average ${loadavg()[0]!.toFixed(2)} at the end`);
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
console.log('\nraw loopback UDP in the same run (bench/udp-bench.ts):');
const udp = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./udp-bench.ts', import.meta.url)), '--sizes', SIZES.join(','), '--duration-ms', '1000'], { encoding: 'utf8' });
console.log(udp.trim());
// The same datagrams with node:dgram alone, as the floor under the table above (bench/ring-floor-bench.ts).
console.log('\nthe same pattern of datagrams with node:dgram alone, in the same run (bench/ring-floor-bench.ts):');
const floor = execFileSync(
  process.execPath,
  ['--import', 'tsx', fileURLToPath(new URL('./ring-floor-bench.ts', import.meta.url)), '--bytes', SIZES.join(','), '--seconds', String(SECONDS), ...(args.root === undefined ? [] : ['--root', args.root])],
  { encoding: 'utf8' },
);
console.log(floor.trim());
