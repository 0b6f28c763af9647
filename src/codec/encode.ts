/**
 * Encoding frames: encodedSize, encodeInto, encode. See frame-header.ts for the header,
 * fixed-layout.ts for the hot-path bodies and control-body.ts for the msgpack ones.
 */
import { AssertionError } from '../errors.ts';
import type { Message } from '../protocol/messages.ts';
import { ByteWriter } from './byte-writer.ts';
import { controlBody, forgetControlBody } from './control-body.ts';
import { checkFrameBytes } from './encode-checks.ts';
import { fixedBodySize, writeFixedBody } from './fixed-encode.ts';
import { isHotMessage } from './fixed-layout.ts';
import {
  FLAG_CHECKSUM_NONE,
  FRAME_HEADER_BYTES,
  FRAME_MAGIC,
  FRAME_VERSION,
  frameChecksum,
  HEADER_OFFSET_CHECKSUM,
  typeCode,
} from './frame-header.ts';

export interface EncodeOptions {
  /**
   * Compute a CRC-32C over the frame (default true). False only on a trusted path (an in-process
   * queue): the frame then says so in its flags and decoders skip verification.
   */
  readonly checksum?: boolean;
  /**
   * For a writer that gathers the frame from pieces (an acceptor log's `writev`): the packed bytes
   * of the message's value runs are not copied into `buf` but handed here, each with the offset in
   * `buf` where they belong; those bytes of `buf` are left as they were. Only without checksum.
   * Called in the middle of the encoding: it must not encode anything itself (one writer serves
   * every encode).
   */
  readonly runBytes?: (bytes: Uint8Array, at: number) => void;
}

const writer = new ByteWriter();

/** Bytes `encodeInto` will write for `msg`. Throws if the message breaks a field range or a limit. */
export function encodedSize(msg: Message): number {
  const size = FRAME_HEADER_BYTES + bodySize(msg);
  checkFrameBytes(size);
  return size;
}

function bodySize(msg: Message): number {
  return isHotMessage(msg) ? fixedBodySize(msg) : controlBody(msg).length;
}

/**
 * Encodes `msg` as one frame at `buf[offset]` and returns the bytes written. Allocates nothing
 * for hot-path messages. Throws (a programmer error) if the message breaks a limit or does not
 * fit in `buf` from `offset`: call `encodedSize` first to find out.
 */
export function encodeInto(msg: Message, buf: Uint8Array, offset: number, opts?: EncodeOptions): number {
  const size = encodedSize(msg);
  if (!(Number.isInteger(offset) && offset >= 0 && offset + size <= buf.length)) {
    throw new AssertionError(`codec: a ${size}-byte frame does not fit at ${offset} in ${buf.length} bytes`);
  }
  const checksum = opts?.checksum ?? true;
  const runBytes = opts?.runBytes ?? null;
  if (checksum && runBytes !== null) throw new AssertionError('codec: runBytes needs checksum: false (the frame is not whole in buf)');
  const w = writer;
  w.reset(buf, offset);
  w.u8(FRAME_MAGIC);
  w.u8(FRAME_VERSION);
  w.u8(typeCode(msg.type));
  w.u8(checksum ? 0 : FLAG_CHECKSUM_NONE);
  w.u32(size);
  w.u32(0);
  w.runBytes = runBytes;
  try {
    writeBody(w, msg);
  } finally {
    w.runBytes = null;
  }
  if (w.pos !== offset + size) throw new AssertionError(`codec: wrote ${w.pos - offset} of ${size} bytes`);
  if (checksum) w.u32At(offset + HEADER_OFFSET_CHECKSUM, frameChecksum(buf, offset, size));
  return size;
}

function writeBody(w: ByteWriter, msg: Message): void {
  if (isHotMessage(msg)) return writeFixedBody(w, msg);
  w.raw(controlBody(msg));
  forgetControlBody();
}

/** A new buffer holding one frame of `msg`. On the hot path prefer `encodeInto` a reused buffer. */
export function encode(msg: Message, opts?: EncodeOptions): Uint8Array {
  const out = new Uint8Array(encodedSize(msg));
  encodeInto(msg, out, 0, opts);
  return out;
}
