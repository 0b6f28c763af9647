/**
 * Builders for the protocol unit tests: a small ring, small limits, and every message type built
 * by hand so that a test states its input and the exact output it expects from ready().
 */
import { expect } from 'vitest';
import { ballot, ballotNode, instance, nodeId, ringId, valueId, type Ballot, type Instance, type NodeId, type RingId, type ValueId } from '../../src/protocol/ids.ts';
import { packRun, type ValueRun } from '../../src/protocol/runs.ts';
import type {
  Ack,
  AcceptedEntry,
  ClientValue,
  Decision,
  Deliver,
  Destination,
  Heartbeat,
  Message,
  MessageType,
  Nack,
  Outbound,
  Phase1A,
  Phase1B,
  Phase2A,
  Phase2B,
  Repair,
  Submit,
  Value,
} from '../../src/protocol/messages.ts';
import { resolveProtocolOptions, validateRingSpec, type Dissemination, type ProtocolOptions, type RingSpec } from '../../src/protocol/options.ts';
import type { DropCounters, Ready, Role } from '../../src/protocol/ready.ts';

// ---- The ring ------------------------------------------------------------------------------

export const RING: RingId = ringId(1);
export const OTHER_RING: RingId = ringId(2);
export const A1 = nodeId(1);
export const A2 = nodeId(2);
export const A3 = nodeId(3);
export const C10 = nodeId(10);
export const C11 = nodeId(11);
export const L20 = nodeId(20);
export const L21 = nodeId(21);
export const L22 = nodeId(22);
export const P30 = nodeId(30);
export const P31 = nodeId(31);
/** A node that plays no role in the ring. */
export const STRANGER = nodeId(99);

/** Acceptors 1,2,3 (quorum 2), coordinators 10,11, learners 20,21,22. */
export function ringSpec(dissemination: Dissemination = 'multicast', overrides: Partial<RingSpec> = {}): RingSpec {
  return validateRingSpec({
    ring: RING,
    acceptors: [A1, A2, A3],
    coordinators: [C10, C11],
    learners: [L20, L21, L22],
    dissemination,
    ...overrides,
  });
}

/** Limits small enough to reach in a few steps; every relation between them holds. */
export const SMALL_LIMITS: Partial<ProtocolOptions> = Object.freeze({
  batchBytesMax: 64,
  batchValuesMax: 4,
  instancesInFlightMax: 4,
  phase1WindowInstances: 64,
  coordinatorQueueValuesMax: 8,
  submitBytesMax: 32,
  proposerValuesInFlightMax: 8,
  dedupWindow: 16,
  dedupProposersMax: 4,
  learnerWindowInstances: 64,
  acceptorRetainedInstancesMax: 64,
  acceptorPendingVotesMax: 4,
  repairInstancesMax: 4,
  decisionEntriesMax: 4,
  heartbeatTicks: 2,
  suspectTicks: 10,
  takeoverTicks: 10,
  takeoverStaggerTicks: 5,
  phase1TimeoutTicks: 3,
  phase2TimeoutTicks: 4,
  phase2RetriesMax: 2,
  proposerRetryTicks: 5,
  learnerGapTicks: 2,
  repairTimeoutTicks: 3,
});

export function smallOptions(overrides: Partial<ProtocolOptions> = {}): ProtocolOptions {
  return resolveProtocolOptions({ ...SMALL_LIMITS, ...overrides });
}

// ---- Ids and values ------------------------------------------------------------------------

export const b = (round: number, node: NodeId): Ballot => ballot(round, node);
export const B1 = b(1, C10);
export const B2 = b(2, C10);
export const B1_C11 = b(1, C11);
export const B2_C11 = b(2, C11);
export const i = (n: number): Instance => instance(n);
export const vid = (proposer: NodeId, seq: number): ValueId => valueId(proposer, seq);

