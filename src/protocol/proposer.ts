/**
 * The proposer: gives client values their ids, packs them into runs (runs.ts) when it first sends
 * them, sends the runs to the coordinator in batches, and re-sends each run, unchanged, until the
 * coordinator acknowledges it as decided. It tries the coordinator candidates in turn while none
 * answers.
 */
import { unreachable } from '../assert.ts';
import { ErrorCode, RingcastError } from '../errors.ts';
import { IntMap } from './int-map.ts';
import { EPOCH_SEQS, SEQ_MAX, valueId, valueIdSeq, type NodeId, type ValueId } from './ids.ts';
import type { Ack, Message } from './messages.ts';
import type { ProtocolOptions, RingSpec } from './options.ts';
import { DropCounters, Outbox, type AckedRun, type Ready, type Role } from './ready.ts';
import { batchesOf, freshRunBytes, packedOffsetOf, packRun, RUN_ITEM_HEAD_BYTES, type RunBytesAlloc, type ValueRun } from './runs.ts';

interface PendingRun {
  readonly run: ValueRun;
  /** What the caller of proposeRun tagged the values with, handed back with the ack. */
  readonly tag: unknown;
  readonly tagOffset: number;
  /** Proposal order among this proposer's runs (ids may wrap; this does not within a life). */
  readonly order: number;
  /** Tick of the last send; -1 while waiting to be sent. */
  sentAt: number;
  /** Tick of the first send; -1 before it. Ack times are measured from here. */
  firstSentAt: number;
  /** Its place in `sendOrder` (counted from the start of the proposer's life): older places are stale. */
  place: number;
}

export class Proposer implements Role<Message, AckedRun> {
  readonly drops = new DropCounters();
  private readonly out = new Outbox<AckedRun>();
  private nextSeq: number;
  /** The epoch of the next value: a restarted proposer must start in a later one (see ids.ts). */
  get epoch(): number {
    return Math.floor(this.nextSeq / EPOCH_SEQS);
  }

  /** Values proposed since the last ready(), not yet packed into a run. */
  private open: Uint8Array[] = [];
  private openFirst = 0 as ValueId;
  private openBytes = 0;
  /**
   * Runs by first id. An IntMap, not a Map: a Map taking a key per run and dropping one per ack
   * replaces its table every few dozen runs, and V8 links replaced tables, so that once one was
   * promoted every later one was kept through scavenges with the runs it held (see int-map.ts).
   */
  private readonly pending = new IntMap<ValueId, PendingRun>();
  /**
   * Pending runs in order of last send (or of queueing, before the first), so the ones due for a
   * re-send come first: a run sent again takes a new place at the end, and the place of a run
   * acknowledged or moved is emptied. `sendOrderBase` is the place of index 0.
   */
  private sendOrder: (PendingRun | undefined)[] = [];
  private sendOrderHead = 0;
  private sendOrderBase = 0;
  private unsent: PendingRun[] = [];
  private nextOrder = 0;
  /** Values proposed and not acknowledged: in `open` and in `pending`. */
  private inFlight = 0;
  /**
   * Pending runs in the order they were formed (ascending sequence numbers), acknowledged ones
   * skipped from `byAgeHead`: the oldest unacknowledged run bounds how far the sequence numbers
   * may run ahead of it (see withinSpan).
   */
  private byAge: PendingRun[] = [];
  private byAgeHead = 0;
  private leaderIndex = 0;
  /**
   * A coordinator acknowledged something since the proposer last turned to another candidate.
   * Until then it sends one run at a time: runs sent while no coordinator runs yet (a ring
   * starting), or to a dead one, come back on the retry timer after runs sent later, and were
   * decided after them.
   */
  private heard = false;
  private lastAckAt = 0;
  private now = 0;
  /** Smoothed ticks from send to ack: under load, values wait in queues longer than the floor. */
  private ackTicksSmoothed = 0;
  readonly stats = { valuesProposed: 0, valuesAcked: 0, resends: 0, leaderRotations: 0 };

