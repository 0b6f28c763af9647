/**
 * From resolved options to the actors of a node: every actor gets an address (the protocol node
 * id of a role actor is its address), a module, its arguments, and whether it is on the hot path.
 * Address 0 is the API endpoint on the main thread.
 */
import { nodeId, ringId, type NodeId } from '../../src/protocol/ids.ts';
import { validateRingSpec, type RingSpec } from '../../src/protocol/options.ts';
import type { ResolvedNodeOptions, ResolvedRing } from './node-options.ts';

export const API_ADDRESS = 0;

export type ActorRole = 'acceptor' | 'coordinator' | 'learner' | 'proposer' | 'user';

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

const roleModule = (role: Exclude<ActorRole, 'user'>): string => new URL(`../../actors/${role}-actor${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;

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
    const add = (role: Exclude<ActorRole, 'user'>, ids: NodeId[], hot: boolean, first = 0): void => {
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
