/**
 * The frame header, the same for every message:
 *
 *   offset size field
 *   0      1    magic 0x52 ('R')
 *   1      1    version (1)
 *   2      1    message type code (TYPE_CODES)
 *   3      1    flags (bit 0: no checksum; the other bits must be 0)
 *   4      4    frame length in bytes, header included, u32 LE
 *   8      4    CRC-32C of bytes [0, 8) then [12, length), u32 LE; 0 when bit 0 of flags is set
 *
 * The length comes first among the variable fields so that a reader of a byte stream can find
 * the next frame without understanding this one.
 */
import { unreachable } from '../assert.ts';
import { crc32c } from './crc32c.ts';
import { MESSAGE_TYPES, type MessageType } from '../protocol/messages.ts';

export const FRAME_MAGIC = 0x52;
/** 2: batches and submits carry value runs (protocol/runs.ts), acks the runs' first ids. */
export const FRAME_VERSION = 2;
export const FRAME_HEADER_BYTES = 12;

export const HEADER_OFFSET_CHECKSUM = 8;

/** Set by an encoder on a trusted path (in-process queues): the checksum field is 0, not checked. */
export const FLAG_CHECKSUM_NONE = 0x01;
export const FLAGS_KNOWN = FLAG_CHECKSUM_NONE;

/**
 * Wire codes of the message types. Stable forever within a version: never derive them from the
 * order of MESSAGE_TYPES, which may be reordered for other reasons.
 */
export function typeCode(type: MessageType): number {
  switch (type) {
    case 'submit':
      return 1;
    case 'ack':
      return 2;
    case 'phase1a':
      return 3;
    case 'phase1b':
      return 4;
    case 'nack':
      return 5;
    case 'phase2a':
      return 6;
    case 'phase2b':
      return 7;
    case 'decision':
      return 8;
    case 'deliver':
      return 9;
    case 'repair':
      return 10;
    case 'heartbeat':
      return 11;
    default:
      return unreachable(type);
  }
}

const TYPE_CODES_MAX = 11;
const TYPES_BY_CODE = buildTypesByCode();

function buildTypesByCode(): readonly (MessageType | undefined)[] {
  const byCode = new Array<MessageType | undefined>(TYPE_CODES_MAX + 1).fill(undefined);
  for (const t of MESSAGE_TYPES) byCode[typeCode(t)] = t;
  return byCode;
}

/** The message type of a wire code, or undefined for a code no version-1 frame carries. */
export function typeOfCode(code: number): MessageType | undefined {
  return TYPES_BY_CODE[code];
}

/** The CRC-32C of the frame at buf[offset]: its header up to the checksum field, then its body. */
export function frameChecksum(buf: Uint8Array, offset: number, size: number): number {
  const head = crc32c(buf, offset, offset + HEADER_OFFSET_CHECKSUM);
  return crc32c(buf, offset + FRAME_HEADER_BYTES, offset + size, head);
}

/**
 * The message type a frame announces, read from its header without decoding it, or null when the
 * bytes are not a frame of this version. A receiver that ignores a type skips its decoding.
 */
export function peekMessageType(buf: Uint8Array, offset: number, length: number): MessageType | null {
  if (length < FRAME_HEADER_BYTES || buf[offset] !== FRAME_MAGIC || buf[offset + 1] !== FRAME_VERSION) return null;
  return TYPES_BY_CODE[buf[offset + 2] ?? 0] ?? null;
}
