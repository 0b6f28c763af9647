#!/usr/bin/env node
/** The `ringcast` command line. */
import { parseArgs } from 'node:util';
import { runInProcessDemo } from './demo-inprocess.ts';
import { runThreadDemo } from './demo-threads.ts';
import { START_USAGE, runStart } from './start-command.ts';
import { STATUS_USAGE, runStatus } from './status-command.ts';
import { BENCH_USAGE, runBench } from './bench-command.ts';
import { raiseInitialOldSpace } from './heap-flags.ts';

const USAGE = `usage: ringcast <command> [options]

commands:
  demo        run one ring in this process with values flowing; live values/s, MB/s and latency
  start       run one node of a deployment described by a config file (ringcast start --help)
  status      ask a running node for its status (ringcast status --help)
  bench       run a benchmark: single-ring, multi-process, queue, udp, codec (ringcast bench --help)
  help        this text (help start, help status, help bench: a command's options)

demo options:
  --seconds N      how long values flow (default 10)
  --bytes N        value size in bytes (default 1024)
  --mode M         multicast | ring (default multicast)
  --placement P    dedicated (a thread per actor, default) | shared (actors share threads)
  --window N       proposals outstanding at a time (default 4096)
  --in-process     run every role on this thread under the deterministic scheduler instead
`;

function fail(message: string): never {
  process.stderr.write(`ringcast: ${message}\n\n${USAGE}`);
  process.exit(2);
}

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isSafeInteger(v) || v < 1) fail(`--${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return v;
}

const print = (stream: NodeJS.WriteStream) => (text: string): void => void stream.write(text.endsWith('\n') ? text : `${text}\n`);
const io = { stdout: print(process.stdout), stderr: print(process.stderr) };

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'help' && (rest[0] === 'start' || rest[0] === 'status' || rest[0] === 'bench')) {
    process.stdout.write(rest[0] === 'start' ? START_USAGE : rest[0] === 'status' ? STATUS_USAGE : BENCH_USAGE);
    return;
  }
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return;
  }
  if (command === 'start') {
    // Before any thread starts: see heap-flags.ts.
    raiseInitialOldSpace(process.execArgv);
    // node.ts (threads, transports) is loaded only by the command that runs a node.
    const startNode: Parameters<typeof runStart>[1]['startNode'] = async (o, setup) => (await import('../node/node.ts')).startNode(o, setup);
    process.exit(await runStart(rest, { ...io, startNode, signals: process }));
  }
  if (command === 'status') {
    process.exitCode = await runStatus(rest, io);
    return;
  }
  if (command === 'bench') {
    process.exitCode = runBench(rest, io.stderr);
    return;
  }
  if (command !== 'demo') fail(`unknown command ${JSON.stringify(command)}`);
  const { values } = parseArgs({
    args: rest,
    options: {
      seconds: { type: 'string' },
      bytes: { type: 'string' },
      mode: { type: 'string' },
      placement: { type: 'string' },
      window: { type: 'string' },
      'in-process': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help === true) {
    process.stdout.write(USAGE);
    return;
  }
  const mode = values.mode ?? 'multicast';
  if (mode !== 'multicast' && mode !== 'ring') fail(`--mode must be multicast or ring, got ${JSON.stringify(mode)}`);
  const placement = values.placement ?? 'dedicated';
  if (placement !== 'dedicated' && placement !== 'shared') fail(`--placement must be dedicated or shared, got ${JSON.stringify(placement)}`);
  const seconds = positiveInt('seconds', values.seconds, 10);
  const valueBytes = positiveInt('bytes', values.bytes, 1024);
  if (values['in-process'] === true) return runInProcessDemo({ seconds, valueBytes, mode });
  await runThreadDemo({ seconds, valueBytes, mode, placement, window: positiveInt('window', values.window, 4096) });
}

main(process.argv.slice(2)).catch((e: unknown) => fail(e instanceof Error ? e.message : String(e)));
