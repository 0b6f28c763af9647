/**
 * The proposer: gives client values their ids, sends them to the coordinator in batches, and
 * re-sends them with the same ids until the coordinator acknowledges them as decided. It tries
 * the coordinator candidates in turn while none answers.
 */
import { unreachable } from '../assert.ts';
import { ErrorCode, RingcastError } from '../errors.ts';
import { EPOCH_SEQS, SEQ_MAX, valueId, type NodeId, type ValueId } from './ids.ts';
import type { Ack, ClientValue, Message } from './messages.ts';
import type { ProtocolOptions, RingSpec } from './options.ts';
import { DropCounters, Outbox, type Ready, type Role } from './ready.ts';

interface PendingValue {
  readonly value: ClientValue;
  /** Tick of the last send; -1 while waiting to be sent. */
  sentAt: number;
  /** Tick of the first send; -1 before it. Ack times are measured from here. */
  firstSentAt: number;
}

export class Proposer implements Role<Message, ValueId> {
  readonly drops = new DropCounters();
  private readonly out = new Outbox<ValueId>();
  private nextSeq: number;
  /** The epoch of the next value: a restarted proposer must start in a later one (see ids.ts). */
  get epoch(): number {
    return Math.floor(this.nextSeq / EPOCH_SEQS);
  }

  /** In order of last send, so the ones due for a re-send come first. */
  private readonly pending = new Map<ValueId, PendingValue>();
  private unsent: ValueId[] = [];
  private leaderIndex = 0;
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
  ) {
    this.nextSeq = seqStart;
  }

  get valuesInFlight(): number {
    return this.pending.size;
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
    if (this.pending.size >= this.opts.proposerValuesInFlightMax) return null;
    // Past the last epoch the numbers wrap: the epochs of four billion values ago are long forgotten.
    const id = valueId(this.id, this.nextSeq);
    this.nextSeq = (this.nextSeq + 1) % (SEQ_MAX + 1);
    this.pending.set(id, { value: { id, bytes }, sentAt: -1, firstSentAt: -1 });
    this.unsent.push(id);
    this.stats.valuesProposed++;
    return id;
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
    for (const [id, p] of this.pending) {
      if (p.sentAt < 0) continue;
      if (p.sentAt > due) break;
      this.pending.delete(id); // re-inserted at the end: the map stays ordered by send time
      p.sentAt = -1;
      this.pending.set(id, p);
      this.unsent.push(id);
      this.stats.resends++;
    }
    if (this.pending.size > 0 && this.now - this.lastAckAt >= retryTicks) {
      this.lastAckAt = this.now;
      this.leaderIndex++;
      this.stats.leaderRotations++;
    }
  }

  hasReady(): boolean {
    return this.unsent.length > 0 || !this.out.isEmpty();
  }

  ready(): Ready<ValueId> {
    let batch: ClientValue[] = [];
    let bytes = 0;
    const flush = (): void => {
      if (batch.length > 0) this.out.send({ to: this.leader, msg: { type: 'submit', ring: this.spec.ring, from: this.id, values: batch } });
      batch = [];
      bytes = 0;
    };
    for (const id of this.unsent) {
      const p = this.pending.get(id);
      if (p === undefined || p.sentAt >= 0) continue; // acked meanwhile, or listed twice
      if (batch.length > 0 && (bytes + p.value.bytes.length > this.opts.submitBytesMax || batch.length >= this.opts.batchValuesMax)) flush();
      p.sentAt = this.now;
      if (p.firstSentAt < 0) p.firstSentAt = this.now;
      batch.push(p.value);
      bytes += p.value.bytes.length;
    }
    flush();
    this.unsent = [];
    return this.out.take();
  }

  private onAck(m: Ack): void {
    const leaderIndex = this.spec.coordinators.indexOf(m.from);
    if (leaderIndex < 0) return this.drops.drop('ack-unknown-coordinator');
    this.leaderIndex = leaderIndex;
    this.lastAckAt = this.now;
    for (const id of m.ids) {
      const p = this.pending.get(id);
      if (p === undefined) continue;
      this.pending.delete(id);
      if (p.firstSentAt >= 0) this.ackTicksSmoothed += (this.now - p.firstSentAt - this.ackTicksSmoothed) / 8;
      this.stats.valuesAcked++;
      this.out.deliver(id);
    }
  }
}
