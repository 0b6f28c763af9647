/** Messages between the supervisor (main thread) and a host thread, over its MessagePort. */
import type { WaitKind } from '../scheduler/placement.ts';
import type { TopologyData } from './post-office.ts';
import type { GatewayInit } from './udp-gateway.ts';
import type { RunPoolOptions } from '../../src/protocol/run-pool.ts';

export interface ActorSpec {
  readonly address: number;
  readonly name: string;
  /** Module URL (file: href) that exports the actor module. */
  readonly module: string;
  /** Export name; `default` when omitted. */
  readonly exportName?: string;
  readonly args: unknown;
}

export interface HostInit {
  readonly entry: string;
  readonly host: number;
  readonly topology: TopologyData;
  readonly wait: WaitKind;
  readonly cpu: number | null;
  readonly tickMs: number;
  /** Int32 per host: grows while the host thread makes progress (the watchdog reads it). */
  readonly progress: SharedArrayBuffer;
  readonly spinBudgetUs: number;
  /** The thread's pool for the bytes of value runs. */
  readonly runPool: RunPoolOptions;
  /** This thread is the node's UDP gateway. */
  readonly gateway?: GatewayInit;
}

export interface SerializedError {
  readonly message: string;
  readonly code?: string;
  readonly stack?: string;
}

export type ToHost =
  | { readonly type: 'start-actor'; readonly spec: ActorSpec }
  | { readonly type: 'stop-actor'; readonly address: number }
  | { readonly type: 'status'; readonly id: number }
  | { readonly type: 'stop' }
  /** To a spare thread: which host it is from now on (see SpareInit). */
  | { readonly type: 'assign'; readonly init: HostInit };

/**
 * What a spare thread starts with: it loads the runtime and `preload` (the actor modules), then
 * waits for an `assign` message to become a host, so that a host thread that died is replaced by
 * a message instead of a thread start and a module load (~0.4 s here, ~0.8 s under load).
 */
export interface SpareInit {
  readonly spare: true;
  readonly entry: string;
  readonly preload: readonly string[];
}

export type FromHost =
  | { readonly type: 'ready'; readonly tid: number | null; readonly pinned: boolean | null; readonly cpusAllowed: string | null; readonly pinReason: string | null }
  | { readonly type: 'actor-started'; readonly address: number }
  | { readonly type: 'actor-start-failed'; readonly address: number; readonly error: SerializedError }
  | { readonly type: 'actor-crashed'; readonly address: number; readonly error: SerializedError }
  | { readonly type: 'actor-stopped'; readonly address: number }
  | { readonly type: 'status'; readonly id: number; readonly status: HostStatus }
  | { readonly type: 'log'; readonly line: string }
  | { readonly type: 'stopped' };

export interface HostStatus {
  readonly host: number;
  readonly actors: readonly { address: number; name: string; status: Record<string, unknown> }[];
  readonly mailbox: Record<string, number>;
  /** The thread's run pool: sweeps, slabs freed, runs in slabs and on their own (run-pool.ts). */
  readonly runPool: Record<string, number>;
}

export function serializeError(e: unknown): SerializedError {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return { message: e.message, ...(typeof code === 'string' ? { code } : {}), ...(e.stack === undefined ? {} : { stack: e.stack }) };
  }
  return { message: String(e) };
}
