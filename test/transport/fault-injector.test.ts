/**
 * The fault layer alone, over a sink that records what leaves: rates within bounds for a fixed
 * seed, duplication and reordering visible in the output order, and the same seed giving the same
 * faults.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FaultInjector, type FaultSink } from '../../runtime/transport/fault-injector.ts';
import { resolveFaultOptions, type FaultOptions } from '../../runtime/transport/fault-options.ts';

interface Numbered {
  readonly id: number;
  readonly length: number;
}

function run(options: FaultOptions, count: number): { sent: number[]; discarded: number[]; injector: FaultInjector<Numbered> } {
  const sent: number[] = [];
  const discarded: number[] = [];
  const sink: FaultSink<Numbered> = { send: (d) => sent.push(d.id), discard: (d) => discarded.push(d.id), copy: (d) => ({ ...d }) };
  const injector = new FaultInjector(resolveFaultOptions(options), sink);
  for (let id = 0; id < count; id++) injector.submit({ id, length: 100 });
  return { sent, discarded, injector };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('fault injector', () => {
  it('loses about lossRate of the datagrams (seed 42: within 20% ± 1.5% of 10,000)', () => {
    const { sent, discarded, injector } = run({ lossRate: 0.2, seed: 42 }, 10_000);
    expect(discarded.length).toBe(injector.counters.lost);
    expect(discarded.length).toBeGreaterThan(1850);
    expect(discarded.length).toBeLessThan(2150);
    expect(sent.length + discarded.length).toBe(10_000);
    expect(sent).toEqual([...sent].sort((a, b) => a - b));
  });

  it('duplicates and reorders: copies appear twice, held datagrams leave after the next one', () => {
    const { sent, injector } = run({ duplicateRate: 0.1, reorderRate: 0.1, seed: 7 }, 2_000);
    injector.close();
    const copies = sent.length - new Set(sent).size;
    expect(copies).toBe(injector.counters.duplicated);
    expect(copies).toBeGreaterThan(120);
    const inversions = sent.filter((id, i) => i > 0 && id < sent[i - 1]!).length;
    expect(injector.counters.reordered).toBeGreaterThan(100);
    expect(inversions).toBe(injector.counters.reordered);
    expect(new Set(sent).size).toBe(2_000);
  });

  it('gives the same faults for the same seed, and other faults for another seed', () => {
    const faults = { lossRate: 0.1, duplicateRate: 0.1, reorderRate: 0.1, seed: 1234 };
    const a = run(faults, 3_000);
    const b = run(faults, 3_000);
    const c = run({ ...faults, seed: 1235 }, 3_000);
    expect(b.sent).toEqual(a.sent);
    expect(b.discarded).toEqual(a.discarded);
    expect(c.sent).not.toEqual(a.sent);
    for (const r of [a, b, c]) r.injector.close();
  });

  it('delays within [min, max] ms, and a held datagram leaves after reorderHoldMs when nothing follows', () => {
    vi.useFakeTimers();
    const delayed = run({ delayMs: { min: 5, max: 10 }, seed: 3 }, 100);
    expect(delayed.sent).toEqual([]);
    expect(delayed.injector.pendingBytes).toBe(100 * 100);
    vi.advanceTimersByTime(4);
    expect(delayed.sent).toEqual([]);
    vi.advanceTimersByTime(6);
    expect(delayed.sent.length).toBe(100);
    expect(delayed.injector.counters.delayed).toBe(100);
    const held = run({ reorderRate: 1, reorderHoldMs: 20, seed: 3 }, 1);
    expect(held.sent).toEqual([]);
    vi.advanceTimersByTime(20);
    expect(held.sent).toEqual([0]);
    expect(held.injector.pendingBytes).toBe(0);
  });

  it('discards what it holds when closed, and counts it', () => {
    vi.useFakeTimers();
    const { sent, discarded, injector } = run({ delayMs: { min: 50, max: 50 }, seed: 9 }, 10);
    injector.close();
    vi.advanceTimersByTime(100);
    expect(sent).toEqual([]);
    expect(discarded.length).toBe(10);
    expect(injector.counters.discardedAtClose).toBe(10);
  });
});
