/**
 * From resolved options to the actors of a node: every actor gets an address (the protocol node
 * id of a role actor is its address), a module, its arguments, and whether it is on the hot path.
 * Address 0 is the API endpoint on the main thread.
 */
import { nodeId, ringId, type NodeId } from '../../src/protocol/ids.ts';
import { validateRingSpec, type RingSpec } from '../../src/protocol/options.ts';
import type { ResolvedNodeOptions, ResolvedRing } from './node-options.ts';
import type { DeploymentActor, DeploymentConfig } from '../config/deployment.ts';

export const API_ADDRESS = 0;

/** `gateway`: the node's UDP gateway thread, supervised like an actor. */
export type ActorRole = 'acceptor' | 'coordinator' | 'learner' | 'proposer' | 'user' | 'gateway';

export interface PlannedActor {
  readonly name: string;
  readonly address: number;
  readonly role: ActorRole;
  readonly ring: number | null;
  readonly module: string;
  readonly exportName?: string;
  readonly hot: boolean;
  readonly group?: string;
  readonly restart: 'permanent' | 'transient' | 'temporary';
  /** User actors: the static arguments. Role actors get theirs at each start. */
  readonly args?: unknown;
}

export interface PlannedRing {
  readonly options: ResolvedRing;
  readonly spec: RingSpec;
  readonly proposers: readonly NodeId[];
}

export interface NodePlan {
  readonly rings: readonly PlannedRing[];
  readonly actors: readonly PlannedActor[];
  /** Learner address -> subscriber addresses (user actors). */
  readonly subscribers: ReadonlyMap<number, readonly number[]>;
}

const roleModule = (role: Exclude<ActorRole, 'user' | 'gateway'>): string => new URL(`../../actors/${role}-actor${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;

export function planNode(o: ResolvedNodeOptions): NodePlan {
  let next = 1;
  const take = (n: number): NodeId[] => Array.from({ length: n }, () => nodeId(next++));
  const rings: PlannedRing[] = [];
  const actors: PlannedActor[] = [];
  for (const r of o.rings) {
    const acceptors = take(r.acceptors);
    const coordinators = take(r.coordinators);
    const learners = take(r.learners);
    const proposers = take(r.proposers);
    const spec = validateRingSpec({ ring: ringId(r.id), acceptors, coordinators, learners, dissemination: r.dissemination }, `rings[${r.id}]`);
    rings.push({ options: r, spec, proposers });
    const add = (role: Exclude<ActorRole, 'user' | 'gateway'>, ids: NodeId[], hot: boolean, first = 0): void => {
      ids.forEach((id, k) => actors.push({ name: `ring${r.id}.${role}${first + k}`, address: id, role, ring: r.id, module: roleModule(role), hot, restart: 'permanent' }));
    };
    // The hot path: the leading coordinator (the first candidate, normally) and the acceptors.
    add('acceptor', acceptors, true);
    add('coordinator', coordinators.slice(0, 1), true);
    add('coordinator', coordinators.slice(1), false, 1);
    add('learner', learners, false);
    add('proposer', proposers, false);
  }
  const subscribers = new Map<number, number[]>();
  for (const u of o.actors) {
    const address = next++;
    actors.push({
      name: u.name,
      address,
      role: 'user',
      ring: null,
      module: typeof u.module === 'string' ? u.module : u.module.href,
      ...(u.export === undefined ? {} : { exportName: u.export }),
      hot: false,
      ...(u.group === undefined ? {} : { group: u.group }),
      restart: u.restart ?? 'permanent',
      args: u.args,
    });
    if (u.subscribe !== undefined) {
      const ring = rings.find((r) => r.spec.ring === u.subscribe?.ring);
      const learner = ring?.spec.learners[u.subscribe.learner ?? 0];
      if (learner !== undefined) subscribers.set(learner, [...(subscribers.get(learner) ?? []), address]);
    }
  }
  return { rings, actors, subscribers };
}

/**
 * The ring's acceptor on this node (`local` says which addresses are), when some of the others are
 * on other nodes: the rings a coordinator here forms start there (Coordinator.chooseLayout). None
 * when every acceptor is local (one process) or none is.
 */
export function nearAcceptorOf(spec: RingSpec, local: (address: number) => boolean): number | undefined {
  const here = spec.acceptors.filter(local);
  return here.length > 0 && here.length < spec.acceptors.length ? here[0] : undefined;
}

/** One node of a deployment: its local actors, and the transport node of every remote actor. */
export interface DeploymentPlan extends NodePlan {
  /** [actor address, transport node id] for actors on other nodes. */
  readonly remote: readonly (readonly [number, number])[];
}

export function planDeployment(config: DeploymentConfig, self: string, rings: readonly ResolvedRing[]): DeploymentPlan {
  const nodeIds = new Map(config.nodes.map((n) => [n.name, n.id]));
  const planned: PlannedRing[] = [];
  const actors: PlannedActor[] = [];
  const remote: [number, number][] = [];
  config.rings.forEach((r, k) => {
    const options = rings[k] as ResolvedRing;
    const list = (xs: readonly DeploymentActor[]): NodeId[] => xs.map((x) => nodeId(x.id));
    const spec = validateRingSpec(
      { ring: ringId(r.id), acceptors: list(r.acceptors), coordinators: list(r.coordinators), learners: list(r.learners), dissemination: r.dissemination },
      `rings[${k}]`,
    );
    planned.push({ options, spec, proposers: list(r.proposers) });
    const add = (role: Exclude<ActorRole, 'user' | 'gateway'>, xs: readonly DeploymentActor[], hot: (i: number) => boolean): void => {
      xs.forEach((x, i) => {
        if (x.node !== self) return void remote.push([x.id, nodeIds.get(x.node) ?? -1]);
        actors.push({ name: `ring${r.id}.${role}${i}`, address: x.id, role, ring: r.id, module: roleModule(role), hot: hot(i), restart: 'permanent' });
      });
    };
    add('acceptor', r.acceptors, () => true);
    add('coordinator', r.coordinators, (i) => i === 0);
    add('learner', r.learners, () => false);
    add('proposer', r.proposers, () => false);
  });
  return { rings: planned, actors, subscribers: new Map(), remote };
}
