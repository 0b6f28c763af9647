/**
 * The acceptor: promises ballots, votes on values, forwards votes along the ring of the ballot,
 * and — when it is the last member of that ring, so that its vote completes a majority — decides.
 * It serves decided values to learners that missed them.
 */
import { IntMap, IntSet } from './int-map.ts';
import { unreachable } from '../assert.ts';
import { ballotNode, instance as toInstance, type Ballot, type Instance, type NodeId } from './ids.ts';
import {
  forEachValueRun,
  GROUP,
  valueBytes,
  type AcceptedEntry,
  type Decision,
  type DecisionEntry,
  type Destination,
  type Message,
  type Phase1A,
  type Phase2A,
  type Phase2B,
  type Heartbeat,
  type Repair,
  type Value,
} from './messages.ts';
import { quorumSize, type ProtocolOptions, type RingSpec } from './options.ts';
import { ListsByKey } from './multimap.ts';
import { DropCounters, Outbox, type Ready, type Role } from './ready.ts';
import { isValidLayout, layoutIndex } from './ring-layout.ts';
import type { ValueRun } from './runs.ts';

/** What an acceptor gets back from its storage after a restart. */
export interface AcceptorState {
  readonly promised: Ballot;
  readonly accepted: readonly AcceptedEntry[];
  /** Decisions it had learned for instances it holds votes for. */
  readonly decided?: readonly DecisionEntry[];
}

interface Vote {
  ballot: Ballot;
  value: Value;
  /** The ring of `ballot`, when known (it is not after recovery from storage). */
  layout: readonly NodeId[] | null;
  /**
   * The lowest ballot this instance is known decided under. A vote at that ballot or above holds
   * the decided value (every proposal above the deciding ballot carries it), so it is servable.
   */
  decidedBallot: Ballot | null;
}

/** A gap without votes longer than this is crossed in one step when trimming. */
const TRIM_JUMP_INSTANCES = 1024;

interface PendingVote {
  readonly ballot: Ballot;
  readonly votes: number;
  readonly from: NodeId;
}

export class Acceptor implements Role<Message, never> {
  readonly drops = new DropCounters();
  private readonly out = new Outbox<never>();
  private readonly acceptorSet: ReadonlySet<NodeId>;
  private readonly coordinatorSet: ReadonlySet<NodeId>;
  private readonly quorum: number;
  private promised: Ballot;
  private readonly votes = new IntMap<Instance, Vote>();
  /** Multicast mode: votes that arrived before the value they vote on. */
  private readonly pendingVotes = new IntMap<Instance, PendingVote>();
  private readonly decisionsOut = new ListsByKey<Destination, DecisionEntry>();
  private readonly deliversOut = new ListsByKey<NodeId, AcceptedEntry>();
  private trimmedBelow = 0;
  private decidedUpTo = 0;
  /**
   * Every instance below it is decided: a coordinator's heartbeat said so. An acceptor that
   * missed a decision (lost, or dropped by its ring neighbour) never sees that instance decided
   * itself, and one restarted from a store that had trimmed its oldest votes starts from no
   * decided prefix at all; either way its own watermark stops, and with it trimming: its votes
   * piled up past every retention limit. It may trim below this one instead.
   */
  private decidedBelowHeard = 0;
  /** What each learner last said it has delivered (below `upTo`), and when (tick). */
  private readonly learnersAt = new Map<NodeId, { upTo: number; heardAt: number }>();
  private readonly learnerSet: ReadonlySet<NodeId>;
  private retainedBytes = 0;
  private readonly decidedNoVote = new IntSet();
  private now = 0;

  constructor(
    readonly id: NodeId,
    private readonly spec: RingSpec,
    private readonly opts: ProtocolOptions,
    recovered: AcceptorState | null = null,
  ) {
    this.acceptorSet = new Set(spec.acceptors);
    this.coordinatorSet = new Set(spec.coordinators);
    this.learnerSet = new Set(spec.learners);
    this.quorum = quorumSize(spec.acceptors.length);
    this.promised = recovered?.promised ?? (0 as Ballot);
    for (const e of recovered?.accepted ?? []) this.store(e.instance, { ballot: e.ballot, value: e.value, layout: null, decidedBallot: null });
    for (const d of recovered?.decided ?? []) {
      const v = this.votes.get(d.instance);
      if (v !== undefined && (v.decidedBallot === null || d.ballot < v.decidedBallot)) v.decidedBallot = d.ballot;
    }
    while (this.votes.get(this.decidedUpTo as Instance)?.decidedBallot != null) this.decidedUpTo++;
  }

