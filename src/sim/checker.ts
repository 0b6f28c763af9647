/**
 * The atomic multicast checker. It watches a run from outside the replicas: it sees only what was
 * proposed (told by the workload), what each proposer was acked and what each learner delivered
 * (the cluster's events), and which nodes crashed and restarted. It never reads a role's state.
 *
 * Safety, checked as events arrive:
 * - order: each learner incarnation delivers the instances of a ring as 0, 1, 2, … (no gap, no
 *   instance delivered again);
 * - agreement: every learner incarnation that delivers instance i of a ring delivers the same values
 *   there, so any two delivery sequences are prefixes of one another;
 * - integrity: no value id twice in one incarnation; only proposed ids, with the bytes proposed;
 *   only proposed ids are acked.
 * Liveness, checked when the simulator asks (after it healed the cluster): every value acked, every
 * value pending at a live proposer and every value any learner delivered is delivered by every
 * live learner.
 */
import { unreachable } from '../assert.ts';
import { formatValueId, type NodeId, type RingId, type ValueId } from '../protocol/ids.ts';
import type { DeliveredInstance } from '../protocol/ready.ts';
import type { ClusterEvent } from './cluster.ts';

export type ViolationKind =
  | 'gap'
  | 'redelivery'
  | 'divergence'
  | 'duplicate-value'
  | 'not-proposed'
  | 'bytes-mismatch'
  | 'ack-not-proposed'
  | 'merge-order'
  | 'exception'
  | 'acked-lost'
  | 'not-delivered';

export type ViolationPhase = 'safety' | 'liveness';

export function violationPhase(kind: ViolationKind): ViolationPhase {
  switch (kind) {
    case 'gap':
    case 'redelivery':
    case 'divergence':
    case 'duplicate-value':
    case 'not-proposed':
    case 'bytes-mismatch':
    case 'ack-not-proposed':
    case 'merge-order':
    case 'exception':
      return 'safety';
    case 'acked-lost':
    case 'not-delivered':
      return 'liveness';
    default:
      return unreachable(kind);
  }
}

export interface Violation {
  readonly kind: ViolationKind;
  /** Tick at which it was seen. */
  readonly at: number;
  /** The learner (or proposer) concerned, if one is. */
  readonly node: NodeId | null;
  readonly message: string;
}

/** One life of a learner: a restarted learner starts over from instance 0 as a new incarnation. */
export interface LearnerIncarnation {
  readonly learner: NodeId;
  readonly incarnation: number;
}

/**
 * The hook for the multi-ring merge order. A learner subscribed to several rings merges them
 * deterministically: M instances from each ring in ascending ring id order, a skip instance
 * standing for `slots` empty slots. The future multi-ring check implements this interface: it sees
 * every delivered instance of every learner incarnation, in delivery order, and returns a problem
 * (that incarnation's merged sequence breaks the M-per-ring round-robin, or two incarnations with
 * the same subscriptions merged differently) or null. The checker turns a problem into a
 * `merge-order` violation. Per-ring order and agreement are already checked by the checker itself.
 */
export interface MergeOrderCheck {
  observe(who: LearnerIncarnation, d: DeliveredInstance, at: number): string | null;
}

/** The values agreed for one instance of one ring: its signature, and who delivered it first. */
interface AgreedInstance {
  readonly signature: string;
  readonly first: LearnerIncarnation;
}

interface IncarnationLog {
  readonly who: LearnerIncarnation;
  /** Per ring: the next instance this incarnation must deliver. */
  readonly nextInstance: Map<RingId, number>;
  readonly ids: Set<ValueId>;
}

interface ProposerLife {
  incarnation: number;
  /** Value ids proposed by the current incarnation and not acked yet. */
  readonly pending: Set<ValueId>;
}

/** At most this many violations are kept: the first ones tell the story, the rest are echoes. */
export const VIOLATIONS_KEPT_MAX = 20;