  constructor(
    readonly id: NodeId,
    private readonly spec: RingSpec,
    private readonly opts: ProtocolOptions,
    seqStart = 0,
    /** Where the bytes of the runs it packs come from (a run pool's alloc, say). */
    private readonly allocRunBytes: RunBytesAlloc = freshRunBytes,
  ) {
    this.nextSeq = seqStart;
  }

  get valuesInFlight(): number {
    return this.inFlight;
  }
  get leader(): NodeId {
    return this.spec.coordinators[this.leaderIndex % this.spec.coordinators.length] as NodeId;
  }

  /**
   * Takes a client value; returns its id, or null when `proposerValuesInFlightMax` values are
   * outstanding (back-pressure: try again after some are acked).
   */
  propose(bytes: Uint8Array): ValueId | null {
    if (bytes.length > this.opts.submitBytesMax) {
      throw new RingcastError(ErrorCode.VALUE_TOO_LARGE, `value of ${bytes.length} bytes exceeds submitBytesMax (${this.opts.submitBytesMax})`);
    }
    if (!this.withinSpan(1)) return null;
    const seq = this.nextSeq;
    // A run stays within one epoch, one submit's bytes and one batch's values.
    const full = this.openBytes + bytes.length > this.opts.submitBytesMax || this.open.length >= this.opts.batchValuesMax;
    if (this.open.length > 0 && (seq % EPOCH_SEQS === 0 || full)) this.seal();
    // Past the last epoch the numbers wrap: the epochs of four billion values ago are long forgotten.
    const id = valueId(this.id, seq);
    this.nextSeq = (seq + 1) % (SEQ_MAX + 1);
    if (this.open.length === 0) this.openFirst = id;
    this.open.push(bytes);
    this.openBytes += bytes.length;
    this.inFlight++;
    this.stats.valuesProposed++;
    return id;
  }

  /**
   * Takes `count` client values already packed as a run's bytes (runs.ts; the caller has checked
   * the layout), within one submit: at most `batchValuesMax` values and `submitBytesMax` bytes.
   * Returns the first id (the others follow it), or null when they do not fit the in-flight limit.
   * A caller that has values packed already, such as the runtime's proposer actor, saves a copy
   * and an object per value this way. `tag` comes back with the acknowledgement (AckedRun), with
   * the offset of each acknowledged run among these values: who asked for them, say.
   */
  proposeRun(packed: Uint8Array, count: number, tag?: unknown): ValueId | null {
    const bytes = packed.length - RUN_ITEM_HEAD_BYTES * count;
    if (count < 1 || count > this.opts.batchValuesMax || bytes > this.opts.submitBytesMax) {
      throw new RingcastError(ErrorCode.VALUE_TOO_LARGE, `run of ${count} values and ${bytes} bytes exceeds batchValuesMax (${this.opts.batchValuesMax}) or submitBytesMax (${this.opts.submitBytesMax})`);
    }
    if (!this.withinSpan(count)) return null;
    this.seal();
    const seq = this.nextSeq;
    const first = valueId(this.id, seq);
    // A run stays within one epoch: cut it where the next one starts.
    const left = EPOCH_SEQS - (seq % EPOCH_SEQS);
    if (count <= left) this.enqueue({ first, count, packed }, tag, 0);
    else {
      const cut = packedOffsetOf(packed, left);
      this.enqueue({ first, count: left, packed: packed.subarray(0, cut) }, tag, 0);
      this.enqueue({ first: valueId(this.id, (seq + left) % (SEQ_MAX + 1)), count: count - left, packed: packed.subarray(cut) }, tag, left);
    }
    this.nextSeq = (seq + count) % (SEQ_MAX + 1);
    this.inFlight += count;
    this.stats.valuesProposed += count;
    return first;
  }

  step(msg: Message): void {
    if (msg.ring !== this.spec.ring) return this.drops.drop('wrong-ring');
    switch (msg.type) {
      case 'ack':
        return this.onAck(msg);
      case 'heartbeat':
        return;
      case 'submit':
      case 'phase1a':
      case 'phase1b':
      case 'nack':
      case 'phase2a':
      case 'phase2b':
      case 'decision':
      case 'deliver':
      case 'repair':
        return this.drops.drop('unexpected-type');
      default:
        unreachable(msg);
    }
  }

