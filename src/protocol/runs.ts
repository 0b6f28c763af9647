/**
 * Value runs: the unit in which client values travel.
 *
 * A run is a sequence of consecutive values of one proposer, packed into one byte array: the k-th
 * value has id `first + k`, and `packed` holds `count` × (u32 little-endian length | bytes), back
 * to back. A proposer forms a run once, when it first sends the values, and nothing splits or
 * merges it afterwards: the run is the unit of retry, acknowledgement, duplicate detection and
 * storage. So every hop after the proposer handles a few runs per instance instead of one object
 * per value, and copies a run's bytes with one call (see the README's design notes).
 *
 * A run never crosses an epoch boundary of its proposer's sequence numbers (see ids.ts), so its
 * ids stay within one proposer and one epoch.
 */
import { EPOCH_SEQS, valueIdSeq, type ValueId } from './ids.ts';
import type { ClientValue } from './messages.ts';

export interface ValueRun {
  /** The id of the first value; the k-th has `first + k`. */
  readonly first: ValueId;
  readonly count: number;
  /** count × (u32 little-endian length | bytes). */
  readonly packed: Uint8Array;
}

/** Bytes of the length prefix of each value in a run. */
export const RUN_ITEM_HEAD_BYTES = 4;

/** Where the bytes of a run come from: fresh memory, unless a run pool (run-pool.ts) is given. */
export type RunBytesAlloc = (size: number) => Uint8Array;
export const freshRunBytes: RunBytesAlloc = (size) => new Uint8Array(size);

/** The run of `values`, ids from `first`; copies the bytes once, into `alloc(size)`. */
export function packRun(first: ValueId, values: readonly Uint8Array[], alloc: RunBytesAlloc = freshRunBytes): ValueRun {
  let size = 0;
  for (const v of values) size += RUN_ITEM_HEAD_BYTES + v.length;
  const packed = alloc(size);
  const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
  let o = 0;
  for (const v of values) {
    view.setUint32(o, v.length, true);
    packed.set(v, o + RUN_ITEM_HEAD_BYTES);
    o += RUN_ITEM_HEAD_BYTES + v.length;
  }
  return { first, count: values.length, packed };
}

/** The bytes of the client values in a run, length prefixes not counted. */
export function runValueBytes(r: ValueRun): number {
  return r.packed.length - RUN_ITEM_HEAD_BYTES * r.count;
}

/** Whether `count` values of ids from `first` fit in one epoch (a run may not cross one). */
export function runIdsValid(first: ValueId, count: number): boolean {
  return count >= 1 && (valueIdSeq(first) % EPOCH_SEQS) + count <= EPOCH_SEQS;
}

/**
 * Whether `packed` holds exactly `count` length-prefixed values. Input from the network is
 * checked with this before a run is built from it.
 */
export function packedValid(packed: Uint8Array, count: number): boolean {
  const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
  let o = 0;
  for (let k = 0; k < count; k++) {
    if (o + RUN_ITEM_HEAD_BYTES > packed.length) return false;
    o += RUN_ITEM_HEAD_BYTES + view.getUint32(o, true);
    if (o > packed.length) return false;
  }
  return o === packed.length;
}

/** The offset in `packed` at which its k-th value's length prefix starts. */
export function packedOffsetOf(packed: Uint8Array, k: number): number {
  const view = new DataView(packed.buffer, packed.byteOffset, packed.byteLength);
  let o = 0;
  for (let j = 0; j < k; j++) o += RUN_ITEM_HEAD_BYTES + view.getUint32(o, true);
  return o;
}

/** Calls `each` with every value of a run, its bytes a view into the run. */
export function forEachValue(r: ValueRun, each: (id: ValueId, bytes: Uint8Array) => void): void {
  const p = r.packed;
  const view = new DataView(p.buffer, p.byteOffset, p.byteLength);
  let o = 0;
  for (let k = 0; k < r.count; k++) {
    const length = view.getUint32(o, true);
    each((r.first + k) as ValueId, p.subarray(o + RUN_ITEM_HEAD_BYTES, o + RUN_ITEM_HEAD_BYTES + length));
    o += RUN_ITEM_HEAD_BYTES + length;
  }
}

/**
 * The end of the batch that starts at `runs[from]`: as many runs as fit in `bytesMax` bytes of
 * values and `valuesMax` values, and always at least one (a run is never split).
 */
export function runsFitting(runs: readonly ValueRun[], from: number, bytesMax: number, valuesMax: number): number {
  let end = from;
  let bytes = 0;
  let values = 0;
  while (end < runs.length) {
    const r = runs[end] as ValueRun;
    const b = runValueBytes(r);
    if (end > from && (bytes + b > bytesMax || values + r.count > valuesMax)) break;
    bytes += b;
    values += r.count;
    end++;
  }
  return end;
}

/** `runs` cut into consecutive batches by runsFitting. */
export function batchesOf(runs: readonly ValueRun[], bytesMax: number, valuesMax: number): ValueRun[][] {
  const batches: ValueRun[][] = [];
  for (let from = 0; from < runs.length; ) {
    const end = runsFitting(runs, from, bytesMax, valuesMax);
    batches.push(runs.slice(from, end));
    from = end;
  }
  return batches;
}

/** The values of runs as objects: for deliveries to programs, tests and diagnosis. */
export function runsValues(runs: readonly ValueRun[]): ClientValue[] {
  const values: ClientValue[] = [];
  for (const r of runs) forEachValue(r, (id, bytes) => values.push({ id, bytes }));
  return values;
}

/** The ids of runs' values, in order. */
export function runsIds(runs: readonly ValueRun[]): ValueId[] {
  const ids: ValueId[] = [];
  for (const r of runs) for (let k = 0; k < r.count; k++) ids.push((r.first + k) as ValueId);
  return ids;
}

/** Values in runs. */
export function runsCount(runs: readonly ValueRun[]): number {
  let n = 0;
  for (const r of runs) n += r.count;
  return n;
}
