/**
 * Encoder-side checks. A message that breaks a field's range or a limit is a programmer error
 * (the decoder would refuse it, so it must never reach the wire): it throws. Message strings are
 * built only on failure, so the checks cost nothing on the hot path.
 */
import { AssertionError, ErrorCode, RingcastError } from '../errors.ts';
import { isBallot, isInstance, isNodeId, isRingId, isValueId } from '../protocol/ids.ts';
import { runIdsValid } from '../protocol/runs.ts';
import { CODEC_LIMITS } from './limits.ts';

function refuse(field: string, value: unknown): never {
  throw new AssertionError(`codec: cannot encode ${field} = ${String(value)}`);
}

export function checkRing(n: number): void {
  if (!isRingId(n)) refuse('ring', n);
}
export function checkNode(n: number, field: string): void {
  if (!isNodeId(n)) refuse(field, n);
}
export function checkBallot(n: number, field: string): void {
  if (!isBallot(n)) refuse(field, n);
}
export function checkInstance(n: number, field: string): void {
  if (!isInstance(n)) refuse(field, n);
}
export function checkValueId(n: number): void {
  if (!isValueId(n)) refuse('value id', n);
}
export function checkRunIds(first: number, count: number): void {
  if (!isValueId(first)) refuse('run first id', first);
  if (!runIdsValid(first, count)) refuse('run count (empty, or crossing an epoch)', count);
}
export function checkUint(n: number, max: number, field: string): void {
  if (!(Number.isInteger(n) && n >= 0 && n <= max)) refuse(field, n);
}

/** A count beyond a limit: the caller should have split the message. */
export function checkCount(n: number, max: number, field: string): void {
  if (n > max) {
    throw new RingcastError(ErrorCode.VALUE_TOO_LARGE, `codec: ${field} count ${n} > ${max}`);
  }
}

export function checkFrameBytes(n: number): void {
  if (n > CODEC_LIMITS.frameBytesMax) {
    throw new RingcastError(
      ErrorCode.VALUE_TOO_LARGE,
      `codec: frame of ${n} bytes > frameBytesMax ${CODEC_LIMITS.frameBytesMax}`,
    );
  }
}
