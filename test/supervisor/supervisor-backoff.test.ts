import { describe, expect, it } from 'vitest';
import { ErrorCode, isRingcastError } from '../../src/errors.ts';
import type { RingcastError } from '../../src/errors.ts';
import { rig } from './fakes.ts';

describe('backoff before consecutive restarts of one child', () => {
  it('doubles from backoffMinMs up to backoffMaxMs, and nothing starts before it is over', async () => {
    const { scheduler, events, child, startAll } = rig({ backoffMinMs: 10, backoffMaxMs: 40, intensity: 100 });
    const x = child('x');
    await startAll(x);

    for (const expectedMs of [10, 20, 40, 40]) {
      const before = x.incarnations.length;
      x.current.crash();
      await scheduler.advance(expectedMs - 1);
      expect(x.incarnations, `still backing off ${expectedMs} ms`).toHaveLength(before);
      await scheduler.advance(1);
      expect(x.incarnations).toHaveLength(before + 1);
    }
    const delays = events.filter((e) => e.name === 'crashed').map((e) => e.event.backoffMs);
    expect(delays).toEqual([10, 20, 40, 40]);
  });

  it('is jittered by the injected random, within ±backoffJitter of the base', async () => {
    const draws = [0, 0.999_999, 0.25];
    const random = (): number => draws.shift() ?? 0.5;
    const { scheduler, events, child, startAll } = rig({ backoffMinMs: 100, backoffMaxMs: 1_000, backoffJitter: 0.2 }, { random });
    const x = child('x');
    await startAll(x);

    for (let crash = 0; crash < 3; crash++) {
      x.current.crash();
      await scheduler.advance(1_000);
    }
    // Bases 100, 200, 400; jitter ±20%: 100·0.8, 200·1.2, 400·(1 − 0.1).
    const delays = events.filter((e) => e.name === 'crashed').map((e) => e.event.backoffMs);
    expect(delays).toEqual([80, 240, 360]);
  });

  it('starts over at backoffMinMs once the child has run for periodMs', async () => {
    const { scheduler, events, child, startAll } = rig({ backoffMinMs: 10, periodMs: 1_000, intensity: 100 });
    const x = child('x');
    await startAll(x);

    x.current.crash();
    await scheduler.advance(10);
    x.current.crash();
    await scheduler.advance(20);
    await scheduler.advance(1_000);
    x.current.crash();
    await scheduler.advance(10);

    const delays = events.filter((e) => e.name === 'crashed').map((e) => e.event.backoffMs);
    expect(delays).toEqual([10, 20, 10]);
  });

  it('is kept per child: a sibling crash does not lengthen another child’s backoff', async () => {
    const { scheduler, events, child, startAll } = rig({ backoffMinMs: 10, intensity: 100 });
    const [a, b] = [child('a'), child('b')];
    await startAll(a, b);

    a.current.crash();
    await scheduler.advance(10);
    b.current.crash();
    await scheduler.advance(10);

    expect(events.filter((e) => e.name === 'crashed').map((e) => [e.event.childId, e.event.backoffMs])).toEqual([
      ['a', 10],
      ['b', 10],
    ]);
  });
});

describe('restart intensity', () => {
  it('more than `intensity` restarts within periodMs: stops every child, emits gave-up, escalates', async () => {
    const escalated: RingcastError[] = [];
    const { scheduler, supervisor, events, log, child, startAll } = rig(
      { intensity: 2, periodMs: 1_000 },
      { onEscalate: (error) => escalated.push(error) },
    );
    const [a, b, c] = [child('a'), child('b'), child('c')];
    await startAll(a, b, c);

    b.current.crash();
    await scheduler.advance(10);
    b.current.crash();
    await scheduler.advance(20);
    log.length = 0;
    b.current.crash();
    await scheduler.advance(0);

    expect(log).toEqual(['stop c', 'stop a']);
    expect(supervisor.phase).toBe('gave_up');
    expect(supervisor.children().map((s) => [s.id, s.state])).toEqual([
      ['a', 'stopped'],
      ['b', 'failed'],
      ['c', 'stopped'],
    ]);
    expect(supervisor.counts()).toEqual({ crashes: 3, restarts: 2, gaveUp: 1, listenerErrors: 0 });
    const gaveUp = events.filter((e) => e.name === 'gave-up');
    expect(gaveUp).toHaveLength(1);
    expect(gaveUp[0]?.event).toMatchObject({ childId: 'b', reason: 'crash', restarts: 2, backoffMs: null });
    expect(escalated).toHaveLength(1);
    expect(escalated[0]).toBe(gaveUp[0]?.event.error);
    expect(isRingcastError(escalated[0], ErrorCode.SUPERVISOR_GAVE_UP)).toBe(true);
    expect(escalated[0]?.cause).toMatchObject({ code: ErrorCode.ACTOR_CRASHED, cause: { message: 'b threw' } });
    // The gave-up event comes after the children are stopped: a parent restarts a quiet subtree.
    expect(events.map((e) => e.name).slice(-3)).toEqual(['stopped', 'stopped', 'gave-up']);
  });

  it('counts restarts across all children of the supervisor', async () => {
    const { scheduler, supervisor, child, startAll } = rig({ intensity: 2, periodMs: 1_000 });
    const [a, b, c] = [child('a'), child('b'), child('c')];
    await startAll(a, b, c);

    a.current.crash();
    b.current.crash();
    await scheduler.advance(10);
    c.current.crash();
    await scheduler.advance(0);

    expect(supervisor.phase).toBe('gave_up');
  });

  it('restarts spread wider than periodMs never add up to giving up', async () => {
    const { scheduler, supervisor, child, startAll } = rig({ intensity: 2, periodMs: 1_000, backoffMaxMs: 50 });
    const x = child('x');
    await startAll(x);

    for (let crash = 0; crash < 10; crash++) {
      x.current.crash();
      await scheduler.advance(600);
    }

    expect(supervisor.phase).toBe('open');
    expect(supervisor.counts()).toMatchObject({ crashes: 10, restarts: 10, gaveUp: 0 });
  });

  it('after giving up, startChild and restartChild are refused with SUPERVISOR_GAVE_UP', async () => {
    const { scheduler, supervisor, child, startAll } = rig({ intensity: 0 });
    const x = child('x');
    await startAll(x);
    x.current.crash();
    await scheduler.advance(0);

    await expect(supervisor.startChild(child('y').spec)).rejects.toMatchObject({ code: ErrorCode.SUPERVISOR_GAVE_UP });
    await expect(supervisor.restartChild('x')).rejects.toMatchObject({ code: ErrorCode.SUPERVISOR_GAVE_UP });
    await expect(supervisor.close()).resolves.toBeUndefined();
    expect(scheduler.timersPending).toBe(0);
  });
});
