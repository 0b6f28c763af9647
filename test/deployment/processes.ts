/**
 * Runs the nodes of a deployment as separate processes through the CLI (`ringcast start`), for
 * the multi-process tests and benchmark: writes the config, spawns and kills processes, waits for
 * lines they print, and reads what a learner recorded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { validateDeployment } from '../../runtime/config/validate-deployment.ts';
import { PROGRESS_LINE, ackedInProgressLine, defaultLoadWindow } from '../../runtime/cli/load-and-record.ts';
import { crc32Implementation } from '../../runtime/native/crc32.ts';
import { DEFAULT_PROTOCOL_OPTIONS } from '../../src/protocol/options.ts';

const BIN = fileURLToPath(new URL('../../bin/ringcast.js', import.meta.url));
/** Ticks of utime and stime in /proc/…/stat: USER_HZ, 100 on Linux whatever the kernel's HZ. */
export const TICKS_PER_SECOND = 100;

/** `native128`: the native CRC-32 without its 512-bit folding (RINGCAST_CRC_WIDE=0). */
export type CrcChoice = 'native' | 'native128' | 'zlib';
const CRC_CHOICES: readonly string[] = ['native', 'native128', 'zlib'];

/**
 * The CRC-32s a benchmark's `--crc` asks for (`both` where `allowBoth`: native and zlib; by
 * default the one this process uses), refusing a native one where it is not in use here.
 */
export function crcChoices(arg: string | undefined, allowBoth: boolean): CrcChoice[] {
  const list = arg === undefined ? [crc32Implementation.implementation] : allowBoth && arg === 'both' ? ['native', 'zlib'] : [arg];
  for (const c of list) if (!CRC_CHOICES.includes(c)) throw new Error(`--crc: native, native128${allowBoth ? ', zlib or both' : ' or zlib'}, not ${c}`);
  if (list.some((c) => c !== 'zlib') && crc32Implementation.implementation !== 'native') throw new Error(`--crc ${list.join(',')}: the native CRC-32 is not in use here (${crc32Implementation.reason})`);
  return list as CrcChoice[];
}

/** Where the nodes' UDP gateway runs (placement.gateway). */
export type GatewayChoice = 'own-thread' | 'actor-thread';

/**
 * `--gateway` of the five-process benchmarks: one placement, or with `allowBoth` 'both' for each in
 * turn; none given, [undefined]: the config's default.
 */
export function gatewayChoices(arg: string | undefined, allowBoth: boolean): (GatewayChoice | undefined)[] {
  if (arg === undefined) return [undefined];
  const list = allowBoth && arg === 'both' ? ['own-thread', 'actor-thread'] : [arg];
  for (const g of list) if (g !== 'own-thread' && g !== 'actor-thread') throw new Error(`--gateway: own-thread${allowBoth ? ', actor-thread or both' : ' or actor-thread'}, not ${g}`);
  return list as GatewayChoice[];
}

/** Node processes started after this check datagrams and log chunks with `crc` (they inherit this process's environment). */
export function useCrc(crc: CrcChoice): void {
  if (crc === 'zlib') process.env['RINGCAST_NATIVE'] = '0';
  else delete process.env['RINGCAST_NATIVE'];
  if (crc === 'native128') process.env['RINGCAST_CRC_WIDE'] = '0';
  else delete process.env['RINGCAST_CRC_WIDE'];
}

/** The node id of the five-process deployment's proposer (node `p`): the learner records its values as [4, sequence]. */
export const PROPOSER_NODE_ID = 4;

/**
 * The proposer's sequence numbers in what the learner delivered, in delivery order; values from
 * anyone else and values delivered twice are reported in `out`.
 */
function proposerSeqs(delivered: readonly (readonly [number, number])[], out: string[]): { seqs: number[]; seen: Set<number> } {
  const seqs = delivered.filter(([node]) => node === PROPOSER_NODE_ID).map(([, seq]) => seq);
  if (seqs.length !== delivered.length) out.push(`${delivered.length - seqs.length} values not from the proposer`);
  const seen = new Set(seqs);
  if (seen.size !== seqs.length) out.push(`${seqs.length - seen.size} values delivered twice`);
  return { seqs, seen };
}

/** Problems in what the learner delivered: anything but the proposer's values 0..count-1, once each, in order. */
export function problems(delivered: readonly (readonly [number, number])[], count: number): string[] {
  const out: string[] = [];
  const { seqs } = proposerSeqs(delivered, out);
  for (let i = 0; i < count; i++) {
    if (seqs[i] !== i) {
      out.push(`position ${i}: expected value ${i}, got ${seqs[i]}`);
      break;
    }
  }
  if (seqs.length !== count) out.push(`${seqs.length} values delivered, ${count} proposed`);
  return out;
}

