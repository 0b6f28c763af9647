/**
 * Control messages (phase1a, phase1b, nack, repair, heartbeat): a msgpack map of the message's
 * fields (its type travels in the frame header), where shape matters more than speed. The body is
 * checked against the same shape on both sides (control-shape.ts).
 */
import { Decoder, Encoder } from '@msgpack/msgpack';
import { unreachable } from '../assert.ts';
import { AssertionError, ErrorCode, RingcastError } from '../errors.ts';
import type { AcceptedEntry, Value } from '../protocol/messages.ts';
import {
  isHeartbeatBody,
  isNackBody,
  isPhase1ABody,
  isPhase1BBody,
  isRepairBody,
  ShapeFailure,
  type ControlMessage,
} from './control-shape.ts';
import { decodeFailure, type DecodeFailure } from './decode-result.ts';
import { CODEC_LIMITS } from './limits.ts';
import { msgpackScan, type MsgpackScanLimits } from './msgpack-scan.ts';

const ARRAY_LENGTH_MAX = Math.max(CODEC_LIMITS.entriesPerMessageMax, CODEC_LIMITS.runsPerBatchMax);
const SCAN_LIMITS: MsgpackScanLimits = Object.freeze({
  depthMax: CODEC_LIMITS.msgpackDepthMax,
  arrayLengthMax: ARRAY_LENGTH_MAX,
});

const encoder = new Encoder();
const decoder = new Decoder({
  maxStrLength: CODEC_LIMITS.msgpackStrBytesMax,
  maxBinLength: CODEC_LIMITS.frameBytesMax,
  maxArrayLength: ARRAY_LENGTH_MAX,
  maxMapLength: CODEC_LIMITS.msgpackMapKeysMax,
  maxExtLength: 0,
});

/**
 * One-slot cache: encodedSize then encodeInto of the same message encodes it once. The body is
 * a view into the encoder's own buffer, valid until the next msgpack encode, which replaces the
 * slot. Messages are immutable (readonly), so identity is a sound key.
 */
let cachedMsg: ControlMessage | null = null;
let cachedBody: Uint8Array = new Uint8Array(0);

/** The msgpack body of a control message; throws if the message breaks its shape or a limit. */
export function controlBody(msg: ControlMessage): Uint8Array {
  if (msg === cachedMsg) return cachedBody;
  const body = bodyOf(msg);
  const f = new ShapeFailure();
  if (!checkBody(msg.type, body, f)) {
    const detail = `codec: cannot encode ${f.describe(msg.type)}`;
    throw f.error === 'too-large'
      ? new RingcastError(ErrorCode.VALUE_TOO_LARGE, detail)
      : new AssertionError(detail);
  }
  cachedBody = encoder.encodeSharedRef(body);
  cachedMsg = msg;
  return cachedBody;
}

/** Drops the cached body once it is written, so that the cache keeps no message alive. */
export function forgetControlBody(): void {
  cachedMsg = null;
  cachedBody = new Uint8Array(0);
}

/** A fresh plain object of exactly the body's fields: nothing else the caller's object holds. */
function bodyOf(msg: ControlMessage): object {
  const { ring, from } = msg;
  switch (msg.type) {
    case 'phase1a': {
      const { ballot, instanceFrom, instanceTo, fresh } = msg;
      return { ring, from, ballot, instanceFrom, instanceTo, fresh };
    }
    case 'phase1b': {
      const { ballot, instanceFrom, instanceTo } = msg;
      return { ring, from, ballot, instanceFrom, instanceTo, accepted: msg.accepted.map(entryOf) };
    }
    case 'nack':
      return { ring, from, ballot: msg.ballot, promised: msg.promised };
    case 'repair':
      return { ring, from, instanceFrom: msg.instanceFrom, instanceTo: msg.instanceTo };
    case 'heartbeat':
      return { ring, from, ballot: msg.ballot, decidedUpTo: msg.decidedUpTo };
    default:
      return unreachable(msg);
  }
}

function entryOf(e: AcceptedEntry): AcceptedEntry {
  return { instance: e.instance, ballot: e.ballot, value: valueOf(e.value) };
}

function valueOf(v: Value): Value {
  switch (v.kind) {
    case 'batch':
      return { kind: 'batch', runs: v.runs.map((r) => ({ first: r.first, count: r.count, packed: r.packed })) };
    case 'noop':
      return { kind: 'noop' };
    case 'skip':
      return { kind: 'skip', slots: v.slots };
    default:
      return unreachable(v);
  }
}

function checkBody(type: ControlMessage['type'], body: unknown, f: ShapeFailure): boolean {
  switch (type) {
    case 'phase1a':
      return isPhase1ABody(body, f);
    case 'phase1b':
      return isPhase1BBody(body, f);
    case 'nack':
      return isNackBody(body, f);
    case 'repair':
      return isRepairBody(body, f);
    case 'heartbeat':
      return isHeartbeatBody(body, f);
    default:
      return unreachable(type);
  }
}

/** Decodes and checks a control body from untrusted bytes [start, end); never throws. */
export function readControlBody(
  type: ControlMessage['type'],
  bytes: Uint8Array,
  start: number,
  end: number,
): ControlResult {
  const refused = msgpackScan(bytes, start, end, SCAN_LIMITS);
  if (refused !== null) return refused;
  let body: unknown;
  try {
    body = decoder.decode(bytes.subarray(start, end));
  } catch (e) {
    // The scan lets through only well-formed bodies, but msgpack also refuses bad UTF-8,
    // non-string keys and its own length limits: all of them a wrong shape here.
    return decodeFailure('bad-field', `msgpack: ${e instanceof Error ? e.message : String(e)}`);
  }
  const f = new ShapeFailure();
  const msg = messageOf(type, body, f);
  return msg === null ? decodeFailure(f.error, f.describe(type)) : { ok: true, msg };
}

type ControlResult = { readonly ok: true; readonly msg: ControlMessage } | DecodeFailure;

function messageOf(type: ControlMessage['type'], body: unknown, f: ShapeFailure): ControlMessage | null {
  switch (type) {
    case 'phase1a':
      return isPhase1ABody(body, f) ? { type, ...body } : null;
    case 'phase1b':
      return isPhase1BBody(body, f) ? { type, ...body } : null;
    case 'nack':
      return isNackBody(body, f) ? { type, ...body } : null;
    case 'repair':
      return isRepairBody(body, f) ? { type, ...body } : null;
    case 'heartbeat':
      return isHeartbeatBody(body, f) ? { type, ...body } : null;
    default:
      return unreachable(type);
  }
}
