/** What `decode` returns. Network input is never thrown on: it is refused with a stable code. */
import type { Message } from '../protocol/messages.ts';

export const DECODE_ERRORS = [
  /** Fewer bytes than the header, or than the frame's own length field, are available. */
  'truncated',
  'bad-magic',
  'bad-version',
  /** The type code names no message. */
  'bad-type',
  /** A flag bit this version does not define is set. */
  'bad-flags',
  /** The length field, or a body that ends early or late, or an offset/length outside the buffer. */
  'bad-length',
  'bad-checksum',
  /** A field of the right size holds a value outside its type or range, or a control body's shape is wrong. */
  'bad-field',
  /** A count or a length beyond CODEC_LIMITS. */
  'too-large',
] as const;

export type DecodeError = (typeof DECODE_ERRORS)[number];

export interface DecodeSuccess {
  readonly ok: true;
  readonly msg: Message;
  /** Bytes the frame occupies: the next frame, if any, starts this far after this one. */
  readonly size: number;
}

export interface DecodeFailure {
  readonly ok: false;
  readonly error: DecodeError;
  /** For logs only; the wording may change. Match on `error`. */
  readonly detail: string;
}

export type DecodeResult = DecodeSuccess | DecodeFailure;

export function decodeFailure(error: DecodeError, detail: string): DecodeFailure {
  return { ok: false, error, detail };
}
