/**
 * A ring's static description and the protocol's limits and timeouts. Every queue, map, batch and
 * retry has a named maximum; relations between limits are checked when the options are resolved.
 * Time is counted in ticks: the runtime decides how long a tick is (`tickMs`).
 */
import { ConfigError } from '../errors.ts';
import { isNodeId, isRingId, type NodeId, type RingId } from './ids.ts';

export type Dissemination = 'multicast' | 'ring';
export const DISSEMINATIONS: readonly Dissemination[] = ['multicast', 'ring'];

export interface RingSpec {
  readonly ring: RingId;
  /** 2f+1 acceptors; f+1 of them carry the votes of a ballot. */
  readonly acceptors: readonly NodeId[];
  /** Coordinator candidates in priority order; the first live one leads. */
  readonly coordinators: readonly NodeId[];
  /** `ring` mode: the learner chain, in order. `multicast` mode: learners join the group instead. */
  readonly learners: readonly NodeId[];
  readonly dissemination: Dissemination;
}

export interface ProtocolOptions {
  /** Bytes of client values the coordinator packs into one instance. */
  readonly batchBytesMax: number;
  /** Client values in one instance. */
  readonly batchValuesMax: number;
  /** Instances proposed and not yet decided, per coordinator. */
  readonly instancesInFlightMax: number;
  /** Instances one Phase 1 covers; the leader tops the window up when half of it is used. */
  readonly phase1WindowInstances: number;
  /** Client values queued at the coordinator awaiting an instance; more are dropped (proposers retry). */
  readonly coordinatorQueueValuesMax: number;
  /** Bytes of one Submit message from a proposer. */
  readonly submitBytesMax: number;
  /** Values a proposer has submitted and not yet seen acked. */
  readonly proposerValuesInFlightMax: number;
  /** Per-proposer window of sequence numbers a learner remembers to drop duplicates. */
  readonly dedupWindow: number;
  /** (proposer, epoch) pairs a learner tracks for duplicate detection. */
  readonly dedupProposersMax: number;
  /** Instances a learner buffers beyond the next one it must deliver. */
  readonly learnerWindowInstances: number;
  /**
   * How far past the slowest live learner a leader may open instances (learner-flow.ts); it also
   * stays within what the acceptors retain: acceptorRetainedBytesMax / batchBytesMax instances.
   */
  readonly learnerLagInstancesMax: number;
  /** A learner that delivers nothing for this long while the leader waits for it is let go (learner-flow.ts). */
  readonly learnerStallTicks: number;
  /** Decided instances an acceptor keeps to serve repairs; the oldest decided ones go first. */
  readonly acceptorRetainedInstancesMax: number;
  /** Bytes of values in the decided instances an acceptor keeps (its storage is sized from this). */
  readonly acceptorRetainedBytesMax: number;
  /** Multicast mode: votes an acceptor holds while waiting for the value they vote on. */
  readonly acceptorPendingVotesMax: number;
  /** Instances one Repair request asks for (and one Deliver reply carries). */
  readonly repairInstancesMax: number;
  /** Decision entries in one Decision message. */
  readonly decisionEntriesMax: number;
  /**
   * Bytes of values in one Phase 1B message: an acceptor whose votes in a window exceed it
   * reports a shorter window, and the leader asks again from there. (A Deliver carries at most
   * batchBytesMax: acceptor.ts, deliverBytesMaxOf.)
   */
  readonly messageBytesMax: number;

  readonly heartbeatTicks: number;
  /** An acceptor not heard from for this long is suspected and replaced in the ring. */
  readonly suspectTicks: number;
  /** A standby coordinator takes over after this long without hearing the leader (plus its stagger). */
  readonly takeoverTicks: number;
  /** Extra wait per rank, so that candidates do not all take over at once. */
  readonly takeoverStaggerTicks: number;
  readonly phase1TimeoutTicks: number;
  readonly phase2TimeoutTicks: number;
  /** Re-sends of one instance's Phase 2 before the leader forms a new ring. */
  readonly phase2RetriesMax: number;
  readonly proposerRetryTicks: number;
  /** How long a learner waits on a missing instance before it asks an acceptor. */
  readonly learnerGapTicks: number;
  readonly repairTimeoutTicks: number;
}

export const DEFAULT_PROTOCOL_OPTIONS: ProtocolOptions = Object.freeze({
  batchBytesMax: 56 * 1024,
  batchValuesMax: 1024,
  instancesInFlightMax: 32,
  phase1WindowInstances: 1024,
  coordinatorQueueValuesMax: 65_536,
  submitBytesMax: 56 * 1024,
  proposerValuesInFlightMax: 16_384,
  dedupWindow: 32_768,
  dedupProposersMax: 4096,
  learnerWindowInstances: 8192,
  learnerLagInstancesMax: 256,
  learnerStallTicks: 300,
  acceptorRetainedInstancesMax: 65_536,
  acceptorRetainedBytesMax: 16 * 1024 * 1024,
  acceptorPendingVotesMax: 4096,
  repairInstancesMax: 64,
  decisionEntriesMax: 256,
  messageBytesMax: 1024 * 1024,
  heartbeatTicks: 5,
  suspectTicks: 30,
  takeoverTicks: 40,
  takeoverStaggerTicks: 30,
  phase1TimeoutTicks: 10,
  phase2TimeoutTicks: 20,
  phase2RetriesMax: 3,
  proposerRetryTicks: 50,
  learnerGapTicks: 5,
  repairTimeoutTicks: 10,
});

