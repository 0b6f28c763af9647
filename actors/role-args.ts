/** What every role actor is spawned with: plain data, copied to its thread. */
import type { ProtocolOptions, RingSpec } from '../src/protocol/options.ts';

export interface RoleArgs {
  readonly node: number;
  readonly spec: RingSpec;
  readonly protocol: ProtocolOptions;
}

export interface AcceptorArgs extends RoleArgs {
  /** The vote store the supervisor keeps for this acceptor (memory storage). */
  readonly store: SharedArrayBuffer;
}

export interface ProposerArgs extends RoleArgs {
  /** First sequence number of this incarnation, so that value ids never repeat. */
  readonly seqStart: number;
}

export interface LearnerArgs extends RoleArgs {
  /** Addresses that receive every delivered instance. */
  readonly subscribers: readonly number[];
}
