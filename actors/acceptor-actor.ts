/** The acceptor role as an actor, with its votes in the supervisor-owned vote store. */
import { Acceptor } from '../src/protocol/acceptor.ts';
import type { NodeId } from '../src/protocol/ids.ts';
import type { ActorModule } from '../runtime/actor/actor.ts';
import { SabVoteStore } from '../runtime/storage/sab-vote-store.ts';
import { bindRole } from './role-binding.ts';
import type { AcceptorArgs } from './role-args.ts';

const acceptorActor: ActorModule = {
  kind: 'ringcast-actor',
  create(ctx, raw) {
    const args = raw as AcceptorArgs;
    const store = new SabVoteStore(args.store);
    const role = new Acceptor(args.node as NodeId, args.spec, args.protocol, store.load());
    return bindRole(ctx, args.spec.ring, role, {
      persist(p) {
        if (p.promised !== null) store.savePromise(p.promised);
        if (p.accepted.length > 0 || p.decided.length > 0) store.append(p.accepted, p.decided, () => role.snapshot());
      },
      status: () => ({ role: 'acceptor', promised: role.promisedBallot, votes: role.retainedInstances, storeBytes: store.usedBytes }),
    });
  },
};
export default acceptorActor;