  /** Every vote held and the decisions known for them, for a storage that compacts its log. */
  snapshot(): AcceptorState {
    const accepted: AcceptedEntry[] = [];
    const decided: DecisionEntry[] = [];
    for (const [instance, v] of this.votes) {
      accepted.push({ instance, ballot: v.ballot, value: v.value });
      if (v.decidedBallot !== null) decided.push({ instance, ballot: v.decidedBallot });
    }
    accepted.sort((a, b) => a.instance - b.instance);
    return { promised: this.promised, accepted, decided };
  }

  /** The ballot of the vote held for an instance (vote stores ask it when they clean their logs). */
  heldBallot(instance: number): number | undefined {
    return this.votes.get(instance as Instance)?.ballot;
  }

  /** Whether a vote is held for an instance known decided (what snapshot() lists as decided). */
  heldDecided(instance: number): boolean {
    return this.votes.get(instance as Instance)?.decidedBallot != null;
  }

  get retainedValueBytes(): number {
    return this.retainedBytes;
  }

  get promisedBallot(): Ballot {
    return this.promised;
  }
  get retainedInstances(): number {
    return this.votes.size;
  }
  /** The vote held for an instance, for tests and status. */
  voteOf(i: Instance): { ballot: Ballot; value: Value; decided: boolean } | undefined {
    const v = this.votes.get(i);
    return v && { ballot: v.ballot, value: v.value, decided: servable(v) };
  }

  step(msg: Message): void {
    if (msg.ring !== this.spec.ring) return this.drops.drop('wrong-ring');
    switch (msg.type) {
      case 'phase1a':
        return this.onPhase1A(msg);
      case 'phase2a':
        return this.onPhase2A(msg);
      case 'phase2b':
        return this.onPhase2B(msg);
      case 'decision':
        return this.onDecision(msg);
      case 'repair':
        return this.onRepair(msg);
      case 'heartbeat':
        return this.onHeartbeat(msg);
      case 'submit':
      case 'ack':
      case 'phase1b':
      case 'nack':
      case 'deliver':
        return this.drops.drop('unexpected-type');
      default:
        unreachable(msg);
    }
  }

  tick(): void {
    this.now++;
    if (this.now % this.opts.heartbeatTicks !== 0 || this.promised === 0) return;
    const leader = ballotNode(this.promised);
    if (!this.coordinatorSet.has(leader)) return;
    this.out.send({
      to: leader,
      msg: { type: 'heartbeat', ring: this.spec.ring, from: this.id, ballot: this.promised, decidedUpTo: toInstance(this.decidedUpTo) },
    });
  }

  forEachHeldRun(each: (r: ValueRun) => void): void {
    this.votes.forEach((v) => forEachValueRun(v.value, each));
    this.deliversOut.forEachItem((e) => forEachValueRun(e.value, each));
    this.out.forEachRun(each);
  }

  hasReady(): boolean {
    return !this.out.isEmpty() || this.decisionsOut.size > 0 || this.deliversOut.size > 0;
  }

  ready(): Ready<never> {
    this.flushDecisions();
    return this.out.take();
  }

  protected onPhase1A(m: Phase1A): void {
    if (!this.coordinatorSet.has(m.from) || ballotNode(m.ballot) !== m.from) return this.drops.drop('phase1a-bad-sender');
    if (m.instanceTo <= m.instanceFrom || m.instanceTo - m.instanceFrom > this.opts.phase1WindowInstances) {
      return this.drops.drop('phase1a-bad-window');
    }
    const ok = m.fresh ? m.ballot > this.promised : m.ballot >= this.promised;
    if (!ok) return this.nack(m.from, m.ballot);
    this.promise(m.ballot);
    const from = Math.min(Math.max(m.instanceFrom, this.trimmedBelow), m.instanceTo);
    const accepted: AcceptedEntry[] = [];
    let bytes = 0;
    let to = m.instanceTo as number;
    for (let i = from; i < m.instanceTo; i++) {
      const v = this.votes.get(i as Instance);
      if (v === undefined) continue;
      bytes += valueBytes(v.value);
      // Too many votes for one message: report a shorter window; the leader asks again from there.
      if (bytes > this.opts.messageBytesMax && accepted.length > 0) {
        to = i;
        break;
      }
      accepted.push({ instance: i as Instance, ballot: v.ballot, value: v.value });
    }
    this.out.send({
      to: m.from,
      msg: { type: 'phase1b', ring: this.spec.ring, from: this.id, ballot: m.ballot, instanceFrom: from as Instance, instanceTo: to as Instance, accepted },
    });
  }

