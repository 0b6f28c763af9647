/** Node options: the run pool's defaults, the spare thread, and bad values refused with the field named. */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.ts';
import { RUN_POOL_DEFAULTS } from '../../src/protocol/run-pool.ts';
import { resolveNodeOptions, type NodeOptions } from '../../runtime/node/node-options.ts';

const resolve = (o: Partial<NodeOptions>) => resolveNodeOptions({ rings: [{ id: 1 }], ...o }, 2);

function fieldOf(f: () => unknown): string | null {
  try {
    f();
  } catch (e) {
    return e instanceof ConfigError ? e.field : null;
  }
  return null;
}

describe('node options: runPool', () => {
  it('defaults to 64 slabs of 1 MiB, not poisoned', () => {
    expect(resolve({}).runPool).toEqual(RUN_POOL_DEFAULTS);
    expect(resolve({ runPool: { slabsMax: 8, poison: true } }).runPool).toEqual({ slabBytes: 1024 * 1024, slabsMax: 8, poison: true });
  });

  it.each([
    [{ slabBytes: 1000 }, 'runPool.slabBytes'],
    [{ slabsMax: 0 }, 'runPool.slabsMax'],
    [{ slabsMax: 1.5 }, 'runPool.slabsMax'],
    [{ poison: 'yes' }, 'runPool.poison'],
    [{ slabs: 4 }, 'runPool.slabs'],
  ])('refuses %j, naming %s', (bad, field) => {
    expect(fieldOf(() => resolve({ runPool: bad as never }))).toBe(field);
  });
});

describe('node options: spareThread', () => {
  it('keeps a spare thread unless told not to', () => {
    expect(resolve({}).spareThread).toBe(true);
    expect(resolve({ spareThread: false }).spareThread).toBe(false);
  });

  it('refuses anything but a boolean, naming spareThread', () => {
    expect(fieldOf(() => resolve({ spareThread: 'no' as never }))).toBe('spareThread');
  });
});

describe('node options: outstanding proposals', () => {
  it('bounds each proposer handle at 65,536 values and 64 MiB by default', () => {
    const o = resolve({});
    expect(o.proposeOutstandingMax).toBe(65_536);
    expect(o.proposeOutstandingBytesMax).toBe(64 * 1024 * 1024);
    expect(resolve({ proposeOutstandingBytesMax: 1 << 20 }).proposeOutstandingBytesMax).toBe(1 << 20);
  });

  it.each([
    [{ proposeOutstandingMax: 0 }, 'proposeOutstandingMax'],
    [{ proposeOutstandingBytesMax: 0 }, 'proposeOutstandingBytesMax'],
    [{ proposeOutstandingBytesMax: 1.5 }, 'proposeOutstandingBytesMax'],
    [{ proposeOutstandingBytesMax: '64MB' }, 'proposeOutstandingBytesMax'],
  ])('refuses %j, naming %s', (bad, field) => {
    expect(fieldOf(() => resolve(bad as never))).toBe(field);
  });
});