/** What a learner's record of a running load shows (see deliveryCheck). */
export interface DeliveryCheck {
  /** Values delivered so far. */
  readonly delivered: number;
  /** What must never happen: a value delivered twice, or one missing that cannot still be on its way. */
  readonly problems: string[];
  /**
   * Values delivered after a later value of the same proposer: per-proposer order is not promised
   * when a Submit is lost or the leader changes (README, Known limits); total order and exactly
   * once are.
   */
  readonly outOfOrder: number;
}

/**
 * Checks the learner's record of a load that is still running: no value delivered twice, and none
 * missing more than `onItsWayMax` below the highest delivered (one less far behind may still be on
 * its way: a run whose Submit was lost is re-sent on the proposer's timer, hundreds of
 * milliseconds later; see loadOnItsWayMax).
 */
export function deliveryCheck(delivered: readonly (readonly [number, number])[], onItsWayMax: number): DeliveryCheck {
  const out: string[] = [];
  const { seqs, seen } = proposerSeqs(delivered, out);
  let highest = -1;
  let outOfOrder = 0;
  for (const s of seqs) {
    if (s < highest) outOfOrder++;
    else highest = s;
  }
  let missing = 0;
  let first = -1;
  for (let v = 0; v < highest - onItsWayMax; v++) {
    if (seen.has(v)) continue;
    if (first < 0) first = v;
    missing++;
  }
  if (missing > 0) out.push(`${missing} values missing below ${highest - onItsWayMax} (the first: ${first})`);
  return { delivered: seqs.length, problems: out, outOfOrder };
}

/**
 * How far behind the newest value delivered a value of the benchmarks' load may still be on its
 * way: twice the load's window (values outstanding), or the proposer's span, whichever is more.
 * The proposer keeps every value in flight within `proposerValuesInFlightMax` sequence numbers of
 * its newest (Proposer.withinSpan), and the load numbers its values in the order it proposes
 * them, so a value further back than that was lost. Twice the window alone was too little once
 * the learner kept up with the deciding (session 12): a run of 18 values at 8 KB whose Submit was
 * lost was 5,131 behind when the record was read, within the proposer's 16,384.
 */
export function loadOnItsWayMax(window: number, protocol?: Readonly<Record<string, number>>): number {
  return Math.max(2 * window, protocol?.['proposerValuesInFlightMax'] ?? DEFAULT_PROTOCOL_OPTIONS.proposerValuesInFlightMax);
}

/** A DeliveryCheck in a line. */
export function describeDelivery(c: DeliveryCheck): string {
  const order = c.outOfOrder === 0 ? 'all in the order proposed' : `${c.outOfOrder.toLocaleString('en-US')} out of the order proposed (not promised when a Submit is lost)`;
  return c.problems.length === 0 ? `${c.delivered.toLocaleString('en-US')} values delivered, none twice, none lost, ${order}` : `WRONG: ${c.problems.join('; ')}`;
}

export interface FiveNodeOptions {
  readonly mode: 'multicast' | 'ring';
  readonly basePort: number;
  readonly lossRate?: number;
  /** Where each node's UDP gateway runs (placement.gateway); the default of the config otherwise. */
  readonly gateway?: GatewayChoice | undefined;
  /**
   * The directory the deployment's own directory is made in (config, acceptor logs, the
   * learner's record); the OS's temporary directory by default. /dev/shm puts the logs in memory.
   */
  readonly root?: string;
  /** The deployment's tickMs (the default of the config otherwise). */
  readonly tickMs?: number;
  /** The ring's acceptor storage (`async` by default) and protocol options. */
  readonly storage?: 'async' | 'sync';
  readonly protocol?: Readonly<Record<string, number>>;
}

/** Five processes: three acceptors (two of them with a coordinator), a proposer, a learner. */
export function fiveNodeConfig(o: FiveNodeOptions, dir: string): unknown {
  const node = (name: string, id: number) => ({ name, id, host: '127.0.0.1', port: o.basePort + id, controlPort: o.basePort + 100 + id, dataDir: join(dir, name) });
  return {
    nodes: [node('a1', 1), node('a2', 2), node('a3', 3), node('p', 4), node('l', 5)],
    rings: [
      {
        id: 1,
        dissemination: o.mode,
        ...(o.mode === 'multicast' ? { multicast: { group: `239.255.44.${o.basePort % 250}`, port: o.basePort + 50, interface: '127.0.0.1' } } : {}),
        acceptors: [{ id: 1, node: 'a1' }, { id: 2, node: 'a2' }, { id: 3, node: 'a3' }],
        coordinators: [{ id: 11, node: 'a1' }, { id: 12, node: 'a2' }],
        learners: [{ id: 21, node: 'l' }],
        proposers: [{ id: 31, node: 'p' }],
        ...(o.storage === undefined ? {} : { storage: o.storage }),
        ...(o.protocol === undefined ? {} : { protocol: o.protocol }),
      },
    ],
    ...(o.tickMs === undefined ? {} : { tickMs: o.tickMs }),
    placement: { mode: 'shared', threads: 1, spin: false, ...(o.gateway === undefined ? {} : { gateway: o.gateway }) },
    ...(o.lossRate === undefined ? {} : { transport: { faults: { lossRate: o.lossRate, seed: 11 } } }),
  };
}

