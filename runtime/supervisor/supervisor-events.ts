/**
 * The events a program subscribes to on a Supervisor, and the emitter that delivers them. A
 * listener belongs to the program, not to the supervisor: one that throws is contained and counted,
 * so that a bug in a metrics hook cannot stop a restart half-way.
 */

export type SupervisorEventName = 'crashed' | 'restarted' | 'stopped' | 'gave-up';

/** Why an event happened to a child. */
export type ChildEventReason =
  /** It exited by itself, normally. */
  | 'normal'
  /** It reported a crash: an actor threw, or its thread exited. */
  | 'crash'
  /** The watchdog saw its progress counter stall for watchdogMs. */
  | 'hung'
  /** Its spec's start() threw or rejected. */
  | 'start_failed'
  /** A sibling's crash took it down with it (one_for_all). */
  | 'sibling'
  /** The supervisor stopped it: stopChild, close, or giving up. */
  | 'shutdown'
  /** restartChild was called. */
  | 'manual';

export interface SupervisorEvent {
  readonly childId: string;
  readonly reason: ChildEventReason;
  /** The child's error (for 'gave-up', the RINGCAST_ERR_SUPERVISOR_GAVE_UP error); undefined when none. */
  readonly error: unknown;
  /** How many times this child has been restarted so far. */
  readonly restarts: number;
  /** The supervisor's clock when the event happened. */
  readonly atMs: number;
  /** On 'crashed': the delay before the restart that follows; on 'restarted': the delay waited. Null when no restart follows. */
  readonly backoffMs: number | null;
}

export type SupervisorListener = (event: SupervisorEvent) => void;

/** A typed emitter whose listeners cannot throw into the emitting code. */
export class SupervisorEmitter {
  private readonly listeners = new Map<SupervisorEventName, SupervisorListener[]>();
  /** Listener calls that threw; each was contained. */
  listenerErrors = 0;

  on(name: SupervisorEventName, listener: SupervisorListener): void {
    this.listeners.set(name, [...(this.listeners.get(name) ?? []), listener]);
  }

  off(name: SupervisorEventName, listener: SupervisorListener): void {
    this.listeners.set(name, (this.listeners.get(name) ?? []).filter((l) => l !== listener));
  }

  emit(name: SupervisorEventName, event: SupervisorEvent): void {
    // Iterate a snapshot: a listener may unsubscribe itself while being called.
    for (const listener of this.listeners.get(name) ?? []) {
      try {
        listener(event);
      } catch {
        this.listenerErrors++;
      }
    }
  }
}
