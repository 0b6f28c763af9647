/**
 * The deterministic simulator (after TigerBeetle's VOPR). One seed decides everything: the ring's
 * shape, the workload, every message's fate and every crash. A run has two phases:
 * - safety: proposers propose while the network loses, duplicates, reorders and partitions
 *   messages and nodes crash and restart; the checker verifies every delivery as it happens;
 * - liveness: partitions heal, loss stops, every crashed node restarts, and every value acked or
 *   still pending at a live proposer (and every value any learner delivered) must reach every
 *   live learner within `ticksLivenessMax` ticks.
 * The same seed and parameters give the same trace, and so the same trace hash.
 */
import { ConfigError } from '../errors.ts';
import { formatValueId } from '../protocol/ids.ts';
import { resolveProtocolOptions, type ProtocolOptions } from '../protocol/options.ts';
import { Prng } from '../protocol/prng.ts';
import { Checker, type MergeOrderCheck, type Violation } from './checker.ts';
import { Cluster, type ClusterOptions } from './cluster.ts';
import { FaultCounts, NetworkFaults, NodeFaults, resolveFaultRates, type FaultRates, type NodeFaultEvent, type Partition } from './faults.ts';
import { randomLimits, randomShape, type ModeChoice, type RingShape } from './ring-shape.ts';
import { formatEvent } from './sim-trace.ts';

export interface WorkloadOptions {
  /** Chance per tick that a live proposer proposes one value. */
  readonly proposeRate: number;
  /** Values are 1 to this many random bytes. */
  readonly valueBytesMax: number;
  /** Values proposed in a whole run, all proposers together. */
  readonly valuesMax: number;
}

export interface SimParams {
  /** Ticks of the safety phase (faults on, workload running). */
  readonly ticksSafety: number;
  /** Ticks the healed cluster gets to deliver everything it must. */
  readonly ticksLivenessMax: number;
  /**
   * False skips the liveness phase: a safety-only sweep can turn every fault up to rates at which
   * an open liveness bug would fail most seeds.
   */
  readonly livenessCheck: boolean;
  readonly mode: ModeChoice;
  readonly faults: FaultRates;
  readonly workload: WorkloadOptions;
  readonly protocol: Partial<ProtocolOptions>;
}

export const DEFAULT_WORKLOAD: WorkloadOptions = Object.freeze({ proposeRate: 0.1, valueBytesMax: 32, valuesMax: 400 });

export const DEFAULT_SIM_PARAMS: SimParams = Object.freeze({
  ticksSafety: 2000,
  ticksLivenessMax: 3000,
  livenessCheck: true,
  mode: 'mixed',
  faults: resolveFaultRates(),
  workload: DEFAULT_WORKLOAD,
  protocol: {},
});

/** Test hooks: broken role variants, the multi-ring merge check, and a trace printer. */
export interface SimHooks {
  readonly roleFactory?: ClusterOptions['roleFactory'];
  readonly mergeChecks?: readonly MergeOrderCheck[];
  /** Receives one line per event (message received or dropped, fault, proposal, ack, delivery). */
  readonly onTrace?: (line: string) => void;
}

export interface SimResult {
  readonly seed: number;
  readonly shape: RingShape;
  /** The protocol limits profile drawn for this seed. */
  readonly limits: string;
  readonly traceHash: string;
  /** Ticks run in each phase (the safety phase stops early at its first violation). */
  readonly ticksSafety: number;
  readonly ticksLiveness: number;
  readonly messagesSent: number;
  readonly messagesReceived: number;
  readonly faults: FaultCounts;
  readonly valuesProposed: number;
  readonly valuesAcked: number;
  readonly instancesDelivered: number;
  readonly violations: readonly Violation[];
  readonly violationsTotal: number;
}

/** What a caller may leave out: every field, and any field of the faults and of the workload. */
export type SimParamsInput = Partial<Omit<SimParams, 'faults' | 'workload'>> & {
  readonly faults?: Partial<FaultRates>;
  readonly workload?: Partial<WorkloadOptions>;
};

