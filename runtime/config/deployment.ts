/**
 * A deployment: the processes (nodes) of a ringcast system, where each actor of each ring runs,
 * and how the nodes reach each other. One file describes every node; each process is started with
 * the name of the node it is (`ringcast start deployment.yaml --node a1`).
 */
import type { Dissemination, ProtocolOptions } from '../../src/protocol/options.ts';
import type { SupervisorOptions } from '../supervisor/restart-policy.ts';
import type { PlacementOptions } from '../node/node-options.ts';

export interface DeploymentNode {
  /** Unique name, used by `--node` and by the actors' `node` fields. */
  readonly name: string;
  /** Transport id (0..65535), unique: carried in every datagram this node sends. */
  readonly id: number;
  /** The address this node binds and the others send to (an IP address, not a wildcard). */
  readonly host: string;
  readonly port: number;
  /** TCP port on 127.0.0.1 where `ringcast status` asks this node; omitted: no control port. */
  readonly controlPort?: number;
  /** Where this node's acceptors keep their logs (default `.ringcast/<name>`). */
  readonly dataDir?: string;
}

/** One actor of a ring: its address (the protocol node id) and the node it runs on. */
export interface DeploymentActor {
  readonly id: number;
  readonly node: string;
}

export interface DeploymentRing {
  readonly id: number;
  readonly dissemination: Dissemination;
  /** Required for `multicast` dissemination: the IP multicast group the ring's Phase 2A goes to. */
  readonly multicast?: { readonly group: string; readonly port: number; readonly interface?: string; readonly ttl?: number };
  readonly acceptors: readonly DeploymentActor[];
  readonly coordinators: readonly DeploymentActor[];
  readonly learners: readonly DeploymentActor[];
  readonly proposers: readonly DeploymentActor[];
  /**
   * Acceptor storage: `async` (default; a log file, fsynced in the background: survives a killed
   * process) or `sync` (fsynced before each vote is sent: survives a machine crash). `memory` is
   * not allowed here: an acceptor process that restarted would have lost its votes.
   */
  readonly storage?: 'async' | 'sync';
  readonly protocol?: Partial<ProtocolOptions>;
}

export interface TransportFaults {
  readonly lossRate?: number;
  readonly duplicateRate?: number;
  readonly reorderRate?: number;
  readonly delayMs?: { readonly min: number; readonly max: number };
  readonly seed?: number;
}

/** `own-thread`: the UDP gateway gets a thread of its own; `actor-thread`: it shares the node's first actor thread. */
export type GatewayPlacement = 'own-thread' | 'actor-thread';

/** A deployment node's placement: that of an in-process node, and where its UDP gateway runs. */
export interface DeploymentPlacement extends PlacementOptions {
  readonly gateway?: GatewayPlacement;
}

export interface DeploymentConfig {
  readonly nodes: readonly DeploymentNode[];
  readonly rings: readonly DeploymentRing[];
  readonly placement?: DeploymentPlacement;
  readonly tickMs?: number;
  readonly supervisor?: Partial<SupervisorOptions>;
  readonly transport?: {
    readonly datagramBytesMax?: number;
    readonly socketBufferBytes?: number;
    /** Fault injection on every datagram this node sends: for tests and for trying a deployment. */
    readonly faults?: TransportFaults;
  };
}
