/**
 * The coordinator of a ring. Candidates wait in standby; the first whose leader has gone quiet
 * takes over with a fresh ballot and a real Phase 1 from the first instance it does not know
 * decided. A leader keeps a window of instances covered by Phase 1 (topped up when half used),
 * packs queued client values into instances, and keeps a bounded number of them in flight.
 */
import { unreachable } from '../assert.ts';
import { ballot as makeBallot, ballotNode, ballotRound, instance as toInstance, type Ballot, type Instance, type NodeId, type ValueId, valueIdProposer } from './ids.ts';
import {
  forEachMessageRun,
  forEachValueRun,
  GROUP,
  type Decision,
  type Heartbeat,
  type Message,
  type Nack,
  type Phase1B,
  type Submit,
  type Value,
} from './messages.ts';
import { chunks } from './acceptor.ts';
import { quorumSize, type ProtocolOptions, type RingSpec } from './options.ts';
import { ListsByKey } from './multimap.ts';
import { IntMap, IntSet } from './int-map.ts';
import { DropCounters, Outbox, type Ready, type Role } from './ready.ts';
import { LearnerFlow, lagInstancesMaxOf } from './learner-flow.ts';
import { batchesOf, runValueBytes, runsCount, runsFitting, type ValueRun } from './runs.ts';

export type CoordinatorStatus = 'standby' | 'phase1' | 'leading';

interface InFlight {
  readonly value: Value;
  /** The ballot it was proposed under. */
  readonly ballot: Ballot;
  sentAt: number;
  retries: number;
}

/** A Phase 1 under way: the first (fresh) one of a ballot, or a top-up of the window. */
interface Phase1Round {
  readonly from: number;
  readonly to: number;
  readonly fresh: boolean;
  readonly replies: Map<NodeId, Phase1B>;
  sentAt: number;
}

const NOOP: Value = Object.freeze({ kind: 'noop' });

export class Coordinator implements Role<Message, never> {
  readonly drops = new DropCounters();
  private readonly out = new Outbox<never>();
  private readonly rank: number;
  private readonly quorum: number;
  private readonly acceptorSet: ReadonlySet<NodeId>;
  private readonly coordinatorSet: ReadonlySet<NodeId>;
  private status: CoordinatorStatus = 'standby';
  private ballot = 0 as Ballot;
  private roundSeen = 0;
  private now = 0;
  private leaderHeardAt = 0;
  private heardLeader = false;
  /** The highest ballot an acceptor's heartbeat said it promised. */
  private promisedSeen = 0;
  private layout: readonly NodeId[] = [];
  private phase1: Phase1Round | null = null;
  private topUp: Phase1Round | null = null;
  private windowTo = 0;
  private nextInstance = 0;
  /** Values that must go into given instances: Phase 1 findings and gap fills. */
  private readonly reserved = new IntMap<number, Value>();
  private reservedMax = -1;
  private readonly inflight = new IntMap<number, InFlight>();
  /** Runs waiting for an instance, and the first ids of the runs queued or in flight. */
  private queue: ValueRun[] = [];
  private queueHead = 0;
  private queuedCount = 0;
  private readonly queuedIds = new IntSet<ValueId>();
  private decidedUpTo = 0;
  private readonly decidedAbove = new IntSet();
  private readonly acceptorHeardAt = new Map<NodeId, number>();
  private readonly acksOut = new ListsByKey<NodeId, ValueId>();
  private readonly learnerFlow: LearnerFlow;
  /** Counters for status and tests. */
  readonly stats = { instancesProposed: 0, instancesDecided: 0, phase2Resends: 0, reconfigurations: 0, takeovers: 0 };

  /**
   * `nearAcceptor`: an acceptor on the same host or process as this coordinator, where the ring it
   * forms starts when that acceptor is live (chooseLayout).
   */
  constructor(
    readonly id: NodeId,
    private readonly spec: RingSpec,
    private readonly opts: ProtocolOptions,
    private readonly nearAcceptor?: NodeId,
  ) {
    this.rank = spec.coordinators.indexOf(id);
    this.quorum = quorumSize(spec.acceptors.length);
    this.acceptorSet = new Set(spec.acceptors);
    this.coordinatorSet = new Set(spec.coordinators);
    this.learnerFlow = new LearnerFlow(new Set(spec.learners), lagInstancesMaxOf(opts), opts.suspectTicks, opts.learnerStallTicks);
  }

