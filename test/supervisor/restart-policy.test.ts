import { describe, expect, it } from 'vitest';
import { ErrorCode, isRingcastError } from '../../src/errors.ts';
import {
  DEFAULT_SUPERVISOR_OPTIONS,
  RestartWindow,
  backoffMs,
  resolveSupervisorOptions,
  restartSet,
  shouldRestart,
  type ExitReason,
  type RestartKind,
  type SupervisorOptions,
} from '../../runtime/supervisor/restart-policy.ts';

describe('shouldRestart: restart kind × exit reason', () => {
  const table: Array<[RestartKind, ExitReason, boolean]> = [
    ['permanent', 'normal', true],
    ['permanent', 'crash', true],
    ['transient', 'normal', false],
    ['transient', 'crash', true],
    ['temporary', 'normal', false],
    ['temporary', 'crash', false],
  ];
  it.each(table)('%s child, %s exit → restart %s', (kind, reason, expected) => {
    expect(shouldRestart(kind, reason)).toBe(expected);
  });
});

describe('RestartWindow: at most `intensity` restarts within a sliding periodMs', () => {
  it('admits up to intensity restarts, refuses the next one inside the period', () => {
    const window = new RestartWindow({ intensity: 3, periodMs: 1000 });
    expect([0, 100, 200].map((t) => window.admit(t))).toEqual([true, true, true]);
    expect(window.admit(300)).toBe(false);
  });

  it('slides: restarts older than periodMs no longer count', () => {
    const window = new RestartWindow({ intensity: 2, periodMs: 1000 });
    expect(window.admit(0)).toBe(true);
    expect(window.admit(500)).toBe(true);
    // At 1000 the restart at 0 is exactly one period old and has left the window.
    expect(window.admit(1000)).toBe(true);
    expect(window.recent(1000)).toBe(2);
    expect(window.admit(1200)).toBe(false);
  });

  it('recent() counts only the restarts inside the period, as time moves on', () => {
    const window = new RestartWindow({ intensity: 10, periodMs: 100 });
    for (const t of [0, 10, 20]) window.admit(t);
    expect(window.recent(20)).toBe(3);
    expect(window.recent(105)).toBe(2);
    window.admit(150);
    expect(window.recent(150)).toBe(1);
    expect(window.recent(250)).toBe(0);
  });

  it('intensity 0: the first restart already exceeds it', () => {
    expect(new RestartWindow({ intensity: 0, periodMs: 1000 }).admit(0)).toBe(false);
  });
});

describe('backoffMs: doubling from min, capped at max, jittered within ±jitter', () => {
  const opts = { backoffMinMs: 10, backoffMaxMs: 100, backoffJitter: 0.2 };

  it.each([
    [1, 10],
    [2, 20],
    [3, 40],
    [4, 80],
    [5, 100],
    [30, 100],
  ])('attempt %i without jitter (random 0.5) → %i ms', (attempt, expected) => {
    expect(backoffMs(opts, attempt, 0.5)).toBe(expected);
  });

  it('stays within [base·(1−jitter), base·(1+jitter)] for every random draw', () => {
    for (let attempt = 1; attempt <= 8; attempt++) {
      const base = Math.min(100, 10 * 2 ** (attempt - 1));
      for (const random of [0, 0.1, 0.5, 0.9, 0.999_999]) {
        const delay = backoffMs(opts, attempt, random);
        expect(delay).toBeGreaterThanOrEqual(Math.floor(base * 0.8));
        expect(delay).toBeLessThanOrEqual(Math.ceil(base * 1.2));
      }
    }
  });

  it('the low and high ends of random give the ends of the band', () => {
    expect(backoffMs(opts, 4, 0)).toBe(64);
    expect(backoffMs(opts, 4, 0.999_999)).toBe(96);
  });

  it('is never negative, even with a zero minimum', () => {
    expect(backoffMs({ backoffMinMs: 0, backoffMaxMs: 0, backoffJitter: 0.5 }, 3, 0)).toBe(0);
  });
});

describe('restartSet', () => {
  it('one_for_one takes down only the crashed child; one_for_all takes all', () => {
    expect(restartSet('one_for_one', 'b', ['a', 'b', 'c'])).toEqual(['b']);
    expect(restartSet('one_for_all', 'b', ['a', 'b', 'c'])).toEqual(['a', 'b', 'c']);
  });
});

describe('resolveSupervisorOptions', () => {
  it('fills the documented defaults and freezes the result', () => {
    const resolved = resolveSupervisorOptions({ intensity: 3 });
    expect(resolved).toEqual({ ...DEFAULT_SUPERVISOR_OPTIONS, intensity: 3 });
    expect(Object.isFrozen(resolved)).toBe(true);
  });

  const refusals: Array<[string, string, Record<string, unknown>]> = [
    ['unknown option', 'supervisor.restarts', { restarts: 3 }],
    ['inherited name is not an option', 'supervisor.toString', { toString: 1 }],
    ['bad strategy', 'supervisor.strategy', { strategy: 'rest_for_one' }],
    ['negative intensity', 'supervisor.intensity', { intensity: -1 }],
    ['fractional intensity', 'supervisor.intensity', { intensity: 1.5 }],
    ['zero period', 'supervisor.periodMs', { periodMs: 0 }],
    ['NaN backoffMinMs', 'supervisor.backoffMinMs', { backoffMinMs: Number.NaN }],
    ['max below min', 'supervisor.backoffMaxMs', { backoffMinMs: 50, backoffMaxMs: 10 }],
    ['jitter of 1', 'supervisor.backoffJitter', { backoffJitter: 1 }],
    ['negative jitter', 'supervisor.backoffJitter', { backoffJitter: -0.1 }],
    ['string watchdog', 'supervisor.watchdogMs', { watchdogMs: '5s' }],
  ];
  it.each(refusals)('refuses %s, naming %s', (_label, field, partial) => {
    let thrown: unknown;
    try {
      resolveSupervisorOptions(partial as Partial<SupervisorOptions>);
    } catch (error) {
      thrown = error;
    }
    expect(isRingcastError(thrown, ErrorCode.CONFIG_INVALID)).toBe(true);
    expect(thrown).toMatchObject({ field });
    expect(String((thrown as Error).message)).toContain(field);
  });

  it('names the field under the caller-given path', () => {
    expect(() => resolveSupervisorOptions({ periodMs: 0 }, 'config.rings[0].supervisor')).toThrow(/config\.rings\[0\]\.supervisor\.periodMs/);
  });
});
