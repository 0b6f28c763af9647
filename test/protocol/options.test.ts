import { describe, expect, it } from 'vitest';
import { ConfigError, ErrorCode } from '../../src/errors.ts';
import { nodeId, ringId } from '../../src/protocol/ids.ts';
import {
  DEFAULT_PROTOCOL_OPTIONS,
  faultsTolerated,
  quorumSize,
  RING_ACCEPTORS_MAX,
  resolveProtocolOptions,
  validateRingSpec,
  type ProtocolOptions,
  type RingSpec,
} from '../../src/protocol/options.ts';
import { A1, A2, A3, C10, L20, ringSpec, SMALL_LIMITS } from './builders.ts';

/** Runs `f` and returns the ConfigError it throws (failing the test if it throws anything else). */
function configErrorOf(f: () => unknown): ConfigError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    const err = e as ConfigError;
    expect(err.code).toBe(ErrorCode.CONFIG_INVALID);
    expect(err.name).toBe('ConfigError');
    return err;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

/** Options from untyped input, as a config file would hand them over. */
const resolveUntyped = (partial: Record<string, unknown>, path?: string): ProtocolOptions =>
  resolveProtocolOptions(partial as Partial<ProtocolOptions>, path);

const FIELDS = Object.keys(DEFAULT_PROTOCOL_OPTIONS) as (keyof ProtocolOptions)[];

describe('resolveProtocolOptions defaults', () => {
  it('resolves the defaults to an equal, frozen object', () => {
    const o = resolveProtocolOptions();
    expect(o).toEqual(DEFAULT_PROTOCOL_OPTIONS);
    expect(Object.isFrozen(o)).toBe(true);
    expect(Object.isFrozen(DEFAULT_PROTOCOL_OPTIONS)).toBe(true);
  });

  it('keeps a given field and fills the others', () => {
    const o = resolveProtocolOptions({ heartbeatTicks: 3 });
    expect(o.heartbeatTicks).toBe(3);
    expect(o.batchBytesMax).toBe(DEFAULT_PROTOCOL_OPTIONS.batchBytesMax);
  });

  it('accepts the small limits the unit tests use', () => {
    expect(resolveProtocolOptions(SMALL_LIMITS)).toMatchObject(SMALL_LIMITS);
  });

  it('does not let the caller change the resolved object', () => {
    const o = resolveProtocolOptions();
    expect(() => {
      (o as { batchBytesMax: number }).batchBytesMax = 1;
    }).toThrow(TypeError);
  });
});

describe('resolveProtocolOptions refusals', () => {
  it('refuses an unknown option, naming it', () => {
    expect(configErrorOf(() => resolveUntyped({ batchBytesMaximum: 10 })).field).toBe('protocol.batchBytesMaximum');
  });

  it('names the field under the given path', () => {
    expect(configErrorOf(() => resolveUntyped({ bogus: 1 }, 'rings[2].protocol')).field).toBe('rings[2].protocol.bogus');
  });

  const badValues: [string, unknown][] = [
    ['zero', 0],
    ['negative', -1],
    ['non-integer', 1.5],
    ['NaN', Number.NaN],
    ['infinite', Number.POSITIVE_INFINITY],
    ['beyond safe integers', 2 ** 53],
    ['a string', '5'],
    ['null', null],
  ];
  const cases = FIELDS.flatMap((field) => badValues.map(([what, value]) => [field, what, value] as const));
  it.each(cases)('refuses %s when %s', (field, _what, value) => {
    expect(configErrorOf(() => resolveUntyped({ [field]: value })).field).toBe(`protocol.${field}`);
  });

  // Each relation between limits: options that break it (naming the field), and options at its boundary.
  it.each<[keyof ProtocolOptions, Partial<ProtocolOptions>, Partial<ProtocolOptions>]>([
    ['dedupWindow', { dedupWindow: 99, proposerValuesInFlightMax: 100 }, { dedupWindow: 100, proposerValuesInFlightMax: 100 }],
    ['phase1WindowInstances', { phase1WindowInstances: 63, instancesInFlightMax: 32 }, { phase1WindowInstances: 64, instancesInFlightMax: 32 }],
    ['learnerWindowInstances', { learnerWindowInstances: 1023, phase1WindowInstances: 1024 }, { learnerWindowInstances: 1024, phase1WindowInstances: 1024 }],
    ['acceptorRetainedInstancesMax', { acceptorRetainedInstancesMax: 1023, phase1WindowInstances: 1024 }, { acceptorRetainedInstancesMax: 1024, phase1WindowInstances: 1024 }],
    ['acceptorRetainedBytesMax', { acceptorRetainedBytesMax: 4 * 65_536 - 1, batchBytesMax: 65_536 }, { acceptorRetainedBytesMax: 4 * 65_536, batchBytesMax: 65_536 }],
    ['submitBytesMax', { submitBytesMax: 1025, batchBytesMax: 1024 }, { submitBytesMax: 1024, batchBytesMax: 1024 }],
    ['suspectTicks', { suspectTicks: 10, heartbeatTicks: 5 }, { suspectTicks: 11, heartbeatTicks: 5 }],
    ['takeoverTicks', { takeoverTicks: 10, heartbeatTicks: 5 }, { takeoverTicks: 11, heartbeatTicks: 5 }],
  ])('checks the relation of %s, refusing it broken and accepting it at its boundary', (field, broken, boundary) => {
    expect(configErrorOf(() => resolveProtocolOptions(broken)).field).toBe(`protocol.${field}`);
    expect(resolveProtocolOptions(boundary)).toMatchObject(boundary);
  });
});

