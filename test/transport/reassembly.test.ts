/** Reassembly limits with a clock passed in: timeouts, byte and message bounds, stale ids. */
import { describe, expect, it } from 'vitest';
import { Reassembly } from '../../runtime/transport/reassembly.ts';

const SENDER = 3;
const piece = (n: number, fill = 1): Uint8Array => new Uint8Array(n).fill(fill);
/** Fragment `index` of a frame of 2 fragments of 16 bytes each (fragments are cut at multiples of 8). */
const half = (messageId: number, index: number) => ({ messageId, totalBytes: 32, index, count: 2 });

describe('reassembly', () => {
  it('joins fragments in any order into the whole frame', () => {
    const r = new Reassembly({ frameBytesMax: 100, bytesMax: 100, messagesMax: 4, timeoutMs: 50 });
    expect(r.accept(SENDER, half(1, 1), piece(16, 2), 0)).toBeNull();
    const frame = r.accept(SENDER, half(1, 0), piece(16, 1), 0);
    expect(frame).toEqual(Uint8Array.from([...piece(16, 1), ...piece(16, 2)]));
    expect(r.pendingBytes).toBe(0);
    expect(r.counters.framesReassembled).toBe(1);
  });

  it('evicts a frame with no new fragment for timeoutMs, and drops its late fragments as stale', () => {
    const r = new Reassembly({ frameBytesMax: 100, bytesMax: 100, messagesMax: 4, timeoutMs: 50 });
    r.accept(SENDER, half(1, 0), piece(16), 0);
    r.accept(SENDER, half(2, 0), piece(16), 30);
    expect(r.evictExpired(49)).toBe(0);
    expect(r.evictExpired(60)).toBe(1);
    expect(r.pendingMessages).toBe(1);
    expect(r.accept(SENDER, half(1, 1), piece(16), 61)).toBe('fragmentStale');
    expect(r.accept(SENDER, half(2, 1), piece(16), 61)).toBeInstanceOf(Uint8Array);
    expect(r.counters.evictedTimeout).toBe(1);
  });

  it('counts progress, not age: a frame still receiving fragments is kept', () => {
    const r = new Reassembly({ frameBytesMax: 100, bytesMax: 100, messagesMax: 4, timeoutMs: 50 });
    const third = (index: number) => ({ messageId: 1, totalBytes: 48, index, count: 3 });
    r.accept(SENDER, third(0), piece(16), 0);
    r.accept(SENDER, third(1), piece(16), 40);
    expect(r.evictExpired(80)).toBe(0);
    expect(r.accept(SENDER, third(2), piece(16), 85)).toBeInstanceOf(Uint8Array);
  });

  it('evicts the stalest frames when bytes or frames would exceed their bounds', () => {
    const byBytes = new Reassembly({ frameBytesMax: 32, bytesMax: 40, messagesMax: 10, timeoutMs: 1000 });
    byBytes.accept(SENDER, half(1, 0), piece(16), 0);
    byBytes.accept(SENDER, half(2, 0), piece(16), 1);
    byBytes.accept(SENDER, half(3, 0), piece(16), 2);
    expect(byBytes.counters.evictedOverflow).toBe(1);
    expect(byBytes.pendingBytes).toBe(32);
    expect(byBytes.accept(SENDER, half(1, 1), piece(16), 3)).toBe('fragmentStale');

    const byCount = new Reassembly({ frameBytesMax: 32, bytesMax: 1000, messagesMax: 2, timeoutMs: 1000 });
    for (let id = 1; id <= 5; id++) byCount.accept(SENDER, half(id, 0), piece(16), id);
    expect(byCount.pendingMessages).toBe(2);
    expect(byCount.counters.evictedOverflow).toBe(3);
    expect(byCount.accept(SENDER, half(5, 1), piece(16), 6)).toBeInstanceOf(Uint8Array);
  });

  it('keeps frames of different senders with the same message id apart', () => {
    const r = new Reassembly({ frameBytesMax: 100, bytesMax: 100, messagesMax: 4, timeoutMs: 50 });
    r.accept(1, half(9, 0), piece(16, 1), 0);
    r.accept(2, half(9, 0), piece(16, 2), 0);
    expect(r.accept(1, half(9, 1), piece(16, 1), 0)).toEqual(piece(32, 1));
    expect(r.accept(2, half(9, 1), piece(16, 2), 0)).toEqual(piece(32, 2));
  });
});
