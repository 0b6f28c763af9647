import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.ts';
import type { ExitReason, RestartKind } from '../../runtime/supervisor/restart-policy.ts';
import type { ChildState } from '../../runtime/supervisor/supervisor.ts';
import { eventLines, rig } from './fakes.ts';

// Backoff of exactly 10 ms for a first restart: random is 0.5, so no jitter.
const FIRST_BACKOFF_MS = 10;

describe('one_for_one', () => {
  it('restarts only the crashed child, after the backoff', async () => {
    const { scheduler, supervisor, log, child, startAll } = rig({ strategy: 'one_for_one' });
    const [a, b, c] = [child('a'), child('b'), child('c')];
    await startAll(a, b, c);

    b.current.crash();
    await scheduler.advance(FIRST_BACKOFF_MS - 1);
    expect(supervisor.children().find((s) => s.id === 'b')?.state).toBe('restarting');
    await scheduler.advance(1);

    expect(log).toEqual(['start b']);
    expect([a, b, c].map((x) => x.incarnations.length)).toEqual([1, 2, 1]);
    expect(a.current.stopped || c.current.stopped).toBe(false);
    expect(supervisor.children().map((s) => [s.id, s.state, s.restarts])).toEqual([
      ['a', 'running', 0],
      ['b', 'running', 1],
      ['c', 'running', 0],
    ]);
  });
});

describe('one_for_all', () => {
  it('stops the others in reverse start order, then restarts all in start order', async () => {
    const { scheduler, supervisor, log, events, child, startAll } = rig({ strategy: 'one_for_all' });
    const [a, b, c] = [child('a'), child('b'), child('c')];
    await startAll(a, b, c);

    b.current.crash();
    await scheduler.advance(FIRST_BACKOFF_MS);

    expect(log).toEqual(['stop c', 'stop a', 'start a', 'start b', 'start c']);
    expect(supervisor.children().map((s) => [s.id, s.state, s.restarts])).toEqual([
      ['a', 'running', 1],
      ['b', 'running', 1],
      ['c', 'running', 1],
    ]);
    expect(eventLines(events)).toEqual(['crashed b crash', 'restarted a sibling', 'restarted b crash', 'restarted c sibling']);
  });

  it('takes a temporary sibling down with the group but does not restart it (OTP)', async () => {
    const { scheduler, supervisor, log, child, startAll } = rig({ strategy: 'one_for_all' });
    const [a, temp] = [child('a'), child('temp', { restart: 'temporary' })];
    await startAll(a, temp);

    a.current.crash();
    await scheduler.advance(FIRST_BACKOFF_MS);

    expect(log).toEqual(['stop temp', 'start a']);
    expect(supervisor.children().map((s) => [s.id, s.state])).toEqual([
      ['a', 'running'],
      ['temp', 'stopped'],
    ]);
  });

  it('a member that fails to start mid-restart regroups: all go down again, then all start', async () => {
    const { scheduler, supervisor, log, child, startAll } = rig({ strategy: 'one_for_all' });
    const [a, b, c] = [child('a'), child('b'), child('c')];
    await startAll(a, b, c);
    c.startFailuresLeft = 1;

    b.current.crash();
    await scheduler.advance(FIRST_BACKOFF_MS);
    // c's own first backoff, as it is c's first failure.
    await scheduler.advance(FIRST_BACKOFF_MS);

    expect(log).toEqual(['stop c', 'stop a', 'start a', 'start b', 'start-fail c', 'stop b', 'stop a', 'start a', 'start b', 'start c']);
    expect(supervisor.children().map((s) => [s.id, s.state, s.restarts])).toEqual([
      ['a', 'running', 2],
      ['b', 'running', 2],
      ['c', 'running', 1],
    ]);
  });

  it('does not bring back a child that was stopped before the crash', async () => {
    const { scheduler, supervisor, log, child, startAll } = rig({ strategy: 'one_for_all' });
    const [a, b] = [child('a'), child('b')];
    await startAll(a, b);
    await supervisor.stopChild('b');

    a.current.crash();
    await scheduler.advance(FIRST_BACKOFF_MS);

    expect(log).toEqual(['stop b', 'start a']);
    expect(b.incarnations).toHaveLength(1);
  });
});

describe('restart kind × exit reason', () => {
  const table: Array<[RestartKind, ExitReason, boolean, ChildState]> = [
    ['permanent', 'normal', true, 'running'],
    ['permanent', 'crash', true, 'running'],
    ['transient', 'normal', false, 'stopped'],
    ['transient', 'crash', true, 'running'],
    ['temporary', 'normal', false, 'stopped'],
    ['temporary', 'crash', false, 'failed'],
  ];
  it.each(table)('%s child, %s exit → restarted %s, ends %s', async (restart, reason, restarted, finalState) => {
    const { scheduler, supervisor, events, child, startAll } = rig();
    const x = child('x', { restart });
    await startAll(x);

    if (reason === 'crash') x.current.crash();
    else x.current.exitNormally();
    await scheduler.advance(1_000);

    expect(x.incarnations).toHaveLength(restarted ? 2 : 1);
    expect(supervisor.children()).toMatchObject([{ id: 'x', state: finalState, restarts: restarted ? 1 : 0 }]);
    const names = events.map((e) => e.name);
    expect(names.includes('restarted')).toBe(restarted);
    expect(names.includes('stopped')).toBe(!restarted);
    expect(names.includes('crashed')).toBe(reason === 'crash');
  });
});