export class Checker {
  readonly violations: Violation[] = [];
  violationsTotal = 0;
  private readonly proposed = new Map<ValueId, Uint8Array>();
  private readonly acked = new Set<ValueId>();
  private readonly deliveredAnywhere = new Set<ValueId>();
  private readonly agreed = new Map<RingId, Map<number, AgreedInstance>>();
  private readonly learners = new Map<NodeId, IncarnationLog>();
  private readonly proposers = new Map<NodeId, ProposerLife>();
  private readonly down = new Set<NodeId>();
  private readonly mergeChecks: readonly MergeOrderCheck[];
  readonly stats = { instancesDelivered: 0, valuesDelivered: 0, valuesAcked: 0, valuesProposed: 0 };

  constructor(learners: readonly NodeId[], proposers: readonly NodeId[], mergeChecks: readonly MergeOrderCheck[] = []) {
    for (const l of learners) this.learners.set(l, newLog(l, 0));
    for (const p of proposers) this.proposers.set(p, { incarnation: 0, pending: new Set() });
    this.mergeChecks = mergeChecks;
  }

  get ok(): boolean {
    return this.violationsTotal === 0;
  }

  /** The workload proposed `bytes` under `id` at a live proposer. */
  onProposed(proposer: NodeId, id: ValueId, bytes: Uint8Array): void {
    this.proposed.set(id, bytes.slice());
    this.proposers.get(proposer)?.pending.add(id);
    this.stats.valuesProposed++;
  }

  onEvent(e: ClusterEvent): void {
    switch (e.kind) {
      case 'delivered':
        return this.onDelivered(e.learner, e.d, e.at);
      case 'acked':
        return this.onAcked(e.proposer, e.id, e.at);
      case 'crash':
        this.down.add(e.node);
        return;
      case 'restart':
        return this.onRestart(e.node);
      case 'recv':
      case 'drop':
        return;
      default:
        unreachable(e);
    }
  }

  report(kind: ViolationKind, at: number, node: NodeId | null, message: string): void {
    this.violationsTotal++;
    if (this.violations.length < VIOLATIONS_KEPT_MAX) this.violations.push({ kind, at, node, message });
  }

  private onRestart(node: NodeId): void {
    this.down.delete(node);
    const log = this.learners.get(node);
    if (log !== undefined) this.learners.set(node, newLog(node, log.who.incarnation + 1));
    const life = this.proposers.get(node);
    if (life !== undefined) {
      // A restarted proposer's unacked values may be lost: that is allowed, so stop tracking them.
      life.incarnation++;
      life.pending.clear();
    }
  }

  private onAcked(proposer: NodeId, id: ValueId, at: number): void {
    if (!this.proposed.has(id)) this.report('ack-not-proposed', at, proposer, `proposer ${proposer} was acked ${formatValueId(id)}, which was never proposed`);
    this.acked.add(id);
    this.proposers.get(proposer)?.pending.delete(id);
    this.stats.valuesAcked++;
  }

  private onDelivered(learner: NodeId, d: DeliveredInstance, at: number): void {
    const log = this.learners.get(learner);
    if (log === undefined) return this.report('exception', at, learner, `delivery from ${learner}, which is not a learner`);
    const who = log.who;
    const name = `learner ${learner}#${who.incarnation}`;
    const expected = log.nextInstance.get(d.ring) ?? 0;
    if (d.instance > expected) this.report('gap', at, learner, `${name} delivered ring ${d.ring} instance ${d.instance}, expected instance ${expected}`);
    if (d.instance < expected) this.report('redelivery', at, learner, `${name} delivered ring ${d.ring} instance ${d.instance} again (next expected: ${expected})`);
    log.nextInstance.set(d.ring, Math.max(expected, d.instance + 1));
    this.checkAgreement(who, d, at);
    for (const v of d.values) this.checkValue(log, v.id, v.bytes, at);
    for (const m of this.mergeChecks) {
      const problem = m.observe(who, d, at);
      if (problem !== null) this.report('merge-order', at, learner, `${name}: ${problem}`);
    }
    this.stats.instancesDelivered++;
    this.stats.valuesDelivered += d.values.length;
  }