describe('validateRingSpec', () => {
  const spec = (overrides: Record<string, unknown>): RingSpec => ({ ...ringSpec('multicast'), ...overrides }) as RingSpec;
  const n = nodeId;

  it('accepts a valid spec and returns a frozen copy', () => {
    const input = ringSpec('ring');
    const out = validateRingSpec(input);
    expect(out).toEqual(input);
    expect(Object.isFrozen(out)).toBe(true);
    expect(out.acceptors).not.toBe(input.acceptors);
  });

  it('accepts multicast mode without learners', () => {
    expect(validateRingSpec(spec({ learners: [] })).learners).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a ring id out of range', { ring: 65_536 }, 'ring.ring'],
    ['a non-integer ring id', { ring: 1.5 }, 'ring.ring'],
    ['an unknown dissemination', { dissemination: 'broadcast' }, 'ring.dissemination'],
    ['acceptors that are not a list', { acceptors: 'a1' }, 'ring.acceptors'],
    ['no acceptors', { acceptors: [] }, 'ring.acceptors'],
    ['more acceptors than the maximum', { acceptors: Array.from({ length: RING_ACCEPTORS_MAX + 2 }, (_, k) => n(100 + k)) }, 'ring.acceptors'],
    ['an even acceptor count', { acceptors: [A1, A2] }, 'ring.acceptors'],
    ['four acceptors', { acceptors: [A1, A2, A3, n(4)] }, 'ring.acceptors'],
    ['a duplicate acceptor', { acceptors: [A1, A2, A1] }, 'ring.acceptors'],
    ['a bad acceptor id', { acceptors: [A1, -1, A3] }, 'ring.acceptors[1]'],
    ['a non-integer acceptor id', { acceptors: [A1, A2, 2.5] }, 'ring.acceptors[2]'],
    ['no coordinators', { coordinators: [] }, 'ring.coordinators'],
    ['a duplicate coordinator', { coordinators: [C10, C10] }, 'ring.coordinators'],
    ['a bad coordinator id', { coordinators: [70_000] }, 'ring.coordinators[0]'],
    ['a duplicate learner', { learners: [L20, L20] }, 'ring.learners'],
    ['learners that are not a list', { learners: null }, 'ring.learners'],
    ['ring mode without learners', { dissemination: 'ring', learners: [] }, 'ring.learners'],
    ['a node that is acceptor and coordinator', { coordinators: [A1] }, 'ring'],
    ['a node that is coordinator and learner', { learners: [C10] }, 'ring'],
    ['a node that is acceptor and learner', { learners: [A2] }, 'ring'],
  ])('refuses %s, naming the field', (_what, overrides, field) => {
    expect(configErrorOf(() => validateRingSpec(spec(overrides))).field).toBe(field);
  });

  it('names the field under the given path', () => {
    expect(configErrorOf(() => validateRingSpec(spec({ acceptors: [A1, A2] }), 'rings[3]')).field).toBe('rings[3].acceptors');
  });

  it('accepts the largest ring', () => {
    const acceptors = Array.from({ length: RING_ACCEPTORS_MAX }, (_, k) => n(100 + k));
    expect(validateRingSpec({ ...ringSpec(), ring: ringId(0), acceptors }).acceptors).toHaveLength(RING_ACCEPTORS_MAX);
  });
});

describe('quorum arithmetic', () => {
  it.each([
    // [acceptors, quorum, faults tolerated]
    [1, 1, 0],
    [3, 2, 1],
    [5, 3, 2],
    [7, 4, 3],
    [9, 5, 4],
    [15, 8, 7],
  ])('%i acceptors: quorum %i, tolerates %i faults', (acceptors, quorum, faults) => {
    expect(quorumSize(acceptors)).toBe(quorum);
    expect(faultsTolerated(acceptors)).toBe(faults);
    // Any two quorums intersect, and the live ones after f faults still form a quorum.
    expect(2 * quorum).toBeGreaterThan(acceptors);
    expect(acceptors - faults).toBeGreaterThanOrEqual(quorum);
  });
});
