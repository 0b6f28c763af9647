/**
 * Reads of the fixed-layout bodies (see fixed-layout.ts) from untrusted bytes. Every count is
 * checked against its limit and against the bytes left before an array grows for it; byte
 * strings are views into the input, not copies.
 */
import { unreachable } from '../assert.ts';
import {
  isBallot,
  isInstance,
  isValueId,
  NODE_ID_MAX,
  RING_ID_MAX,
  type Ballot,
  type Instance,
  type NodeId,
  type RingId,
  type ValueId,
} from '../protocol/ids.ts';
import type {
  AcceptedEntry,
  DecisionEntry,
  Phase2A,
  Value,
} from '../protocol/messages.ts';
import { packedValid, runIdsValid, type ValueRun } from '../protocol/runs.ts';
import type { ByteReader } from './byte-reader.ts';
import {
  ACCEPTED_ENTRY_BYTES_MIN,
  DECISION_ENTRY_BYTES,
  ID_BYTES,
  RUN_HEAD_BYTES,
  VALUE_KIND_BATCH,
  VALUE_KIND_NOOP,
  VALUE_KIND_SKIP,
  type HotMessage,
} from './fixed-layout.ts';
import { CODEC_LIMITS } from './limits.ts';

const NOOP: Value = Object.freeze({ kind: 'noop' });

/** The message of a hot-path body, or null with the reader's error set. */
export function readFixedBody(r: ByteReader, type: HotMessage['type']): HotMessage | null {
  const ring = r.uintMax(2, RING_ID_MAX, 'ring') as RingId;
  const from = r.uintMax(2, NODE_ID_MAX, 'from') as NodeId;
  switch (type) {
    case 'submit': {
      const runs = readRuns(r, 'submit runs');
      return runs && { type, ring, from, runs };
    }
    case 'ack': {
      const firsts = readValueIds(r);
      return firsts && { type, ring, from, firsts };
    }
    case 'phase2a':
      return readPhase2A(r, ring, from);
    case 'phase2b': {
      const ballot = readBallot(r);
      const instance = readInstance(r);
      const votes = r.uintMax(1, CODEC_LIMITS.layoutMax, 'phase2b votes');
      return r.ok ? { type, ring, from, ballot, instance, votes } : null;
    }
    case 'decision': {
      const entries = readDecisionEntries(r);
      return entries && { type, ring, from, entries };
    }
    case 'deliver': {
      const entries = readAcceptedEntries(r);
      return entries && { type, ring, from, entries };
    }
    default:
      return unreachable(type);
  }
}

const readBallot = (r: ByteReader): Ballot => r.u64Valid(isBallot, 'ballot') as Ballot;
const readInstance = (r: ByteReader): Instance => r.u64Valid(isInstance, 'instance') as Instance;
const readValueId = (r: ByteReader): ValueId => r.u64Valid(isValueId, 'value id') as ValueId;

function readPhase2A(r: ByteReader, ring: RingId, from: NodeId): Phase2A | null {
  const ballot = readBallot(r);
  const instance = readInstance(r);
  const votes = r.u8();
  const layoutLength = r.uintMax(1, CODEC_LIMITS.layoutMax, 'layout count');
  if (votes > layoutLength) r.fail('bad-field', `phase2a votes ${votes} > layout ${layoutLength}`);
  if (!r.ok) return null;
  const layout: NodeId[] = [];
  for (let i = 0; i < layoutLength; i++) layout.push(r.u16() as NodeId);
  const value = readValue(r);
  if (value === null || !r.ok) return null;
  return { type: 'phase2a', ring, from, ballot, instance, layout, votes, value };
}

/**
 * A u32 count, then that many things read by `readOne`, each at least `itemBytesMin` bytes:
 * the count is checked against `max` and against the bytes left before the list grows.
 */
function readList<T>(
  r: ByteReader,
  max: number,
  itemBytesMin: number,
  field: string,
  readOne: (r: ByteReader) => T | null,
): T[] | null {
  const n = r.count(max, itemBytesMin, field);
  if (!r.ok) return null;
  const list: T[] = [];
  for (let i = 0; i < n; i++) {
    const x = readOne(r);
    if (x === null || !r.ok) return null;
    list.push(x);
  }
  return list;
}

const readRun = (r: ByteReader): ValueRun | null => {
  const first = readValueId(r);
  const count = r.uintMax(4, CODEC_LIMITS.itemsPerBatchMax, 'run count');
  const packed = r.view8(r.u32());
  if (!r.ok) return null;
  if (!runIdsValid(first, count)) r.fail('bad-field', `run of ${count} values from ${first} is empty or crosses an epoch`);
  else if (!packedValid(packed, count)) r.fail('bad-field', `run bytes are not ${count} length-prefixed values`);
  return r.ok ? { first, count, packed } : null;
};
const readRuns = (r: ByteReader, field: string): ValueRun[] | null =>
  readList(r, CODEC_LIMITS.runsPerBatchMax, RUN_HEAD_BYTES, field, readRun);

const readValueIds = (r: ByteReader): ValueId[] | null =>
  readList(r, CODEC_LIMITS.idsPerAckMax, ID_BYTES, 'ack ids', readValueId);

const readDecisionEntry = (r: ByteReader): DecisionEntry => {
  const instance = readInstance(r);
  return { instance, ballot: readBallot(r) };
};
const readDecisionEntries = (r: ByteReader): DecisionEntry[] | null =>
  readList(r, CODEC_LIMITS.entriesPerMessageMax, DECISION_ENTRY_BYTES, 'decision entries', readDecisionEntry);

const readAcceptedEntry = (r: ByteReader): AcceptedEntry | null => {
  const instance = readInstance(r);
  const ballot = readBallot(r);
  const value = readValue(r);
  return value && { instance, ballot, value };
};
const readAcceptedEntries = (r: ByteReader): AcceptedEntry[] | null =>
  readList(r, CODEC_LIMITS.entriesPerMessageMax, ACCEPTED_ENTRY_BYTES_MIN, 'deliver entries', readAcceptedEntry);

function readValue(r: ByteReader): Value | null {
  const kind = r.u8();
  switch (kind) {
    case VALUE_KIND_BATCH: {
      const runs = readRuns(r, 'batch runs');
      return runs && { kind: 'batch', runs };
    }
    case VALUE_KIND_NOOP:
      return r.ok ? NOOP : null;
    case VALUE_KIND_SKIP: {
      const slots = r.uintMax(4, CODEC_LIMITS.skipSlotsMax, 'skip slots');
      return r.ok ? { kind: 'skip', slots } : null;
    }
    default:
      r.fail('bad-field', `value kind ${kind}`);
      return null;
  }
}