  get currentStatus(): CoordinatorStatus {
    return this.status;
  }
  get currentBallot(): Ballot {
    return this.ballot;
  }
  get currentLayout(): readonly NodeId[] {
    return this.layout;
  }
  get instancesInFlight(): number {
    return this.inflight.size;
  }
  get queuedValues(): number {
    return this.queuedCount;
  }
  get decidedWatermark(): Instance {
    return this.decidedUpTo as Instance;
  }
  /** Flow control from the learners: counters, and the slowest learner the leader waits for. */
  get learners(): { learnerHolds: number; learnersLetGo: number; counted: number; slowestUpTo: number | null } {
    return { ...this.learnerFlow.stats, ...this.learnerFlow.summary() };
  }

  step(msg: Message): void {
    if (msg.ring !== this.spec.ring) return this.drops.drop('wrong-ring');
    switch (msg.type) {
      case 'submit':
        this.onSubmit(msg);
        break;
      case 'phase1b':
        this.onPhase1B(msg);
        break;
      case 'nack':
        this.onNack(msg);
        break;
      case 'decision':
        this.onDecision(msg);
        break;
      case 'heartbeat':
        this.onHeartbeat(msg);
        break;
      case 'phase2a':
      case 'phase2b':
        return; // the group's traffic; a coordinator does not vote
      case 'ack':
      case 'phase1a':
      case 'deliver':
      case 'repair':
        return this.drops.drop('unexpected-type');
      default:
        unreachable(msg);
    }
    this.pump();
  }

  tick(): void {
    this.now++;
    switch (this.status) {
      case 'standby':
        if (this.now - this.leaderHeardAt >= this.takeoverWait()) this.startPhase1();
        break;
      case 'phase1':
        this.resendPhase1(this.phase1);
        break;
      case 'leading':
        this.tickLeading();
        break;
      default:
        unreachable(this.status);
    }
    this.pump();
  }

  hasReady(): boolean {
    return !this.out.isEmpty() || this.acksOut.size > 0;
  }

  ready(): Ready<never> {
    this.acksOut.drain((to, firsts) => {
      for (const chunk of chunks(firsts, this.opts.batchValuesMax)) {
        this.out.send({ to, msg: { type: 'ack', ring: this.spec.ring, from: this.id, firsts: chunk } });
      }
    });
    return this.out.take();
  }

  private takeoverWait(): number {
    const stagger = Math.max(0, this.rank) * this.opts.takeoverStaggerTicks;
    // Before any leader was heard, wait just long enough to hear one that is already running.
    const base = this.heardLeader ? this.opts.takeoverTicks : 2 * this.opts.heartbeatTicks + 1;
    return base + stagger;
  }

  // ---- Phase 1 ------------------------------------------------------------------------------

  /** Takes the lead (or re-forms the ring) under a ballot above every one seen. */
  private startPhase1(): void {
    const round = Math.max(this.roundSeen, ballotRound(this.ballot)) + 1;
    this.roundSeen = round;
    this.ballot = makeBallot(round, this.id);
    if (this.status !== 'leading') this.stats.takeovers++;
    else this.stats.reconfigurations++;
    this.status = 'phase1';
    this.topUp = null;
    const from = this.decidedUpTo;
    this.phase1 = { from, to: from + this.opts.phase1WindowInstances, fresh: true, replies: new Map(), sentAt: this.now };
    this.sendPhase1A(this.phase1, this.spec.acceptors);
  }

  private sendPhase1A(p: Phase1Round, to: readonly NodeId[]): void {
    for (const a of to) {
      this.out.send({
        to: a,
        msg: {
          type: 'phase1a',
          ring: this.spec.ring,
          from: this.id,
          ballot: this.ballot,
          instanceFrom: toInstance(p.from),
          instanceTo: toInstance(p.to),
          fresh: p.fresh,
        },
      });
    }
  }

