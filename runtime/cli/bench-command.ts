/** `ringcast bench <name> [options]`: runs one of the benchmarks in bench/, passing the options on. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const BENCHMARKS: Readonly<Record<string, { readonly file: string; readonly what: string }>> = {
  'single-ring': { file: 'single-ring-bench.ts', what: 'one ring in one process: placements, 1 KB and 8 KB, latency at half load, raw SAB chain' },
  'multi-process': { file: 'multi-process-bench.ts', what: 'a ring of five processes on loopback, both modes, beside raw UDP' },
  'multi-process-steady': { file: 'multi-process-steady.ts', what: 'five processes at steady state: values/s and CPU per value, per process and thread' },
  'ring-floor': { file: 'ring-floor-bench.ts', what: 'the five-process pattern of datagrams with node:dgram alone: the floor under multi-process' },
  'latency-floor': { file: 'latency-floor-bench.ts', what: "the one-process ring's load through two threads that do no protocol work: the latency floor" },
  'gc-latency': { file: 'gc-latency-bench.ts', what: 'latency at a fixed rate, one ring in one process, with each thread\'s scavenges' },
  overload: { file: 'overload-bench.ts', what: 'one ring offered an open-loop rate from a cold start: delivered per second, refusals' },
  idle: { file: 'idle-bench.ts', what: 'five processes with no load: the CPU an idle deployment takes, per process (and thread)' },
  'vote-store': { file: 'vote-store-bench.ts', what: "an acceptor's log alone: MB/s and the time of each append, per storage mode and directory" },
  queue: { file: 'queue-bench.ts', what: 'the SAB ring against postMessage and MessageChannel, per wait strategy' },
  udp: { file: 'udp-bench.ts', what: 'raw loopback UDP and the UDP transport' },
  codec: { file: 'codec-bench.ts', what: 'encode and decode of protocol messages' },
};

export const BENCH_USAGE = `usage: ringcast bench <name> [options of that benchmark]

benchmarks:
${Object.entries(BENCHMARKS)
  .map(([name, b], _k, all) => `  ${name.padEnd(Math.max(...all.map(([n]) => n.length)) + 2)}${b.what}`)
  .join('\n')}

Most take --quick for a short run. The figures are printed, never asserted: the machine's other
work moves them, so each prints its baselines from the same run.
`;

/** Runs the benchmark in a child process (it starts its own workers and processes); its exit code. */
export function runBench(args: readonly string[], stderr: (line: string) => void): number {
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h') {
    process.stdout.write(BENCH_USAGE);
    return name === undefined ? 2 : 0;
  }
  const bench = BENCHMARKS[name];
  if (bench === undefined) {
    stderr(`ringcast bench: unknown benchmark ${JSON.stringify(name)}\n\n${BENCH_USAGE}`);
    return 2;
  }
  const file = fileURLToPath(new URL(`../../bench/${bench.file}`, import.meta.url));
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`ringcast bench ${name}: ${bench.what}\n\n${leadingComment(readFileSync(file, 'utf8'))}\n`);
    return 0;
  }
  const r = spawnSync(process.execPath, ['--import', 'tsx', file, ...rest], { stdio: 'inherit' });
  return r.status ?? 1;
}

/** The text of a file's leading doc comment (a benchmark's usage and what it measures), without its markers. */
export function leadingComment(source: string): string {
  const m = /^\s*\/\*\*([\s\S]*?)\*\//.exec(source);
  if (m === null) return '';
  return (m[1] ?? '')
    .split('\n')
    .map((line) => line.replace(/^\s*\* ?/, ''))
    .join('\n')
    .trim();
}