  private checkAgreement(who: LearnerIncarnation, d: DeliveredInstance, at: number): void {
    const signature = instanceSignature(d);
    let ring = this.agreed.get(d.ring);
    if (ring === undefined) this.agreed.set(d.ring, (ring = new Map()));
    const agreed = ring.get(d.instance);
    if (agreed === undefined) {
      ring.set(d.instance, { signature, first: who });
      return;
    }
    if (agreed.signature === signature) return;
    this.report(
      'divergence',
      at,
      who.learner,
      `ring ${d.ring} instance ${d.instance}: learner ${who.learner}#${who.incarnation} delivered ${signature}, ` +
        `learner ${agreed.first.learner}#${agreed.first.incarnation} delivered ${agreed.signature}`,
    );
  }

  private checkValue(log: IncarnationLog, id: ValueId, bytes: Uint8Array, at: number): void {
    const { learner, incarnation } = log.who;
    const name = `learner ${learner}#${incarnation}`;
    if (log.ids.has(id)) this.report('duplicate-value', at, learner, `${name} delivered ${formatValueId(id)} twice`);
    log.ids.add(id);
    this.deliveredAnywhere.add(id);
    const proposed = this.proposed.get(id);
    if (proposed === undefined) return this.report('not-proposed', at, learner, `${name} delivered ${formatValueId(id)}, which was never proposed`);
    if (!sameBytes(proposed, bytes)) this.report('bytes-mismatch', at, learner, `${name} delivered ${formatValueId(id)} with bytes other than those proposed`);
  }

  /** What every live learner must have delivered once the cluster is healed. */
  private required(): { acked: Set<ValueId>; others: Set<ValueId> } {
    const others = new Set(this.deliveredAnywhere);
    for (const [p, life] of this.proposers) if (!this.down.has(p)) for (const id of life.pending) others.add(id);
    return { acked: this.acked, others };
  }

  /** True when every live learner delivered every value it must. */
  livenessSatisfied(): boolean {
    const { acked, others } = this.required();
    for (const log of this.liveLogs()) {
      if (log.ids.size < acked.size) return false;
      for (const id of acked) if (!log.ids.has(id)) return false;
      for (const id of others) if (!log.ids.has(id)) return false;
    }
    return true;
  }

  /** Reports what live learners still miss: the liveness verdict at the end of a run. */
  reportLiveness(at: number, ticksWaited: number): void {
    const { acked, others } = this.required();
    for (const log of this.liveLogs()) {
      const name = `learner ${log.who.learner}#${log.who.incarnation}`;
      const missingAcked = [...acked].filter((id) => !log.ids.has(id));
      const missingOthers = [...others].filter((id) => !log.ids.has(id) && !acked.has(id));
      const upTo = [...log.nextInstance].map(([r, i]) => `ring ${r} up to instance ${i}`).join(', ') || 'nothing';
      const lacks = (what: string, ids: ValueId[]): string =>
        `${name} (delivered ${upTo}) lacks ${ids.length} ${what} values ${sample(ids)} after ${ticksWaited} healed ticks`;
      if (missingAcked.length > 0) this.report('acked-lost', at, log.who.learner, lacks('acked', missingAcked));
      if (missingOthers.length > 0) this.report('not-delivered', at, log.who.learner, lacks('pending or delivered-elsewhere', missingOthers));
    }
  }

  private liveLogs(): IncarnationLog[] {
    return [...this.learners.values()].filter((log) => !this.down.has(log.who.learner));
  }
}

function newLog(learner: NodeId, incarnation: number): IncarnationLog {
  return { who: { learner, incarnation }, nextInstance: new Map(), ids: new Set() };
}

/** What an instance delivered, as the client sees it: its slots and its value ids in order. */
function instanceSignature(d: DeliveredInstance): string {
  return `${d.slots === 1 ? '' : `skip(${d.slots})`}[${d.values.map((v) => formatValueId(v.id)).join(' ')}]`;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function sample(ids: readonly ValueId[]): string {
  const shown = ids.slice(0, 5).map(formatValueId).join(' ');
  return ids.length > 5 ? `[${shown} …]` : `[${shown}]`;
}
