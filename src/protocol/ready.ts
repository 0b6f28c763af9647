/**
 * What a role hands its caller after a batch of `step`/`tick` calls. The caller must make
 * `persist` durable (as its storage mode promises) BEFORE it sends any of `messages`: an acceptor
 * whose vote leaves before the vote is saved can let two values be decided for one instance.
 */
import type { Ballot, Instance, RingId, ValueId } from './ids.ts';
import { forEachMessageRun, forEachValueRun, type AcceptedEntry, type ClientValue, type DecisionEntry, type Outbound } from './messages.ts';
import { runsValues, type ValueRun } from './runs.ts';

export interface Persist {
  /** The new promised ballot, or null when it did not change. */
  readonly promised: Ballot | null;
  /** Votes to save, in order; a later entry for the same instance replaces an earlier one. */
  readonly accepted: readonly AcceptedEntry[];
  /**
   * Decisions learned for instances with a vote here: saved so that a restarted acceptor still
   * serves them to learners (no ordering constraint: a decision is a fact, not a promise).
   */
  readonly decided: readonly DecisionEntry[];
}

export interface Ready<D> {
  readonly persist: Persist | null;
  readonly messages: readonly Outbound[];
  readonly delivered: readonly D[];
}

/**
 * One decided instance as a learner delivers it, in instance order, duplicate runs removed; its
 * values still in their runs (see runs.ts).
 */
export interface DeliveredRuns {
  readonly ring: RingId;
  readonly instance: Instance;
  readonly runs: readonly ValueRun[];
  /** Slots this instance stands for in a multi-ring merge: 1, or k for a skip instance. */
  readonly slots: number;
}

/** A delivered instance with its values as objects: what programs are handed. */
export interface DeliveredInstance {
  readonly ring: RingId;
  readonly instance: Instance;
  readonly values: readonly ClientValue[];
  /** Slots this instance stands for in a multi-ring merge: 1, or k for a skip instance. */
  readonly slots: number;
}

export function expandDelivered(d: DeliveredRuns): DeliveredInstance {
  return { ring: d.ring, instance: d.instance, values: runsValues(d.runs), slots: d.slots };
}

/** A proposer's acknowledged run: the values with ids first … first + count - 1 are decided. */
export interface AckedRun {
  readonly first: ValueId;
  readonly count: number;
  /** The tag given to proposeRun (undefined for values proposed one by one). */
  readonly tag: unknown;
  /** Where this run's first value is among the values proposed under `tag` (a run cut at an epoch). */
  readonly tagOffset: number;
}

/** The common contract of the four roles. */
export interface Role<M, D> {
  step(msg: M): void;
  tick(): void;
  ready(): Ready<D>;
  /** True when ready() would hand over something. */
  hasReady(): boolean;
  /**
   * Calls `each` with every run the role holds, in its state and in what waits for ready(): a run
   * pool reuses the bytes of runs no holder reports (run-pool.ts), so this must miss none.
   */
  forEachHeldRun(each: (r: ValueRun) => void): void;
}

/** Collects a role's output between two ready() calls. */
export class Outbox<D> {
  private messages: Outbound[] = [];
  private delivered: D[] = [];
  private promised: Ballot | null = null;
  private accepted: AcceptedEntry[] = [];
  private decided: DecisionEntry[] = [];

  send(out: Outbound): void {
    this.messages.push(out);
  }
  deliver(d: D): void {
    this.delivered.push(d);
  }
  persistPromise(b: Ballot): void {
    this.promised = b;
  }
  persistVote(e: AcceptedEntry): void {
    this.accepted.push(e);
  }
  persistDecision(e: DecisionEntry): void {
    this.decided.push(e);
  }
  /** Every run in the messages and votes waiting for ready(); `delivered` is the role's to trace. */
  forEachRun(each: (r: ValueRun) => void): void {
    for (const o of this.messages) forEachMessageRun(o.msg, each);
    for (const e of this.accepted) forEachValueRun(e.value, each);
  }
  /** What waits to be delivered at the next ready(). */
  get pendingDelivered(): readonly D[] {
    return this.delivered;
  }
  isEmpty(): boolean {
    return this.messages.length === 0 && this.delivered.length === 0 && this.promised === null && this.accepted.length === 0 && this.decided.length === 0;
  }
  take(): Ready<D> {
    const empty = this.promised === null && this.accepted.length === 0 && this.decided.length === 0;
    const persist = empty ? null : { promised: this.promised, accepted: this.accepted, decided: this.decided };
    const r: Ready<D> = { persist, messages: this.messages, delivered: this.delivered };
    this.messages = [];
    this.delivered = [];
    this.promised = null;
    this.accepted = [];
    this.decided = [];
    return r;
  }
}

/** Counters of what a role dropped and why: input from the network is counted, never thrown on. */
export class DropCounters {
  readonly counts = new Map<string, number>();
  drop(reason: string): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
  }
  get total(): number {
    let n = 0;
    for (const v of this.counts.values()) n += v;
    return n;
  }
  toJSON(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}

export type { ValueId };
