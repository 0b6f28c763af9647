/**
 * The ring a simulated run uses, drawn from its seed within the bounds the simulator covers:
 * 3 or 5 acceptors, 1–3 coordinator candidates, 1–3 learners, 1–2 proposers, either mode.
 * Node ids are grouped by role (acceptors 1.., coordinators 11.., learners 21.., proposers 31..)
 * so that a trace reads at a glance.
 */
import type { ProtocolOptions } from '../protocol/options.ts';
import { nodeId, ringId, type NodeId } from '../protocol/ids.ts';
import { DISSEMINATIONS, type Dissemination, type RingSpec } from '../protocol/options.ts';
import type { Prng } from '../protocol/prng.ts';

/** A fixed mode, or `mixed`: each seed draws its own. */
export type ModeChoice = Dissemination | 'mixed';
export const MODE_CHOICES: readonly ModeChoice[] = [...DISSEMINATIONS, 'mixed'];

export interface RingShape {
  readonly ring: RingSpec;
  readonly proposers: readonly NodeId[];
}

export const SHAPE_BOUNDS = Object.freeze({
  acceptorCounts: [3, 5] as const,
  coordinatorsMax: 3,
  learnersMax: 3,
  proposersMax: 2,
});

const ids = (base: number, count: number): NodeId[] => Array.from({ length: count }, (_, i) => nodeId(base + i));

export function randomShape(prng: Prng, mode: ModeChoice): RingShape {
  const acceptorCount = SHAPE_BOUNDS.acceptorCounts[prng.below(SHAPE_BOUNDS.acceptorCounts.length)] ?? 3;
  const coordinatorCount = 1 + prng.below(SHAPE_BOUNDS.coordinatorsMax);
  const learnerCount = 1 + prng.below(SHAPE_BOUNDS.learnersMax);
  const proposerCount = 1 + prng.below(SHAPE_BOUNDS.proposersMax);
  // Drawn even when the mode is fixed, so that the rest of a seed's run does not depend on --mode.
  const drawn = DISSEMINATIONS[prng.below(DISSEMINATIONS.length)] ?? 'multicast';
  return {
    ring: {
      ring: ringId(1),
      acceptors: ids(1, acceptorCount),
      coordinators: ids(11, coordinatorCount),
      learners: ids(21, learnerCount),
      dissemination: mode === 'mixed' ? drawn : mode,
    },
    proposers: ids(31, proposerCount),
  };
}

export function formatShape(s: RingShape): string {
  const r = s.ring;
  return `${r.dissemination} acceptors=${r.acceptors.join(',')} coordinators=${r.coordinators.join(',')} learners=${r.learners.join(',')} proposers=${s.proposers.join(',')}`;
}

/**
 * Protocol limits drawn per seed: the defaults, or small windows under which Phase 1 top-ups,
 * full in-flight windows and one-value batches happen all the time (a top-up bug hid behind the
 * default 1024-instance window once). Retention stays at its default: a restarted learner must
 * still find every instance at the acceptors, since learners do not recover from snapshots yet.
 */
export const LIMIT_PROFILES: readonly { readonly name: string; readonly protocol: Partial<ProtocolOptions> }[] = [
  { name: 'default', protocol: {} },
  { name: 'small', protocol: { phase1WindowInstances: 16, instancesInFlightMax: 4, batchValuesMax: 4 } },
  { name: 'tiny', protocol: { phase1WindowInstances: 4, instancesInFlightMax: 2, batchValuesMax: 1 } },
];

export function randomLimits(prng: Prng): (typeof LIMIT_PROFILES)[number] {
  return LIMIT_PROFILES[prng.below(LIMIT_PROFILES.length)] ?? { name: 'default', protocol: {} };
}
