/**
 * The learner: holds the values it sees proposed, matches them with decisions, delivers decided
 * instances in order with duplicate runs of client values removed, and asks acceptors for what it missed.
 * In `ring` mode it also passes decided values on down the learner chain.
 */
import { IntMap } from './int-map.ts';
import { unreachable } from '../assert.ts';
import { instance as toInstance, type Ballot, type Instance, type NodeId } from './ids.ts';
import { DedupTable } from './dedup.ts';
import { forEachValueRun, type AcceptedEntry, type Decision, type Deliver, type Heartbeat, type Message, type Phase2A, type Value } from './messages.ts';
import type { ProtocolOptions, RingSpec } from './options.ts';
import { DropCounters, Outbox, type DeliveredRuns, type Ready, type Role } from './ready.ts';
import type { ValueRun } from './runs.ts';
import { chunksByBytes, deliverBytesMaxOf } from './acceptor.ts';

/** Proposals kept per instance (one per ballot seen); older ballots make way. */
const PROPOSALS_PER_INSTANCE_MAX = 4;

export class Learner implements Role<Message, DeliveredRuns> {
  readonly drops = new DropCounters();
  private readonly out = new Outbox<DeliveredRuns>();
  private readonly dedup: DedupTable;
  private readonly acceptorSet: ReadonlySet<NodeId>;
  private readonly chainNext: NodeId | undefined;
  private nextInstance: number;
  // Keyed by instance, within the learner's window: IntMap, not Map (see int-map.ts).
  private readonly proposals = new IntMap<number, { ballot: Ballot; value: Value }[]>();
  private readonly decided = new IntMap<number, Ballot>();
  private readonly complete = new IntMap<number, AcceptedEntry>();
  /** Highest instance known to be decided. */
  private highestKnown = -1;
  private stalledSince: number | null = null;
  private lastRepairAt = -Infinity;
  private repairTarget = 0;
  /** What it last told the acceptors it has delivered up to (reportProgress). */
  private reportedUpTo = -1;
  /** Started past instance 0 and has not asked for its first gap yet. */
  private resuming: boolean;
  /** The end of the last repair asked for: its answer is complete once delivery reaches it. */
  private repairRequestedTo = Infinity;
  private now = 0;
  private chainOut: AcceptedEntry[] = [];
  readonly stats = { instancesDelivered: 0, valuesDelivered: 0, duplicatesDropped: 0, repairsSent: 0 };

  constructor(
    readonly id: NodeId,
    private readonly spec: RingSpec,
    private readonly opts: ProtocolOptions,
    startInstance = 0,
  ) {
    this.nextInstance = startInstance;
    this.resuming = startInstance > 0;
    this.dedup = new DedupTable(opts.dedupWindow, opts.dedupProposersMax);
    this.acceptorSet = new Set(spec.acceptors);
    const pos = spec.learners.indexOf(id);
    this.chainNext = spec.dissemination === 'ring' && pos >= 0 ? spec.learners[pos + 1] : undefined;
    this.repairTarget = Math.max(0, pos);
  }

  /** The next instance this learner will deliver: everything below it is delivered. */
  get deliveredUpTo(): Instance {
    return toInstance(this.nextInstance);
  }

  /** What is known of the next instance to deliver: for status and diagnosis of a stall. */
  headOfLine(): { instance: number; proposalBallots: number[]; decidedBallot: number | null; highestKnown: number } {
    const i = this.nextInstance;
    return { instance: i, proposalBallots: (this.proposals.get(i) ?? []).map((p) => p.ballot), decidedBallot: this.decided.get(i) ?? null, highestKnown: this.highestKnown };
  }