/** A client value of `size` bytes, each byte the sequence number (mod 256). */
export function clientValue(proposer: NodeId, seq: number, size = 1): ClientValue {
  return { id: valueId(proposer, seq), bytes: new Uint8Array(size).fill(seq & 0xff) };
}
/** One run of values with consecutive ids. */
export function run(...values: ClientValue[]): ValueRun {
  values.forEach((v, k) => expect(v.id).toBe((values[0] as ClientValue).id + k));
  return packRun((values[0] as ClientValue).id, values.map((v) => v.bytes));
}
/** Values in runs as a proposer forms them: consecutive ids of one proposer share a run. */
export function runsOf(values: readonly ClientValue[]): ValueRun[] {
  const runs: ValueRun[] = [];
  let current: ClientValue[] = [];
  for (const v of values) {
    const last = current[current.length - 1];
    if (last !== undefined && v.id !== last.id + 1) {
      runs.push(run(...current));
      current = [];
    }
    current.push(v);
  }
  if (current.length > 0) runs.push(run(...current));
  return runs;
}
/** A batch of values, consecutive ids sharing a run; see batchOfRuns for other groupings. */
export function batch(...items: ClientValue[]): Value {
  return { kind: 'batch', runs: runsOf(items) };
}
export function batchOfRuns(...runs: ValueRun[]): Value {
  return { kind: 'batch', runs };
}
export const NOOP_VALUE: Value = { kind: 'noop' };
export const skip = (slots: number): Value => ({ kind: 'skip', slots });

export function entry(inst: number, bal: Ballot, value: Value): AcceptedEntry {
  return { instance: instance(inst), ballot: bal, value };
}

// ---- Messages ------------------------------------------------------------------------------

export function phase1a(bal: Ballot, instanceFrom: number, instanceTo: number, fresh: boolean, from: NodeId = ballotNode(bal)): Phase1A {
  return { type: 'phase1a', ring: RING, from, ballot: bal, instanceFrom: instance(instanceFrom), instanceTo: instance(instanceTo), fresh };
}
export function phase1b(from: NodeId, bal: Ballot, instanceFrom: number, instanceTo: number, accepted: readonly AcceptedEntry[] = []): Phase1B {
  return { type: 'phase1b', ring: RING, from, ballot: bal, instanceFrom: instance(instanceFrom), instanceTo: instance(instanceTo), accepted };
}
export function nack(from: NodeId, bal: Ballot, promised: Ballot): Nack {
  return { type: 'nack', ring: RING, from, ballot: bal, promised };
}

export interface Phase2AFields {
  readonly ballot: Ballot;
  readonly instance: number;
  readonly layout: readonly NodeId[];
  readonly value: Value;
  readonly votes?: number;
  /** Defaults to the ballot's coordinator (votes 0) or the layout member before `votes`. */
  readonly from?: NodeId;
}
export function phase2a(f: Phase2AFields): Phase2A {
  const votes = f.votes ?? 0;
  const from = f.from ?? (votes === 0 ? ballotNode(f.ballot) : (f.layout[votes - 1] as NodeId));
  return { type: 'phase2a', ring: RING, from, ballot: f.ballot, instance: instance(f.instance), layout: f.layout, votes, value: f.value };
}
export function phase2b(from: NodeId, bal: Ballot, inst: number, votes: number): Phase2B {
  return { type: 'phase2b', ring: RING, from, ballot: bal, instance: instance(inst), votes };
}
export function decision(from: NodeId, ...entries: [number, Ballot][]): Decision {
  return { type: 'decision', ring: RING, from, entries: entries.map(([n, bal]) => ({ instance: instance(n), ballot: bal })) };
}
export function deliver(from: NodeId, ...entries: AcceptedEntry[]): Deliver {
  return { type: 'deliver', ring: RING, from, entries };
}
export function repair(from: NodeId, instanceFrom: number, instanceTo: number): Repair {
  return { type: 'repair', ring: RING, from, instanceFrom: instance(instanceFrom), instanceTo: instance(instanceTo) };
}
export function heartbeat(from: NodeId, bal: Ballot, decidedUpTo = 0): Heartbeat {
  return { type: 'heartbeat', ring: RING, from, ballot: bal, decidedUpTo: instance(decidedUpTo) };
}
/** A submit of values, consecutive ids sharing a run; see submitRuns for other groupings. */
export function submit(from: NodeId, ...values: ClientValue[]): Submit {
  return { type: 'submit', ring: RING, from, runs: runsOf(values) };
}
export function submitRuns(from: NodeId, ...runs: ValueRun[]): Submit {
  return { type: 'submit', ring: RING, from, runs };
}
/** Acknowledges the runs that start with `firsts`. */
export function ack(from: NodeId, ...firsts: ValueId[]): Ack {
  return { type: 'ack', ring: RING, from, firsts };
}
/** The same message, addressed to another ring. */
export function onRing<M extends Message>(msg: M, ring: RingId): M {
  return { ...msg, ring };
}

