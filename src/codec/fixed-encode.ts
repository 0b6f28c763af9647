/**
 * Sizes and writes of the fixed-layout bodies (see fixed-layout.ts). The size pass validates
 * every field and limit, so the write pass, which runs only after it, checks nothing.
 */
import { unreachable } from '../assert.ts';
import type { AcceptedEntry, DecisionEntry, Value } from '../protocol/messages.ts';
import { RUN_ITEM_HEAD_BYTES, type ValueRun } from '../protocol/runs.ts';
import { AssertionError } from '../errors.ts';
import type { ByteWriter } from './byte-writer.ts';
import {
  checkBallot,
  checkCount,
  checkInstance,
  checkNode,
  checkRing,
  checkRunIds,
  checkUint,
  checkValueId,
} from './encode-checks.ts';
import {
  ACCEPTED_ENTRY_BYTES_MIN,
  BODY_HEAD_BYTES,
  COUNT_BYTES,
  DECISION_ENTRY_BYTES,
  ID_BYTES,
  RUN_HEAD_BYTES,
  VALUE_KIND_BATCH,
  VALUE_KIND_NOOP,
  VALUE_KIND_SKIP,
  VOTE_HEAD_BYTES,
  type HotMessage,
} from './fixed-layout.ts';
import { CODEC_LIMITS } from './limits.ts';

/** The body size of a hot-path message; throws if a field or a count is out of range. */
export function fixedBodySize(msg: HotMessage): number {
  checkRing(msg.ring);
  checkNode(msg.from, 'from');
  switch (msg.type) {
    case 'submit':
      return BODY_HEAD_BYTES + runsSize(msg.runs, 'submit runs');
    case 'ack':
      checkCount(msg.firsts.length, CODEC_LIMITS.idsPerAckMax, 'ack ids');
      for (const id of msg.firsts) checkValueId(id);
      return BODY_HEAD_BYTES + COUNT_BYTES + ID_BYTES * msg.firsts.length;
    case 'phase2a':
      checkVote(msg.ballot, msg.instance);
      checkCount(msg.layout.length, CODEC_LIMITS.layoutMax, 'layout');
      for (const node of msg.layout) checkNode(node, 'layout node');
      checkUint(msg.votes, msg.layout.length, 'phase2a votes');
      return BODY_HEAD_BYTES + VOTE_HEAD_BYTES + 1 + 2 * msg.layout.length + valueSize(msg.value);
    case 'phase2b':
      checkVote(msg.ballot, msg.instance);
      checkUint(msg.votes, CODEC_LIMITS.layoutMax, 'phase2b votes');
      return BODY_HEAD_BYTES + VOTE_HEAD_BYTES;
    case 'decision':
      return BODY_HEAD_BYTES + decisionEntriesSize(msg.entries);
    case 'deliver':
      return BODY_HEAD_BYTES + acceptedEntriesSize(msg.entries);
    default:
      return unreachable(msg);
  }
}

function checkVote(ballot: number, instance: number): void {
  checkBallot(ballot, 'ballot');
  checkInstance(instance, 'instance');
}

/**
 * Runs are checked where they enter: the proposer actor checks each propose frame's values
 * (`proposeRun` takes only checked runs), the decoder every run from the network or a log. Their
 * packed bytes are not walked again here: the walk reads one length prefix per value, each in a
 * line no cache holds at 8 KB, one after the other, and the coordinator's Phase 2A and each voting
 * acceptor's log record walked every run again (`runsSize` was 9.8% of the thread of the
 * coordinator and its acceptor at 1 KB across five processes). What stays is what costs nothing:
 * room for `count` length prefixes.
 */
function runsSize(runs: readonly ValueRun[], field: string): number {
  checkCount(runs.length, CODEC_LIMITS.runsPerBatchMax, field);
  let n = COUNT_BYTES + RUN_HEAD_BYTES * runs.length;
  for (const r of runs) {
    checkUint(r.count, CODEC_LIMITS.itemsPerBatchMax, 'run count');
    checkRunIds(r.first, r.count);
    if (r.packed.length < RUN_ITEM_HEAD_BYTES * r.count) throw new AssertionError(`codec: run of ${r.count} values from ${r.first} has only ${r.packed.length} bytes`);
    n += r.packed.length;
  }
  return n;
}

function valueSize(v: Value): number {
  switch (v.kind) {
    case 'batch':
      return 1 + runsSize(v.runs, 'batch runs');
    case 'noop':
      return 1;
    case 'skip':
      checkUint(v.slots, CODEC_LIMITS.skipSlotsMax, 'skip slots');
      return 1 + 4;
    default:
      return unreachable(v);
  }
}

function decisionEntriesSize(entries: readonly DecisionEntry[]): number {
  checkCount(entries.length, CODEC_LIMITS.entriesPerMessageMax, 'decision entries');
  for (const e of entries) {
    checkInstance(e.instance, 'decision instance');
    checkBallot(e.ballot, 'decision ballot');
  }
  return COUNT_BYTES + DECISION_ENTRY_BYTES * entries.length;
}

function acceptedEntriesSize(entries: readonly AcceptedEntry[]): number {
  checkCount(entries.length, CODEC_LIMITS.entriesPerMessageMax, 'deliver entries');
  let n = COUNT_BYTES + (ACCEPTED_ENTRY_BYTES_MIN - 1) * entries.length;
  for (const e of entries) {
    checkInstance(e.instance, 'deliver instance');
    checkBallot(e.ballot, 'deliver ballot');
    n += valueSize(e.value);
  }
  return n;
}

/** Writes the body of a message whose size `fixedBodySize` has computed (and so validated). */
export function writeFixedBody(w: ByteWriter, msg: HotMessage): void {
  w.u16(msg.ring);
  w.u16(msg.from);
  switch (msg.type) {
    case 'submit':
      return writeRuns(w, msg.runs);
    case 'ack':
      w.u32(msg.firsts.length);
      for (const id of msg.firsts) w.u64(id);
      return;
    case 'phase2a':
      writeVoteHead(w, msg.ballot, msg.instance, msg.votes);
      w.u8(msg.layout.length);
      for (const node of msg.layout) w.u16(node);
      return writeValue(w, msg.value);
    case 'phase2b':
      return writeVoteHead(w, msg.ballot, msg.instance, msg.votes);
    case 'decision':
      w.u32(msg.entries.length);
      for (const e of msg.entries) {
        w.u64(e.instance);
        w.u64(e.ballot);
      }
      return;
    case 'deliver':
      w.u32(msg.entries.length);
      for (const e of msg.entries) {
        w.u64(e.instance);
        w.u64(e.ballot);
        writeValue(w, e.value);
      }
      return;
    default:
      return unreachable(msg);
  }
}

function writeVoteHead(w: ByteWriter, ballot: number, instance: number, votes: number): void {
  w.u64(ballot);
  w.u64(instance);
  w.u8(votes);
}

function writeRuns(w: ByteWriter, runs: readonly ValueRun[]): void {
  w.u32(runs.length);
  for (const r of runs) {
    w.u64(r.first);
    w.u32(r.count);
    w.u32(r.packed.length);
    w.run(r.packed);
  }
}

function writeValue(w: ByteWriter, v: Value): void {
  switch (v.kind) {
    case 'batch':
      w.u8(VALUE_KIND_BATCH);
      return writeRuns(w, v.runs);
    case 'noop':
      return w.u8(VALUE_KIND_NOOP);
    case 'skip':
      w.u8(VALUE_KIND_SKIP);
      return w.u32(v.slots);
    default:
      return unreachable(v);
  }
}
