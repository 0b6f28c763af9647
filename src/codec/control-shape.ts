/**
 * The shapes of msgpack control bodies, checked field by field. The same checks run on both
 * sides: the encoder refuses (throws) a body the decoder would refuse, the decoder refuses
 * (`bad-field` or `too-large`) whatever is not exactly this shape: a map with exactly these keys,
 * integers in their id ranges, enums spelled right, arrays within their limits.
 */
import { isBallot, isInstance, isNodeId, isRingId, isValueId } from '../protocol/ids.ts';
import type {
  AcceptedEntry,
  Heartbeat,
  Nack,
  Phase1A,
  Phase1B,
  Repair,
  Value,
} from '../protocol/messages.ts';
import { packedValid, runIdsValid, type ValueRun } from '../protocol/runs.ts';
import type { DecodeError } from './decode-result.ts';
import { CODEC_LIMITS } from './limits.ts';

/** Where a check failed; filled in only on failure, innermost field first, then unwound. */
export class ShapeFailure {
  error: DecodeError = 'bad-field';
  path: string[] = [];
  reason = '';

  at(field: string, reason?: string): false {
    if (field !== '') this.path.unshift(field);
    if (reason !== undefined) this.reason = reason;
    return false;
  }

  describe(where: string): string {
    return `${[where, ...this.path].join('.')}: ${this.reason || 'wrong type or out of range'}`;
  }
}

type Check<T> = (x: unknown, f: ShapeFailure) => x is T;
type Spec<T> = { readonly [K in keyof T]-?: Check<T[K]> };

const isBoolean = (x: unknown): x is boolean => typeof x === 'boolean';
const isBytes = (x: unknown): x is Uint8Array => x instanceof Uint8Array;
const isSkipSlots = (x: unknown): x is number =>
  typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= CODEC_LIMITS.skipSlotsMax;

function isPlainMap(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !ArrayBuffer.isView(x);
}

/** A map with exactly the keys of `spec`, each passing its check. */
function mapOf<T>(spec: Spec<T>): Check<T> {
  const keys = Object.keys(spec) as (keyof T & string)[];
  return (x: unknown, f: ShapeFailure): x is T => {
    if (!isPlainMap(x)) return f.at('', 'not a map');
    if (Object.keys(x).length !== keys.length) return f.at('', `expected keys ${keys.join(', ')}`);
    for (const key of keys) {
      if (!Object.hasOwn(x, key)) return f.at(key, 'missing');
      if (!spec[key](x[key], f)) return f.at(key);
    }
    return true;
  };
}

function arrayOf<T>(check: Check<T>, max: number): Check<readonly T[]> {
  return (x: unknown, f: ShapeFailure): x is readonly T[] => {
    if (!Array.isArray(x)) return f.at('', 'not an array');
    if (x.length > max) {
      f.error = 'too-large';
      return f.at('', `${x.length} elements > ${max}`);
    }
    for (let i = 0; i < x.length; i++) if (!check(x[i], f)) return f.at(`[${i}]`);
    return true;
  };
}

const isRunCount = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 1 && x <= CODEC_LIMITS.itemsPerBatchMax;
const isRunFields = mapOf<ValueRun>({ first: isValueId, count: isRunCount, packed: isBytes });
function isRun(x: unknown, f: ShapeFailure): x is ValueRun {
  if (!isRunFields(x, f)) return false;
  if (!runIdsValid(x.first, x.count)) return f.at('count', `run of ${x.count} is empty or crosses an epoch`);
  if (!packedValid(x.packed, x.count)) return f.at('packed', `not ${x.count} length-prefixed values`);
  return true;
}
const isBatch = mapOf<{ kind: 'batch'; runs: readonly ValueRun[] }>({
  kind: (x): x is 'batch' => x === 'batch',
  runs: arrayOf(isRun, CODEC_LIMITS.runsPerBatchMax),
});
const isNoop = mapOf<{ kind: 'noop' }>({ kind: (x): x is 'noop' => x === 'noop' });
const isSkip = mapOf<{ kind: 'skip'; slots: number }>({
  kind: (x): x is 'skip' => x === 'skip',
  slots: isSkipSlots,
});

function isValue(x: unknown, f: ShapeFailure): x is Value {
  const kind = isPlainMap(x) ? x['kind'] : undefined;
  if (kind === 'batch') return isBatch(x, f);
  if (kind === 'noop') return isNoop(x, f);
  if (kind === 'skip') return isSkip(x, f);
  return f.at('kind', 'not batch, noop or skip');
}

const isAcceptedEntry = mapOf<AcceptedEntry>({
  instance: isInstance,
  ballot: isBallot,
  value: isValue,
});

export type ControlMessage = Phase1A | Phase1B | Nack | Repair | Heartbeat;
/** A control message without its type, which the frame header carries. */
export type ControlBody<M extends ControlMessage> = Omit<M, 'type'>;

export const isPhase1ABody = mapOf<ControlBody<Phase1A>>({
  ring: isRingId,
  from: isNodeId,
  ballot: isBallot,
  instanceFrom: isInstance,
  instanceTo: isInstance,
  fresh: isBoolean,
});
export const isPhase1BBody = mapOf<ControlBody<Phase1B>>({
  ring: isRingId,
  from: isNodeId,
  ballot: isBallot,
  instanceFrom: isInstance,
  instanceTo: isInstance,
  accepted: arrayOf(isAcceptedEntry, CODEC_LIMITS.entriesPerMessageMax),
});
export const isNackBody = mapOf<ControlBody<Nack>>({
  ring: isRingId,
  from: isNodeId,
  ballot: isBallot,
  promised: isBallot,
});
export const isRepairBody = mapOf<ControlBody<Repair>>({
  ring: isRingId,
  from: isNodeId,
  instanceFrom: isInstance,
  instanceTo: isInstance,
});
export const isHeartbeatBody = mapOf<ControlBody<Heartbeat>>({
  ring: isRingId,
  from: isNodeId,
  ballot: isBallot,
  decidedUpTo: isInstance,
});
