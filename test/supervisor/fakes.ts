/**
 * Test doubles for the supervisor: a scheduler whose time moves only when a test says so, and
 * fake children whose incarnations a test crashes, exits, or lets hang. One shared log records
 * starts and stops in the order they happened.
 */
import type { ExitReason, RestartKind, SupervisorOptions } from '../../runtime/supervisor/restart-policy.ts';
import {
  Supervisor,
  type ChildHandle,
  type ChildSpec,
  type SupervisorEnv,
  type SupervisorEvent,
  type SupervisorEventName,
} from '../../runtime/supervisor/supervisor.ts';

/** Lets every promise chain already under way run to its end. */
export async function settle(): Promise<void> {
  for (let round = 0; round < 5; round++) await new Promise<void>((resolve) => setImmediate(resolve));
}

export class FakeScheduler {
  nowMs = 0;
  private nextId = 1;
  private readonly pending = new Map<number, { readonly atMs: number; readonly callback: () => void }>();

  readonly clock = (): number => this.nowMs;
  readonly setTimer = (callback: () => void, delayMs: number): unknown => {
    const id = this.nextId++;
    this.pending.set(id, { atMs: this.nowMs + delayMs, callback });
    return id;
  };
  readonly clearTimer = (timer: unknown): void => {
    this.pending.delete(timer as number);
  };

  get timersPending(): number {
    return this.pending.size;
  }

  /** Moves time forward by `ms`, firing due timers in time order and letting promises settle after each. */
  async advance(ms: number): Promise<void> {
    const targetMs = this.nowMs + ms;
    for (;;) {
      await settle();
      const due = this.earliestDue(targetMs);
      if (due === undefined) break;
      this.pending.delete(due.id);
      this.nowMs = due.atMs;
      due.callback();
    }
    this.nowMs = targetMs;
    await settle();
  }

  private earliestDue(limitMs: number): { id: number; atMs: number; callback: () => void } | undefined {
    let best: { id: number; atMs: number; callback: () => void } | undefined;
    for (const [id, timer] of this.pending) {
      if (timer.atMs <= limitMs && (best === undefined || timer.atMs < best.atMs)) best = { id, ...timer };
    }
    return best;
  }
}

export class FakeHandle implements ChildHandle {
  stopped = false;
  progressCount = 0;
  progress?: () => number;
  private exitCallback: ((reason: ExitReason, error?: unknown) => void) | undefined;

  constructor(
    readonly childId: string,
    private readonly log: string[],
    watched: boolean,
  ) {
    if (watched) this.progress = () => this.progressCount;
  }

  stop(): Promise<void> {
    this.stopped = true;
    this.log.push(`stop ${this.childId}`);
    return Promise.resolve();
  }

  onExit(callback: (reason: ExitReason, error?: unknown) => void): void {
    this.exitCallback = callback;
  }

  crash(error: unknown = new Error(`${this.childId} threw`)): void {
    this.exitCallback?.('crash', error);
  }

  exitNormally(): void {
    this.exitCallback?.('normal');
  }
}

export interface FakeChildOptions {
  readonly restart?: RestartKind;
  /** Whether its handles report progress to the watchdog. */
  readonly watched?: boolean;
}

export class FakeChild {
  readonly incarnations: FakeHandle[] = [];
  /** The next this-many start() calls throw. */
  startFailuresLeft = 0;
  readonly spec: ChildSpec;
  private hold: Promise<void> | undefined;

  constructor(
    readonly id: string,
    private readonly log: string[],
    options: FakeChildOptions = {},
  ) {
    this.spec = { id, restart: options.restart ?? 'permanent', start: () => this.begin(options.watched ?? false) };
  }

  /** The next start() stays in flight until the returned function is called: for races with stop and close. */
  holdNextStart(): () => void {
    let release = (): void => {};
    this.hold = new Promise<void>((resolve) => (release = resolve));
    return release;
  }

  get current(): FakeHandle {
    const handle = this.incarnations.at(-1);
    if (handle === undefined) throw new Error(`${this.id} never started`);
    return handle;
  }

  private begin(watched: boolean): FakeHandle | Promise<FakeHandle> {
    const hold = this.hold;
    this.hold = undefined;
    return hold === undefined ? this.start(watched) : hold.then(() => this.start(watched));
  }

  private start(watched: boolean): FakeHandle {
    if (this.startFailuresLeft > 0) {
      this.startFailuresLeft--;
      this.log.push(`start-fail ${this.id}`);
      throw new Error(`${this.id} cannot start`);
    }
    this.log.push(`start ${this.id}`);
    const handle = new FakeHandle(this.id, this.log, watched);
    this.incarnations.push(handle);
    return handle;
  }
}

/** No jitter unless a test injects its own random: 0.5 lands on the middle of the jitter band. */
export function fakeEnv(scheduler: FakeScheduler, extra: SupervisorEnv = {}): SupervisorEnv {
  const { clock, setTimer, clearTimer } = scheduler;
  return { clock, setTimer, clearTimer, random: () => 0.5, ...extra };
}

export interface Rig {
  readonly scheduler: FakeScheduler;
  readonly supervisor: Supervisor;
  readonly log: string[];
  readonly events: Array<{ readonly name: SupervisorEventName; readonly event: SupervisorEvent }>;
  child(id: string, options?: FakeChildOptions): FakeChild;
  startAll(...children: FakeChild[]): Promise<void>;
}

/** A supervisor on a fake scheduler, every event recorded; the watchdog is off unless asked for. */
export function rig(options: Partial<SupervisorOptions> = {}, env: SupervisorEnv = {}): Rig {
  const scheduler = new FakeScheduler();
  const supervisor = new Supervisor({ watchdogMs: 0, ...options }, fakeEnv(scheduler, env));
  const log: string[] = [];
  const events: Rig['events'] = [];
  for (const name of ['crashed', 'restarted', 'stopped', 'gave-up'] as const) {
    supervisor.on(name, (event) => events.push({ name, event }));
  }
  return {
    scheduler,
    supervisor,
    log,
    events,
    child: (id, childOptions) => new FakeChild(id, log, childOptions),
    startAll: async (...children) => {
      for (const child of children) await supervisor.startChild(child.spec);
      log.length = 0;
    },
  };
}

/** The recorded events as `name childId reason`, for order checks. */
export function eventLines(events: Rig['events']): string[] {
  return events.map(({ name, event }) => `${name} ${event.childId} ${event.reason}`);
}
