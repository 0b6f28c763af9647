/**
 * A ring of five processes on loopback (three acceptors, a proposer, a learner), each started
 * through the CLI: values/s and MB/s at 1 KB and 8 KB in both dissemination modes at steady
 * state, beside the raw loopback UDP figures of bench/udp-bench.ts measured in the same run.
 *
 *   npx tsx bench/multi-process-bench.ts [--warmup 15] [--seconds 5] [--quick]
 *       [--gateway own-thread|actor-thread|both] [--root DIR]
 *
 * Each case loads the ring from one proposer process for `--warmup` seconds (on 2 busy cores the
 * processes' JIT compiles hot functions for several seconds: see multi-process-steady.ts), then
 * measures values acked and the five processes' CPU over `--seconds`, from one of the load's
 * progress lines to another. (Until session 7 it timed a fixed count of values from a new
 * proposer process, JIT warm-up included.)
 * `--gateway` sets the nodes' placement.gateway (default: the config's default, own-thread);
 * `both` measures every case with each, one after the other. `--root` is where the deployment's
 * directory goes (acceptor logs, the learner's record; default the OS's temporary directory):
 * /dev/shm keeps the logs in memory, where they survive a killed process as on disk, not a
 * machine crash.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Deployment } from '../test/deployment/processes.ts';

const { values: args } = parseArgs({
  options: { warmup: { type: 'string' }, seconds: { type: 'string' }, quick: { type: 'boolean' }, gateway: { type: 'string' }, root: { type: 'string' } },
});
const GATEWAYS = args.gateway === undefined ? [undefined] : args.gateway === 'both' ? (['own-thread', 'actor-thread'] as const) : [args.gateway];
for (const g of GATEWAYS) if (g !== undefined && g !== 'own-thread' && g !== 'actor-thread') throw new Error(`--gateway: own-thread, actor-thread or both, not ${g}`);
const WARMUP_S = Number(args.warmup ?? (args.quick === true ? 5 : 15));
const SECONDS = Number(args.seconds ?? (args.quick === true ? 3 : 5));
for (const [name, v] of [['warmup', WARMUP_S], ['seconds', SECONDS]] as const) {
  if (!Number.isFinite(v) || v < (name === 'seconds' ? 1 : 0)) throw new Error(`--${name}: a number of seconds (at least ${name === 'seconds' ? 1 : 0}), not ${String(v)}`);
}
const SIZES = args.quick === true ? [1024] : [1024, 8192];
const MODES = ['multicast', 'ring'] as const;

/** Ticks of /proc/<pid>/stat's utime and stime: USER_HZ, 100 on Linux whatever the kernel's HZ. */
const TICKS_PER_SECOND = 100;

/** CPU seconds used so far by the processes started with `config` (NaN without /proc). */
function cpuSecondsOf(config: string): number {
  let ticks = 0;
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return NaN;
  }
  for (const pid of pids) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(config)) continue;
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // The process exited meanwhile.
    }
  }
  return ticks / TICKS_PER_SECOND;
}

async function measure(mode: (typeof MODES)[number], bytes: number, basePort: number, gateway: 'own-thread' | 'actor-thread' | undefined): Promise<{ valuesPerSec: number; mbPerSec: number; cpuMicrosPerValue: number }> {
  const d = new Deployment({ mode, basePort, ...(gateway === undefined ? {} : { gateway }), ...(args.root === undefined ? {} : { root: args.root }) });
  try {
    for (const n of ['a1', 'a2', 'a3']) d.start(n, ['--quiet']);
    d.start('l', ['--quiet', '--record', d.record]);
    const p = d.start('p', ['--load', '1000000000', '--value-bytes', String(bytes)]);
    await p.waitFor(/^load: \d+ values of/, 60_000);
    await new Promise((r) => setTimeout(r, WARMUP_S * 1000));
    const s0 = await p.nextProgress(5000);
    const cpu0 = cpuSecondsOf(d.config);
    await new Promise((r) => setTimeout(r, SECONDS * 1000 - 500));
    const s1 = await p.nextProgress(5000);
    const cpuMicrosPerValue = ((cpuSecondsOf(d.config) - cpu0) * 1e6) / (s1.acked - s0.acked);
    const seconds = (s1.atMs - s0.atMs) / 1000;
    const values = s1.acked - s0.acked;
    return { valuesPerSec: values / seconds, mbPerSec: (values * bytes) / seconds / 1e6, cpuMicrosPerValue };
  } finally {
    await d.stopAll();
  }
}

const rows: string[][] = [];
let port = 21000;
for (const gateway of GATEWAYS) {
  for (const mode of MODES) {
    for (const bytes of SIZES) {
      const r = await measure(mode, bytes, (port += 300), gateway as 'own-thread' | 'actor-thread' | undefined);
      const cpu = Number.isNaN(r.cpuMicrosPerValue) ? '-' : r.cpuMicrosPerValue.toFixed(1);
      rows.push([mode, gateway ?? 'own-thread', String(bytes), Math.round(r.valuesPerSec).toLocaleString('en-US'), r.mbPerSec.toFixed(1), cpu]);
      console.error(`done: ${mode} ${gateway ?? 'default gateway'} ${bytes} B`);
    }
  }
}
const header = ['dissemination', 'gateway', 'value B', 'values/s (acked)', 'MB/s', 'CPU µs/value'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
const line = (r: string[]): string => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
console.log(`ring of 5 processes on loopback, each case measured over ${SECONDS} s after ${WARMUP_S} s of load, acceptor logs under ${args.root ?? tmpdir()}, load average ${loadavg()[0]!.toFixed(2)} at the end`);
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const r of rows) console.log(line(r));
console.log('\nraw loopback UDP in the same run (bench/udp-bench.ts):');
const udp = execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./udp-bench.ts', import.meta.url)), '--sizes', SIZES.join(','), '--duration-ms', '1000'], { encoding: 'utf8' });
console.log(udp.trim());