  private resendPhase1(p: Phase1Round | null): void {
    if (p === null || this.now - p.sentAt < this.opts.phase1TimeoutTicks) return;
    p.sentAt = this.now;
    this.sendPhase1A(p, this.spec.acceptors.filter((a) => !p.replies.has(a)));
  }

  private onPhase1B(m: Phase1B): void {
    if (!this.acceptorSet.has(m.from)) return this.drops.drop('phase1b-unknown-acceptor');
    const p = this.status === 'phase1' ? this.phase1 : this.topUp;
    if (p === null || m.ballot !== this.ballot || m.instanceTo > p.to || m.instanceFrom < p.from || m.instanceTo < m.instanceFrom) {
      return this.drops.drop('phase1b-stale');
    }
    this.acceptorHeardAt.set(m.from, this.now);
    p.replies.set(m.from, m);
    if (p.replies.size < this.quorum) return;
    if (p.fresh) this.completePhase1(p);
    else this.completeTopUp(p);
  }

  /**
   * The highest-ballot vote per instance among the replies, the trim floor they report, and how
   * far the window is covered (an acceptor with many votes reports a shorter window).
   */
  private static chosenValues(p: Phase1Round): { floor: number; coveredTo: number; chosen: Map<number, { ballot: Ballot; value: Value }> } {
    let floor = p.from;
    let coveredTo = p.to;
    const chosen = new Map<number, { ballot: Ballot; value: Value }>();
    for (const reply of p.replies.values()) {
      floor = Math.max(floor, reply.instanceFrom);
      coveredTo = Math.min(coveredTo, reply.instanceTo);
    }
    for (const reply of p.replies.values()) {
      for (const e of reply.accepted) {
        if (e.instance >= coveredTo) continue;
        const prev = chosen.get(e.instance);
        if (prev === undefined || e.ballot > prev.ballot) chosen.set(e.instance, { ballot: e.ballot, value: e.value });
      }
    }
    return { floor, coveredTo: Math.max(coveredTo, floor), chosen };
  }

  private completePhase1(p: Phase1Round): void {
    const { floor, coveredTo, chosen } = Coordinator.chosenValues(p);
    const previous = new Map(this.inflight);
    this.inflight.clear();
    this.reserved.clear();
    this.reservedMax = -1;
    let acceptedMax = floor - 1;
    for (const i of chosen.keys()) if (i >= floor) acceptedMax = Math.max(acceptedMax, i);
    // Re-propose the highest-ballot vote of every instance; where no vote was reported, our own
    // earlier proposal may go again, and otherwise a no-op fills the gap.
    for (let i = floor; i <= acceptedMax; i++) {
      if (this.isDecided(i)) continue;
      const value = chosen.get(i)?.value ?? previous.get(i)?.value ?? NOOP;
      this.reserve(i, value);
    }
    // Our earlier proposals that were accepted nowhere in the quorum, or that lost their instance
    // to another coordinator's value: queue their values again.
    const requeue: ValueRun[] = [];
    for (const [i, f] of previous) {
      if (f.value.kind !== 'batch') continue;
      const kept = i > acceptedMax ? undefined : this.reserved.get(i);
      const keptIds = new Set(kept?.kind === 'batch' ? kept.runs.map((r) => r.first) : []);
      for (const r of f.value.runs) {
        if (keptIds.has(r.first)) continue;
        requeue.push(r);
        this.queuedCount += r.count;
      }
    }
    if (requeue.length > 0) {
      this.queue = [...requeue, ...this.queue.slice(this.queueHead)];
      this.queueHead = 0;
    }
    // A floor above the window's start is the acceptors' trim point: everything below is decided.
    if (floor > p.from) this.markDecidedBelow(floor);
    this.nextInstance = Math.max(floor, this.decidedUpTo);
    this.windowTo = coveredTo;
    this.layout = this.chooseLayout([...p.replies.keys()]);
    for (const a of this.layout) this.acceptorHeardAt.set(a, this.now);
    this.phase1 = null;
    this.status = 'leading';
  }

