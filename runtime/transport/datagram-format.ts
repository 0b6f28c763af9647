/**
 * The UDP datagram layout of the transport. Little-endian, like the runtime envelope.
 *
 * Header, 20 bytes:
 *
 *   0  u16 magic 0x5243 ("CR" on the wire)
 *   2  u8  version (2)
 *   3  u8  flags: exactly one of PACKED / FRAGMENT, plus MULTICAST when sent to the group
 *   4  u16 sender node id
 *   6  u16 frame count (PACKED: frames in the body; FRAGMENT: 1)
 *   8  u32 datagram sequence number, per sender and destination stream (diagnostic only)
 *  12  u16 body length (bytes after the header; must be the rest of the datagram)
 *  14  u16 reserved, zero
 *  16  u32 CRC-32 (IEEE 802.3, zlib's; runtime/native/crc32.ts) of header bytes [0, 16) followed by the body
 *
 * Version 1 had CRC-32C (Castagnoli) computed in JavaScript and packed frames without padding.
 * Version 2 uses zlib's CRC-32, computed natively (node:zlib's about 5 GB/s here, ringcast's own
 * by carry-less multiplication about 25 GB/s, against 2 GB/s for the JavaScript CRC-32C; every
 * byte of every datagram is checked twice, by sender and receiver), and aligns packed frames
 * (below). Both checksums detect the same classes of errors
 * at these lengths; the version byte keeps a v1 peer's datagrams from being read as v2 (they are
 * dropped as badVersion).
 *
 * PACKED body: frame count times [zero padding][u16 frame length][frame bytes], nothing after the
 * last frame. The padding (0 to 7 bytes) puts every frame at a datagram offset that is a multiple
 * of 8 (its length at one ≡ 6 mod 8; the first at 22, so the first frame at 24). Frames then
 * keep the 8-byte alignment they have in the SharedArrayBuffer rings, and V8 copies between
 * shared memory and a datagram word by word only when both sides agree modulo 8 (else byte by
 * byte, 4 to 7 times slower here).
 *
 * FRAGMENT body, one piece of a frame too large for one datagram:
 *
 *   0  u32 message id (per sender, increasing, shared by unicast and multicast)
 *   4  u32 total frame length
 *   8  u16 fragment index
 *  10  u16 fragment count (>= 2)
 *  12  fragment bytes
 *
 * Fragments are of equal size, ceil(total / count) rounded up to a multiple of 8, but the last,
 * which holds the remainder, so that a receiver can check every fragment's length and offset
 * without knowing the sender's datagram size. The multiple of 8 keeps every piece of the frame at
 * the alignment it has in the sender's ring and in the receiver's whole frame (fragment bytes
 * start at offset 32 of the datagram), for the word-by-word copies explained above. A sender cuts
 * a frame into count = ceil(total / C) fragments, C being the largest multiple of 8 that fits
 * its datagram: the chunk is then at most C and the last fragment never empty.
 */
import { crc32 } from '../native/crc32.ts';

export const DATAGRAM_MAGIC = 0x5243;
export const DATAGRAM_VERSION = 2;
export const HEADER_BYTES = 20;
export const FRAGMENT_HEADER_BYTES = 12;
export const FRAME_PREFIX_BYTES = 2;
/** Packed frames start at datagram offsets that are multiples of this. */
export const FRAME_ALIGN_BYTES = 8;
/** The first packed frame's offset (24): the header, padding and the frame's length. */
export const FIRST_FRAME_OFFSET = framePrefixOffset(HEADER_BYTES) + FRAME_PREFIX_BYTES;
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
  'badPadding',
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

/** The CRC-32 of the header without its checksum field, continued over the body. */
export function checksumOf(bytes: Uint8Array, end: number): number {
  return crc32(bytes, HEADER_BYTES, end, crc32(bytes, 0, OFFSET_CHECKSUM, 0));
}

/**
 * The sender id field, unchecked: for the test that drops our own multicasts (which the kernel
 * loops back to us) before any checksum is computed.
 */
export function senderIdOf(bytes: Uint8Array): number {
  return bytes.length < HEADER_BYTES ? -1 : bytes[OFFSET_SENDER]! | (bytes[OFFSET_SENDER + 1]! << 8);
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

/**
 * Where the length of a packed frame goes when the previous frame (or the header) ends at `end`:
 * the first offset from `end` on that is ≡ 6 (mod 8), so that the frame after it is aligned.
 */
export function framePrefixOffset(end: number): number {
  return end + ((FRAME_ALIGN_BYTES - FRAME_PREFIX_BYTES - end) & (FRAME_ALIGN_BYTES - 1));
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

/** The most frame bytes one fragment of a datagram of datagramBytesMax carries: a multiple of 8. */
export function fragmentChunkBytesMaxOf(datagramBytesMax: number): number {
  const room = datagramBytesMax - HEADER_BYTES - FRAGMENT_HEADER_BYTES;
  return room - (room % FRAME_ALIGN_BYTES);
}

/** How many fragments a frame of totalBytes needs when one carries at most chunkBytesMax (a multiple of 8). */
export function fragmentCountOf(totalBytes: number, chunkBytesMax: number): number {
  return Math.ceil(totalBytes / chunkBytesMax);
}

/** Bytes in every fragment but the last: ceil(total / count), rounded up to a multiple of 8. */
export function fragmentChunkBytes(totalBytes: number, count: number): number {
  return Math.ceil(Math.ceil(totalBytes / count) / FRAME_ALIGN_BYTES) * FRAME_ALIGN_BYTES;
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