  protected onPhase2A(m: Phase2A): void {
    const coordinator = ballotNode(m.ballot);
    if (!this.coordinatorSet.has(coordinator)) return this.drops.drop('phase2a-bad-ballot');
    if (!isValidLayout(m.layout, this.acceptorSet, this.quorum)) return this.drops.drop('phase2a-bad-layout');
    const idx = layoutIndex(m.layout, this.id);
    if (idx < 0) return; // a spare: not in this ballot's ring
    if (m.instance < this.trimmedBelow) return this.drops.drop('phase2a-trimmed');
    const ringMode = this.spec.dissemination === 'ring';
    const expectedFrom = idx === 0 ? coordinator : m.layout[idx - 1];
    if (ringMode ? m.votes !== idx || m.from !== expectedFrom : m.votes !== 0 || m.from !== coordinator) {
      return this.drops.drop('phase2a-bad-votes');
    }
    if (m.ballot < this.promised) return this.nack(coordinator, m.ballot);
    this.accept(m.instance, m.ballot, m.value, m.layout);
    if (ringMode || idx === 0) return this.voted(m.instance, m.ballot, m.layout, idx + 1, m.value);
    const pending = this.pendingVotes.get(m.instance);
    if (pending !== undefined && pending.ballot === m.ballot) {
      this.pendingVotes.delete(m.instance);
      if (pending.votes === idx && pending.from === m.layout[idx - 1]) this.voted(m.instance, m.ballot, m.layout, idx + 1, m.value);
    }
  }

  protected onPhase2B(m: Phase2B): void {
    if (this.spec.dissemination !== 'multicast') return this.drops.drop('phase2b-ring-mode');
    if (!this.coordinatorSet.has(ballotNode(m.ballot))) return this.drops.drop('phase2b-bad-ballot');
    if (m.ballot < this.promised) return this.nack(ballotNode(m.ballot), m.ballot);
    const v = this.votes.get(m.instance);
    if (v === undefined || v.ballot !== m.ballot || v.layout === null) {
      if (m.instance < this.trimmedBelow) return this.drops.drop('phase2b-trimmed');
      if (this.pendingVotes.size >= this.opts.acceptorPendingVotesMax && !this.pendingVotes.has(m.instance)) {
        return this.drops.drop('phase2b-pending-full');
      }
      this.pendingVotes.set(m.instance, { ballot: m.ballot, votes: m.votes, from: m.from });
      return;
    }
    const idx = layoutIndex(v.layout, this.id);
    if (idx < 1 || m.votes !== idx || m.from !== v.layout[idx - 1]) return this.drops.drop('phase2b-bad-votes');
    this.voted(m.instance, m.ballot, v.layout, idx + 1, v.value);
  }

  protected accept(i: Instance, b: Ballot, value: Value, layout: readonly NodeId[]): void {
    this.promise(b);
    const v = this.votes.get(i);
    if (v !== undefined && v.ballot === b) {
      v.layout = layout; // a re-send: the vote is already saved
      return;
    }
    const decidedBallot = v?.decidedBallot ?? null;
    this.store(i, { ballot: b, value, layout, decidedBallot });
    this.out.persistVote({ instance: i, ballot: b, value });
  }

  /** This acceptor's vote is in: `votes` votes now. Forward them, or decide if they are all in. */
  private voted(i: Instance, b: Ballot, layout: readonly NodeId[], votes: number, value: Value): void {
    const ring = this.spec.ring;
    if (votes < layout.length) {
      const next = layout[votes] as NodeId;
      const msg: Message =
        this.spec.dissemination === 'ring'
          ? { type: 'phase2a', ring, from: this.id, ballot: b, instance: i, layout, votes, value }
          : { type: 'phase2b', ring, from: this.id, ballot: b, instance: i, votes };
      this.out.send({ to: next, msg });
      return;
    }
    this.markDecided(i, b);
    const entry: DecisionEntry = { instance: i, ballot: b };
    if (this.spec.dissemination === 'multicast') return this.queueDecision(GROUP, entry);
    // Ring mode: the coordinator hears at once; the decision travels on along the ring; the value
    // with its decision starts down the learner chain.
    this.queueDecision(ballotNode(b), entry);
    if (layout.length > 1) this.queueDecision(layout[0] as NodeId, entry);
    const firstLearner = this.spec.learners[0];
    if (firstLearner !== undefined) this.queueDeliver(firstLearner, { instance: i, ballot: b, value });
  }

