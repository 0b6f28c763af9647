import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../../src/errors.ts';
import { Supervisor } from '../../runtime/supervisor/supervisor.ts';
import { FakeChild } from './fakes.ts';

// The defaults (setTimeout, performance.now) are what vitest's fake timers replace: a program's
// own test can drive a Supervisor built with no env at all.
describe('default clock and timers, under vitest fake timers', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('restarts after the backoff on the real timer functions', async () => {
    const supervisor = new Supervisor({ watchdogMs: 0, backoffMinMs: 10, backoffJitter: 0 });
    const x = new FakeChild('x', []);
    await supervisor.startChild(x.spec);

    x.current.crash();
    await vi.advanceTimersByTimeAsync(9);
    expect(x.incarnations).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(x.incarnations).toHaveLength(2);
    await supervisor.close();
  });

  it('the watchdog runs on performance.now', async () => {
    const supervisor = new Supervisor({ watchdogMs: 100 });
    const hung = new FakeChild('hung', [], { watched: true });
    await supervisor.startChild(hung.spec);
    const reasons: unknown[] = [];
    supervisor.on('crashed', (e) => reasons.push((e.error as { code?: unknown }).code));

    await vi.advanceTimersByTimeAsync(125);

    expect(reasons).toEqual([ErrorCode.TIMEOUT]);
    await supervisor.close();
  });
});