  private completeTopUp(p: Phase1Round): void {
    const { floor, coveredTo, chosen } = Coordinator.chosenValues(p);
    // Only a floor above the top-up's start says something (acceptors trimmed past it); the
    // instances below the start are ours, in flight or not yet decided.
    if (floor > p.from) {
      this.markDecidedBelow(floor);
      this.nextInstance = Math.max(this.nextInstance, floor);
    }
    for (const [i, c] of chosen) if (i >= this.nextInstance && !this.isDecided(i)) this.reserve(i, c.value);
    this.windowTo = Math.max(this.windowTo, coveredTo);
    this.topUp = null;
  }

  private reserve(i: number, value: Value): void {
    this.reserved.set(i, value);
    this.reservedMax = Math.max(this.reservedMax, i);
  }

  /**
   * The ring of the new ballot: a majority of the acceptors that answered, in configured order,
   * but starting at the near acceptor when it answered. In ring mode the value goes to the ring's
   * first member: a leader on the second acceptor's node sent every value away along the ring
   * and back to its own node (ring mode, five processes, 8 KB: one 8 KB datagram more per value,
   * whenever that coordinator happened to win the start).
   */
  private chooseLayout(responders: readonly NodeId[]): NodeId[] {
    const live = new Set(responders);
    const near = this.nearAcceptor;
    const order = near !== undefined && live.has(near) ? [near, ...this.spec.acceptors.filter((a) => a !== near)] : this.spec.acceptors;
    return order.filter((a) => live.has(a)).slice(0, this.quorum);
  }

  // ---- Leading ------------------------------------------------------------------------------

  private tickLeading(): void {
    if (this.now % this.opts.heartbeatTicks === 0) this.sendHeartbeat();
    if (this.shouldReconfigure()) return this.startPhase1();
    for (const [i, f] of this.inflight) {
      if (this.now - f.sentAt < this.opts.phase2TimeoutTicks) continue;
      f.sentAt = this.now;
      f.retries++;
      this.stats.phase2Resends++;
      this.sendPhase2(i, f.value);
    }
    this.resendPhase1(this.topUp);
  }

  /** A ring member went quiet, or an instance stays undecided: form a new ring if one can be had. */
  private shouldReconfigure(): boolean {
    const heard = (a: NodeId): boolean => this.now - (this.acceptorHeardAt.get(a) ?? -Infinity) <= this.opts.suspectTicks;
    let stuck = false;
    for (const f of this.inflight.values()) if (f.retries > this.opts.phase2RetriesMax) stuck = true;
    const suspected = this.layout.some((a) => !heard(a));
    if (!stuck && !suspected) return false;
    const live = this.spec.acceptors.filter(heard).length;
    // With a suspect in the ring and no spare heard from, a new ring could not be formed anyway.
    return stuck || live >= this.quorum;
  }

  private sendHeartbeat(): void {
    const msg: Heartbeat = { type: 'heartbeat', ring: this.spec.ring, from: this.id, ballot: this.ballot, decidedUpTo: toInstance(this.decidedUpTo) };
    if (this.spec.dissemination === 'multicast') return this.out.send({ to: GROUP, msg });
    for (const c of this.spec.coordinators) if (c !== this.id) this.out.send({ to: c, msg });
    for (const l of this.spec.learners) this.out.send({ to: l, msg });
    // Acceptors trim by it the votes of instances whose decision they missed (acceptor.ts).
    for (const a of this.spec.acceptors) this.out.send({ to: a, msg });
  }

  forEachHeldRun(each: (r: ValueRun) => void): void {
    this.reserved.forEach((v) => forEachValueRun(v, each));
    this.inflight.forEach((f) => forEachValueRun(f.value, each));
    for (let k = this.queueHead; k < this.queue.length; k++) each(this.queue[k] as ValueRun);
    for (const round of [this.phase1, this.topUp]) if (round !== null) for (const reply of round.replies.values()) forEachMessageRun(reply, each);
    this.out.forEachRun(each);
  }

