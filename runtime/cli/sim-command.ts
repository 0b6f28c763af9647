/**
 * `npm run sim`: runs the deterministic simulator over many seeds and reports what it found.
 *
 *   npx tsx runtime/cli/sim-command.ts --seeds 1000 --ticks 20000 --loss 0.1
 *   npx tsx runtime/cli/sim-command.ts --seed 42 --trace        # replay one seed, every event printed
 *   npx tsx runtime/cli/sim-command.ts --soak 240               # an afternoon: new seeds for 4 hours
 *
 * Every run prints its seeds and every fault parameter; a failing seed is printed with the exact
 * command that replays it. The exit code is 1 when any seed violated safety or liveness.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { violationPhase, type ViolationKind } from '../../src/sim/checker.ts';
import { FAULT_KINDS, FaultCounts, ROLE_KINDS } from '../../src/sim/faults.ts';
import { TraceHash } from '../../src/sim/trace-hash.ts';
import type { RoleKind } from '../../src/sim/cluster.ts';
import { formatShape, MODE_CHOICES, type ModeChoice } from '../../src/sim/ring-shape.ts';
import { DEFAULT_SIM_PARAMS, formatParams, resolveSimParams, runSimulation, type SimParams, type SimResult } from '../../src/sim/simulator.ts';
import { parseProtocolFlags } from './protocol-flags.ts';

const USAGE = `usage: sim-command [options]
  --seeds N            seeds to run (default 100)
  --seed-start S       first seed (default: random, printed)
  --seed S             replay one seed: parameters, ring, trace hash and verdict
  --trace              with --seed: print every event of the run
  --soak MINUTES       run new seeds until the time is up (ignores --seeds)
  --fail-fast          stop at the first failing seed
  --verbose            one line per seed: verdict, trace hash, ring, ticks, messages, faults
  --ticks N            ticks of the safety phase (default ${DEFAULT_SIM_PARAMS.ticksSafety})
  --liveness-ticks N   ticks the healed cluster gets to deliver (default ${DEFAULT_SIM_PARAMS.ticksLivenessMax})
  --safety-only        skip the liveness phase
  --mode M             multicast | ring | mixed (default mixed: drawn per seed)
  --loss P --dup P --reorder P --reorder-ticks N     network faults (probability per message)
  --crash P --crash-roles a,b --down-ticks MIN:MAX   node crashes (probability per tick)
  --partition P --partition-ticks MIN:MAX            partitions (probability per tick)
  --partition-roles a,b --partition-leader P         who may be cut off; chance the leader is
  --propose-rate P --value-bytes N --values N        workload (values default: 400 per 2000 ticks)
  --protocol key=value  a protocol option (repeatable)`;

interface Command {
  readonly params: SimParams;
  readonly seedStart: number;
  readonly seeds: number;
  readonly replay: number | null;
  readonly trace: boolean;
  readonly soakMinutes: number | null;
  readonly failFast: boolean;
  readonly verbose: boolean;
}

const OPTIONS = {
  seeds: { type: 'string' },
  'seed-start': { type: 'string' },
  seed: { type: 'string' },
  trace: { type: 'boolean' },
  soak: { type: 'string' },
  'fail-fast': { type: 'boolean' },
  verbose: { type: 'boolean' },
  ticks: { type: 'string' },
  'liveness-ticks': { type: 'string' },
  'safety-only': { type: 'boolean' },
  mode: { type: 'string' },
  loss: { type: 'string' },
  dup: { type: 'string' },
  reorder: { type: 'string' },
  'reorder-ticks': { type: 'string' },
  crash: { type: 'string' },
  'crash-roles': { type: 'string' },
  'down-ticks': { type: 'string' },
  partition: { type: 'string' },
  'partition-ticks': { type: 'string' },
  'partition-leader': { type: 'string' },
  'partition-roles': { type: 'string' },
  'propose-rate': { type: 'string' },
  'value-bytes': { type: 'string' },
  values: { type: 'string' },
  protocol: { type: 'string', multiple: true },
  help: { type: 'boolean' },
} as const;

type Flags = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];

function num(v: string | undefined, fallback: number, flag: string): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new Error(`--${flag}: not a number: ${v}`);
  return n;
}

function range(v: string | undefined, min: number, max: number, flag: string): [number, number] {
  if (v === undefined) return [min, max];
  const [a, b] = v.split(':');
  return [num(a, min, flag), num(b ?? a, max, flag)];
}

function parseMode(v: string | undefined): ModeChoice {
  if (v === undefined) return DEFAULT_SIM_PARAMS.mode;
  const mode = MODE_CHOICES.find((m) => m === v);
  if (mode === undefined) throw new Error(`--mode: one of ${MODE_CHOICES.join(', ')}, got ${v}`);
  return mode;
}

function parseRoles(v: string | undefined, flag: string, fallback: readonly RoleKind[]): readonly RoleKind[] {
  if (v === undefined) return fallback;
  if (v === '' || v === 'none') return [];
  return v.split(',').map((r) => {
    const role = ROLE_KINDS.find((k) => k === r);
    if (role === undefined) throw new Error(`--${flag}: one of ${ROLE_KINDS.join(', ')} (or none), got ${r}`);
    return role;
  });
}

function paramsOf(f: Flags): SimParams {
  const d = DEFAULT_SIM_PARAMS;
  const [downTicksMin, downTicksMax] = range(f['down-ticks'], d.faults.downTicksMin, d.faults.downTicksMax, 'down-ticks');
  const [partitionTicksMin, partitionTicksMax] = range(f['partition-ticks'], d.faults.partitionTicksMin, d.faults.partitionTicksMax, 'partition-ticks');
  return resolveSimParams({
    ticksSafety: num(f.ticks, d.ticksSafety, 'ticks'),
    ticksLivenessMax: num(f['liveness-ticks'], d.ticksLivenessMax, 'liveness-ticks'),
    livenessCheck: f['safety-only'] !== true,
    mode: parseMode(f.mode),
    faults: {
      lossRate: num(f.loss, d.faults.lossRate, 'loss'),
      duplicateRate: num(f.dup, d.faults.duplicateRate, 'dup'),
      reorderRate: num(f.reorder, d.faults.reorderRate, 'reorder'),
      reorderTicksMax: num(f['reorder-ticks'], d.faults.reorderTicksMax, 'reorder-ticks'),
      crashRate: num(f.crash, d.faults.crashRate, 'crash'),
      crashRoles: parseRoles(f['crash-roles'], 'crash-roles', d.faults.crashRoles),
      downTicksMin,
      downTicksMax,
      partitionRate: num(f.partition, d.faults.partitionRate, 'partition'),
      partitionRoles: parseRoles(f['partition-roles'], 'partition-roles', d.faults.partitionRoles),
      partitionLeaderRate: num(f['partition-leader'], d.faults.partitionLeaderRate, 'partition-leader'),
      partitionTicksMin,
      partitionTicksMax,
    },
    workload: {
      proposeRate: num(f['propose-rate'], d.workload.proposeRate, 'propose-rate'),
      valueBytesMax: num(f['value-bytes'], d.workload.valueBytesMax, 'value-bytes'),
      // By default the workload lasts the whole safety phase, however long it is.
      valuesMax: num(f.values, Math.max(d.workload.valuesMax, Math.round((num(f.ticks, d.ticksSafety, 'ticks') * d.workload.valuesMax) / d.ticksSafety)), 'values'),
    },
    protocol: parseProtocolFlags(f.protocol),
  });
}

function parseCommand(argv: readonly string[]): Command | null {
  const { values: f } = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false });
  if (f.help === true) return null;
  const seed = f.seed === undefined ? null : num(f.seed, 0, 'seed') >>> 0;
  return {
    params: paramsOf(f),
    seedStart: num(f['seed-start'], randomBytes(4).readUInt32LE(0), 'seed-start') >>> 0,
    seeds: num(f.seeds, 100, 'seeds'),
    replay: seed,
    trace: f.trace === true,
    soakMinutes: f.soak === undefined ? null : num(f.soak, 0, 'soak'),
    failFast: f['fail-fast'] === true,
    verbose: f.verbose === true,
  };
}

function replayCommand(seed: number, params: SimParams): string {
  return `npx tsx runtime/cli/sim-command.ts --seed ${seed} ${formatParams(params)}`;
}

/** Replays one seed: everything a person needs to study it. */
function replay(seed: number, params: SimParams, trace: boolean): number {
  console.log(`seed ${seed} ${formatParams(params)}`);
  const r = runSimulation(seed, params, trace ? { onTrace: (line) => console.log(line) } : {});
  console.log(`ring: ${formatShape(r.shape)}, limits ${r.limits}`);
  console.log(`ticks: safety ${r.ticksSafety}, liveness ${r.ticksLiveness}; messages sent ${r.messagesSent}, received ${r.messagesReceived}`);
  console.log(`values: proposed ${r.valuesProposed}, acked ${r.valuesAcked}; instances delivered ${r.instancesDelivered}`);
  console.log(`faults: ${JSON.stringify(r.faults.toJSON())}`);
  console.log(`trace hash: ${r.traceHash}`);
  for (const v of r.violations) console.log(`VIOLATION ${v.kind} (${violationPhase(v.kind)}) at t=${v.at}: ${v.message}`);
  if (r.violationsTotal > r.violations.length) console.log(`… and ${r.violationsTotal - r.violations.length} more`);
  console.log(r.violationsTotal === 0 ? 'ok' : `FAILED: ${r.violationsTotal} violations`);
  return r.violationsTotal === 0 ? 0 : 1;
}