  protected onDecision(m: Decision): void {
    for (const e of m.entries) {
      const v = this.votes.get(e.instance);
      const isNew = v !== undefined && v.decidedBallot === null;
      this.markDecided(e.instance, e.ballot);
      if (this.spec.dissemination !== 'ring' || !isNew || v.layout === null) continue;
      // Pass it on along the ring, up to the member before the one that decided.
      const idx = layoutIndex(v.layout, this.id);
      if (idx >= 0 && idx + 1 < v.layout.length - 1) this.queueDecision(v.layout[idx + 1] as NodeId, e);
    }
  }

  protected onRepair(m: Repair): void {
    if (m.instanceTo <= m.instanceFrom) return this.drops.drop('repair-bad-range');
    const to = Math.min(m.instanceTo, m.instanceFrom + this.opts.repairInstancesMax);
    for (let i = m.instanceFrom; i < to; i++) {
      const v = this.votes.get(i as Instance);
      if (v !== undefined && servable(v)) this.queueDeliver(m.from, { instance: i as Instance, ballot: v.ballot, value: v.value });
    }
  }

  private markDecided(i: Instance, b: Ballot): void {
    const v = this.votes.get(i);
    this.pendingVotes.delete(i);
    if (v === undefined) {
      // Known decided without a vote here (a spare): remembered only to move the watermark.
      if (i >= this.decidedUpTo && i < this.decidedUpTo + this.opts.phase1WindowInstances) this.decidedNoVote.add(i);
    } else {
      if (v.decidedBallot !== null && v.decidedBallot <= b) return;
      v.decidedBallot = b;
      this.out.persistDecision({ instance: i, ballot: b });
    }
    this.advanceDecided();
    if (this.overRetention()) this.trim();
  }

  private advanceDecided(): void {
    for (;;) {
      const d = this.decidedUpTo as Instance;
      if (this.decidedNoVote.delete(d) || this.votes.get(d)?.decidedBallot != null) this.decidedUpTo++;
      else break;
    }
  }

  protected onHeartbeat(m: Heartbeat): void {
    if (this.learnerSet.has(m.from)) {
      // A learner's progress: it has delivered everything below decidedUpTo.
      this.learnersAt.set(m.from, { upTo: m.decidedUpTo, heardAt: this.now });
    } else if (this.coordinatorSet.has(m.from)) {
      if (m.decidedUpTo > this.decidedBelowHeard) this.decidedBelowHeard = m.decidedUpTo;
    } else return this.drops.drop('heartbeat-unknown-sender');
    if (this.overRetention()) this.trim();
  }

  private store(i: Instance, v: Vote): void {
    const old = this.votes.get(i);
    if (old !== undefined) this.retainedBytes -= valueBytes(old.value);
    this.votes.set(i, v);
    this.retainedBytes += valueBytes(v.value);
  }

  /** Past the retention limits, times `factor`. */
  private overRetention(factor = 1): boolean {
    return this.votes.size > factor * this.opts.acceptorRetainedInstancesMax || this.retainedBytes > factor * this.opts.acceptorRetainedBytesMax;
  }

  /**
   * The first instance a learner heard from within suspectTicks has not delivered (Infinity when
   * none was heard from): votes from there on are kept up to twice the retention limits, so that
   * a learner that lags, or whose thread restarts, can still catch up from them.
   */
  private slowestLearner(): number {
    let slowest = Infinity;
    for (const l of this.learnersAt.values()) if (this.now - l.heardAt <= this.opts.suspectTicks && l.upTo < slowest) slowest = l.upTo;
    return slowest;
  }

