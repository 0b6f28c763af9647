/** The coordinator role as an actor. */
import { Coordinator } from '../src/protocol/coordinator.ts';
import type { NodeId } from '../src/protocol/ids.ts';
import type { ActorModule } from '../runtime/actor/actor.ts';
import { bindRole } from './role-binding.ts';
import type { CoordinatorArgs } from './role-args.ts';

const coordinatorActor: ActorModule = {
  kind: 'ringcast-actor',
  create(ctx, raw) {
    const args = raw as CoordinatorArgs;
    const role = new Coordinator(args.node as NodeId, args.spec, args.protocol, args.nearAcceptor as NodeId | undefined);
    return bindRole(ctx, args.spec.ring, role, {
      ignored: new Set(['phase2a', 'phase2b']),
      // Its proposals' runs go on, uncopied, to an acceptor of the same thread, which keeps them.
      keepsLong: true,
      status: () => ({
        role: 'coordinator',
        state: role.currentStatus,
        ballot: role.currentBallot,
        layout: [...role.currentLayout],
        decidedUpTo: role.decidedWatermark,
        inflight: role.instancesInFlight,
        queued: role.queuedValues,
        ...role.stats,
        learners: role.learners,
      }),
    });
  },
};
export default coordinatorActor;
