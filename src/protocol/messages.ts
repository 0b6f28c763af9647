/**
 * Protocol messages: a discriminated union on `type`. Every message names its ring and its sender.
 *
 * An instance's value is identified by the ballot under which it was proposed: a coordinator
 * proposes at most one value per (instance, ballot), so a decision is the pair (instance, ballot)
 * and carries no bytes. A learner that holds the Phase 2A of that ballot delivers its value; one
 * that does not asks an acceptor for it.
 */
import type { Ballot, Instance, NodeId, RingId, ValueId } from './ids.ts';
import { runValueBytes, type ValueRun } from './runs.ts';

export type { ValueRun } from './runs.ts';

/** One value of a client, with its id. Learners deliver each id once. Values travel in runs (runs.ts). */
export interface ClientValue {
  readonly id: ValueId;
  readonly bytes: Uint8Array;
}

/** What one instance decides. */
export type Value =
  | { readonly kind: 'batch'; readonly runs: readonly ValueRun[] }
  /** Fills a gap found by a new coordinator's Phase 1. */
  | { readonly kind: 'noop' }
  /** Multi-ring: stands for `slots` empty instances in the learners' deterministic merge. */
  | { readonly kind: 'skip'; readonly slots: number };

/** A vote as an acceptor holds it: the value it accepted for an instance, and under which ballot. */
export interface AcceptedEntry {
  readonly instance: Instance;
  readonly ballot: Ballot;
  readonly value: Value;
}

/** A decision without bytes: instance `instance` decided the value proposed under `ballot`. */
export interface DecisionEntry {
  readonly instance: Instance;
  readonly ballot: Ballot;
}

/** Proposer → coordinator: runs of client values to order. Retried, the same runs, until acked. */
export interface Submit {
  readonly type: 'submit';
  readonly ring: RingId;
  readonly from: NodeId;
  readonly runs: readonly ValueRun[];
}

/**
 * Coordinator → proposer: the runs that start with these value ids are decided (every live
 * learner will deliver them).
 */
export interface Ack {
  readonly type: 'ack';
  readonly ring: RingId;
  readonly from: NodeId;
  readonly firsts: readonly ValueId[];
}

/**
 * Coordinator → acceptors: promise `ballot` and report your votes in [instanceFrom, instanceTo).
 * `fresh` asks for a ballot strictly above any promise (taking the lead); a top-up of the window
 * by the current leader is not fresh and may repeat the promised ballot.
 */
export interface Phase1A {
  readonly type: 'phase1a';
  readonly ring: RingId;
  readonly from: NodeId;
  readonly ballot: Ballot;
  readonly instanceFrom: Instance;
  readonly instanceTo: Instance;
  readonly fresh: boolean;
}

/** Acceptor → coordinator: promised; here are my votes in the window. */
export interface Phase1B {
  readonly type: 'phase1b';
  readonly ring: RingId;
  readonly from: NodeId;
  readonly ballot: Ballot;
  readonly instanceFrom: Instance;
  readonly instanceTo: Instance;
  readonly accepted: readonly AcceptedEntry[];
}

/** Acceptor → coordinator: refused `ballot`, because it promised `promised`. */
export interface Nack {
  readonly type: 'nack';
  readonly ring: RingId;
  readonly from: NodeId;
  readonly ballot: Ballot;
  readonly promised: Ballot;
}

/**
 * The value of an instance under a ballot, with the ring layout of that ballot and the votes
 * gathered so far. `multicast` mode: sent once by the coordinator to the group (votes = 0).
 * `ring` mode: travels along the ring, each acceptor adding its vote.
 */
export interface Phase2A {
  readonly type: 'phase2a';
  readonly ring: RingId;
  readonly from: NodeId;
  readonly ballot: Ballot;
  readonly instance: Instance;
  /** The acceptors that vote under this ballot, in ring order; the last one decides. */
  readonly layout: readonly NodeId[];
  readonly votes: number;
  readonly value: Value;
}

/** `multicast` mode: the votes for an instance travelling along the ring, without the value. */
export interface Phase2B {
  readonly type: 'phase2b';
  readonly ring: RingId;
  readonly from: NodeId;
  readonly ballot: Ballot;
  readonly instance: Instance;
  readonly votes: number;
}

/** Decided instances, ids only. */
export interface Decision {
  readonly type: 'decision';
  readonly ring: RingId;
  readonly from: NodeId;
  readonly entries: readonly DecisionEntry[];
}

/** Decided instances with their values: repair replies, and the learner chain in `ring` mode. */
export interface Deliver {
  readonly type: 'deliver';
  readonly ring: RingId;
  readonly from: NodeId;
  readonly entries: readonly AcceptedEntry[];
}

/** Learner → acceptor: send me what you know decided in [instanceFrom, instanceTo). */
export interface Repair {
  readonly type: 'repair';
  readonly ring: RingId;
  readonly from: NodeId;
  readonly instanceFrom: Instance;
  readonly instanceTo: Instance;
}

/**
 * Liveness and progress. From a coordinator: its ballot, and that every instance below
 * `decidedUpTo` is decided. From an acceptor: its promised ballot and what it knows decided.
 */
export interface Heartbeat {
  readonly type: 'heartbeat';
  readonly ring: RingId;
  readonly from: NodeId;
  readonly ballot: Ballot;
  readonly decidedUpTo: Instance;
}

export type Message =
  | Submit
  | Ack
  | Phase1A
  | Phase1B
  | Nack
  | Phase2A
  | Phase2B
  | Decision
  | Deliver
  | Repair
  | Heartbeat;

export type MessageType = Message['type'];

export const MESSAGE_TYPES: readonly MessageType[] = [
  'submit',
  'ack',
  'phase1a',
  'phase1b',
  'nack',
  'phase2a',
  'phase2b',
  'decision',
  'deliver',
  'repair',
  'heartbeat',
];

/** Where an outbound message goes: one node, or the ring's multicast group. */
export const GROUP = 'group' as const;
export type Destination = NodeId | typeof GROUP;

export interface Outbound {
  readonly to: Destination;
  readonly msg: Message;
}

/** The bytes of the client values in a value. */
export function valueBytes(v: Value): number {
  if (v.kind !== 'batch') return 0;
  let n = 0;
  for (const r of v.runs) n += runValueBytes(r);
  return n;
}

/** Calls `each` with every run of a value. */
export function forEachValueRun(v: Value, each: (r: ValueRun) => void): void {
  if (v.kind === 'batch') for (const r of v.runs) each(r);
}

const TYPES: ReadonlySet<unknown> = new Set(MESSAGE_TYPES);

/** Whether an object handed between actors looks like a protocol message (a user's object may not). */
export function isProtocolMessage(x: unknown): x is Message {
  return typeof x === 'object' && x !== null && TYPES.has((x as { type?: unknown }).type) && typeof (x as { ring?: unknown }).ring === 'number';
}

/** Calls `each` with every run a message carries (for a run pool's trace: see run-pool.ts). */
export function forEachMessageRun(m: Message, each: (r: ValueRun) => void): void {
  switch (m.type) {
    case 'submit':
      for (const r of m.runs) each(r);
      return;
    case 'phase1b':
      for (const e of m.accepted) forEachValueRun(e.value, each);
      return;
    case 'phase2a':
      return forEachValueRun(m.value, each);
    case 'deliver':
      for (const e of m.entries) forEachValueRun(e.value, each);
      return;
    default:
      return;
  }
}