  /** Puts values into instances while the window and the in-flight limit allow. */
  private pump(): void {
    if (this.status !== 'leading') return;
    while (this.inflight.size < this.opts.instancesInFlightMax && this.nextInstance < this.windowTo && this.learnerFlow.allows(this.nextInstance, this.now)) {
      const i = this.nextInstance;
      if (this.isDecided(i)) {
        this.nextInstance++;
        continue;
      }
      const value = this.reserved.get(i) ?? this.takeBatch() ?? (i <= this.reservedMax ? NOOP : null);
      if (value === null) break;
      this.reserved.delete(i);
      this.nextInstance++;
      this.inflight.set(i, { value, ballot: this.ballot, sentAt: this.now, retries: 0 });
      this.stats.instancesProposed++;
      this.sendPhase2(i, value);
    }
    if (this.topUp === null && this.windowTo - this.nextInstance < this.opts.phase1WindowInstances / 2) {
      this.topUp = { from: this.windowTo, to: this.windowTo + this.opts.phase1WindowInstances, fresh: false, replies: new Map(), sentAt: this.now };
      this.sendPhase1A(this.topUp, this.spec.acceptors);
    }
  }

  private takeBatch(): Value | null {
    if (this.queueHead >= this.queue.length) return null;
    const end = runsFitting(this.queue, this.queueHead, this.opts.batchBytesMax, this.opts.batchValuesMax);
    const runs = this.queue.slice(this.queueHead, end);
    this.queueHead = end;
    this.queuedCount -= runsCount(runs);
    if (this.queueHead === this.queue.length) {
      this.queue = [];
      this.queueHead = 0;
    }
    return { kind: 'batch', runs };
  }

  private sendPhase2(i: number, value: Value): void {
    const msg: Message = {
      type: 'phase2a',
      ring: this.spec.ring,
      from: this.id,
      ballot: this.ballot,
      instance: toInstance(i),
      layout: this.layout,
      votes: 0,
      value,
    };
    this.out.send({ to: this.spec.dissemination === 'multicast' ? GROUP : (this.layout[0] as NodeId), msg });
  }

  // ---- Handlers -----------------------------------------------------------------------------

  private onSubmit(m: Submit): void {
    // A standby that has heard of no leader yet (a ring starting up) keeps what it is sent, in
    // order, for when it leads: dropped, those runs came back on their retry timers after the
    // runs proposed meanwhile, and a proposer's first values were delivered after later ones.
    if (this.status === 'standby' && this.heardLeader) return this.drops.drop('submit-not-leader');
    for (const r of m.runs) {
      if (this.queuedIds.has(r.first)) continue;
      if (runValueBytes(r) > this.opts.batchBytesMax || r.count > this.opts.batchValuesMax) {
        this.drops.drop('submit-run-too-large');
        continue;
      }
      if (this.queuedCount + r.count > this.opts.coordinatorQueueValuesMax) {
        this.drops.drop('submit-queue-full');
        continue;
      }
      this.queue.push(r);
      this.queuedCount += r.count;
      this.queuedIds.add(r.first);
    }
  }

  private onDecision(m: Decision): void {
    for (const e of m.entries) {
      if (this.isDecided(e.instance)) continue;
      if (e.instance >= this.decidedUpTo + 4 * this.opts.phase1WindowInstances) {
        this.drops.drop('decision-too-far');
        continue;
      }
      this.decidedAbove.add(e.instance);
      this.stats.instancesDecided++;
      const f = this.inflight.get(e.instance);
      if (f === undefined) continue;
      this.inflight.delete(e.instance);
      if (f.value.kind !== 'batch') continue;
      // Decided under our ballot, or a lower one (which our Phase 1 saw): the value is ours.
      // Under a higher ballot another coordinator's value may have won: let the proposers retry.
      if (e.ballot <= f.ballot) this.ackRuns(f.value.runs);
      else for (const r of f.value.runs) this.queuedIds.delete(r.first);
    }
    this.advanceDecided();
  }

  private ackRuns(runs: readonly ValueRun[]): void {
    for (const r of runs) {
      this.queuedIds.delete(r.first);
      this.acksOut.append(valueIdProposer(r.first), r.first);
    }
  }

  private onNack(m: Nack): void {
    this.roundSeen = Math.max(this.roundSeen, ballotRound(m.promised));
    if (m.ballot !== this.ballot || this.status === 'standby') return;
    // Our own fresh Phase 1A reached it before (its reply was lost): a fresh Phase 1 needs a
    // ballot above the promise, so start over with a new round rather than wait forever.
    if (m.promised === this.ballot && this.status === 'phase1') return this.startPhase1();
    if (m.promised > this.ballot) this.stepDown(m.promised);
  }

