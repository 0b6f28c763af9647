/**
 * Copies between byte arrays on the hot paths (mailboxes, run pools, datagrams), where one side
 * is often a SharedArrayBuffer. TypedArray.prototype.set copies to and from shared memory with
 * relaxed atomic moves: 24–26 GB/s for 8 KB in cache and 5.8–5.9 GB/s from memory on this
 * project's machines, against 36–38 and 7.8–8.3 for memcpy (README, Benchmarks). The runtime
 * installs a native memcpy here (runtime/native/bulk-copy.ts) for arrays large enough to pay for
 * the call; without it, or below that size, `set` is used. The protocol core stays free of the
 * runtime: this module only holds the hook.
 */

/** Copies `source[from, from + length)` to `target[at, …)`. */
export type BulkCopy = (target: Uint8Array, at: number, source: Uint8Array, from: number, length: number) => void;

let bulk: BulkCopy | null = null;
let bulkMinBytes = Number.POSITIVE_INFINITY;

/** Has `copy` do every copy of at least `minBytes` from now on (null: TypedArray.set for all). */
export function installBulkCopy(copy: BulkCopy | null, minBytes: number): void {
  bulk = copy;
  bulkMinBytes = copy === null ? Number.POSITIVE_INFINITY : minBytes;
}

/** `target.set(source.subarray(from, to), at)`, by the installed copy when the range is large. */
export function copyRange(target: Uint8Array, at: number, source: Uint8Array, from: number, to: number): void {
  const length = to - from;
  if (length >= bulkMinBytes && bulk !== null) bulk(target, at, source, from, length);
  else if (from === 0 && to === source.length) target.set(source, at);
  else target.set(source.subarray(from, to), at);
}
