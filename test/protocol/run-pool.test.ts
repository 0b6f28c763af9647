/**
 * The run pool: runs carved from slabs, slabs reused only when the trace reports nothing in them,
 * the slab being filled never reused, runs allocated one by one once every slab is held, and
 * freed slabs overwritten when poisoning.
 */
import { describe, expect, it } from 'vitest';
import { RUN_POOL_POISON, RunPool } from '../../src/protocol/run-pool.ts';

/** A pool whose trace reports the byte arrays in `held`. */
function poolWith(slabsMax: number, poison = true): { pool: RunPool; held: Set<Uint8Array> } {
  const held = new Set<Uint8Array>();
  const pool = new RunPool({ slabBytes: 1024, slabsMax, poison }, (mark) => held.forEach(mark));
  return { pool, held };
}

describe('RunPool', () => {
  it('carves runs from one slab at 8-byte aligned offsets', () => {
    const { pool } = poolWith(4);
    const a = pool.alloc(10);
    const b = pool.alloc(100);
    expect(a.buffer).toBe(b.buffer);
    expect(b.byteOffset).toBe(16);
    expect(pool.slabCount).toBe(1);
    expect(pool.stats.pooledRuns).toBe(2);
  });

  it('reuses a slab once nothing held lies in it, and keeps the ones that are held', () => {
    const { pool, held } = poolWith(3);
    const kept = pool.alloc(1000); // slab 0
    held.add(kept);
    kept.fill(1);
    const dropped = pool.alloc(1000); // slab 1
    pool.alloc(1000); // slab 2, being filled
    expect(pool.slabCount).toBe(3);
    pool.sweep();
    expect(pool.freeSlabs).toBe(1);
    expect(dropped[0]).toBe(RUN_POOL_POISON);
    expect(kept.every((b) => b === 1)).toBe(true);
    const next = pool.alloc(1000);
    expect(next.buffer).toBe(dropped.buffer);
    expect(pool.slabCount).toBe(3);
  });

  it('never frees the slab being filled, even when nothing in it is held', () => {
    const { pool } = poolWith(2);
    const a = pool.alloc(8);
    a.fill(7);
    pool.sweep();
    expect(pool.freeSlabs).toBe(0);
    expect(a[0]).toBe(7);
    expect(pool.alloc(8).buffer).toBe(a.buffer);
  });

  it('allocates runs on their own when every slab is held, and asks for a sweep after a slab’s worth', () => {
    const { pool, held } = poolWith(2);
    held.add(pool.alloc(1000));
    held.add(pool.alloc(1000));
    pool.sweep();
    expect(pool.wantsSweep).toBe(false);
    const alone = pool.alloc(600);
    expect(alone.byteLength).toBe(600);
    expect(alone.buffer.byteLength).toBe(600);
    expect(pool.stats.unpooledRuns).toBe(1);
    expect(pool.wantsSweep).toBe(false);
    pool.alloc(600);
    expect(pool.wantsSweep).toBe(true);
    held.clear();
    pool.sweep();
    expect(pool.freeSlabs).toBe(2);
    expect(pool.alloc(8).buffer.byteLength).toBe(1024);
  });

  it('allocates runs larger than a slab on their own', () => {
    const { pool } = poolWith(2);
    expect(pool.alloc(4096).buffer.byteLength).toBe(4096);
    expect(pool.slabCount).toBe(0);
  });

  it('leaves freed slabs as they are without poison', () => {
    const { pool } = poolWith(2, false);
    const a = pool.alloc(1000);
    a.fill(3);
    pool.alloc(1000);
    pool.sweep();
    expect(pool.freeSlabs).toBe(1);
    expect(a[0]).toBe(3);
  });

  it('ignores what the trace reports that is not from the pool', () => {
    const { pool, held } = poolWith(2);
    held.add(new Uint8Array(8));
    pool.alloc(1000);
    pool.alloc(1000);
    pool.sweep();
    expect(pool.freeSlabs).toBe(1);
  });

  it('refuses impossible sizes', () => {
    expect(() => new RunPool({ slabBytes: 8, slabsMax: 1, poison: false }, () => undefined)).toThrow(/slabBytes/);
    expect(() => new RunPool({ slabBytes: 1024, slabsMax: 0, poison: false }, () => undefined)).toThrow(/slabsMax/);
  });
});

describe('RunPool.copyOf', () => {
  it('copies at the source’s address modulo 8, for word-by-word copies from shared memory', () => {
    const { pool } = poolWith(2);
    const src = new Uint8Array(new SharedArrayBuffer(64));
    for (let k = 0; k < 64; k++) src[k] = k;
    pool.alloc(3);
    for (const from of [0, 3, 5, 13]) {
      const c = pool.copyOf(src, from, from + 20);
      expect(c.byteOffset % 8).toBe(from % 8);
      expect([...c]).toEqual([...src.subarray(from, from + 20)]);
    }
  });
});