  private onHeartbeat(m: Heartbeat): void {
    // A learner's progress: it has delivered everything below decidedUpTo (learner-flow.ts).
    if (this.learnerFlow.isLearner(m.from)) return this.learnerFlow.heard(m.from, m.decidedUpTo, this.now, this.nextInstance);
    this.roundSeen = Math.max(this.roundSeen, ballotRound(m.ballot));
    if (this.acceptorSet.has(m.from)) {
      this.acceptorHeardAt.set(m.from, this.now);
      if (m.ballot > this.promisedSeen) this.promisedSeen = m.ballot;
      if (m.ballot > this.ballot && this.status !== 'standby') this.stepDown(m.ballot);
      return;
    }
    if (!this.coordinatorSet.has(m.from) || m.from === this.id) return this.drops.drop('heartbeat-unknown-sender');
    // A leader below a ballot the acceptors have promised can decide nothing more; with nothing to
    // propose it never hears a nack, and standbys that deferred to it left for good the instances
    // decided under the higher ballot (its coordinator restarted) unknown to every learner.
    if (m.ballot < this.ballot || m.ballot < this.promisedSeen) return;
    if (this.status !== 'standby' && m.ballot > this.ballot) this.stepDown(m.ballot);
    if (this.status === 'standby') {
      // Another leads: what this standby kept goes to it.
      if (!this.heardLeader) this.handOver(m.from);
      this.leaderHeardAt = this.now;
      this.heardLeader = true;
      if (m.decidedUpTo > this.decidedUpTo) {
        this.decidedUpTo = m.decidedUpTo;
        for (const i of this.decidedAbove) if (i < this.decidedUpTo) this.decidedAbove.delete(i);
        this.advanceDecided();
      }
    }
  }

  /**
   * Another coordinator holds a higher ballot: stop proposing at once. The runs queued or in
   * flight here go to it, oldest first, so that they are not decided after runs their proposers
   * send it later (each proposer would re-send them only on its retry timer).
   */
  private stepDown(higher: Ballot): void {
    this.handOver(ballotNode(higher));
    this.status = 'standby';
    this.leaderHeardAt = this.now;
    this.heardLeader = true;
    this.phase1 = null;
    this.topUp = null;
    this.inflight.clear();
    this.reserved.clear();
    this.reservedMax = -1;
    this.clearQueue();
  }

  /** Sends the runs in flight (by instance) and queued here to coordinator `to`, and forgets the queue. */
  private handOver(to: NodeId): void {
    const runs: ValueRun[] = [];
    for (const [, f] of [...this.inflight].sort(([a], [b]) => a - b)) if (f.value.kind === 'batch') runs.push(...f.value.runs);
    for (let k = this.queueHead; k < this.queue.length; k++) runs.push(this.queue[k] as ValueRun);
    this.clearQueue();
    if (to === this.id || !this.coordinatorSet.has(to)) return;
    for (const batch of batchesOf(runs, this.opts.submitBytesMax, this.opts.batchValuesMax)) {
      this.out.send({ to, msg: { type: 'submit', ring: this.spec.ring, from: this.id, runs: batch } });
    }
  }

  private clearQueue(): void {
    this.queue = [];
    this.queueHead = 0;
    this.queuedCount = 0;
    this.queuedIds.clear();
  }

  /** Acceptors trimmed everything below `floor`: those instances are decided. */
  private markDecidedBelow(floor: number): void {
    if (floor <= this.decidedUpTo) return;
    this.decidedUpTo = floor;
    for (const i of this.decidedAbove) if (i < floor) this.decidedAbove.delete(i);
    for (const i of this.inflight.keys()) if (i < floor) this.inflight.delete(i);
    this.advanceDecided();
  }

  private isDecided(i: number): boolean {
    return i < this.decidedUpTo || this.decidedAbove.has(i);
  }

  private advanceDecided(): void {
    while (this.decidedAbove.delete(this.decidedUpTo)) this.decidedUpTo++;
  }
}