/** Fills defaults, validates, and freezes. */
export function resolveSimParams(input: SimParamsInput = {}): SimParams {
  const d = DEFAULT_SIM_PARAMS;
  const p: SimParams = { ...d, ...input, faults: { ...d.faults, ...input.faults }, workload: { ...d.workload, ...input.workload } };
  const positive = (v: number, field: string): void => {
    if (!(Number.isSafeInteger(v) && v >= 1)) throw new ConfigError(`sim.${field}`, `must be a positive integer, got ${v}`);
  };
  positive(p.ticksSafety, 'ticksSafety');
  positive(p.ticksLivenessMax, 'ticksLivenessMax');
  positive(p.workload.valueBytesMax, 'workload.valueBytesMax');
  if (!(Number.isSafeInteger(p.workload.valuesMax) && p.workload.valuesMax >= 0)) throw new ConfigError('sim.workload.valuesMax', 'must be a non-negative integer');
  const rate = p.workload.proposeRate;
  if (!(rate >= 0 && rate <= 1)) throw new ConfigError('sim.workload.proposeRate', `must be a probability in [0, 1], got ${rate}`);
  resolveProtocolOptions(p.protocol, 'sim.protocol');
  return Object.freeze({ ...p, faults: resolveFaultRates(p.faults, 'sim.faults'), workload: Object.freeze({ ...p.workload }) });
}

/** Runs one seed through both phases and returns the verdict. */
export function runSimulation(seed: number, params: SimParams, hooks: SimHooks = {}): SimResult {
  const sim = new Simulation(seed >>> 0, params, hooks);
  sim.runSafety();
  if (sim.checker.ok && params.livenessCheck) sim.runLiveness();
  return sim.result();
}

/** The proposers' run pool in every simulation. */
const SIM_RUN_POOL = Object.freeze({ slabBytes: 256, slabsMax: 8, poison: true });

/** How often (in ticks) the liveness phase asks the checker whether it is done. */
const LIVENESS_CHECK_TICKS = 10;

class Simulation {
  readonly checker: Checker;
  private readonly cluster: Cluster;
  private readonly shape: RingShape;
  private readonly faultCounts = new FaultCounts();
  private readonly network: NetworkFaults;
  private readonly nodeFaults: NodeFaults;
  private readonly workloadPrng: Prng;
  private readonly trace: ((line: string) => void) | null;
  private valuesProposed = 0;
  private ticksSafety = 0;
  private ticksLiveness = 0;
  private readonly limits: ReturnType<typeof randomLimits>;

  constructor(
    private readonly seed: number,
    private readonly params: SimParams,
    hooks: SimHooks,
  ) {
    // One independent stream per concern, forked in a fixed order: the same seed draws the same
    // ring, the same network fates, the same crashes and the same workload.
    const root = new Prng(seed);
    this.shape = randomShape(root.fork(), params.mode);
    const networkPrng = root.fork();
    const nodePrng = root.fork();
    this.workloadPrng = root.fork();
    // Drawn last, so that the streams above stay what they were before limits were drawn.
    this.limits = randomLimits(root.fork());
    this.network = new NetworkFaults(params.faults, networkPrng, this.faultCounts);
    this.cluster = new Cluster({
      ring: this.shape.ring,
      proposers: this.shape.proposers,
      protocol: { ...this.limits.protocol, ...params.protocol },
      policy: this.network.policy,
      acceptorStorage: 'durable',
      // Small slabs, poisoned when freed: reused often, so a run some holder keeps without
      // reporting it (see run-pool.ts) is delivered with wrong bytes and the checker says so.
      runPool: SIM_RUN_POOL,
      ...(hooks.roleFactory === undefined ? {} : { roleFactory: hooks.roleFactory }),
    });
    this.nodeFaults = new NodeFaults(this.cluster, params.faults, nodePrng, this.faultCounts);
    this.checker = new Checker(this.shape.ring.learners, this.shape.proposers, hooks.mergeChecks ?? []);
    this.trace = hooks.onTrace ?? null;
    const trace = this.trace;
    this.cluster.onEvent = (e) => {
      this.checker.onEvent(e);
      if (trace !== null) trace(formatEvent(e));
    };
  }

  runSafety(): void {
    const c = this.cluster;
    for (let t = 0; t < this.params.ticksSafety && this.checker.ok; t++) {
      this.traceNodeFaults(this.nodeFaults.tick(c.now));
      this.tracePartition(this.network.tick(c.now, c));
      this.propose();
      if (!this.tick()) break;
      this.ticksSafety++;
    }
  }