const POSITIVE_INTEGER_FIELDS = Object.keys(DEFAULT_PROTOCOL_OPTIONS) as (keyof ProtocolOptions)[];

/** Fills defaults, validates every field and the relations between them, and freezes. */
export function resolveProtocolOptions(partial: Partial<ProtocolOptions> = {}, path = 'protocol'): ProtocolOptions {
  for (const key of Object.keys(partial)) {
    if (!Object.hasOwn(DEFAULT_PROTOCOL_OPTIONS, key)) throw new ConfigError(`${path}.${key}`, 'unknown option');
  }
  const o = { ...DEFAULT_PROTOCOL_OPTIONS, ...partial };
  for (const key of POSITIVE_INTEGER_FIELDS) {
    const v = o[key];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) {
      throw new ConfigError(`${path}.${key}`, `must be a positive integer, got ${JSON.stringify(v)}`);
    }
  }
  const rel = (ok: boolean, field: keyof ProtocolOptions, why: string): void => {
    if (!ok) throw new ConfigError(`${path}.${field}`, why);
  };
  rel(o.dedupWindow >= o.proposerValuesInFlightMax, 'dedupWindow', 'must be at least proposerValuesInFlightMax, or retries could be delivered twice');
  rel(o.phase1WindowInstances >= 2 * o.instancesInFlightMax, 'phase1WindowInstances', 'must be at least twice instancesInFlightMax');
  rel(o.learnerWindowInstances >= o.phase1WindowInstances, 'learnerWindowInstances', 'must be at least phase1WindowInstances');
  rel(o.acceptorRetainedInstancesMax >= o.phase1WindowInstances, 'acceptorRetainedInstancesMax', 'must be at least phase1WindowInstances');
  rel(o.acceptorRetainedBytesMax >= 4 * o.batchBytesMax, 'acceptorRetainedBytesMax', 'must be at least four times batchBytesMax');
  rel(o.messageBytesMax >= 2 * o.batchBytesMax, 'messageBytesMax', 'must be at least twice batchBytesMax, so that one instance always fits');
  rel(o.submitBytesMax <= o.batchBytesMax, 'submitBytesMax', 'must not exceed batchBytesMax');
  rel(o.suspectTicks > 2 * o.heartbeatTicks, 'suspectTicks', 'must exceed twice heartbeatTicks');
  rel(o.takeoverTicks > 2 * o.heartbeatTicks, 'takeoverTicks', 'must exceed twice heartbeatTicks');
  return Object.freeze(o);
}

/** The number of acceptor failures a ring of this many acceptors tolerates. */
export function faultsTolerated(acceptorCount: number): number {
  return Math.floor((acceptorCount - 1) / 2);
}

/** Votes that decide: a majority of all acceptors. */
export function quorumSize(acceptorCount: number): number {
  return Math.floor(acceptorCount / 2) + 1;
}

export const RING_ACCEPTORS_MAX = 15;

export function validateRingSpec(spec: RingSpec, path = 'ring'): RingSpec {
  if (!isRingId(spec.ring)) throw new ConfigError(`${path}.ring`, 'must be an integer from 0 to 65535');
  if (!DISSEMINATIONS.includes(spec.dissemination)) {
    throw new ConfigError(`${path}.dissemination`, `must be one of ${DISSEMINATIONS.join(', ')}`);
  }
  const ids = (field: 'acceptors' | 'coordinators' | 'learners', min: number, max: number): void => {
    const list = spec[field];
    if (!Array.isArray(list)) throw new ConfigError(`${path}.${field}`, 'must be a list of node ids');
    if (list.length < min || list.length > max) throw new ConfigError(`${path}.${field}`, `must hold ${min} to ${max} node ids`);
    list.forEach((n, i) => {
      if (!isNodeId(n)) throw new ConfigError(`${path}.${field}[${i}]`, 'must be an integer node id from 0 to 65535');
    });
    if (new Set(list).size !== list.length) throw new ConfigError(`${path}.${field}`, 'has a duplicate node id');
  };
  ids('acceptors', 1, RING_ACCEPTORS_MAX);
  ids('coordinators', 1, 16);
  ids('learners', 0, 256);
  if (spec.acceptors.length % 2 === 0) {
    throw new ConfigError(`${path}.acceptors`, 'must hold an odd number (2f+1) of acceptors');
  }
  if (spec.dissemination === 'ring' && spec.learners.length === 0) {
    throw new ConfigError(`${path}.learners`, 'ring dissemination needs the learner chain');
  }
  const roles = [...spec.acceptors, ...spec.coordinators, ...spec.learners];
  if (new Set(roles).size !== roles.length) {
    throw new ConfigError(path, 'a node id is used by two roles (acceptor, coordinator, learner ids must differ)');
  }
  return Object.freeze({ ...spec, acceptors: [...spec.acceptors], coordinators: [...spec.coordinators], learners: [...spec.learners] });
}
