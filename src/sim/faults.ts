/**
 * Fault injection for the simulator: what the network does to each message (loss, duplication,
 * reordering, partitions that heal) and which nodes crash and restart. Every decision is drawn
 * from a seeded Prng, so a run is a pure function of its seed and its rates.
 */
import { ConfigError } from '../errors.ts';
import type { NodeId } from '../protocol/ids.ts';
import type { Message } from '../protocol/messages.ts';
import { faultsTolerated } from '../protocol/options.ts';
import type { Prng } from '../protocol/prng.ts';
import type { Cluster, RoleKind, SendFate } from './cluster.ts';

export const ROLE_KINDS: readonly RoleKind[] = Object.freeze(['acceptor', 'coordinator', 'learner', 'proposer']);

/** Fault probabilities and durations of one run. Rates are probabilities in [0, 1]. */
export interface FaultRates {
  /** Chance that one copy of a message is lost. */
  readonly lossRate: number;
  /** Chance that a message arrives twice (or three times). */
  readonly duplicateRate: number;
  /** Chance that a message is held back by an extra delay, so that later ones overtake it. */
  readonly reorderRate: number;
  /** Largest extra delay of a held-back message. */
  readonly reorderTicksMax: number;
  /** Chance per tick that one node crashes (never more than f acceptors down at once). */
  readonly crashRate: number;
  /** The roles whose nodes may crash. */
  readonly crashRoles: readonly RoleKind[];
  /** A crashed node stays down for a uniform number of ticks in [downTicksMin, downTicksMax]. */
  readonly downTicksMin: number;
  readonly downTicksMax: number;
  /** Chance per tick, while none is under way, that a set of nodes is cut off both ways. */
  readonly partitionRate: number;
  /** The roles whose nodes a partition may cut off. */
  readonly partitionRoles: readonly RoleKind[];
  /** Chance that a partition cuts the current leader off (if coordinators may be cut): that forces a takeover. */
  readonly partitionLeaderRate: number;
  /** A partition heals after a uniform number of ticks in [partitionTicksMin, partitionTicksMax]. */
  readonly partitionTicksMin: number;
  readonly partitionTicksMax: number;
}

export const DEFAULT_FAULT_RATES: FaultRates = Object.freeze({
  lossRate: 0.05,
  duplicateRate: 0.02,
  reorderRate: 0.05,
  reorderTicksMax: 15,
  crashRate: 0.004,
  crashRoles: ROLE_KINDS,
  downTicksMin: 20,
  downTicksMax: 400,
  partitionRate: 0.002,
  partitionRoles: ROLE_KINDS,
  partitionLeaderRate: 0.5,
  partitionTicksMin: 20,
  partitionTicksMax: 300,
});

const RATE_FIELDS = ['lossRate', 'duplicateRate', 'reorderRate', 'crashRate', 'partitionRate', 'partitionLeaderRate'] as const;
const TICK_FIELDS = ['reorderTicksMax', 'downTicksMin', 'downTicksMax', 'partitionTicksMin', 'partitionTicksMax'] as const;

export function resolveFaultRates(partial: Partial<FaultRates> = {}, path = 'faults'): FaultRates {
  const r = { ...DEFAULT_FAULT_RATES, ...partial };
  for (const key of RATE_FIELDS) {
    const v = r[key];
    if (!(Number.isFinite(v) && v >= 0 && v <= 1)) throw new ConfigError(`${path}.${key}`, `must be a probability in [0, 1], got ${v}`);
  }
  for (const key of TICK_FIELDS) {
    const v = r[key];
    if (!(Number.isSafeInteger(v) && v >= 1)) throw new ConfigError(`${path}.${key}`, `must be a positive integer, got ${v}`);
  }
  for (const field of ['crashRoles', 'partitionRoles'] as const) {
    for (const role of r[field]) {
      if (!ROLE_KINDS.includes(role)) throw new ConfigError(`${path}.${field}`, `unknown role ${JSON.stringify(role)}: one of ${ROLE_KINDS.join(', ')}`);
    }
  }
  if (r.downTicksMax < r.downTicksMin) throw new ConfigError(`${path}.downTicksMax`, 'must be at least downTicksMin');
  if (r.partitionTicksMax < r.partitionTicksMin) throw new ConfigError(`${path}.partitionTicksMax`, 'must be at least partitionTicksMin');
  return Object.freeze(r);
}

export type FaultKind =
  | 'loss'
  | 'duplicate'
  | 'reorder'
  | 'partition'
  | 'partition-drop'
  | 'crash-acceptor'
  | 'crash-coordinator'
  | 'crash-learner'
  | 'crash-proposer'
  | 'restart';

export const FAULT_KINDS: readonly FaultKind[] = [
  'loss',
  'duplicate',
  'reorder',
  'partition',
  'partition-drop',
  'crash-acceptor',
  'crash-coordinator',
  'crash-learner',
  'crash-proposer',
  'restart',
];

/** Faults injected, by kind. */
export class FaultCounts {
  readonly counts = new Map<FaultKind, number>();
  add(kind: FaultKind, n = 1): void {
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + n);
  }
  get(kind: FaultKind): number {
    return this.counts.get(kind) ?? 0;
  }
  /** Faults that are events of their own (not per-message drops caused by a partition). */
  get total(): number {
    let n = 0;
    for (const [kind, c] of this.counts) if (kind !== 'partition-drop') n += c;
    return n;
  }
  addAll(other: FaultCounts): void {
    for (const [kind, c] of other.counts) this.add(kind, c);
  }
  toJSON(): Record<string, number> {
    return Object.fromEntries(FAULT_KINDS.filter((k) => this.get(k) > 0).map((k) => [k, this.get(k)]));
  }
}