export class NodeProcess {
  readonly lines: string[] = [];
  private readonly child: ChildProcess;
  private exited = false;

  constructor(
    readonly name: string,
    config: string,
    args: readonly string[],
  ) {
    this.child = spawn(process.execPath, [BIN, 'start', config, '--node', name, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let partial = '';
    const take = (chunk: Buffer): void => {
      const text = partial + chunk.toString();
      const parts = text.split('\n');
      partial = parts.pop() ?? '';
      this.lines.push(...parts);
    };
    this.child.stdout?.on('data', take);
    this.child.stderr?.on('data', take);
    this.child.on('exit', () => (this.exited = true));
  }

  get alive(): boolean {
    return !this.exited;
  }

  /**
   * Resolves with the first line matching `re` from line `from` on (every line printed so far,
   * by default), or rejects after `timeoutMs`. Looks every 5 ms, at the lines new since it last looked.
   */
  async waitFor(re: RegExp, timeoutMs: number, from = 0): Promise<string> {
    const end = Date.now() + timeoutMs;
    for (let k = from; ; ) {
      for (; k < this.lines.length; k++) if (re.test(this.lines[k] as string)) return this.lines[k] as string;
      if (Date.now() > end) throw new Error(`node ${this.name}: no line matching ${re} within ${timeoutMs} ms; it printed:\n${this.lines.slice(-20).join('\n')}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  /**
   * The next progress line of a load (`ringcast start --load`, one a second) printed after this
   * call: the values acked so far, and when the line arrived (performance.now()).
   */
  async nextProgress(timeoutMs: number): Promise<{ acked: number; atMs: number }> {
    const line = await this.waitFor(PROGRESS_LINE, timeoutMs, this.lines.length);
    return { acked: ackedInProgressLine(line) as number, atMs: performance.now() };
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  async exit(timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!this.exited && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    if (!this.exited) this.child.kill('SIGKILL');
  }
}

/** Ticks summed by node (the part of threadTicks' keys before the first colon), and in all. */
export function ticksByNode(ticks: ReadonlyMap<string, number>): { byNode: Map<string, number>; total: number } {
  const byNode = new Map<string, number>();
  let total = 0;
  for (const [key, used] of ticks) {
    if (used <= 0) continue;
    total += used;
    const node = key.split(':')[0] as string;
    byNode.set(node, (byNode.get(node) ?? 0) + used);
  }
  return { byNode, total };
}

export class Deployment {
  readonly dir: string;
  readonly config: string;
  readonly record: string;
  readonly procs = new Map<string, NodeProcess>();
  private readonly protocol: Readonly<Record<string, number>> | undefined;

  constructor(o: FiveNodeOptions) {
    this.protocol = o.protocol;
    this.dir = mkdtempSync(join(o.root ?? tmpdir(), 'ringcast-deploy-'));
    this.config = join(this.dir, 'deployment.json');
    this.record = join(this.dir, 'delivered.jsonl');
    const config = fiveNodeConfig(o, this.dir);
    // A config the nodes would refuse fails here, naming the field, rather than as five processes
    // that exit while the caller waits for their output.
    try {
      validateDeployment(config);
    } catch (e) {
      rmSync(this.dir, { recursive: true, force: true });
      throw e;
    }
    writeFileSync(this.config, JSON.stringify(config, null, 2));
  }

  start(name: string, args: readonly string[] = []): NodeProcess {
    const p = new NodeProcess(name, this.config, args);
    this.procs.set(name, p);
    return p;
  }

  /** Bytes of the learner's record so far (it is written in whole lines). */
  recordBytes(): number {
    return existsSync(this.record) ? statSync(this.record).size : 0;
  }

  /** (proposer node id, sequence) of every value the learner recorded, in delivery order. */
  delivered(): [number, number][] {
    return this.readRecord(0, 0).values;
  }

  /** The record's values, as delivered(), and how many of them are on lines that start in bytes [from, to). */
  private readRecord(from: number, to: number): { values: [number, number][]; inRange: number } {
    const values: [number, number][] = [];
    let inRange = 0;
    if (!existsSync(this.record)) return { values, inRange };
    let at = 0;
    // JSON of numbers: one byte per character, so string offsets are byte offsets.
    for (const line of readFileSync(this.record, 'latin1').split('\n')) {
      const start = at;
      at += line.length + 1;
      if (line.trim() === '') continue;
      try {
        const vs = (JSON.parse(line) as { values: [number, number][] }).values;
        values.push(...vs);
        if (start >= from && start < to) inRange += vs.length;
      } catch {
        // The last line may be half written while the learner runs.
      }
    }
    return { values, inRange };
  }

  async waitDelivered(count: number, timeoutMs: number): Promise<[number, number][]> {
    const end = Date.now() + timeoutMs;
    let d = this.delivered();
    while (d.length < count && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 50));
      d = this.delivered();
    }
    return d;
  }

  /**
   * Starts the five nodes with a load of `bytes`-byte values from node p, lets it run for
   * `warmupSeconds` (on 2 busy cores the processes' JIT compiles hot functions for several
   * seconds), then measures over about `seconds`, from one of the load's progress lines to
   * another: the values acked, those the learner delivered meanwhile (by its record), the seconds
   * between the two lines, and the CPU ticks each thread
   * of the deployment used meanwhile (threadTicks' keys); and what the learner recorded by then,
   * checked (deliveryCheck).
   */
  async steadyLoad(o: { bytes: number; warmupSeconds: number; seconds: number; window?: string }): Promise<{ acked: number; delivered: number; seconds: number; ticks: Map<string, number>; delivery: DeliveryCheck }> {
    for (const n of ['a1', 'a2', 'a3']) this.start(n, ['--quiet']);
    this.start('l', ['--quiet', '--record', this.record]);
    const p = this.start('p', ['--load', '1000000000', '--value-bytes', String(o.bytes), ...(o.window === undefined ? [] : ['--window', o.window])]);
    await p.waitFor(/^load: \d+ values of/, 60_000);
    await new Promise((r) => setTimeout(r, o.warmupSeconds * 1000));
    const s0 = await p.nextProgress(5000);
    const t0 = this.threadTicks();
    const r0 = this.recordBytes();
    await new Promise((r) => setTimeout(r, o.seconds * 1000 - 500));
    const s1 = await p.nextProgress(5000);
    const r1 = this.recordBytes();
    const ticks = this.threadTicksSince(t0);
    const record = this.readRecord(r0, r1);
    const delivery = deliveryCheck(record.values, loadOnItsWayMax(o.window === undefined ? defaultLoadWindow(o.bytes) : Number(o.window), this.protocol));
    // What the learner delivered meanwhile (its record is written every RECORD_FLUSH_MS): acks
    // only say a value was decided, and a learner may fall behind the deciding.
    return { acked: s1.acked - s0.acked, delivered: record.inRange, seconds: (s1.atMs - s0.atMs) / 1000, ticks, delivery };
  }

  /** The CPU ticks each thread used since `before` (an earlier threadTicks()). */
  threadTicksSince(before: ReadonlyMap<string, number>): Map<string, number> {
    const ticks = this.threadTicks();
    for (const [key, t] of ticks) ticks.set(key, t - (before.get(key) ?? 0));
    return ticks;
  }

  /** CPU ticks so far of every thread of this deployment's processes, by "node:tid:name" (none without /proc). */
  threadTicks(): Map<string, number> {
    const ticks = new Map<string, number>();
    let pids: string[];
    try {
      pids = readdirSync('/proc').filter((x) => /^\d+$/.test(x));
    } catch {
      return ticks;
    }
    for (const pid of pids) {
      try {
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
        if (!cmd.includes(this.config)) continue;
        const node = cmd[cmd.indexOf('--node') + 1] ?? pid;
        for (const tid of readdirSync(`/proc/${pid}/task`)) {
          const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
          const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
          ticks.set(`${node}:${tid}:${stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))}`, Number(fields[11]) + Number(fields[12]));
        }
      } catch {
        // The process or the thread ended meanwhile.
      }
    }
    return ticks;
  }

  /** Stops every process, then removes the deployment's directory (acceptor logs: 20 GB in /dev/shm after a session of benchmarks that kept them). */
  async stopAll(): Promise<void> {
    for (const p of this.procs.values()) if (p.alive) p.kill('SIGTERM');
    await Promise.all([...this.procs.values()].map((p) => p.exit(5000)));
    rmSync(this.dir, { recursive: true, force: true, maxRetries: 5 });
  }
}