  /**
   * Forgets the oldest instances below the decided watermark (its own, or one a coordinator
   * reported): a trimmed instance is a decided one. Past the retention limits; past twice them
   * only for what a live learner has not delivered yet.
   */
  private trim(): void {
    const decidedBelow = Math.max(this.decidedUpTo, this.decidedBelowHeard);
    const slowest = this.slowestLearner();
    for (;;) {
      if (!this.overRetention()) break;
      const limit = this.overRetention(2) ? decidedBelow : Math.min(decidedBelow, slowest);
      if (this.trimmedBelow >= limit) break;
      const v = this.votes.get(this.trimmedBelow as Instance);
      if (v === undefined && limit - this.trimmedBelow > TRIM_JUMP_INSTANCES) {
        // A long run of instances without votes (the store of a restarted acceptor keeps none
        // below its oldest retained vote): jump to the next vote, not one instance at a time.
        let next = limit;
        for (const i of this.votes.keys()) if (i >= this.trimmedBelow && i < next) next = i;
        for (const i of this.pendingVotes.keys()) if (i < next) this.pendingVotes.delete(i);
        this.trimmedBelow = next;
        continue;
      }
      if (v !== undefined) this.retainedBytes -= valueBytes(v.value);
      this.votes.delete(this.trimmedBelow as Instance);
      this.pendingVotes.delete(this.trimmedBelow as Instance);
      this.trimmedBelow++;
    }
    if (this.trimmedBelow > this.decidedUpTo) {
      // Past instances it never saw decided: its own watermark goes on from there.
      this.decidedUpTo = this.trimmedBelow;
      for (const i of this.decidedNoVote) if (i < this.decidedUpTo) this.decidedNoVote.delete(i);
      this.advanceDecided();
    }
  }

  protected promise(b: Ballot): void {
    if (b <= this.promised) return;
    this.promised = b;
    this.out.persistPromise(b);
  }

  private nack(to: NodeId, b: Ballot): void {
    this.out.send({ to, msg: { type: 'nack', ring: this.spec.ring, from: this.id, ballot: b, promised: this.promised } });
  }

  private queueDecision(to: Destination, e: DecisionEntry): void {
    this.decisionsOut.append(to, e);
  }

  private queueDeliver(to: NodeId, e: AcceptedEntry): void {
    this.deliversOut.append(to, e);
  }

  private flushDecisions(): void {
    const ring = this.spec.ring;
    this.decisionsOut.drain((to, entries) => {
      for (const chunk of chunks(entries, this.opts.decisionEntriesMax)) {
        this.out.send({ to, msg: { type: 'decision', ring, from: this.id, entries: chunk } });
      }
    });
    this.deliversOut.drain((to, entries) => {
      for (const chunk of chunksByBytes(entries, this.opts.repairInstancesMax, deliverBytesMaxOf(this.opts))) {
        this.out.send({ to, msg: { type: 'deliver', ring, from: this.id, entries: chunk } });
      }
    });
  }
}

/** A vote at or above the ballot its instance was decided under holds the decided value. */
function servable(v: Vote): boolean {
  return v.decidedBallot !== null && v.ballot >= v.decidedBallot;
}

export function chunks<T>(list: readonly T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < list.length; i += size) result.push(list.slice(i, i + size));
  return result;
}

/**
 * Bytes of values in one Deliver message: as much as one instance holds, so that a Deliver fits
 * one datagram as a Phase 2A does. Up to messageBytesMax (1 MiB), a learner's Delivers went out
 * in up to 16 fragments each (five processes, ring mode, 8 KB: 130,000 fragments received in 18 s),
 * and one fragment lost from a full socket buffer lost the whole message's instances.
 */
export function deliverBytesMaxOf(o: ProtocolOptions): number {
  return o.batchBytesMax;
}

/** Splits entries into messages of at most `entriesMax` entries and about `bytesMax` bytes of values. */
export function chunksByBytes(list: readonly AcceptedEntry[], entriesMax: number, bytesMax: number): AcceptedEntry[][] {
  const result: AcceptedEntry[][] = [];
  let current: AcceptedEntry[] = [];
  let bytes = 0;
  for (const e of list) {
    const b = valueBytes(e.value);
    if (current.length > 0 && (current.length >= entriesMax || bytes + b > bytesMax)) {
      result.push(current);
      current = [];
      bytes = 0;
    }
    current.push(e);
    bytes += b;
  }
  if (current.length > 0) result.push(current);
  return result;
}