  runLiveness(): void {
    const c = this.cluster;
    const calm: FaultRates = { ...this.params.faults, lossRate: 0, crashRate: 0, partitionRate: 0 };
    this.network.rates = calm;
    this.nodeFaults.rates = calm;
    if (this.network.partition !== null) this.note('HEAL');
    this.network.heal();
    this.traceNodeFaults(this.nodeFaults.restartAll());
    this.note('LIVENESS phase: network healed, every node up');
    for (let t = 0; t < this.params.ticksLivenessMax; t++) {
      if (t % LIVENESS_CHECK_TICKS === 0 && this.checker.livenessSatisfied()) return;
      if (!this.tick()) return;
      this.ticksLiveness++;
    }
    if (!this.checker.livenessSatisfied()) this.checker.reportLiveness(c.now, this.ticksLiveness);
  }

  result(): SimResult {
    const s = this.cluster.stats;
    return {
      seed: this.seed,
      shape: this.shape,
      limits: this.limits.name,
      traceHash: this.cluster.trace.value,
      ticksSafety: this.ticksSafety,
      ticksLiveness: this.ticksLiveness,
      messagesSent: s.messagesSent,
      messagesReceived: s.messagesReceived,
      faults: this.faultCounts,
      valuesProposed: this.valuesProposed,
      valuesAcked: this.checker.stats.valuesAcked,
      instancesDelivered: this.checker.stats.instancesDelivered,
      violations: this.checker.violations,
      violationsTotal: this.checker.violationsTotal,
    };
  }

  /** One cluster tick; an exception thrown by a role is a violation (an assertion fired). */
  private tick(): boolean {
    try {
      this.cluster.tick();
      return true;
    } catch (e) {
      const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      this.checker.report('exception', this.cluster.now, null, `a role threw: ${what}`);
      return false;
    }
  }

  private propose(): void {
    const w = this.params.workload;
    for (const p of this.shape.proposers) {
      if (this.valuesProposed >= w.valuesMax) return;
      if (!this.cluster.isUp(p) || !this.workloadPrng.chance(w.proposeRate)) continue;
      const bytes = new Uint8Array(1 + this.workloadPrng.below(w.valueBytesMax));
      for (let i = 0; i < bytes.length; i++) bytes[i] = this.workloadPrng.below(256);
      const id = this.cluster.propose(p, bytes);
      if (id === null) continue; // back-pressure: the proposer has too many values in flight
      this.valuesProposed++;
      this.checker.onProposed(p, id, bytes);
      this.cluster.trace.add(id);
      if (this.trace !== null) this.note(`PROPOSE ${p} ${formatValueId(id)} (${bytes.length} bytes)`);
    }
  }

  private traceNodeFaults(events: readonly NodeFaultEvent[]): void {
    for (const e of events) {
      this.cluster.trace.add(e.node);
      if (e.kind === 'crash') this.note(`FAULT crash ${e.role} ${e.node} until t=${e.upAt}`);
    }
  }

  private tracePartition(p: Partition | null): void {
    if (p === null) return;
    const side = [...p.side].sort((a, b) => a - b);
    for (const n of side) this.cluster.trace.add(n);
    this.note(`FAULT partition {${side.join(',')}} cut off until t=${p.healAt}`);
  }

  private note(text: string): void {
    if (this.trace !== null) this.trace(`t=${this.cluster.now} ${text}`);
  }
}

/** Every parameter of a run as command-line flags: what a replay needs besides the seed. */
export function formatParams(p: SimParams): string {
  const f = p.faults;
  const w = p.workload;
  const protocol = Object.entries(p.protocol).map(([k, v]) => ` --protocol ${k}=${v}`).join('');
  return (
    `--ticks ${p.ticksSafety} --liveness-ticks ${p.ticksLivenessMax} --mode ${p.mode}` +
    ` --loss ${f.lossRate} --dup ${f.duplicateRate} --reorder ${f.reorderRate} --reorder-ticks ${f.reorderTicksMax}` +
    ` --crash ${f.crashRate} --crash-roles ${f.crashRoles.join(',') || 'none'} --down-ticks ${f.downTicksMin}:${f.downTicksMax}` +
    ` --partition ${f.partitionRate} --partition-roles ${f.partitionRoles.join(',') || 'none'}` +
    ` --partition-leader ${f.partitionLeaderRate} --partition-ticks ${f.partitionTicksMin}:${f.partitionTicksMax}` +
    ` --propose-rate ${w.proposeRate} --value-bytes ${w.valueBytesMax} --values ${w.valuesMax}${protocol}` +
    (p.livenessCheck ? '' : ' --safety-only')
  );
}

