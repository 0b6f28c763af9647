/**
 * Five processes on loopback at steady state: values/s and CPU per value, each process and each
 * thread, over a window of a long run (the processes' JIT warm-up left out), read from
 * /proc/<pid>/task/<tid>/stat. For where the time goes, and for comparing placements side by side.
 *
 *   npx tsx bench/multi-process-steady.ts [--mode multicast|ring] [--bytes 1024]
 *       [--gateway own-thread|actor-thread] [--seconds 5] [--warmup 15] [--threads] [--window W]
 *       [--root DIR]
 *
 * `--root`: where the deployment's directory goes (acceptor logs, the learner's record), as for
 * bench/multi-process-bench.ts.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Deployment } from '../test/deployment/processes.ts';

const { values: args } = parseArgs({
  options: { mode: { type: 'string' }, bytes: { type: 'string' }, gateway: { type: 'string' }, seconds: { type: 'string' }, threads: { type: 'boolean' }, window: { type: 'string' }, warmup: { type: 'string' }, root: { type: 'string' } },
});
const mode = args.mode ?? 'multicast';
if (mode !== 'multicast' && mode !== 'ring') throw new Error(`--mode: multicast or ring, not ${mode}`);
const gateway = args.gateway;
if (gateway !== undefined && gateway !== 'own-thread' && gateway !== 'actor-thread') throw new Error(`--gateway: own-thread or actor-thread, not ${gateway}`);
const bytes = Number(args.bytes ?? 1024);
const seconds = Number(args.seconds ?? 5);
/**
 * Seconds of load before the window: on 2 busy cores the processes' JIT still compiles hot
 * functions for several seconds (after 4 s: 57,673-74,113 values/s at 23.1-28.6 us per value in
 * three runs; after 15 s: 75,101-79,942 at 21.0-21.6; after 30 s no better).
 */
const warmupSeconds = Number(args.warmup ?? 15);
/** Ticks of /proc/<pid>/stat's utime and stime: USER_HZ, 100 on Linux whatever the kernel's HZ. */
const TICKS_PER_SECOND = 100;

const d = new Deployment({ mode, basePort: 22000 + (mode === 'ring' ? 300 : 0), ...(gateway === undefined ? {} : { gateway }), ...(args.root === undefined ? {} : { root: args.root }) });

/** CPU ticks so far of every thread of the deployment's processes, by "node:tid:name". */
function threadTicks(): Map<string, number> {
  const ticks = new Map<string, number>();
  for (const pid of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    let cmd: string[];
    try {
      cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (!cmd.includes(d.config)) continue;
    const node = cmd[cmd.indexOf('--node') + 1] ?? pid;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        ticks.set(`${node}:${tid}:${stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))}`, Number(fields[11]) + Number(fields[12]));
      } catch {
        // The thread ended meanwhile.
      }
    }
  }
  return ticks;
}

try {
  for (const n of ['a1', 'a2', 'a3']) d.start(n, ['--quiet']);
  d.start('l', ['--quiet', '--record', d.record]);
  const p = d.start('p', ['--load', '100000000', '--value-bytes', String(bytes), ...(args.window === undefined ? [] : ['--window', args.window])]);
  await p.waitFor(/^load: \d+ values of/, 60_000);
  await new Promise((r) => setTimeout(r, warmupSeconds * 1000)); // past the JIT's warm-up
  // The window runs from one progress line of the load to another, timed as they arrive.
  const s0 = await p.nextProgress(5000);
  const c0 = threadTicks();
  await new Promise((r) => setTimeout(r, seconds * 1000 - 500));
  const s1 = await p.nextProgress(5000);
  const c1 = threadTicks();
  const values = s1.acked - s0.acked;
  const secs = (s1.atMs - s0.atMs) / 1000;
  const microsPerValue = (ticks: number): string => ((ticks * 1e6) / TICKS_PER_SECOND / values).toFixed(1);
  console.log(`${mode}, ${bytes} B, gateway ${gateway ?? 'own-thread (default)'}, logs under ${d.dir}: ${Math.round(values / secs).toLocaleString('en-US')} values/s acked over ${secs.toFixed(1)} s`);
  const byNode = new Map<string, number>();
  let total = 0;
  for (const [key, ticks] of c1) {
    const used = ticks - (c0.get(key) ?? 0);
    if (used <= 0) continue;
    total += used;
    const node = key.split(':')[0] as string;
    byNode.set(node, (byNode.get(node) ?? 0) + used);
    if (args.threads === true) console.log(`  ${key.padEnd(32)} ${((used * 100) / TICKS_PER_SECOND / secs).toFixed(0).padStart(3)}% of a core  ${microsPerValue(used)} µs/value`);
  }
  for (const [node, used] of byNode) console.log(`  ${node}: ${microsPerValue(used)} µs/value`);
  console.log(`  all processes: ${microsPerValue(total)} µs of CPU per value`);
} finally {
  await d.stopAll();
}
