import { describe, expect, it } from 'vitest';
import { ErrorCode, RingcastError } from '../../src/errors.ts';
import { eventLines, rig, settle } from './fakes.ts';

describe('event payloads', () => {
  it('crashed then restarted carry child, reason, error, restarts, time and backoff', async () => {
    const { scheduler, events, child, startAll } = rig({ backoffMinMs: 25 });
    const x = child('x');
    await startAll(x);
    await scheduler.advance(1_000);
    const thrown = new TypeError('bad frame');

    x.current.crash(thrown);
    await scheduler.advance(25);

    expect(events).toEqual([
      {
        name: 'crashed',
        event: { childId: 'x', reason: 'crash', error: expect.objectContaining({ code: ErrorCode.ACTOR_CRASHED, cause: thrown }), restarts: 0, atMs: 1_000, backoffMs: 25 },
      },
      {
        name: 'restarted',
        event: { childId: 'x', reason: 'crash', error: expect.objectContaining({ cause: thrown }), restarts: 1, atMs: 1_025, backoffMs: 25 },
      },
    ]);
  });

  it('a crash error that already has a ringcast code keeps it', async () => {
    const { scheduler, supervisor, events, child, startAll } = rig();
    const x = child('x');
    await startAll(x);
    const assertion = new RingcastError(ErrorCode.ASSERTION, 'assertion failed: ballot grows');

    x.current.crash(assertion);
    await scheduler.advance(0);

    expect(events[0]?.event.error).toBe(assertion);
    expect(supervisor.children()[0]?.lastError).toBe(assertion);
  });

  it('stopped carries the reason it will not be restarted', async () => {
    const { scheduler, events, child, startAll } = rig();
    const [t, u] = [child('t', { restart: 'transient' }), child('u', { restart: 'temporary' })];
    await startAll(t, u);

    t.current.exitNormally();
    u.current.crash();
    await scheduler.advance(0);

    // 'crashed' is said at once; 'stopped' once the stop has completed, so it may come later.
    expect(eventLines(events)).toEqual(['crashed u crash', 'stopped t normal', 'stopped u crash']);
    expect(events.find((e) => e.name === 'crashed')?.event.backoffMs).toBeNull();
  });

  it('off() unsubscribes a listener', async () => {
    const { scheduler, supervisor, child, startAll } = rig();
    const x = child('x');
    await startAll(x);
    const seen: string[] = [];
    const listener = (): void => void seen.push('crashed');
    supervisor.on('crashed', listener).off('crashed', listener);

    x.current.crash();
    await scheduler.advance(100);

    expect(seen).toEqual([]);
  });
});

describe('a throwing listener is contained', () => {
  it('the restart still happens, later listeners still run, and the throw is counted', async () => {
    const { scheduler, supervisor, child, startAll } = rig();
    const x = child('x');
    await startAll(x);
    const seen: string[] = [];
    supervisor.on('crashed', () => {
      throw new Error('listener bug');
    });
    supervisor.on('crashed', (e) => seen.push(e.childId));
    supervisor.on('restarted', () => {
      throw new Error('listener bug');
    });

    x.current.crash();
    await scheduler.advance(100);

    expect(seen).toEqual(['x']);
    expect(supervisor.children()).toMatchObject([{ id: 'x', state: 'running', restarts: 1 }]);
    expect(supervisor.counts().listenerErrors).toBe(2);
  });

  it('an onEscalate that throws does not stop the give-up from completing', async () => {
    const { scheduler, supervisor, events, child, startAll } = rig(
      { intensity: 0 },
      {
        onEscalate: () => {
          throw new Error('escalation bug');
        },
      },
    );
    const x = child('x');
    await startAll(x);

    x.current.crash();
    await scheduler.advance(0);

    expect(supervisor.phase).toBe('gave_up');
    expect(events.map((e) => e.name)).toContain('gave-up');
    expect(supervisor.counts().listenerErrors).toBe(1);
  });
});