/** Totals over many seeds. */
class Tally {
  seeds = 0;
  ticks = 0;
  messages = 0;
  readonly faults = new FaultCounts();
  readonly failures: SimResult[] = [];
  readonly byKind = new Map<ViolationKind, number>();
  /** A hash over every run's trace hash: two sweeps with the same seeds and parameters agree on it. */
  readonly sweepHash = new TraceHash();

  add(r: SimResult): void {
    this.seeds++;
    this.sweepHash.addString(r.traceHash);
    this.ticks += r.ticksSafety + r.ticksLiveness;
    this.messages += r.messagesSent;
    this.faults.addAll(r.faults);
    if (r.violationsTotal === 0) return;
    this.failures.push(r);
    const kinds = new Set(r.violations.map((v) => v.kind));
    for (const k of kinds) this.byKind.set(k, (this.byKind.get(k) ?? 0) + 1);
  }
}

/** Progress is a line rewritten in place on a terminal, or a line every 10 s in a log. */
class Progress {
  private lastAt = performance.now();
  private readonly tty = process.stdout.isTTY === true;
  constructor(private readonly startedAt: number) {}

  maybeShow(t: Tally, goal: string): void {
    const now = performance.now();
    if (now - this.lastAt < (this.tty ? 1000 : 10_000)) return;
    this.lastAt = now;
    const s = (now - this.startedAt) / 1000;
    const line = `${t.seeds} seeds${goal} | ${(t.seeds / s).toFixed(1)} seeds/s | ${(t.messages / s / 1000).toFixed(0)}k msgs/s | ${t.failures.length} failing`;
    if (this.tty) process.stdout.write(`\r${line}   `);
    else console.log(line);
  }
  done(): void {
    if (this.tty) process.stdout.write('\n');
  }
}