describe('start() that throws or rejects counts as a crash', () => {
  it('a first start that throws: startChild rejects, the child is still restarted per policy', async () => {
    const { scheduler, supervisor, events, child } = rig();
    const x = child('x');
    x.startFailuresLeft = 1;

    const started = supervisor.startChild(x.spec);
    await expect(started).rejects.toMatchObject({ code: ErrorCode.ACTOR_CRASHED, cause: { message: 'x cannot start' } });
    expect(supervisor.counts().crashes).toBe(1);
    expect(eventLines(events)).toEqual(['crashed x start_failed']);

    await scheduler.advance(FIRST_BACKOFF_MS);
    expect(supervisor.children()).toMatchObject([{ id: 'x', state: 'running', restarts: 1 }]);
  });

  it('a restart whose start() rejects is a crash again: backoff grows, intensity counts it', async () => {
    const { scheduler, supervisor, events, child, startAll } = rig({ intensity: 2, backoffMinMs: 10 });
    const x = child('x');
    x.spec.start = async () => Promise.reject(new Error('no port'));
    const y = child('y');
    await startAll(y);
    await supervisor.startChild(x.spec).catch(() => undefined);

    await scheduler.advance(1_000);

    const crashes = events.filter((e) => e.name === 'crashed');
    expect(crashes.map((e) => [e.event.reason, e.event.backoffMs])).toEqual([
      ['start_failed', 10],
      ['start_failed', 20],
      ['start_failed', null],
    ]);
    expect(supervisor.counts()).toMatchObject({ crashes: 3, gaveUp: 1 });
    expect(y.current.stopped).toBe(true);
  });
});

describe('stopChild and restartChild', () => {
  it('stopChild stops a child for good: a late exit of the stopped incarnation restarts nothing', async () => {
    const { scheduler, supervisor, events, child, startAll } = rig();
    const x = child('x');
    await startAll(x);

    await supervisor.stopChild('x');
    x.current.crash();
    await scheduler.advance(1_000);

    expect(x.incarnations).toHaveLength(1);
    expect(x.current.stopped).toBe(true);
    expect(supervisor.children()).toMatchObject([{ id: 'x', state: 'stopped' }]);
    expect(eventLines(events)).toEqual(['stopped x shutdown']);
  });

  it('restartChild stops and starts one child at once, with reason manual and no backoff', async () => {
    const { supervisor, log, events, child, startAll } = rig({ strategy: 'one_for_all' });
    const [a, b] = [child('a'), child('b')];
    await startAll(a, b);

    await supervisor.restartChild('a');

    expect(log).toEqual(['stop a', 'start a']);
    expect(events.map((e) => [e.name, e.event.childId, e.event.reason, e.event.backoffMs])).toEqual([['restarted', 'a', 'manual', 0]]);
  });

  it('a child stopped while its start() is in flight is stopped as soon as it arrives', async () => {
    const { supervisor, log, child } = rig();
    const x = child('x');
    const release = x.holdNextStart();

    const started = supervisor.startChild(x.spec);
    const stopped = supervisor.stopChild('x');
    release();
    await Promise.all([started, stopped]);

    expect(log).toEqual(['start x', 'stop x']);
    expect(supervisor.children()).toMatchObject([{ id: 'x', state: 'stopped' }]);
  });

  it('refuses an unknown id and a duplicate id with stable codes', async () => {
    const { supervisor, child, startAll } = rig();
    const x = child('x');
    await startAll(x);
    await expect(supervisor.stopChild('nope')).rejects.toMatchObject({ code: ErrorCode.ACTOR_UNKNOWN });
    await expect(supervisor.restartChild('nope')).rejects.toMatchObject({ code: ErrorCode.ACTOR_UNKNOWN });
    await expect(supervisor.startChild(x.spec)).rejects.toMatchObject({ code: ErrorCode.CONFIG_INVALID, field: 'children.x' });
  });

  it('a stopped id may be started again', async () => {
    const { supervisor, child, startAll } = rig();
    const x = child('x');
    await startAll(x);
    await supervisor.stopChild('x');
    await supervisor.startChild(x.spec);
    expect(supervisor.children()).toMatchObject([{ id: 'x', state: 'running', restarts: 0 }]);
    expect(x.incarnations).toHaveLength(2);
  });
});

describe('a handle that cannot be supervised', () => {
  it('one whose onExit() throws is stopped and counted as a failed start', async () => {
    const { scheduler, supervisor, events, child } = rig();
    const x = child('x');
    const realStart = x.spec.start;
    let broken = true;
    x.spec.start = async () => {
      const handle = await realStart();
      if (broken) {
        broken = false;
        handle.onExit = () => {
          throw new Error('no exit channel');
        };
      }
      return handle;
    };

    await expect(supervisor.startChild(x.spec)).rejects.toMatchObject({ code: ErrorCode.ACTOR_CRASHED });
    expect(x.incarnations[0]?.stopped).toBe(true);
    await scheduler.advance(FIRST_BACKOFF_MS);

    expect(eventLines(events)).toEqual(['crashed x start_failed', 'restarted x start_failed']);
    expect(supervisor.children()).toMatchObject([{ id: 'x', state: 'running', restarts: 1 }]);
  });
});
