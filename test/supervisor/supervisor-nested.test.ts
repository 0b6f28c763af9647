import { describe, expect, it } from 'vitest';
import { ErrorCode, isRingcastError, type RingcastError } from '../../src/errors.ts';
import { Supervisor, asChild } from '../../runtime/supervisor/supervisor.ts';
import { FakeChild, fakeEnv, rig } from './fakes.ts';

/** A parent (from `rig`) supervising an inner supervisor that owns one fake child, `leaf`. */
async function nestedRig(parentIntensity: number) {
  const escalated: RingcastError[] = [];
  const parent = rig({ intensity: parentIntensity, backoffMinMs: 10 }, { onEscalate: (error) => escalated.push(error) });
  const leaf = new FakeChild('leaf', parent.log);
  const inners: Supervisor[] = [];
  const build = async (): Promise<Supervisor> => {
    const inner = new Supervisor({ intensity: 0, watchdogMs: 0 }, fakeEnv(parent.scheduler));
    inners.push(inner);
    await inner.startChild(leaf.spec);
    return inner;
  };
  await parent.supervisor.startChild(asChild('inner', build));
  parent.log.length = 0;
  return { parent, leaf, inners, escalated };
}

describe('nested supervisors (asChild)', () => {
  it('an inner supervisor that gives up is a crash of that child: the parent rebuilds the subtree', async () => {
    const { parent, leaf, inners } = await nestedRig(5);

    leaf.current.crash();
    await parent.scheduler.advance(10);

    expect(inners).toHaveLength(2);
    expect(inners[0]?.phase).toBe('gave_up');
    expect(inners[1]?.phase).toBe('open');
    // The crashed leaf was already gone: the rebuilt inner supervisor just starts a new one.
    expect(parent.log).toEqual(['start leaf']);
    expect(leaf.incarnations).toHaveLength(2);
    const crashed = parent.events.find((e) => e.name === 'crashed');
    expect(crashed?.event).toMatchObject({ childId: 'inner', reason: 'crash' });
    expect(isRingcastError(crashed?.event.error, ErrorCode.SUPERVISOR_GAVE_UP)).toBe(true);
  });

  it('escalates to the top: past the parent’s own intensity, the parent gives up too', async () => {
    const { parent, leaf, escalated } = await nestedRig(0);

    leaf.current.crash();
    await parent.scheduler.advance(10);

    expect(parent.supervisor.phase).toBe('gave_up');
    expect(escalated).toHaveLength(1);
    // The cause chain leads from the top give-up down to the leaf's own error.
    const innerGaveUp = escalated[0]?.cause as RingcastError;
    expect(innerGaveUp.code).toBe(ErrorCode.SUPERVISOR_GAVE_UP);
    expect(innerGaveUp.cause).toMatchObject({ code: ErrorCode.ACTOR_CRASHED, cause: { message: 'leaf threw' } });
    expect(leaf.incarnations).toHaveLength(1);
  });

  it('closing the parent closes the inner supervisor, which stops its children', async () => {
    const { parent, leaf, inners } = await nestedRig(5);

    await parent.supervisor.close();

    expect(inners[0]?.phase).toBe('closed');
    expect(leaf.current.stopped).toBe(true);
    expect(parent.events.filter((e) => e.name === 'crashed')).toEqual([]);
  });

  it('a supervisor as a handle reports its end to a late subscriber at once', async () => {
    const inner = new Supervisor({ watchdogMs: 0 });
    await inner.close();
    const exits: string[] = [];
    inner.onExit((reason) => exits.push(reason));
    expect(exits).toEqual(['normal']);
  });
});