function seedLine(r: SimResult): string {
  const verdict = r.violationsTotal === 0 ? 'ok' : `FAILED ${r.violations[0]?.kind}`;
  const run = `ticks ${r.ticksSafety}+${r.ticksLiveness} | messages ${r.messagesSent} | faults ${r.faults.total}`;
  return `seed ${r.seed} ${verdict} hash ${r.traceHash} | ${formatShape(r.shape)}, limits ${r.limits} | ${run}`;
}

function runMany(cmd: Command): Tally {
  const t = new Tally();
  const startedAt = performance.now();
  const progress = new Progress(startedAt);
  const deadline = cmd.soakMinutes === null ? Infinity : startedAt + cmd.soakMinutes * 60_000;
  const goal = cmd.soakMinutes === null ? ` of ${cmd.seeds}` : ` (soak ${cmd.soakMinutes} min)`;
  for (let i = 0; cmd.soakMinutes !== null || i < cmd.seeds; i++) {
    if (performance.now() >= deadline) break;
    const seed = (cmd.seedStart + i) >>> 0;
    const r = runSimulation(seed, cmd.params);
    t.add(r);
    if (cmd.verbose) console.log(seedLine(r));
    if (r.violationsTotal > 0) {
      if (process.stdout.isTTY === true) process.stdout.write('\n');
      const v = r.violations[0];
      console.log(`seed ${seed} FAILED (${formatShape(r.shape)}, limits ${r.limits}): ${v?.kind} at t=${v?.at}: ${v?.message}`);
      if (cmd.failFast) break;
    }
    progress.maybeShow(t, goal);
  }
  progress.done();
  return t;
}

