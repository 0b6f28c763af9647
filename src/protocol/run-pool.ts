/**
 * A pool for the bytes of value runs, reclaimed by tracing instead of by the garbage collector.
 *
 * Why: a proposer copies every run it forms (out of its mailbox, or from the values it packs), and
 * these runs stay referenced for tens of milliseconds (in flight, in acceptors' retention). V8
 * accounts their backing stores as external memory: ~400 MB/s of them started a mark-compact of
 * the thread's heap about 13 times a second, whose concurrent marking took CPU from every thread
 * of the process and was the largest source of latency spikes (README, design notes).
 *
 * How: runs are carved from a few large slabs allocated once. Nothing is freed run by run. At a
 * point where no role is half-way through a step (the caller's choice), `sweep()` asks the owner,
 * through `trace`, for every run byte array still held anywhere (role state, outboxes, messages
 * queued between actors; storage keeps copies of its own); a slab none of them lies in is reused.
 * A holder the trace misses would see its bytes overwritten, so `poison` overwrites freed slabs at
 * once (tests and the simulator turn it on, and compare every delivered value with what was
 * proposed). When no slab is free and `slabsMax` are in use, runs are allocated one by one as
 * before: the pool never refuses.
 */
import { copyRange } from '../bulk-copy.ts';

/** Calls `mark` with every pooled byte array that is still held (anything else is ignored). */
export type RunTrace = (mark: (bytes: Uint8Array) => void) => void;

export interface RunPoolOptions {
  /** Bytes per slab; a run larger than this is allocated on its own. */
  readonly slabBytes: number;
  /** Slabs at most; past them runs are allocated on their own until a sweep frees a slab. */
  readonly slabsMax: number;
  /** Overwrite a slab as soon as a sweep frees it: a holder the trace missed then reads garbage. */
  readonly poison: boolean;
}

export const RUN_POOL_DEFAULTS: RunPoolOptions = Object.freeze({ slabBytes: 1024 * 1024, slabsMax: 64, poison: false });

/** The byte written over freed slabs when poisoning. */
export const RUN_POOL_POISON = 0xa5;

/** A sweep is wanted once this many slabs were taken since the last one (or none is free). */
const SWEEP_EVERY_SLABS = 8;

export class RunPool {
  private readonly slabs: Uint8Array[] = [];
  private readonly slabOf = new Map<ArrayBufferLike, number>();
  /** Per slab, during a sweep: 1 when something traced lies in it. */
  private readonly marks: Uint8Array;
  /** Per slab: 1 while it is in `free`. */
  private readonly isFree: Uint8Array;
  private readonly free: number[] = [];
  private current = -1;
  private used = 0;
  private takenSinceSweep = 0;
  /** Bytes allocated on their own since the last sweep because every slab was held. */
  private unpooledSinceSweep = 0;
  readonly stats = { sweeps: 0, slabsFreed: 0, pooledRuns: 0, unpooledRuns: 0, unpooledBytes: 0 };

  constructor(
    private readonly opts: RunPoolOptions,
    private readonly trace: RunTrace,
  ) {
    if (!Number.isInteger(opts.slabBytes) || opts.slabBytes < 64) throw new RangeError('slabBytes must be an integer of at least 64');
    if (!Number.isInteger(opts.slabsMax) || opts.slabsMax < 1) throw new RangeError('slabsMax must be a positive integer');
    this.marks = new Uint8Array(opts.slabsMax);
    this.isFree = new Uint8Array(opts.slabsMax);
  }

  /** Slabs allocated so far (each `slabBytes`). */
  get slabCount(): number {
    return this.slabs.length;
  }
  get freeSlabs(): number {
    return this.free.length;
  }

  /**
   * `size` bytes for a run; their content is undefined. `align` (0–7) puts them at that address
   * modulo 8, the source's when they are to be copied from shared memory: V8 copies between a
   * SharedArrayBuffer and other memory word by word only when both agree modulo 8 (byte by byte
   * otherwise, several times slower).
   */
  alloc(size: number, align = 0): Uint8Array {
    const need = size + align;
    if (need > this.opts.slabBytes) return this.unpooled(size);
    if ((this.current < 0 || this.used + need > this.opts.slabBytes) && !this.nextSlab()) {
      this.unpooledSinceSweep += size;
      return this.unpooled(size);
    }
    const at = this.used + align;
    // The next run starts on an 8-byte boundary (plus its own align).
    this.used = (at + size + 7) & ~7;
    this.stats.pooledRuns++;
    return (this.slabs[this.current] as Uint8Array).subarray(at, at + size);
  }

  private unpooled(size: number): Uint8Array {
    this.stats.unpooledRuns++;
    this.stats.unpooledBytes += size;
    return new Uint8Array(size);
  }

  /** A copy of `bytes[from, to)` from the pool, at the same address modulo 8. */
  copyOf(bytes: Uint8Array, from: number, to: number): Uint8Array {
    const b = this.alloc(to - from, (bytes.byteOffset + from) & 7);
    copyRange(b, 0, bytes, from, to);
    return b;
  }

  /** Whether the caller should sweep at its next safe point. */
  get wantsSweep(): boolean {
    return (
      this.takenSinceSweep >= SWEEP_EVERY_SLABS ||
      (this.takenSinceSweep > 0 && this.free.length === 0) ||
      // Every slab held: look again once a slab's worth went elsewhere, not at every safe point.
      this.unpooledSinceSweep >= this.opts.slabBytes
    );
  }

  /**
   * Frees every slab that holds no traced byte array, but the one being filled. Call it only where
   * every holder can be traced: not while a role is in the middle of a step.
   */
  sweep(): void {
    this.stats.sweeps++;
    this.takenSinceSweep = 0;
    this.unpooledSinceSweep = 0;
    this.marks.fill(0);
    this.trace((bytes) => {
      const s = bytes instanceof Uint8Array ? this.slabOf.get(bytes.buffer) : undefined;
      if (s !== undefined) this.marks[s] = 1;
    });
    for (let s = 0; s < this.slabs.length; s++) {
      if (s === this.current || this.marks[s] === 1 || this.isFree[s] === 1) continue;
      if (this.opts.poison) (this.slabs[s] as Uint8Array).fill(RUN_POOL_POISON);
      this.isFree[s] = 1;
      this.free.push(s);
      this.stats.slabsFreed++;
    }
  }

  /** Moves to a free slab, or a new one while fewer than slabsMax exist; false when neither. */
  private nextSlab(): boolean {
    const s = this.free.pop() ?? (this.slabs.length < this.opts.slabsMax ? this.newSlab() : -1);
    this.current = s;
    this.used = 0;
    if (s < 0) return false;
    this.isFree[s] = 0;
    this.takenSinceSweep++;
    return true;
  }

  private newSlab(): number {
    const slab = new Uint8Array(this.opts.slabBytes);
    this.slabs.push(slab);
    this.slabOf.set(slab.buffer, this.slabs.length - 1);
    return this.slabs.length - 1;
  }
}
