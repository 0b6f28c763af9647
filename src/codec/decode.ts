/**
 * Decoding frames from untrusted bytes: decode, decodeFrames. Never throws, and allocates in
 * proportion to the bytes it is given, never to a count it reads.
 *
 * Byte strings in decoded messages (ClientValue.bytes) are views into the input buffer, not
 * copies: a caller that reuses the buffer (a ring slot, a socket buffer) must copy the values it
 * keeps, or the frame, first.
 */
import type { Message, MessageType } from '../protocol/messages.ts';
import { ByteReader } from './byte-reader.ts';
import { readControlBody } from './control-body.ts';
import { decodeFailure, type DecodeFailure, type DecodeResult } from './decode-result.ts';
import { readFixedBody } from './fixed-decode.ts';
import { isHotType } from './fixed-layout.ts';
import {
  FLAG_CHECKSUM_NONE,
  FLAGS_KNOWN,
  FRAME_HEADER_BYTES,
  FRAME_MAGIC,
  FRAME_VERSION,
  frameChecksum,
  typeOfCode,
} from './frame-header.ts';
import { CODEC_LIMITS } from './limits.ts';

const reader = new ByteReader();

/**
 * Decodes the frame at buf[offset], looking at no byte past offset + length. On success `size`
 * is the frame's length; the bytes after it, if any, are not looked at.
 */
export function decode(buf: Uint8Array, offset = 0, length = buf.length - offset): DecodeResult {
  const outside = checkWindow(buf, offset, length);
  return outside ?? decodeFrame(buf, offset, offset + length);
}

export interface FramesResult {
  /** The messages of the frames decoded, in order. */
  readonly msgs: Message[];
  /** Bytes those frames occupy: where the failed frame, if any, starts (relative to offset). */
  readonly size: number;
  /** Why decoding stopped before the end, or null if every byte was a good frame. */
  readonly failure: DecodeFailure | null;
}

/** Decodes frames packed back to back (a datagram), stopping at the first that fails. */
export function decodeFrames(buf: Uint8Array, offset = 0, length = buf.length - offset): FramesResult {
  const outside = checkWindow(buf, offset, length);
  if (outside !== null) return { msgs: [], size: 0, failure: outside };
  const msgs: Message[] = [];
  const end = offset + length;
  let pos = offset;
  while (pos < end) {
    const res = decodeFrame(buf, pos, end);
    if (!res.ok) return { msgs, size: pos - offset, failure: res };
    msgs.push(res.msg);
    pos += res.size;
  }
  return { msgs, size: length, failure: null };
}

function checkWindow(buf: Uint8Array, offset: number, length: number): DecodeFailure | null {
  const inside =
    Number.isInteger(offset) && Number.isInteger(length) && offset >= 0 && length >= 0 &&
    offset + length <= buf.length;
  return inside ? null : decodeFailure('bad-length', `window ${offset}+${length} outside ${buf.length} bytes`);
}

function decodeFrame(buf: Uint8Array, start: number, end: number): DecodeResult {
  if (end - start < FRAME_HEADER_BYTES) {
    return decodeFailure('truncated', `${end - start} bytes, a header takes ${FRAME_HEADER_BYTES}`);
  }
  const r = reader;
  r.reset(buf, start, end);
  const magic = r.u8();
  const version = r.u8();
  const code = r.u8();
  const flags = r.u8();
  const size = r.u32();
  const checksum = r.u32();
  const type = checkHeader(magic, version, code, flags, size, end - start);
  if (typeof type !== 'string') return type;
  const refused = checkChecksum(buf, start, size, flags, checksum);
  if (refused !== null) return refused;
  r.end = start + size;
  const msg = readBody(r, type, buf);
  if (msg === null) return decodeFailure(r.error ?? 'bad-field', r.detail);
  if (r.pos !== r.end) return decodeFailure('bad-length', `${r.end - r.pos} bytes after the body`);
  return { ok: true, msg, size };
}

/** The frame's message type, if its header is sound and the whole frame is there. */
function checkHeader(
  magic: number,
  version: number,
  code: number,
  flags: number,
  size: number,
  available: number,
): MessageType | DecodeFailure {
  if (magic !== FRAME_MAGIC) return decodeFailure('bad-magic', `magic 0x${magic.toString(16)}`);
  if (version !== FRAME_VERSION) return decodeFailure('bad-version', `version ${version}`);
  const type = typeOfCode(code);
  if (type === undefined) return decodeFailure('bad-type', `type code ${code}`);
  if ((flags & ~FLAGS_KNOWN) !== 0) return decodeFailure('bad-flags', `flags 0x${flags.toString(16)}`);
  if (size > CODEC_LIMITS.frameBytesMax) {
    return decodeFailure('too-large', `frame of ${size} bytes > ${CODEC_LIMITS.frameBytesMax}`);
  }
  if (size < FRAME_HEADER_BYTES) return decodeFailure('bad-length', `frame length ${size}`);
  if (size > available) return decodeFailure('truncated', `frame of ${size} bytes, ${available} available`);
  return type;
}

function checkChecksum(
  buf: Uint8Array,
  start: number,
  size: number,
  flags: number,
  checksum: number,
): DecodeFailure | null {
  // Unchecked frames carry 0, so that a flipped flag bit is still caught.
  const expected = (flags & FLAG_CHECKSUM_NONE) !== 0 ? 0 : frameChecksum(buf, start, size);
  if (checksum === expected) return null;
  return decodeFailure('bad-checksum', `checksum 0x${checksum.toString(16)}, computed 0x${expected.toString(16)}`);
}

/** The message of the frame's body, or null with the reader's error set. */
function readBody(r: ByteReader, type: MessageType, buf: Uint8Array): Message | null {
  if (isHotType(type)) {
    const msg = readFixedBody(r, type);
    return r.ok ? msg : null;
  }
  const start = r.pos;
  r.pos = r.end;
  const res = readControlBody(type, buf, start, r.end);
  if (res.ok) return res.msg;
  r.fail(res.error, res.detail);
  return null;
}