function printSummary(cmd: Command, t: Tally, seconds: number): void {
  console.log(`\n== summary`);
  console.log(`seeds: ${t.seeds} from ${cmd.seedStart} in ${seconds.toFixed(1)} s (${(t.seeds / seconds).toFixed(1)} seeds/s)`);
  console.log(`sweep trace hash: ${t.sweepHash.value} (the same seeds and parameters give the same hash)`);
  console.log(`ticks: ${t.ticks} simulated; messages: ${t.messages} sent (${(t.messages / seconds / 1000).toFixed(0)}k simulated messages/s)`);
  const perRun = (n: number): string => (t.seeds === 0 ? '0' : (n / t.seeds).toFixed(1));
  console.log(`faults injected: ${t.faults.total} (${perRun(t.faults.total)} per run, besides ${t.faults.get('partition-drop')} messages cut by partitions)`);
  for (const k of FAULT_KINDS) {
    const n = t.faults.get(k);
    if (n > 0) console.log(`  ${k.padEnd(18)} ${String(n).padStart(9)}  ${perRun(n).padStart(8)} per run`);
  }
  if (t.failures.length === 0) return console.log(`violations: none`);
  console.log(`violations: ${t.failures.length} failing seeds`);
  for (const [k, n] of t.byKind) console.log(`  ${k.padEnd(18)} ${String(n).padStart(9)} seeds (${violationPhase(k)})`);
  const seeds = t.failures.map((r) => r.seed);
  console.log(`failing seeds: ${seeds.slice(0, 50).join(' ')}${seeds.length > 50 ? ` … (${seeds.length - 50} more)` : ''}`);
  console.log(`replay one: ${replayCommand(seeds[0] ?? 0, cmd.params)} --trace`);
}

function main(argv: readonly string[]): number {
  let cmd: Command | null;
  try {
    cmd = parseCommand(argv);
  } catch (e) {
    console.error(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
    return 2;
  }
  if (cmd === null) {
    console.log(USAGE);
    return 0;
  }
  if (cmd.replay !== null) return replay(cmd.replay, cmd.params, cmd.trace);
  const seedsText = cmd.soakMinutes === null ? `${cmd.seeds} seeds from ${cmd.seedStart}` : `soak ${cmd.soakMinutes} min from seed ${cmd.seedStart}`;
  console.log(`sim: ${seedsText}; ${formatParams(cmd.params)}`);
  const startedAt = performance.now();
  const t = runMany(cmd);
  printSummary(cmd, t, (performance.now() - startedAt) / 1000);
  return t.failures.length === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
