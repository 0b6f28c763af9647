/**
 * The Supervisor (Erlang/OTP, Akka): restarts the children it owns when they crash, one_for_one or
 * one_for_all; permanent, transient and temporary children; backoff with jitter; a restart
 * intensity past which it stops everything, gives up and escalates; and a watchdog for children
 * that hang. It sees a child only through ChildSpec and ChildHandle, and time only through the
 * injected clock and timers, so every path is tested without threads.
 *
 * Concurrency rule: every decision about a child bumps its `token`; any async continuation (a
 * launch awaiting start(), a backoff timer, a group restart awaiting stops) re-checks the token
 * and stands down if a newer decision (stop, close, another crash) has overtaken it.
 */
import { ConfigError, ErrorCode, RingcastError } from '../../src/errors.ts';
import {
  RestartWindow,
  backoffMs,
  resolveSupervisorOptions,
  restartSet,
  shouldRestart,
  type ExitReason,
  type RestartKind,
  type SupervisorOptions,
} from './restart-policy.ts';
import {
  SupervisorEmitter,
  type ChildEventReason,
  type SupervisorEventName,
  type SupervisorListener,
} from './supervisor-events.ts';
import {
  crashErrorOf,
  hungErrorOf,
  isLive,
  newChildRecord,
  statusOf,
  type ChildHandle,
  type ChildRecord,
  type ChildSpec,
  type ChildStatus,
} from './child-record.ts';

export type { ChildHandle, ChildSpec, ChildState, ChildStatus } from './child-record.ts';
export type { ChildEventReason, SupervisorEvent, SupervisorEventName, SupervisorListener } from './supervisor-events.ts';

/** Time, randomness and escalation, injected so that tests drive them. */
export interface SupervisorEnv {
  /** Monotonic milliseconds. Default: performance.now(). */
  readonly clock?: () => number;
  /** Uniform in [0, 1), for the backoff jitter. Default: Math.random. */
  readonly random?: () => number;
  /** Default: setTimeout. The returned value is only ever passed back to clearTimer. */
  readonly setTimer?: (callback: () => void, delayMs: number) => unknown;
  readonly clearTimer?: (timer: unknown) => void;
  /** Called once the supervisor has given up and stopped its children (RINGCAST_ERR_SUPERVISOR_GAVE_UP). */
  readonly onEscalate?: (error: RingcastError) => void;
}

export interface SupervisorCounts {
  readonly crashes: number;
  readonly restarts: number;
  readonly gaveUp: number;
  /** Event listeners and exit callbacks that threw; each was contained. */
  readonly listenerErrors: number;
}

export type SupervisorPhase = 'open' | 'closing' | 'closed' | 'giving_up' | 'gave_up';

type FailureReason = 'normal' | 'crash' | 'hung' | 'start_failed';
type ExitCallback = (reason: ExitReason, error?: unknown) => void;
/** What a restart carries into its 'restarted' event. */
interface RestartNote {
  readonly reason: ChildEventReason;
  readonly error: unknown;
  readonly backoffMs: number;
}
type LaunchResult = { readonly ok: true } | { readonly ok: false; readonly error: unknown };
/** Boxed, because a timer id may be any value (0 included). */
interface Timer {
  id: unknown;
}

const noop = (): void => {};
const RESTART_KINDS: readonly RestartKind[] = ['permanent', 'transient', 'temporary'];

/**
 * A supervisor is itself a ChildHandle (stop = close; exit 'crash' when it gives up), so that it can
 * be the child of another: see asChild.
 */
export class Supervisor implements ChildHandle {
  readonly options: SupervisorOptions;
  private readonly clock: () => number;
  private readonly random: () => number;
  private readonly setTimer: (callback: () => void, delayMs: number) => unknown;
  private readonly clearTimer: (timer: unknown) => void;
  private readonly onEscalate: ((error: RingcastError) => void) | undefined;
  private readonly emitter = new SupervisorEmitter();
  private readonly window: RestartWindow;
  /** In start order: one_for_all restarts in this order and every shutdown stops in reverse. */
  private readonly records = new Map<string, ChildRecord>();
  private readonly timers = new Set<Timer>();
  private readonly exitCallbacks: ExitCallback[] = [];
  private watchdog: Timer | undefined;
  private phaseNow: SupervisorPhase = 'open';
  private shutdown: Promise<void> | undefined;
  private gaveUpError: RingcastError | undefined;
  private crashes = 0;
  private restarts = 0;
  private gaveUp = 0;

