import { describe, expect, it } from 'vitest';
import { FRAME_HEADER_BYTES, RING_LIMITS, RingErrorCode, createBroadcastRing, createSpscRing } from '../../src/sab-ring/index.ts';

function optionErrorOf(action: () => unknown): { code: string; option: string; message: string } {
  try {
    action();
  } catch (error) {
    return error as { code: string; option: string; message: string };
  }
  throw new Error('expected the options to be refused');
}

describe('ring options are validated, and a refusal names the option', () => {
  const badCapacities: unknown[] = [0, 100, 300, 128, 2 ** 31, 1.5 * 1024, '1024', undefined, Number.NaN];
  it.each(badCapacities)('capacityBytes %s is refused', (capacityBytes) => {
    const error = optionErrorOf(() => createSpscRing({ capacityBytes } as { capacityBytes: number }));
    expect(error.code).toBe(RingErrorCode.OPTIONS);
    expect(error.option).toBe('capacityBytes');
    expect(error.message).toMatch(/power of two from 256 to 1073741824/);
  });

  it('accepts the smallest and a large power of two', () => {
    expect(createSpscRing({ capacityBytes: RING_LIMITS.capacityBytesMin }).capacityBytes).toBe(256);
    expect(createSpscRing({ capacityBytes: 1 << 24 }).frameBytesMax).toBe((1 << 23) - FRAME_HEADER_BYTES);
  });

  it.each([0, -1, 65, 2.5, undefined])('readersMax %s is refused', (readersMax) => {
    const options = { capacityBytes: 1024, readersMax } as { capacityBytes: number; readersMax: number };
    expect(optionErrorOf(() => createBroadcastRing(options)).option).toBe('readersMax');
  });

  it('refuses unknown options and non-objects', () => {
    const typo = { capacityBytes: 1024, capacity: 1 } as { capacityBytes: number };
    expect(optionErrorOf(() => createSpscRing(typo)).option).toBe('capacity');
    expect(optionErrorOf(() => createSpscRing(null as unknown as { capacityBytes: number })).option).toBe('options');
  });
});

describe('endpoint options are validated, and a refusal names the option', () => {
  const ring = createSpscRing({ capacityBytes: 1024 });
  const cases: [unknown, string][] = [
    [{ waitStrategy: { kind: 'sleep' } }, 'waitStrategy.kind'],
    [{ waitStrategy: 'spin' }, 'waitStrategy'],
    [{ waitStrategy: { kind: 'spin-then-wait', spinBudget: -1 } }, 'waitStrategy.spinBudget'],
    [{ waitStrategy: { kind: 'wait-async', spinBudget: 0.5 } }, 'waitStrategy.spinBudget'],
    [{ waitStrategy: { kind: 'spin', spinBudget: 10 } }, 'waitStrategy.spinBudget'],
    [{ keepAlive: 'yes' }, 'keepAlive'],
    [{ waitStrtegy: { kind: 'spin' } }, 'waitStrtegy'],
  ];
  it.each(cases)('%j is refused naming %s', (options, option) => {
    const error = optionErrorOf(() => ring.consumer(options as object));
    expect(error.code).toBe(RingErrorCode.OPTIONS);
    expect(error.option).toBe(option);
  });

  it('a refused endpoint does not hold the endpoint claim', () => {
    expect(() => ring.producer({ waitStrategy: { kind: 'nope' } } as never)).toThrow();
    expect(ring.producer({ waitStrategy: { kind: 'spin-then-wait', spinBudget: 0 } }).capacityBytes).toBe(1024);
  });
});
