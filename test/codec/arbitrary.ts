/** Random valid protocol messages for codec tests, drawn from a seeded Rng. */
import { unreachable } from '../../src/assert.ts';
import { CODEC_LIMITS } from '../../src/codec/index.ts';
import {
  EPOCH_SEQS,
  EPOCHS,
  NODE_ID_MAX,
  RING_ID_MAX,
  ROUND_MAX,
  valueId,
  type Ballot,
  type Instance,
  type NodeId,
  type RingId,
  type ValueId,
} from '../../src/protocol/ids.ts';
import type {
  AcceptedEntry,
  DecisionEntry,
  Message,
  MessageType,
  Value,
} from '../../src/protocol/messages.ts';
import { packRun, type ValueRun } from '../../src/protocol/runs.ts';
import type { Rng } from './prng.ts';

export const BALLOT_MAX = ROUND_MAX * 2 ** 16 + NODE_ID_MAX;
export const VALUE_ID_MAX = 2 ** 48 - 1;

/**
 * How big the random messages get: small by default so that fuzzing stays fast. `countMax` bounds
 * every list (runs, values in a run, entries, ack ids), `bytesMax` each client value's bytes.
 */
export interface Sizes {
  readonly countMax: number;
  readonly bytesMax: number;
}
export const SMALL: Sizes = { countMax: 4, bytesMax: 24 };

export const ringOf = (rng: Rng): RingId => rng.upTo(RING_ID_MAX) as RingId;
export const nodeOf = (rng: Rng): NodeId => rng.upTo(NODE_ID_MAX) as NodeId;
export const ballotOf = (rng: Rng): Ballot => rng.upTo(BALLOT_MAX) as Ballot;
export const instanceOf = (rng: Rng): Instance => rng.upTo(Number.MAX_SAFE_INTEGER) as Instance;
const valueIdOf = (rng: Rng): ValueId => rng.upTo(VALUE_ID_MAX) as ValueId;

/**
 * A valid run of 1..countMax values of random sizes: its first id is placed so that the run stays
 * within one epoch, often right at an epoch's start or end (and so at the top of the id range).
 */
export function runOf(rng: Rng, s: Sizes): ValueRun {
  const count = 1 + rng.below(Math.max(1, s.countMax));
  const seq = rng.upTo(EPOCHS - 1) * EPOCH_SEQS + rng.upTo(EPOCH_SEQS - count);
  const values = Array.from({ length: count }, () => rng.bytes(rng.upTo(s.bytesMax)));
  return packRun(valueId(nodeOf(rng), seq), values);
}

function runsOf(rng: Rng, s: Sizes): ValueRun[] {
  return Array.from({ length: rng.below(s.countMax + 1) }, () => runOf(rng, s));
}

export function valueOf(rng: Rng, s: Sizes): Value {
  switch (rng.below(3)) {
    case 0:
      return { kind: 'batch', runs: runsOf(rng, s) };
    case 1:
      return { kind: 'noop' };
    default:
      return { kind: 'skip', slots: rng.upTo(CODEC_LIMITS.skipSlotsMax) };
  }
}

function acceptedOf(rng: Rng, s: Sizes): AcceptedEntry[] {
  const n = rng.below(s.countMax + 1);
  const entries: AcceptedEntry[] = [];
  for (let i = 0; i < n; i++) entries.push({ instance: instanceOf(rng), ballot: ballotOf(rng), value: valueOf(rng, s) });
  return entries;
}

function decidedOf(rng: Rng, s: Sizes): DecisionEntry[] {
  const n = rng.below(s.countMax + 1);
  const entries: DecisionEntry[] = [];
  for (let i = 0; i < n; i++) entries.push({ instance: instanceOf(rng), ballot: ballotOf(rng) });
  return entries;
}

function windowOf(rng: Rng): { instanceFrom: Instance; instanceTo: Instance } {
  return { instanceFrom: instanceOf(rng), instanceTo: instanceOf(rng) };
}

function layoutOf(rng: Rng): NodeId[] {
  const n = rng.below(CODEC_LIMITS.layoutMax + 1);
  const layout: NodeId[] = [];
  for (let i = 0; i < n; i++) layout.push(nodeOf(rng));
  return layout;
}

/** A random valid message of `type`. */
export function messageOf(rng: Rng, type: MessageType, s: Sizes = SMALL): Message {
  const ring = ringOf(rng);
  const from = nodeOf(rng);
  switch (type) {
    case 'submit':
      return { type, ring, from, runs: runsOf(rng, s) };
    case 'ack': {
      const firsts = Array.from({ length: rng.below(s.countMax + 1) }, () => valueIdOf(rng));
      return { type, ring, from, firsts };
    }
    case 'phase1a': {
      const ballot = ballotOf(rng);
      return { type, ring, from, ballot, ...windowOf(rng), fresh: rng.chance(0.5) };
    }
    case 'phase1b': {
      const ballot = ballotOf(rng);
      return { type, ring, from, ballot, ...windowOf(rng), accepted: acceptedOf(rng, s) };
    }
    case 'nack':
      return { type, ring, from, ballot: ballotOf(rng), promised: ballotOf(rng) };
    case 'phase2a': {
      const layout = layoutOf(rng);
      const votes = rng.upTo(layout.length);
      return { type, ring, from, ballot: ballotOf(rng), instance: instanceOf(rng), layout, votes, value: valueOf(rng, s) };
    }
    case 'phase2b': {
      const votes = rng.upTo(CODEC_LIMITS.layoutMax);
      return { type, ring, from, ballot: ballotOf(rng), instance: instanceOf(rng), votes };
    }
    case 'decision':
      return { type, ring, from, entries: decidedOf(rng, s) };
    case 'deliver':
      return { type, ring, from, entries: acceptedOf(rng, s) };
    case 'repair':
      return { type, ring, from, ...windowOf(rng) };
    case 'heartbeat':
      return { type, ring, from, ballot: ballotOf(rng), decidedUpTo: instanceOf(rng) };
    default:
      return unreachable(type);
  }
}