  constructor(options: Partial<SupervisorOptions> = {}, env: SupervisorEnv = {}) {
    this.options = resolveSupervisorOptions(options);
    this.window = new RestartWindow(this.options);
    this.clock = env.clock ?? (() => performance.now());
    this.random = env.random ?? Math.random;
    this.setTimer = env.setTimer ?? ((callback, delayMs) => setTimeout(callback, delayMs));
    this.clearTimer = env.clearTimer ?? ((timer) => clearTimeout(timer as ReturnType<typeof setTimeout>));
    this.onEscalate = env.onEscalate;
  }

  get phase(): SupervisorPhase {
    return this.phaseNow;
  }

  on(name: SupervisorEventName, listener: SupervisorListener): this {
    this.emitter.on(name, listener);
    return this;
  }

  off(name: SupervisorEventName, listener: SupervisorListener): this {
    this.emitter.off(name, listener);
    return this;
  }

  children(): ChildStatus[] {
    return [...this.records.values()].map(statusOf);
  }

  counts(): SupervisorCounts {
    const { crashes, restarts, gaveUp } = this;
    return { crashes, restarts, gaveUp, listenerErrors: this.emitter.listenerErrors };
  }

  /**
   * Starts a child and supervises it. Rejects if its first start() fails; that failure still
   * counts as a crash, so a permanent or transient child goes on being restarted per policy.
   */
  async startChild(spec: ChildSpec): Promise<void> {
    this.assertOpen('startChild');
    if (!RESTART_KINDS.includes(spec.restart)) throw new ConfigError(`children.${spec.id}.restart`, 'must be permanent, transient or temporary');
    const existing = this.records.get(spec.id);
    if (existing !== undefined && isLive(existing)) throw new ConfigError(`children.${spec.id}`, 'a child with this id is already supervised');
    // A stopped id started again moves to the end of the start order.
    this.records.delete(spec.id);
    const record = newChildRecord(spec);
    this.records.set(spec.id, record);
    const result = await this.launch(record, null);
    if (!result.ok) throw result.error;
  }

  /** Stops a child for good (it is not restarted); a no-op on a child already stopped. */
  async stopChild(id: string): Promise<void> {
    const record = this.recordOf(id);
    if (this.phaseNow !== 'open') return this.shutdown;
    if (!isLive(record)) return;
    this.claim(record);
    record.state = 'stopped';
    await this.retire(record);
    this.emitFor('stopped', record, 'shutdown', undefined, null);
  }

  /**
   * Restarts one child now, from code: no backoff, outside the restart intensity, and only this
   * child even under one_for_all. Rejects if start() fails (handled as a crash, as in startChild).
   */
  async restartChild(id: string): Promise<void> {
    this.assertOpen('restartChild');
    const record = this.recordOf(id);
    const token = this.claim(record);
    record.state = 'restarting';
    record.consecutive = 0;
    await this.retire(record);
    if (record.token !== token || this.phaseNow !== 'open') return;
    const result = await this.launch(record, { reason: 'manual', error: undefined, backoffMs: 0 });
    if (!result.ok) throw result.error;
  }

  /** Stops every child, in reverse start order; nothing is restarted once this is called. Idempotent. */
  close(): Promise<void> {
    if (this.shutdown !== undefined) return this.shutdown;
    this.phaseNow = 'closing';
    this.shutdown = this.stopAll().then(() => {
      this.phaseNow = 'closed';
      this.notifyExit('normal', undefined);
    });
    return this.shutdown;
  }

  /** ChildHandle: a parent supervisor stops this one by closing it. */
  stop(): Promise<void> {
    return this.close();
  }

