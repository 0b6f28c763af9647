/**
 * The fixed binary layout of the hot-path messages (after the frame header; all LE):
 *
 *   every body   ring u16, from u16
 *   submit       count u32, run × count
 *   ack          count u32, first value id of a run u64 × count
 *   phase2a      ballot u64, instance u64, votes u8, layout count u8, node u16 × count, value
 *   phase2b      ballot u64, instance u64, votes u8
 *   decision     count u32, (instance u64, ballot u64) × count
 *   deliver      count u32, (instance u64, ballot u64, value) × count
 *
 *   run          first value id u64, values u32, packed length u32, packed bytes, where the
 *                packed bytes are (byte length u32, bytes) × values (see protocol/runs.ts)
 *   value        kind u8 (0 batch, 1 noop, 2 skip); batch: count u32, run × count;
 *                noop: nothing; skip: slots u32
 *
 * A u64 is two u32 words, low first; it must be below 2^53 (a safe integer) and within its id's
 * range. Two words rather than a float64 keep every field an integer: no NaN, no -0, one
 * encoding per value, so a decoded frame re-encodes to the same bytes.
 */
import { unreachable } from '../assert.ts';
import type {
  Ack,
  Decision,
  Deliver,
  Message,
  MessageType,
  Phase2A,
  Phase2B,
  Submit,
} from '../protocol/messages.ts';

export type HotMessage = Submit | Ack | Phase2A | Phase2B | Decision | Deliver;

/** Whether a message type has the fixed layout (hot path) rather than a msgpack body. */
export function isHotType(type: MessageType): type is HotMessage['type'] {
  switch (type) {
    case 'submit':
    case 'ack':
    case 'phase2a':
    case 'phase2b':
    case 'decision':
    case 'deliver':
      return true;
    case 'phase1a':
    case 'phase1b':
    case 'nack':
    case 'repair':
    case 'heartbeat':
      return false;
    default:
      return unreachable(type);
  }
}

export const isHotMessage = (msg: Message): msg is HotMessage => isHotType(msg.type);

export const BODY_HEAD_BYTES = 4;
export const COUNT_BYTES = 4;
export const ID_BYTES = 8;
/** A run's head: first id, value count, packed length. */
export const RUN_HEAD_BYTES = ID_BYTES + 4 + 4;
export const DECISION_ENTRY_BYTES = 2 * ID_BYTES;
/** instance, ballot and the smallest value (a noop's kind byte). */
export const ACCEPTED_ENTRY_BYTES_MIN = 2 * ID_BYTES + 1;
/** ballot, instance, votes: what phase2a and phase2b share. */
export const VOTE_HEAD_BYTES = 2 * ID_BYTES + 1;

export const VALUE_KIND_BATCH = 0;
export const VALUE_KIND_NOOP = 1;
export const VALUE_KIND_SKIP = 2;