  /**
   * Ticks after which an unacked value is sent again: thrice the usual ack time, between the
   * configured floor and eight times it (a slow spell must not stop re-sends for good).
   */
  get retryTicks(): number {
    const floor = this.opts.proposerRetryTicks;
    return Math.min(8 * floor, Math.max(floor, Math.ceil(3 * this.ackTicksSmoothed)));
  }

  tick(): void {
    this.now++;
    const retryTicks = this.retryTicks;
    const due = this.now - retryTicks;
    for (let k = this.sendOrderHead; k < this.sendOrder.length; k++) {
      const p = this.sendOrder[k];
      if (p === undefined) {
        if (k === this.sendOrderHead) this.sendOrderHead++;
        continue;
      }
      if (p.sentAt < 0) continue;
      if (p.sentAt > due) break;
      if (k === this.sendOrderHead) this.sendOrderHead++;
      p.sentAt = -1;
      this.placeLast(p); // visited again further on, and skipped: it waits to be sent
      this.unsent.push(p);
      this.stats.resends += p.run.count;
    }
    this.compactSendOrder();
    if (this.inFlight > 0 && this.now - this.lastAckAt >= retryTicks) {
      this.lastAckAt = this.now;
      this.leaderIndex++;
      this.heard = false;
      this.stats.leaderRotations++;
      this.resendAllInOrder();
    }
  }

  /**
   * The next candidate gets every unacknowledged run, oldest first, before any new one: runs that
   * went to a leader that died must not be decided after runs proposed later (a re-send on the
   * retry timer alone sent them after the runs proposed meanwhile).
   */
  private resendAllInOrder(): void {
    const all = [...this.pending.values()].sort((a, b) => a.order - b.order);
    this.sendOrderBase += this.sendOrder.length;
    this.sendOrder = [];
    this.sendOrderHead = 0;
    for (const p of all) {
      if (p.sentAt >= 0) this.stats.resends += p.run.count;
      p.sentAt = -1;
      this.placeLast(p);
    }
    this.unsent = all;
  }

  forEachHeldRun(each: (r: ValueRun) => void): void {
    this.pending.forEach((p) => each(p.run));
    this.out.forEachRun(each);
  }

  hasReady(): boolean {
    return this.open.length > 0 || this.unsent.length > 0 || !this.out.isEmpty();
  }

  ready(): Ready<AckedRun> {
    this.seal();
    const runs: ValueRun[] = [];
    const held: PendingRun[] = [];
    // Until a coordinator has acknowledged something since the last change of candidate, one run
    // at a time (see `heard`).
    let probing = !this.heard && this.anySent();
    for (const p of this.unsent) {
      if (p.sentAt >= 0 || this.pending.get(p.run.first) !== p) continue; // listed twice, or acked meanwhile
      if (probing) {
        held.push(p);
        continue;
      }
      p.sentAt = this.now;
      if (p.firstSentAt < 0) p.firstSentAt = this.now;
      runs.push(p.run);
      probing = !this.heard;
    }
    this.unsent = held;
    for (const batch of batchesOf(runs, this.opts.submitBytesMax, this.opts.batchValuesMax)) {
      this.out.send({ to: this.leader, msg: { type: 'submit', ring: this.spec.ring, from: this.id, runs: batch } });
    }
    return this.out.take();
  }

  /** Packs the open values into a run, due to be sent. */
  private seal(): void {
    if (this.open.length === 0) return;
    this.enqueue(packRun(this.openFirst, this.open, this.allocRunBytes));
    this.open = [];
    this.openBytes = 0;
  }