describe('close', () => {
  it('stops every child in reverse start order, each with a stopped event', async () => {
    const { supervisor, log, events, child, startAll } = rig();
    await startAll(child('a'), child('b'), child('c'));

    await supervisor.close();

    expect(log).toEqual(['stop c', 'stop b', 'stop a']);
    expect(eventLines(events)).toEqual(['stopped c shutdown', 'stopped b shutdown', 'stopped a shutdown']);
    expect(supervisor.children().map((s) => s.state)).toEqual(['stopped', 'stopped', 'stopped']);
    expect(supervisor.phase).toBe('closed');
  });

  it('cancels a pending restart: the child backing off is not started again', async () => {
    const { scheduler, supervisor, log, child, startAll } = rig({ backoffMinMs: 50 });
    const [a, b] = [child('a'), child('b')];
    await startAll(a, b);

    b.current.crash();
    await scheduler.advance(10);
    await supervisor.close();
    await scheduler.advance(1_000);

    expect(log).toEqual(['stop a']);
    expect(b.incarnations).toHaveLength(1);
    expect(scheduler.timersPending).toBe(0);
  });

  it('a crash while closing restarts nothing', async () => {
    const { scheduler, supervisor, child, startAll } = rig();
    const [a, b] = [child('a'), child('b')];
    await startAll(a, b);
    // b is stopped first; a crashes while b's stop is in flight.
    const stopB = b.current.stop.bind(b.current);
    b.current.stop = async () => {
      a.current.crash();
      await stopB();
    };

    await supervisor.close();
    await scheduler.advance(1_000);

    expect(a.incarnations).toHaveLength(1);
    expect(supervisor.counts()).toMatchObject({ crashes: 1, restarts: 0 });
    expect(supervisor.children().map((s) => [s.id, s.state])).toEqual([
      ['a', 'failed'],
      ['b', 'stopped'],
    ]);
  });

  it('waits for a start() in flight and stops what it returns', async () => {
    const { supervisor, log, child } = rig();
    const x = child('x');
    const release = x.holdNextStart();

    const started = supervisor.startChild(x.spec);
    const closed = supervisor.close().then(() => void log.push('closed'));
    await settle();
    release();
    await Promise.all([started, closed]);

    expect(log).toEqual(['start x', 'stop x', 'closed']);
  });

  it('closing while a one_for_all group is being stopped leaves no restart timer behind', async () => {
    const { scheduler, supervisor, child, startAll } = rig({ strategy: 'one_for_all' });
    const [a, b] = [child('a'), child('b')];
    await startAll(a, b);
    let finishStopB = (): void => {};
    b.current.stop = () => new Promise<void>((resolve) => (finishStopB = resolve));

    a.current.crash();
    const closed = supervisor.close();
    finishStopB();
    await closed;

    expect(scheduler.timersPending).toBe(0);
    await scheduler.advance(1_000);
    expect(a.incarnations).toHaveLength(1);
  });

  it('is idempotent, and refuses new work with RINGCAST_ERR_CLOSED', async () => {
    const { supervisor, child, startAll } = rig();
    await startAll(child('a'));

    const first = supervisor.close();
    expect(supervisor.close()).toBe(first);
    await first;

    await expect(supervisor.startChild(child('b').spec)).rejects.toMatchObject({ code: ErrorCode.CLOSED });
    await expect(supervisor.restartChild('a')).rejects.toMatchObject({ code: ErrorCode.CLOSED });
  });

  it('a stop() that rejects is recorded, and close still stops the rest', async () => {
    const { supervisor, log, child, startAll } = rig();
    const [a, b] = [child('a'), child('b')];
    await startAll(a, b);
    const stopFailure = new Error('terminate failed');
    b.current.stop = () => Promise.reject(stopFailure);

    await supervisor.close();

    expect(log).toEqual(['stop a']);
    expect(supervisor.children().find((s) => s.id === 'b')?.lastError).toBe(stopFailure);
  });
});