/** A uniform integer in [min, max]. */
export function uniformTicks(prng: Prng, min: number, max: number): number {
  return min + prng.below(max - min + 1);
}

export interface Partition {
  /** The nodes cut off from all others, both ways. */
  readonly side: ReadonlySet<NodeId>;
  readonly healAt: number;
}

/** Decides the fate of every message copy: the cluster's network policy. */
export class NetworkFaults {
  rates: FaultRates;
  partition: Partition | null = null;

  constructor(
    rates: FaultRates,
    private readonly prng: Prng,
    private readonly counts: FaultCounts,
  ) {
    this.rates = rates;
  }

  isCut(from: NodeId, to: NodeId): boolean {
    const p = this.partition;
    return p !== null && p.side.has(from) !== p.side.has(to);
  }

  readonly policy = (from: NodeId, to: NodeId, _msg: Message, _now: number): SendFate => {
    if (this.isCut(from, to)) {
      this.counts.add('partition-drop');
      return { drop: true, delayTicks: 1, duplicates: 0 };
    }
    const r = this.rates;
    if (this.prng.chance(r.lossRate)) {
      this.counts.add('loss');
      return { drop: true, delayTicks: 1, duplicates: 0 };
    }
    let delayTicks = 1;
    if (this.prng.chance(r.reorderRate)) {
      this.counts.add('reorder');
      delayTicks += 1 + this.prng.below(r.reorderTicksMax);
    }
    let duplicates = 0;
    if (this.prng.chance(r.duplicateRate)) {
      duplicates = 1 + this.prng.below(2);
      this.counts.add('duplicate', duplicates);
    }
    return { drop: false, delayTicks, duplicates };
  };

  /** Maybe starts a partition; heals the one under way when its time has come. */
  tick(now: number, cluster: Cluster): Partition | null {
    if (this.partition !== null && now >= this.partition.healAt) this.partition = null;
    if (this.partition !== null || !this.prng.chance(this.rates.partitionRate)) return null;
    const roles = this.rates.partitionRoles;
    const eligible = cluster.nodeIds.filter((n) => roles.includes(cluster.kindOf(n)));
    if (eligible.length === 0) return null;
    const side = new Set<NodeId>();
    const size = 1 + this.prng.below(Math.max(1, Math.floor(cluster.nodeIds.length / 2)));
    // Cutting the leader off is what exercises takeovers and stale leaders; other cuts exercise
    // reconfiguration, repair and retries.
    const leader = roles.includes('coordinator') ? cluster.leader() : null;
    const cutLeader = this.prng.chance(this.rates.partitionLeaderRate);
    if (leader !== null && cutLeader) side.add(leader);
    const others = eligible.filter((n) => n !== leader);
    while (side.size < Math.min(size, others.length)) side.add(others[this.prng.below(others.length)] as NodeId);
    const healAt = now + uniformTicks(this.prng, this.rates.partitionTicksMin, this.rates.partitionTicksMax);
    this.partition = { side, healAt };
    this.counts.add('partition');
    return this.partition;
  }

  heal(): void {
    this.partition = null;
  }
}

export type NodeFaultEvent =
  | { readonly kind: 'crash'; readonly node: NodeId; readonly role: RoleKind; readonly upAt: number }
  | { readonly kind: 'restart'; readonly node: NodeId };

/** Crashes nodes at random and restarts them when their down time is over. */
export class NodeFaults {
  rates: FaultRates;
  private readonly upAt = new Map<NodeId, number>();
  private readonly acceptorsDownMax: number;

  constructor(
    private readonly cluster: Cluster,
    rates: FaultRates,
    private readonly prng: Prng,
    private readonly counts: FaultCounts,
  ) {
    this.rates = rates;
    this.acceptorsDownMax = faultsTolerated(cluster.spec.acceptors.length);
  }

  get downCount(): number {
    return this.upAt.size;
  }

  /** Restarts the nodes whose time is up, then maybe crashes one. */
  tick(now: number): NodeFaultEvent[] {
    const events: NodeFaultEvent[] = [];
    for (const [node, at] of this.upAt) {
      if (at > now) continue;
      this.upAt.delete(node);
      this.cluster.restart(node);
      this.counts.add('restart');
      events.push({ kind: 'restart', node });
    }
    if (!this.prng.chance(this.rates.crashRate)) return events;
    const candidates = this.cluster.nodeIds.filter((n) => this.mayCrash(n));
    if (candidates.length === 0) return events;
    const node = candidates[this.prng.below(candidates.length)] as NodeId;
    const role = this.cluster.kindOf(node);
    const upAt = now + uniformTicks(this.prng, this.rates.downTicksMin, this.rates.downTicksMax);
    this.upAt.set(node, upAt);
    this.cluster.crash(node);
    this.counts.add(`crash-${role}`);
    events.push({ kind: 'crash', node, role, upAt });
    return events;
  }

  /** Restarts every crashed node now (the liveness phase). */
  restartAll(): NodeFaultEvent[] {
    const events: NodeFaultEvent[] = [];
    for (const node of this.upAt.keys()) {
      this.cluster.restart(node);
      this.counts.add('restart');
      events.push({ kind: 'restart', node });
    }
    this.upAt.clear();
    return events;
  }

  private mayCrash(node: NodeId): boolean {
    if (!this.cluster.isUp(node)) return false;
    const role = this.cluster.kindOf(node);
    if (!this.rates.crashRoles.includes(role)) return false;
    if (role !== 'acceptor') return true;
    let acceptorsDown = 0;
    for (const a of this.cluster.spec.acceptors) if (!this.cluster.isUp(a)) acceptorsDown++;
    return acceptorsDown < this.acceptorsDownMax;
  }
}