export function to(dest: Destination, msg: Message): Outbound {
  return { to: dest, msg };
}

/** One instance of every message type, each from `from` where a sender matters. */
export function oneOfEach(from: NodeId): Record<MessageType, Message> {
  return {
    submit: submit(from, clientValue(P30, 0)),
    ack: ack(from, vid(P30, 0)),
    phase1a: phase1a(B1, 0, 1, true),
    phase1b: phase1b(from, B1, 0, 1),
    nack: nack(from, B1, B2),
    phase2a: phase2a({ ballot: B1, instance: 0, layout: [A1, A2], value: NOOP_VALUE }),
    phase2b: phase2b(from, B1, 0, 1),
    decision: decision(from, [0, B1]),
    deliver: deliver(from, entry(0, B1, NOOP_VALUE)),
    repair: repair(from, 0, 1),
    heartbeat: heartbeat(from, B1),
  };
}

/** Table rows [what, message, reason] for the types a role does not handle: each is an 'unexpected-type' drop. */
export function unexpectedTypeRows(...types: MessageType[]): [string, Message, string][] {
  const all = oneOfEach(STRANGER);
  return types.map((t) => [`a ${t} message`, all[t], 'unexpected-type']);
}

// ---- Reading ready() -----------------------------------------------------------------------

export type MessageOf<T extends MessageType> = Extract<Message, { type: T }>;

/** The messages of one type in a ready(), in order. */
export function sentOfType<T extends MessageType>(r: Ready<unknown>, type: T): MessageOf<T>[] {
  return r.messages.filter((o) => o.msg.type === type).map((o) => o.msg as MessageOf<T>);
}
/** The destinations of the messages of one type in a ready(), in order. */
export function destinationsOf(r: Ready<unknown>, type: MessageType): Destination[] {
  return r.messages.filter((o) => o.msg.type === type).map((o) => o.to);
}
/** Each message as "type->destination", in order: a compact picture of what a role sent. */
export function routes(r: Ready<unknown>): string[] {
  return r.messages.map((o) => `${o.msg.type}->${o.to}`);
}

/** Steps every message, then hands over ready(). */
export function stepAll<D>(role: Role<Message, D>, ...msgs: Message[]): Ready<D> {
  for (const m of msgs) role.step(m);
  return role.ready();
}
/** Ticks `n` times, collecting every ready() on the way (one per tick). */
export function tickCollect<D>(role: Role<Message, D>, n: number): Ready<D>[] {
  const out: Ready<D>[] = [];
  for (let t = 0; t < n; t++) {
    role.tick();
    out.push(role.ready());
  }
  return out;
}
/** Ticks until a ready() holds a message of `type`; returns it and the ticks taken, or throws. */
export function tickUntilSent<D>(role: Role<Message, D>, type: MessageType, ticksMax: number): { ready: Ready<D>; ticks: number } {
  for (let t = 1; t <= ticksMax; t++) {
    role.tick();
    const r = role.ready();
    if (r.messages.some((o) => o.msg.type === type)) return { ready: r, ticks: t };
  }
  throw new Error(`no ${type} within ${ticksMax} ticks`);
}

/** The element at `k`, or a thrown error: for tests that know the list is long enough. */
export function at<T>(list: readonly T[], k: number): T {
  if (k < 0 || k >= list.length) throw new Error(`no element ${k} in a list of ${list.length}`);
  return list[k] as T;
}

export const EMPTY_READY: Ready<never> = Object.freeze({ persist: null, messages: [], delivered: [] });

/** Steps a bad message into a fresh role: it must not throw, must hand over nothing, and must count exactly this drop. */
export function expectDropped<D>(role: Role<Message, D> & { readonly drops: DropCounters }, msg: Message, reason: string): void {
  expect(() => role.step(msg)).not.toThrow();
  expect(role.ready()).toEqual(EMPTY_READY);
  expect(role.drops.toJSON()).toEqual({ [reason]: 1 });
}
