/**
 * The codec's limits. Every count read from the wire is checked against one of these before
 * anything is allocated for it, and an encoder that would break one throws: a frame the encoder
 * writes is always a frame the decoder accepts.
 */
import { assert } from '../assert.ts';
import { NODE_ID_MAX, RING_ID_MAX } from '../protocol/ids.ts';

const MiB = 1024 * 1024;

export const CODEC_LIMITS = Object.freeze({
  /** A whole frame, header included. The UDP transport splits larger values before they get here. */
  frameBytesMax: 16 * MiB,
  /** Client values in one run (a batch or a submit holds up to runsPerBatchMax runs). */
  itemsPerBatchMax: 4096,
  /** Runs of values in one batch value or one submit. */
  runsPerBatchMax: 4096,
  /** Run ids in one ack. */
  idsPerAckMax: 8192,
  /** Entries in one decision, deliver or phase1b. */
  entriesPerMessageMax: 4096,
  /** Acceptors in a ring layout (2f+1 ≤ 16 covers f ≤ 7). */
  layoutMax: 16,
  /** Slots one skip value stands for (a u32 on the wire). */
  skipSlotsMax: 0xffff_ffff,
  /** Nesting of a msgpack control body: the deepest legal shape (phase1b → … → item) is 6. */
  msgpackDepthMax: 8,
  /** Keys and enum strings in control bodies are short; nothing legal comes near this. */
  msgpackStrBytesMax: 64,
  /** Keys of the widest map in a control body (phase1a and phase1b have 6). */
  msgpackMapKeysMax: 8,
});

export type CodecLimits = typeof CODEC_LIMITS;

// Layout lengths and votes travel as u8, node and ring ids as u16.
assert(CODEC_LIMITS.layoutMax <= 0xff, 'layoutMax fits a u8');
assert(NODE_ID_MAX <= 0xffff && RING_ID_MAX <= 0xffff, 'node and ring ids fit a u16');
