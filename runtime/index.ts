/**
 * ringcast's public API. Everything else is internal and may change.
 *
 * The package ships TypeScript sources: run your program with `tsx` (`node --import tsx app.ts`),
 * which ringcast also uses for its worker threads.
 */
export { startNode, RingcastNode, type DeploymentStart, type LearnerHandle, type ProposerHandle, type ThreadReport } from './node/node.ts';
export type { NodeOptions, PlacementOptions, RingOptions, UserActorOptions } from './node/node-options.ts';
export { defineActor, type ActorDefinition } from './actor/define-actor.ts';
export type { ActorContext } from './actor/actor.ts';
export type { DeploymentConfig, DeploymentNode, DeploymentRing, DeploymentActor, TransportFaults } from './config/deployment.ts';
export { loadDeployment } from './config/load-deployment.ts';
export { validateDeployment } from './config/validate-deployment.ts';
export type { SupervisorEvent, SupervisorEventName, ChildStatus } from './supervisor/supervisor.ts';
export type { SupervisorOptions, Strategy, RestartKind } from './supervisor/restart-policy.ts';
export { UdpTransport, type UdpTransportOptions, type UdpTransportStats } from './transport/index.ts';
export { ErrorCode, RingcastError, ConfigError, AssertionError, isRingcastError } from '../src/errors.ts';
export type { ProtocolOptions, Dissemination } from '../src/protocol/options.ts';
export { DEFAULT_PROTOCOL_OPTIONS } from '../src/protocol/options.ts';
export type { DeliveredInstance } from '../src/protocol/ready.ts';
export type { DeliverOptions } from './node/api-endpoint.ts';
export type { ClientValue } from '../src/protocol/messages.ts';
export type { ValueId, RingId, NodeId, Instance, Ballot } from '../src/protocol/ids.ts';
