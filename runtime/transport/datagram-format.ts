/**
 * The UDP datagram layout of the transport. Little-endian, like the runtime envelope.
 *
 * Header, 20 bytes:
 *
 *   0  u16 magic 0x5243 ("CR" on the wire)
 *   2  u8  version (1)
 *   3  u8  flags: exactly one of PACKED / FRAGMENT, plus MULTICAST when sent to the group
 *   4  u16 sender node id
 *   6  u16 frame count (PACKED: frames in the body; FRAGMENT: 1)
 *   8  u32 datagram sequence number, per sender and destination stream (diagnostic only)
 *  12  u16 body length (bytes after the header; must be the rest of the datagram)
 *  14  u16 reserved, zero
 *  16  u32 CRC-32C of header bytes [0, 16) followed by the body
 *
 * PACKED body: frame count times [u16 frame length][frame bytes], nothing after the last frame.
 *
 * FRAGMENT body, one piece of a frame too large for one datagram:
 *
 *   0  u32 message id (per sender, increasing, shared by unicast and multicast)
 *   4  u32 total frame length
 *   8  u16 fragment index
 *  10  u16 fragment count (>= 2)
 *  12  fragment bytes
 *
 * Fragments are of equal size, ceil(total / count), but the last, which holds the remainder, so
 * that a receiver can check every fragment's length and offset without knowing the sender's
 * datagram size.
 */
import { crc32c } from '../../src/codec/index.ts';

export const DATAGRAM_MAGIC = 0x5243;
export const DATAGRAM_VERSION = 1;
export const HEADER_BYTES = 20;
export const FRAGMENT_HEADER_BYTES = 12;
export const FRAME_PREFIX_BYTES = 2;
/** The largest UDP payload over IPv4: 65535 - 20 (IP header) - 8 (UDP header). */
export const UDP_PAYLOAD_BYTES_MAX = 65_507;
/** Frame count and fragment count are u16 on the wire. */
export const FRAMES_PER_DATAGRAM_MAX = 0xffff;
export const FRAGMENTS_PER_FRAME_MAX = 0xffff;

export const DatagramFlag = {
  PACKED: 0x01,
  FRAGMENT: 0x02,
  MULTICAST: 0x04,
} as const;
const FLAGS_KNOWN = DatagramFlag.PACKED | DatagramFlag.FRAGMENT | DatagramFlag.MULTICAST;

const OFFSET_FLAGS = 3;
const OFFSET_SENDER = 4;
const OFFSET_FRAME_COUNT = 6;
const OFFSET_SEQUENCE = 8;
const OFFSET_BODY_LENGTH = 12;
const OFFSET_RESERVED = 14;
const OFFSET_CHECKSUM = 16;

/** What the sender writes; the magic, version, body length and checksum are derived. */
export interface HeaderFields {
  readonly flags: number;
  readonly senderId: number;
  readonly frameCount: number;
  readonly sequence: number;
}

/** A checked header, read from a datagram that passed every header check. */
export interface DatagramHeader extends HeaderFields {
  readonly bodyBytes: number;
}

/** Why a received datagram was dropped. Every reason has a counter in the transport's stats. */
export const DATAGRAM_DROP_REASONS = [
  'tooShort',
  'badMagic',
  'badVersion',
  'badFlags',
  'badLength',
  'badChecksum',
  'unknownSender',
  'addressMismatch',
  'fromSelf',
  'wrongSocket',
  'badFrameCount',
  'truncatedFrame',
  'badFragment',
  'frameTooLarge',
  'fragmentMismatch',
  'fragmentDuplicate',
  'fragmentStale',
] as const;
export type DatagramDropReason = (typeof DATAGRAM_DROP_REASONS)[number];

/**
 * Writes the header into bytes[0, HEADER_BYTES) for a body already in bytes[HEADER_BYTES, end)
 * and signs header and body with the checksum. Returns the datagram length.
 */
