/** What every role actor is spawned with: plain data, copied to its thread. */
import type { ProtocolOptions, RingSpec } from '../src/protocol/options.ts';

export interface RoleArgs {
  readonly node: number;
  readonly spec: RingSpec;
  readonly protocol: ProtocolOptions;
}

export type AcceptorStorage =
  /** The vote store the supervisor keeps for this acceptor: survives its thread, not its process. */
  | { readonly kind: 'memory'; readonly sab: SharedArrayBuffer }
  /** A log file: survives the process (`async`), or the machine too (`sync`). */
  | { readonly kind: 'file'; readonly path: string; readonly mode: 'async' | 'sync'; readonly compactBytes: number; readonly segmentBytes: number };

export interface AcceptorArgs extends RoleArgs {
  readonly storage: AcceptorStorage;
}

export interface CoordinatorArgs extends RoleArgs {
  /** The ring's acceptor on this coordinator's node, where the others are on other nodes: rings it forms start there. */
  readonly nearAcceptor?: number;
}

export interface ProposerArgs extends RoleArgs {
  /** One Int32 the supervisor keeps: the epoch in use, so that a restart takes a later one. */
  readonly epochWord: SharedArrayBuffer;
}

export interface LearnerArgs extends RoleArgs {
  /** Addresses that receive every delivered instance. */
  readonly subscribers: readonly number[];
  /**
   * The first instance to deliver (default 0): a restarted learner goes on from what the API has
   * already delivered, which the acceptors may still hold, instead of from instance 0, which they
   * have trimmed long ago (it then waited for it forever and nothing more was delivered).
   */
  readonly startInstance?: number;
}