  /** ChildHandle: 'crash' with the RINGCAST_ERR_SUPERVISOR_GAVE_UP error when it gives up, 'normal' once closed. */
  onExit(callback: ExitCallback): void {
    if (this.phaseNow === 'closed') this.contain(() => callback('normal'));
    else if (this.phaseNow === 'gave_up') this.contain(() => callback('crash', this.gaveUpError));
    else this.exitCallbacks.push(callback);
  }

  // ---- Starting and stopping one child ----

  /** Starts a fresh incarnation of `record`; a failed start() is handled as a crash before this resolves. */
  private launch(record: ChildRecord, note: RestartNote | null): Promise<LaunchResult> {
    const result = this.launchOnce(record, record.token, note);
    const settled = result.then(noop, noop);
    record.launching = settled;
    void settled.then(() => {
      if (record.launching === settled) record.launching = undefined;
    });
    return result;
  }

  private async launchOnce(record: ChildRecord, token: number, note: RestartNote | null): Promise<LaunchResult> {
    let handle: ChildHandle;
    try {
      handle = await record.spec.start();
    } catch (thrown) {
      return this.failStart(record, token, thrown);
    }
    if (record.token !== token || this.phaseNow !== 'open') {
      // Overtaken while start() was in flight (stopped, closed, regrouped): the new incarnation is not wanted.
      await this.stopQuietly(record, handle);
      return { ok: true };
    }
    try {
      this.attach(record, handle, note);
    } catch (thrown) {
      // A handle whose onExit() or progress() throws cannot be supervised: a failed start.
      record.handle = undefined;
      await this.stopQuietly(record, handle);
      return this.failStart(record, token, thrown);
    }
    return { ok: true };
  }

  /** A failed start is a crash of the child, unless a newer decision has overtaken this launch. */
  private failStart(record: ChildRecord, token: number, thrown: unknown): LaunchResult {
    const error = crashErrorOf(record.spec.id, 'start_failed', thrown);
    if (record.token === token && this.phaseNow === 'open') this.onFailure(record, 'start_failed', error);
    return { ok: false, error };
  }

  private attach(record: ChildRecord, handle: ChildHandle, note: RestartNote | null): void {
    const nowMs = this.clock();
    record.handle = handle;
    record.state = 'running';
    record.startedAtMs = nowMs;
    record.progressValue = handle.progress?.() ?? 0;
    record.progressAtMs = nowMs;
    if (note !== null) {
      record.restarts++;
      this.restarts++;
      this.emitFor('restarted', record, note.reason, note.error, note.backoffMs);
    }
    handle.onExit((reason, error) => this.onChildExit(record, handle, reason, error));
    this.armWatchdog();
  }

  private onChildExit(record: ChildRecord, handle: ChildHandle, reason: ExitReason, error: unknown): void {
    // An incarnation the supervisor is stopping, or an older one, reports nothing new.
    if (record.handle !== handle || record.state !== 'running') return;
    record.handle = undefined;
    if (reason === 'normal') this.onFailure(record, 'normal', undefined);
    else this.onFailure(record, 'crash', crashErrorOf(record.spec.id, 'crash', error));
  }

  /** Stops whatever incarnation `record` has or is starting; concurrent callers share one stop. */
  private async retire(record: ChildRecord): Promise<void> {
    if (record.launching !== undefined) await record.launching;
    const handle = record.handle;
    record.handle = undefined;
    if (handle !== undefined) record.stopping = this.stopQuietly(record, handle);
    await record.stopping;
  }

  private async stopQuietly(record: ChildRecord, handle: ChildHandle): Promise<void> {
    try {
      await handle.stop();
    } catch (error) {
      record.lastError = error;
    }
  }

  /** A new decision about `record`: pending launches and backoffs carrying the old token stand down. */
  private claim(record: ChildRecord): number {
    return ++record.token;
  }

  // ---- Crashes and restarts ----