  step(msg: Message): void {
    if (msg.ring !== this.spec.ring) return this.drops.drop('wrong-ring');
    switch (msg.type) {
      case 'phase2a':
        this.onPhase2A(msg);
        break;
      case 'decision':
        this.onDecision(msg);
        break;
      case 'deliver': {
        this.onDeliver(msg);
        this.deliverInOrder();
        // A repair answered in full while still behind: ask the same acceptor for the next
        // stretch at once. Waiting repairTimeoutTicks between requests of repairInstancesMax
        // instances caught up at ~640 instances a second, fewer than a busy ring decides: a
        // restarted learner never caught up, and the acceptors trimmed what it still needed.
        if (this.acceptorSet.has(msg.from) && this.nextInstance >= this.repairRequestedTo) this.repair(msg.from);
        return;
      }
      case 'heartbeat':
        this.known(msg.decidedUpTo - 1);
        break;
      case 'phase2b':
        return; // the group's traffic in multicast mode
      case 'submit':
      case 'ack':
      case 'phase1a':
      case 'phase1b':
      case 'nack':
      case 'repair':
        return this.drops.drop('unexpected-type');
      default:
        unreachable(msg);
    }
    this.deliverInOrder();
    if (this.resuming && this.highestKnown >= this.nextInstance) {
      // Started past instance 0 (restarted): what was decided while it was away is a gap for
      // sure, not a reordering; ask for it now, before the acceptors trim it.
      this.resuming = false;
      this.repair(this.nextRepairTarget());
    }
  }

  tick(): void {
    this.now++;
    this.reportProgress();
    if (!this.waiting) {
      this.stalledSince = null;
      return;
    }
    this.stalledSince ??= this.now;
    if (this.now - this.stalledSince < this.opts.learnerGapTicks) return;
    if (this.now - this.lastRepairAt < this.opts.repairTimeoutTicks) return;
    this.repair(this.nextRepairTarget());
  }

  /** Waiting for an instance known decided: the next one to deliver lacks its value or its decision. */
  get waiting(): boolean {
    return this.nextInstance <= this.highestKnown && !this.complete.has(this.nextInstance);
  }

  /** The acceptors are asked in turn. */
  private nextRepairTarget(): NodeId {
    return this.spec.acceptors[this.repairTarget++ % this.spec.acceptors.length] as NodeId;
  }

  /**
   * Tells the acceptors how far it has delivered, so that they keep what it still needs
   * (acceptor.ts), and the coordinators, so that the leader does not run further ahead of it than
   * that (learner-flow.ts). Every tick on which it moved, and every heartbeatTicks otherwise:
   * reported only every heartbeatTicks, its position lagged 50 ms behind at full speed, more than
   * the retention at 8 KB, and the acceptors kept twice the retention all the time.
   */
  private reportProgress(): void {
    if (this.nextInstance === this.reportedUpTo && this.now % this.opts.heartbeatTicks !== 0) return;
    this.reportedUpTo = this.nextInstance;
    const msg: Heartbeat = { type: 'heartbeat', ring: this.spec.ring, from: this.id, ballot: 0 as Ballot, decidedUpTo: toInstance(this.nextInstance) };
    for (const a of this.spec.acceptors) this.out.send({ to: a, msg });
    for (const c of this.spec.coordinators) this.out.send({ to: c, msg });
  }

  /** Asks acceptor `to` for what comes next, if this learner lacks it. */
  private repair(to: NodeId): void {
    if (!this.waiting) return;
    this.lastRepairAt = this.now;
    const instanceTo = Math.min(this.highestKnown + 1, this.nextInstance + this.opts.repairInstancesMax);
    this.repairRequestedTo = instanceTo;
    this.stats.repairsSent++;
    this.out.send({
      to,
      msg: { type: 'repair', ring: this.spec.ring, from: this.id, instanceFrom: toInstance(this.nextInstance), instanceTo: toInstance(instanceTo) },
    });
  }

  forEachHeldRun(each: (r: ValueRun) => void): void {
    this.proposals.forEach((list) => {
      for (const p of list) forEachValueRun(p.value, each);
    });
    this.complete.forEach((e) => forEachValueRun(e.value, each));
    for (const e of this.chainOut) forEachValueRun(e.value, each);
    for (const d of this.out.pendingDelivered) for (const r of d.runs) each(r);
    this.out.forEachRun(each);
  }

