#!/usr/bin/env node
/** The `ringcast` command line. */
import { parseArgs } from 'node:util';
import { runInProcessDemo } from './demo-inprocess.ts';
import { runThreadDemo } from './demo-threads.ts';

const USAGE = `usage: ringcast <command> [options]

commands:
  demo        run one ring in this process with values flowing; live values/s, MB/s and latency
  help        this text

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

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
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