  /** `record` stopped running (its handle may still be attached, if hung); decides what follows. */
  private onFailure(record: ChildRecord, reason: FailureReason, error: unknown): void {
    const nowMs = this.clock();
    const crashed = reason !== 'normal';
    if (crashed) {
      this.crashes++;
      record.lastError = error;
    }
    if (this.phaseNow !== 'open') {
      // Shutting down: nothing restarts, and the shutdown stops what is left.
      record.state = crashed ? 'failed' : 'stopped';
      if (crashed) this.emitFor('crashed', record, reason, error, null);
      return;
    }
    if (!shouldRestart(record.spec.restart, crashed ? 'crash' : 'normal')) {
      void this.stopForGood(record, reason, error);
      return;
    }
    if (!this.window.admit(nowMs)) {
      this.giveUp(record, reason, error);
      return;
    }
    const delayMs = this.nextBackoffMs(record, reason, nowMs);
    if (crashed) this.emitFor('crashed', record, reason, error, delayMs);
    void this.restartGroup(record, { reason, error, backoffMs: delayMs });
  }

  private async stopForGood(record: ChildRecord, reason: FailureReason, error: unknown): Promise<void> {
    const crashed = reason !== 'normal';
    const token = this.claim(record);
    record.state = crashed ? 'failed' : 'stopped';
    if (crashed) this.emitFor('crashed', record, reason, error, null);
    await this.retire(record);
    if (record.token === token) this.emitFor('stopped', record, reason, error, null);
  }

  private nextBackoffMs(record: ChildRecord, reason: FailureReason, nowMs: number): number {
    // A child that ran for a whole period was healthy: its next crash starts the backoff over.
    // A failed start() says nothing about health, so it keeps the backoff growing.
    if (reason !== 'start_failed' && nowMs - record.startedAtMs >= this.options.periodMs) record.consecutive = 0;
    record.consecutive++;
    return backoffMs(this.options, record.consecutive, this.random());
  }

  /**
   * Takes down the crashed child's restart set (one_for_all: every live child, stopped in reverse
   * start order), waits out the backoff, then starts them again in start order.
   */
  private async restartGroup(crashed: ChildRecord, note: RestartNote): Promise<void> {
    const live = [...this.records.values()].filter(isLive);
    const group = restartSet(this.options.strategy, crashed, live);
    // As in OTP, a temporary sibling goes down with the group but is never restarted.
    const restarted = group.filter((r) => r === crashed || r.spec.restart !== 'temporary');
    const tokens = new Map(group.map((r) => [r, this.claim(r)]));
    for (const r of group) r.state = restarted.includes(r) ? 'restarting' : 'stopped';
    for (const r of [...group].reverse()) await this.retire(r);
    for (const r of group) {
      if (!restarted.includes(r) && r.token === tokens.get(r)) this.emitFor('stopped', r, 'sibling', note.error, null);
    }
    // Overtaken while stopping (closed, given up, regrouped): arm no timer that nothing would use.
    if (this.phaseNow !== 'open' || restarted.every((r) => r.token !== tokens.get(r))) return;
    this.schedule(note.backoffMs, () => void this.startGroup(restarted, tokens, crashed, note));
  }

  private async startGroup(group: readonly ChildRecord[], tokens: Map<ChildRecord, number>, crashed: ChildRecord, note: RestartNote): Promise<void> {
    for (const record of group) {
      // A member taken over since (stopped, or regrouped by a later crash) is not this restart's to start.
      if (record.token !== tokens.get(record) || this.phaseNow !== 'open') continue;
      const ownNote = record === crashed ? note : { ...note, reason: 'sibling' as const };
      await this.launch(record, ownNote);
    }
  }

  // ---- Giving up, closing ----

  private giveUp(record: ChildRecord, reason: FailureReason, error: unknown): void {
    const { intensity, periodMs } = this.options;
    this.phaseNow = 'giving_up';
    this.gaveUp++;
    record.state = 'failed';
    if (reason !== 'normal') this.emitFor('crashed', record, reason, error, null);
    const gaveUpError = new RingcastError(
      ErrorCode.SUPERVISOR_GAVE_UP,
      `supervisor gave up: more than ${intensity} restarts within ${periodMs} ms, the last of child ${record.spec.id} (${reason})`,
      { cause: error },
    );
    this.gaveUpError = gaveUpError;
    this.shutdown = this.stopAll().then(() => {
      this.phaseNow = 'gave_up';
      this.emitFor('gave-up', record, reason, gaveUpError, null);
      const onEscalate = this.onEscalate;
      if (onEscalate !== undefined) this.contain(() => onEscalate(gaveUpError));
      this.notifyExit('crash', gaveUpError);
    });
  }