export function sealDatagram(bytes: Uint8Array, end: number, fields: HeaderFields): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  view.setUint16(0, DATAGRAM_MAGIC, true);
  view.setUint8(2, DATAGRAM_VERSION);
  view.setUint8(OFFSET_FLAGS, fields.flags);
  view.setUint16(OFFSET_SENDER, fields.senderId, true);
  view.setUint16(OFFSET_FRAME_COUNT, fields.frameCount, true);
  view.setUint32(OFFSET_SEQUENCE, fields.sequence >>> 0, true);
  view.setUint16(OFFSET_BODY_LENGTH, end - HEADER_BYTES, true);
  view.setUint16(OFFSET_RESERVED, 0, true);
  view.setUint32(OFFSET_CHECKSUM, checksumOf(bytes, end), true);
  return end;
}

/** The CRC-32C of the header without its checksum field, continued over the body. */
export function checksumOf(bytes: Uint8Array, end: number): number {
  return crc32c(bytes, HEADER_BYTES, end, crc32c(bytes, 0, OFFSET_CHECKSUM));
}

/**
 * Checks the header of a received datagram: size, magic, version, flags, body length, checksum,
 * in that order (the cheap checks first). Returns the header or the reason to drop the datagram.
 * Never throws, whatever the bytes.
 */
export function readHeader(bytes: Uint8Array): DatagramHeader | DatagramDropReason {
  if (bytes.length < HEADER_BYTES) return 'tooShort';
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  if (view.getUint16(0, true) !== DATAGRAM_MAGIC) return 'badMagic';
  if (view.getUint8(2) !== DATAGRAM_VERSION) return 'badVersion';
  const flags = view.getUint8(OFFSET_FLAGS);
  const kind = flags & (DatagramFlag.PACKED | DatagramFlag.FRAGMENT);
  const kindValid = kind === DatagramFlag.PACKED || kind === DatagramFlag.FRAGMENT;
  if (!kindValid || (flags & ~FLAGS_KNOWN) !== 0 || view.getUint16(OFFSET_RESERVED, true) !== 0) return 'badFlags';
  const bodyBytes = view.getUint16(OFFSET_BODY_LENGTH, true);
  if (bodyBytes !== bytes.length - HEADER_BYTES) return 'badLength';
  if (view.getUint32(OFFSET_CHECKSUM, true) !== checksumOf(bytes, bytes.length)) return 'badChecksum';
  return {
    flags,
    senderId: view.getUint16(OFFSET_SENDER, true),
    frameCount: view.getUint16(OFFSET_FRAME_COUNT, true),
    sequence: view.getUint32(OFFSET_SEQUENCE, true),
    bodyBytes,
  };
}

/** The header of one fragment, at the start of a FRAGMENT datagram's body. */
export interface FragmentFields {
  readonly messageId: number;
  readonly totalBytes: number;
  readonly index: number;
  readonly count: number;
}

export function writeFragmentHeader(bytes: Uint8Array, offset: number, f: FragmentFields): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, FRAGMENT_HEADER_BYTES);
  view.setUint32(0, f.messageId >>> 0, true);
  view.setUint32(4, f.totalBytes, true);
  view.setUint16(8, f.index, true);
  view.setUint16(10, f.count, true);
}

export function readFragmentHeader(bytes: Uint8Array, offset: number): FragmentFields {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, FRAGMENT_HEADER_BYTES);
  return { messageId: view.getUint32(0, true), totalBytes: view.getUint32(4, true), index: view.getUint16(8, true), count: view.getUint16(10, true) };
}

/** How many fragments a frame of totalBytes needs when one carries at most chunkBytesMax. */
export function fragmentCountOf(totalBytes: number, chunkBytesMax: number): number {
  return Math.ceil(totalBytes / chunkBytesMax);
}

/** Bytes in every fragment but the last: ceil(total / count). */
export function fragmentChunkBytes(totalBytes: number, count: number): number {
  return Math.ceil(totalBytes / count);
}

/**
 * The length fragment `index` of (totalBytes, count) must have, or -1 if no sender following the
 * layout above could have produced that geometry (the last fragment would be empty or negative).
 */
export function fragmentBytesExpected(totalBytes: number, index: number, count: number): number {
  if (count < 2 || index >= count || totalBytes < count) return -1;
  const chunk = fragmentChunkBytes(totalBytes, count);
  const lastBytes = totalBytes - (count - 1) * chunk;
  if (lastBytes <= 0) return -1;
  return index === count - 1 ? lastBytes : chunk;
}
