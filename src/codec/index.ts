/**
 * The wire codec of protocol messages: one frame per message, a fixed binary layout for the
 * hot path and msgpack for control messages, each frame with a length, a version and a CRC-32C.
 */
export { encode, encodedSize, encodeInto, type EncodeOptions } from './encode.ts';
export { decode, decodeFrames, type FramesResult } from './decode.ts';
export {
  DECODE_ERRORS,
  type DecodeError,
  type DecodeFailure,
  type DecodeResult,
  type DecodeSuccess,
} from './decode-result.ts';
export { CODEC_LIMITS, type CodecLimits } from './limits.ts';
export { FRAME_HEADER_BYTES, FRAME_VERSION, peekMessageType } from './frame-header.ts';
export { crc32c } from './crc32c.ts';