  /**
   * Whether `count` more values keep every value in flight within `proposerValuesInFlightMax`
   * sequence numbers of the newest. Counting the values in flight is not enough: a run lost on its
   * way (a Submit dropped from a full socket buffer) stays in flight while the others are acked and
   * replaced, and the numbers run on. Learners judge a value more than their dedup window
   * (`dedupWindow` >= proposerValuesInFlightMax) below the newest of its proposer a late copy and
   * drop it, so a lost run re-sent and decided that late was never delivered, though acknowledged:
   * five processes at 1 KB lost 172-1,204 values a run this way. A proposer so far behind waits
   * for the run's re-send to be acknowledged instead. Every value in flight lies in that span, so
   * the span bounds their count as well (`proposerValuesInFlightMax` in both senses).
   */
  private withinSpan(count: number): boolean {
    const oldest = this.oldestInFlightSeq();
    if (oldest < 0) return true;
    const span = (this.nextSeq - oldest + SEQ_MAX + 1) % (SEQ_MAX + 1);
    return span + count <= this.opts.proposerValuesInFlightMax;
  }

  /** The sequence number of the oldest value in flight; -1 for none. */
  private oldestInFlightSeq(): number {
    for (; this.byAgeHead < this.byAge.length; this.byAgeHead++) {
      const p = this.byAge[this.byAgeHead] as PendingRun;
      if (this.pending.get(p.run.first) === p) break; // still unacknowledged
    }
    if (worthCompacting(this.byAgeHead, this.byAge.length)) {
      this.byAge = this.byAge.slice(this.byAgeHead);
      this.byAgeHead = 0;
    }
    const oldest = this.byAge[this.byAgeHead];
    if (oldest !== undefined) return valueIdSeq(oldest.run.first);
    return this.open.length > 0 ? valueIdSeq(this.openFirst) : -1;
  }

  private enqueue(run: ValueRun, tag?: unknown, tagOffset = 0): void {
    const p: PendingRun = { run, tag, tagOffset, order: this.nextOrder++, sentAt: -1, firstSentAt: -1, place: -1 };
    this.byAge.push(p);
    this.pending.set(run.first, p);
    this.placeLast(p);
    this.unsent.push(p);
  }

  private placeLast(p: PendingRun): void {
    this.unplace(p);
    p.place = this.sendOrderBase + this.sendOrder.length;
    this.sendOrder.push(p);
  }

  private unplace(p: PendingRun): void {
    const k = p.place - this.sendOrderBase;
    if (k >= 0 && this.sendOrder[k] === p) this.sendOrder[k] = undefined;
  }

  /** Drops the stale entries at the front once they are most of the list. */
  private compactSendOrder(): void {
    const head = this.sendOrderHead;
    if (!worthCompacting(head, this.sendOrder.length)) return;
    this.sendOrder = this.sendOrder.slice(head);
    this.sendOrderBase += head;
    this.sendOrderHead = 0;
  }

  /** Whether a run was sent and not acknowledged yet. */
  private anySent(): boolean {
    let sent = false;
    this.pending.forEach((p) => {
      if (p.sentAt >= 0) sent = true;
    });
    return sent;
  }

  private onAck(m: Ack): void {
    const leaderIndex = this.spec.coordinators.indexOf(m.from);
    if (leaderIndex < 0) return this.drops.drop('ack-unknown-coordinator');
    this.heard = true;
    const changed = leaderIndex !== this.leaderIndex % this.spec.coordinators.length;
    this.leaderIndex = leaderIndex;
    this.lastAckAt = this.now;
    for (const first of m.firsts) {
      const p = this.pending.get(first);
      if (p === undefined) continue;
      this.pending.delete(first);
      this.unplace(p);
      if (p.firstSentAt >= 0) this.ackTicksSmoothed += (this.now - p.firstSentAt - this.ackTicksSmoothed) / 8;
      this.inFlight -= p.run.count;
      this.stats.valuesAcked += p.run.count;
      this.out.deliver({ first, count: p.run.count, tag: p.tag, tagOffset: p.tagOffset });
    }
    // The acking coordinator leads now: runs sent to another candidate (maybe dead) go to it at
    // once, oldest first, before any newer run (on their retry timers they came after newer runs).
    if (changed) this.resendAllInOrder();
  }
}

/** A list consumed from its front is sliced once its dead front is long and most of it. */
const worthCompacting = (head: number, length: number): boolean => head >= 1024 && head * 2 >= length;
