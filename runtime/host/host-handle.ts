/**
 * The main thread's handle on one host thread: spawns the worker, starts and stops actors on it,
 * and reports crashes and the thread's exit. It knows nothing of Paxos.
 */
import { Worker } from 'node:worker_threads';
import { ErrorCode, RingcastError } from '../../src/errors.ts';
import type { ActorSpec, FromHost, HostInit, HostStatus, SerializedError, SpareInit, ToHost } from './host-protocol.ts';

const BOOTSTRAP = new URL('./worker-bootstrap.mjs', import.meta.url);
const ENTRY = new URL(import.meta.url.endsWith('.ts') ? './host-thread.ts' : './host-thread.js', import.meta.url).href;

export interface HostEvents {
  onActorCrashed(address: number, error: SerializedError): void;
  onExit(host: number, code: number, error: unknown): void;
  onLog(line: string): void;
}

export interface ThreadInfo {
  readonly tid: number | null;
  readonly pinned: boolean | null;
  readonly cpusAllowed: string | null;
  readonly pinReason: string | null;
}

/** A thread that loads the runtime and `preload` now, and becomes a host when a HostHandle adopts it. */
export function spawnSpare(preload: readonly string[]): Worker {
  return new Worker(BOOTSTRAP, { workerData: { spare: true, entry: ENTRY, preload } satisfies SpareInit });
}

export function toError(e: SerializedError): RingcastError {
  const err = new RingcastError(ErrorCode.ACTOR_CRASHED, e.message);
  if (e.stack !== undefined) err.stack = e.stack;
  return err;
}

export class HostHandle {
  private readonly worker: Worker;
  private readonly pending = new Map<string, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  private statusSeq = 0;
  private exited = false;
  readonly ready: Promise<ThreadInfo>;

  constructor(
    readonly init: Omit<HostInit, 'entry'>,
    private readonly events: HostEvents,
    /** A spare thread (spawnSpare) to become this host, instead of a new thread. */
    spare: Worker | null = null,
  ) {
    if (spare === null) this.worker = new Worker(BOOTSTRAP, { workerData: { ...init, entry: ENTRY } });
    else {
      this.worker = spare;
      spare.removeAllListeners();
      spare.postMessage({ type: 'assign', init: { ...init, entry: ENTRY } } satisfies ToHost);
    }
    this.ready = new Promise<ThreadInfo>((resolve, reject) => {
      this.pending.set('ready', { resolve: resolve as (v: unknown) => void, reject });
    });
    this.ready.catch(() => undefined);
    this.worker.on('message', (m: FromHost) => this.onMessage(m));
    this.worker.on('error', (e) => this.onExit(1, e));
    this.worker.on('exit', (code) => this.onExit(code, null));
  }

  get host(): number {
    return this.init.host;
  }
  get alive(): boolean {
    return !this.exited;
  }

  startActor(spec: ActorSpec): Promise<void> {
    return this.request(`start:${spec.address}`, { type: 'start-actor', spec }) as Promise<void>;
  }

  stopActor(address: number): Promise<void> {
    return this.request(`stop:${address}`, { type: 'stop-actor', address }) as Promise<void>;
  }

  status(): Promise<HostStatus> {
    const id = ++this.statusSeq;
    return this.request(`status:${id}`, { type: 'status', id }) as Promise<HostStatus>;
  }

  /** Asks the thread to stop its actors and exit; terminates it if it does not within `graceMs`. */
  async stop(graceMs = 1000): Promise<void> {
    if (this.exited) return;
    const stopped = this.request('stopped', { type: 'stop' }).catch(() => undefined);
    const timer = new Promise((r) => setTimeout(r, graceMs).unref());
    await Promise.race([stopped, timer]);
    await this.terminate();
  }

  async terminate(): Promise<void> {
    if (this.exited) return;
    await this.worker.terminate();
  }

  private request(key: string, msg: ToHost): Promise<unknown> {
    if (this.exited) return Promise.reject(new RingcastError(ErrorCode.CLOSED, `host thread ${this.host} has exited`));
    return new Promise((resolve, reject) => {
      this.pending.set(key, { resolve, reject });
      this.worker.postMessage(msg);
    });
  }

  private settle(key: string, value: unknown, error?: unknown): void {
    const p = this.pending.get(key);
    if (p === undefined) return;
    this.pending.delete(key);
    if (error === undefined) p.resolve(value);
    else p.reject(error);
  }

  private onMessage(m: FromHost): void {
    switch (m.type) {
      case 'ready':
        return this.settle('ready', { tid: m.tid, pinned: m.pinned, cpusAllowed: m.cpusAllowed, pinReason: m.pinReason });
      case 'actor-started':
        return this.settle(`start:${m.address}`, undefined);
      case 'actor-start-failed':
        return this.settle(`start:${m.address}`, undefined, toError(m.error));
      case 'actor-crashed':
        return this.events.onActorCrashed(m.address, m.error);
      case 'actor-stopped':
        return this.settle(`stop:${m.address}`, undefined);
      case 'status':
        return this.settle(`status:${m.id}`, m.status);
      case 'log':
        return this.events.onLog(m.line);
      case 'stopped':
        return this.settle('stopped', undefined);
    }
  }

  private onExit(code: number, error: unknown): void {
    if (this.exited) return;
    this.exited = true;
    const why = error instanceof Error ? `: ${error.message}` : '';
    const err = new RingcastError(ErrorCode.ACTOR_CRASHED, `host thread ${this.host} exited (code ${code})${why}`, { cause: error });
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.events.onExit(this.host, code, error);
  }
}
