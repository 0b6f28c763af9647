import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.ts';
import { rig, type FakeChild, type Rig } from './fakes.ts';

const WATCHDOG_MS = 100;

/** Advances time in 10 ms steps, ticking the progress counter of `progressing` at each step. */
async function runFor(r: Rig, ms: number, progressing: readonly FakeChild[]): Promise<void> {
  for (let elapsed = 0; elapsed < ms; elapsed += 10) {
    for (const child of progressing) child.current.progressCount++;
    await r.scheduler.advance(10);
  }
}

describe('watchdog', () => {
  it('restarts a child whose progress stalls for watchdogMs, not one that progresses', async () => {
    const r = rig({ watchdogMs: WATCHDOG_MS });
    const [busy, hung] = [r.child('busy', { watched: true }), r.child('hung', { watched: true })];
    await r.startAll(busy, hung);

    await runFor(r, WATCHDOG_MS * 1.5, [busy]);

    expect(busy.incarnations).toHaveLength(1);
    expect(hung.incarnations).toHaveLength(2);
    expect(hung.incarnations[0]?.stopped).toBe(true);
    const crashed = r.events.find((e) => e.name === 'crashed');
    expect(crashed?.event).toMatchObject({ childId: 'hung', reason: 'hung', error: { code: ErrorCode.TIMEOUT } });
    // Caught within 1.25 watchdogMs: it looks four times per watchdogMs.
    expect(crashed?.event.atMs).toBeGreaterThanOrEqual(WATCHDOG_MS);
    expect(crashed?.event.atMs).toBeLessThanOrEqual(WATCHDOG_MS * 1.25);
  });

  it('a hung child that makes the supervisor give up is still stopped', async () => {
    const r = rig({ watchdogMs: WATCHDOG_MS, intensity: 0 });
    const hung = r.child('hung', { watched: true });
    await r.startAll(hung);

    await runFor(r, WATCHDOG_MS * 1.25, []);

    expect(r.supervisor.phase).toBe('gave_up');
    expect(hung.current.stopped).toBe(true);
    expect(r.supervisor.children()).toMatchObject([{ id: 'hung', state: 'failed', lastError: { code: ErrorCode.TIMEOUT } }]);
  });

  it('leaves alone a child that does not report progress', async () => {
    const r = rig({ watchdogMs: WATCHDOG_MS });
    const quiet = r.child('quiet');
    await r.startAll(quiet);

    await r.scheduler.advance(WATCHDOG_MS * 10);

    expect(quiet.incarnations).toHaveLength(1);
    expect(r.events).toEqual([]);
  });

  it('gives a restarted child a fresh watchdogMs before judging it', async () => {
    const r = rig({ watchdogMs: WATCHDOG_MS, backoffMinMs: 10 });
    const hung = r.child('hung', { watched: true });
    await r.startAll(hung);

    await runFor(r, WATCHDOG_MS * 1.25, []);
    expect(hung.incarnations).toHaveLength(2);
    await runFor(r, WATCHDOG_MS * 0.7, [hung]);

    expect(hung.incarnations).toHaveLength(2);
  });

  it('is off when watchdogMs is 0, and arms no timer', async () => {
    const r = rig({ watchdogMs: 0 });
    const hung = r.child('hung', { watched: true });
    await r.startAll(hung);

    expect(r.scheduler.timersPending).toBe(0);
    await r.scheduler.advance(60_000);
    expect(hung.incarnations).toHaveLength(1);
  });

  it('stops looking once the supervisor is closed', async () => {
    const r = rig({ watchdogMs: WATCHDOG_MS });
    const hung = r.child('hung', { watched: true });
    await r.startAll(hung);

    await r.supervisor.close();
    await r.scheduler.advance(WATCHDOG_MS * 10);

    expect(r.scheduler.timersPending).toBe(0);
    expect(hung.incarnations).toHaveLength(1);
  });
});