  /** Stops every child in reverse start order, after cancelling every pending restart. */
  private async stopAll(): Promise<void> {
    for (const timer of this.timers) this.clearTimer(timer.id);
    this.timers.clear();
    this.watchdog = undefined;
    const records = [...this.records.values()].reverse();
    for (const record of records) this.claim(record);
    for (const record of records) {
      // Checked when reached, not up front: a child may crash while its elders are being stopped.
      const wasLive = isLive(record);
      // Retired even when not live: the child that made the supervisor give up may be hung, not gone.
      await this.retire(record);
      if (!wasLive) continue;
      record.state = 'stopped';
      this.emitFor('stopped', record, 'shutdown', undefined, null);
    }
  }

  private notifyExit(reason: ExitReason, error: unknown): void {
    for (const callback of this.exitCallbacks.splice(0)) this.contain(() => callback(reason, error));
  }

  // ---- Watchdog ----

  /** Armed while some running child reports progress; each tick re-arms it. */
  private armWatchdog(): void {
    const { watchdogMs } = this.options;
    if (this.watchdog !== undefined || watchdogMs === 0 || this.phaseNow !== 'open') return;
    if (![...this.records.values()].some((r) => r.state === 'running' && r.handle?.progress !== undefined)) return;
    // Four looks per watchdogMs: a hung child is caught within 1.25 watchdogMs.
    this.watchdog = this.schedule(Math.max(1, Math.floor(watchdogMs / 4)), () => {
      this.watchdog = undefined;
      this.checkProgress();
      this.armWatchdog();
    });
  }

  private checkProgress(): void {
    const nowMs = this.clock();
    for (const record of [...this.records.values()]) {
      const handle = record.handle;
      if (record.state !== 'running' || handle?.progress === undefined) continue;
      const progress = handle.progress();
      if (progress !== record.progressValue) {
        record.progressValue = progress;
        record.progressAtMs = nowMs;
      } else if (nowMs - record.progressAtMs >= this.options.watchdogMs) {
        this.onFailure(record, 'hung', hungErrorOf(record.spec.id, this.options.watchdogMs));
      }
    }
  }

  // ---- Small helpers ----

  private schedule(delayMs: number, callback: () => void): Timer {
    const timer: Timer = { id: undefined };
    timer.id = this.setTimer(() => {
      this.timers.delete(timer);
      callback();
    }, delayMs);
    this.timers.add(timer);
    return timer;
  }

  private emitFor(name: SupervisorEventName, record: ChildRecord, reason: ChildEventReason, error: unknown, delayMs: number | null): void {
    const event = { childId: record.spec.id, reason, error, restarts: record.restarts, atMs: this.clock(), backoffMs: delayMs };
    this.emitter.emit(name, event);
  }

  /** Runs program code (a callback) so that its throw cannot break the supervisor; counts it. */
  private contain(call: () => void): void {
    try {
      call();
    } catch {
      this.emitter.listenerErrors++;
    }
  }

  private recordOf(id: string): ChildRecord {
    const record = this.records.get(id);
    if (record === undefined) throw new RingcastError(ErrorCode.ACTOR_UNKNOWN, `no child ${id} in this supervisor`);
    return record;
  }

  private assertOpen(operation: string): void {
    if (this.phaseNow === 'open') return;
    if (this.gaveUpError !== undefined) throw new RingcastError(ErrorCode.SUPERVISOR_GAVE_UP, `${operation}: the supervisor gave up`, { cause: this.gaveUpError });
    throw new RingcastError(ErrorCode.CLOSED, `${operation}: the supervisor is ${this.phaseNow}`);
  }
}

/**
 * A supervisor as the child of another. It takes a factory, not an instance: a supervisor that gave
 * up is spent, so the parent restarts the subtree by building a fresh one (with its children).
 * When the inner supervisor gives up, the parent sees a crash of this child and applies its policy.
 */
export function asChild(id: string, build: () => Supervisor | Promise<Supervisor>, restart: RestartKind = 'permanent'): ChildSpec {
  return { id, restart, start: build };
}