  hasReady(): boolean {
    return !this.out.isEmpty() || this.chainOut.length > 0;
  }

  ready(): Ready<DeliveredRuns> {
    if (this.chainNext !== undefined && this.chainOut.length > 0) {
      for (const entries of chunksByBytes(this.chainOut, this.opts.repairInstancesMax, deliverBytesMaxOf(this.opts))) {
        this.out.send({ to: this.chainNext, msg: { type: 'deliver', ring: this.spec.ring, from: this.id, entries } });
      }
    }
    this.chainOut = [];
    return this.out.take();
  }

  private inWindow(i: number): boolean {
    if (i < this.nextInstance) return false;
    if (i >= this.nextInstance + this.opts.learnerWindowInstances) {
      this.drops.drop('beyond-window');
      return false;
    }
    return true;
  }

  private known(i: number): void {
    if (i > this.highestKnown) this.highestKnown = i;
  }

  private onPhase2A(m: Phase2A): void {
    if (!this.inWindow(m.instance) || this.complete.has(m.instance)) return;
    const decidedBallot = this.decided.get(m.instance);
    if (decidedBallot === m.ballot) return this.completeWith({ instance: m.instance, ballot: m.ballot, value: m.value });
    const list = this.proposals.get(m.instance) ?? [];
    if (list.some((p) => p.ballot === m.ballot)) return;
    if (list.length >= PROPOSALS_PER_INSTANCE_MAX) list.shift();
    list.push({ ballot: m.ballot, value: m.value });
    this.proposals.set(m.instance, list);
  }

  private onDecision(m: Decision): void {
    for (const e of m.entries) {
      this.known(e.instance);
      if (!this.inWindow(e.instance) || this.complete.has(e.instance)) continue;
      const p = this.proposals.get(e.instance)?.find((x) => x.ballot === e.ballot);
      if (p !== undefined) this.completeWith({ instance: e.instance, ballot: e.ballot, value: p.value });
      else this.decided.set(e.instance, e.ballot);
    }
  }

  private onDeliver(m: Deliver): void {
    if (!this.acceptorSet.has(m.from) && !this.spec.learners.includes(m.from)) return this.drops.drop('deliver-unknown-sender');
    for (const e of m.entries) {
      this.known(e.instance);
      if (!this.inWindow(e.instance) || this.complete.has(e.instance)) continue;
      this.completeWith(e);
      if (this.chainNext !== undefined) this.chainOut.push(e);
    }
  }

  private completeWith(e: AcceptedEntry): void {
    this.complete.set(e.instance, e);
    this.proposals.delete(e.instance);
    this.decided.delete(e.instance);
  }

  protected deliverInOrder(): void {
    for (;;) {
      const e = this.complete.get(this.nextInstance);
      if (e === undefined) return;
      this.complete.delete(this.nextInstance);
      this.out.deliver(this.toDelivered(e));
      this.nextInstance++;
      this.stats.instancesDelivered++;
    }
  }

  protected toDelivered(e: AcceptedEntry): DeliveredRuns {
    const v = e.value;
    if (v.kind !== 'batch') return { ring: this.spec.ring, instance: e.instance, runs: [], slots: v.kind === 'skip' ? v.slots : 1 };
    // Runs are never split or merged after the proposer forms them: a run seen once is a
    // duplicate as a whole, and its first id stands for it.
    let runs: ValueRun[] | null = null;
    for (let k = 0; k < v.runs.length; k++) {
      const r = v.runs[k] as ValueRun;
      if (this.dedup.firstTime(r.first)) {
        this.stats.valuesDelivered += r.count;
        runs?.push(r);
      } else {
        this.stats.duplicatesDropped += r.count;
        runs ??= v.runs.slice(0, k);
      }
    }
    return { ring: this.spec.ring, instance: e.instance, runs: runs ?? v.runs, slots: 1 };
  }
}
