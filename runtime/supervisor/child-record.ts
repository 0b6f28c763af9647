/**
 * What a Supervisor knows about one child: the abstract child it is given (ChildSpec, ChildHandle)
 * and its own bookkeeping record. The supervisor never sees past ChildHandle, so it knows nothing
 * of threads; the runtime implements the handle for an actor hosted on a worker thread.
 */
import { ErrorCode, RingcastError, isRingcastError } from '../../src/errors.ts';
import type { ExitReason, RestartKind } from './restart-policy.ts';
import type { ChildEventReason } from './supervisor-events.ts';

export interface ChildSpec {
  /** Unique among one supervisor's children. */
  readonly id: string;
  readonly restart: RestartKind;
  /** Starts a fresh incarnation. Throwing or rejecting counts as a crash of this child. */
  start(): ChildHandle | Promise<ChildHandle>;
}

export interface ChildHandle {
  /** Stops this incarnation; resolves once it is gone (its thread terminated). Must not hang. */
  stop(): Promise<void>;
  /** `callback` runs once when the incarnation ends by itself, even if it ended before this call. */
  onExit(callback: (reason: ExitReason, error?: unknown) => void): void;
  /**
   * A counter that grows while the child makes progress; the watchdog restarts a child whose
   * counter stalls for watchdogMs (omit to opt out). A cheap read that does not throw.
   */
  progress?(): number;
}

/** 'starting': first start() in flight; 'restarting': backing off or restarting; 'failed': crashed for good. */
export type ChildState = 'starting' | 'running' | 'restarting' | 'stopped' | 'failed';

export interface ChildStatus {
  readonly id: string;
  readonly state: ChildState;
  readonly restarts: number;
  /** The last error the child crashed with (or its stop() threw); undefined when none. */
  readonly lastError: unknown;
}

export interface ChildRecord {
  readonly spec: ChildSpec;
  state: ChildState;
  /** The running incarnation; cleared as soon as it exits or is being stopped. */
  handle: ChildHandle | undefined;
  /**
   * Bumped whenever the supervisor takes a new decision about this child. A launch or a backoff
   * that carries an older token has been overtaken (stopped, closed, regrouped) and stands down.
   */
  token: number;
  /** The launch in flight, so that a stop waits for what it may still start. */
  launching: Promise<void> | undefined;
  /** The stop in flight, so that every caller waits for the same one. */
  stopping: Promise<void> | undefined;
  restarts: number;
  /** Consecutive restarts, for the backoff; reset once the child has run for periodMs. */
  consecutive: number;
  startedAtMs: number;
  lastError: unknown;
  progressValue: number;
  progressAtMs: number;
}

export function newChildRecord(spec: ChildSpec): ChildRecord {
  return {
    spec,
    state: 'starting',
    handle: undefined,
    token: 0,
    launching: undefined,
    stopping: undefined,
    restarts: 0,
    consecutive: 0,
    startedAtMs: 0,
    lastError: undefined,
    progressValue: 0,
    progressAtMs: 0,
  };
}

/** Alive, or about to be: a crash of a sibling takes it down, a shutdown stops it. */
export function isLive(record: ChildRecord): boolean {
  return record.state === 'starting' || record.state === 'running' || record.state === 'restarting';
}

export function statusOf(record: ChildRecord): ChildStatus {
  return { id: record.spec.id, state: record.state, restarts: record.restarts, lastError: record.lastError };
}

/**
 * The error a child's crash is recorded with. A RingcastError keeps its code; anything else is
 * wrapped as RINGCAST_ERR_ACTOR_CRASHED, so that a program can always match on `code`.
 */
export function crashErrorOf(childId: string, reason: ChildEventReason, error: unknown): RingcastError {
  if (isRingcastError(error)) return error;
  const what = reason === 'start_failed' ? 'failed to start' : 'crashed';
  return new RingcastError(ErrorCode.ACTOR_CRASHED, `child ${childId} ${what}`, { cause: error });
}

export function hungErrorOf(childId: string, watchdogMs: number): RingcastError {
  return new RingcastError(ErrorCode.TIMEOUT, `child ${childId} made no progress for ${watchdogMs} ms`);
}
