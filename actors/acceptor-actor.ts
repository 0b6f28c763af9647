/** The acceptor role as an actor, with its votes in the supervisor-owned vote store. */
import { Acceptor } from '../src/protocol/acceptor.ts';
import type { NodeId } from '../src/protocol/ids.ts';
import type { ActorModule } from '../runtime/actor/actor.ts';
import { SabVoteStore } from '../runtime/storage/sab-vote-store.ts';
import { FileVoteStore } from '../runtime/storage/file-vote-store.ts';
import { bindRole } from './role-binding.ts';
import { valuesInterestOf } from './values-interest.ts';
import type { AcceptorArgs } from './role-args.ts';

const acceptorActor: ActorModule = {
  kind: 'ringcast-actor',
  create(ctx, raw) {
    const args = raw as AcceptorArgs;
    const s = args.storage;
    const store = s.kind === 'memory' ? new SabVoteStore(s.sab) : new FileVoteStore(s.path, s.mode, s.compactBytes, s.segmentBytes);
    const role = new Acceptor(args.node as NodeId, args.spec, args.protocol, store.load());
    // A multicast ring's acceptor tells the node's gateway when it needs the ring's values from the
    // network; starting, it does (the gateway may have been told otherwise by its last incarnation).
    const interest = valuesInterestOf(ctx, args.spec, args.node as NodeId, false);
    const binding = bindRole(ctx, args.spec.ring, role, {
      // Rings without multicast have no interest, and their actors no hook to call per message.
      seen: interest?.seen,
      keepsLong: true,
      persist(p) {
        if (p.promised !== null) store.savePromise(p.promised);
        if (p.accepted.length === 0 && p.decided.length === 0) return;
        // The memory store asks the role instance by instance when it cleans; the file store compacts from a snapshot.
        if (store instanceof SabVoteStore) store.append(p.accepted, p.decided, () => role);
        else store.append(p.accepted, p.decided, () => role.snapshot());
      },
      status: () => ({ role: 'acceptor', ...(interest === null ? {} : { wantsValues: interest.wantsValues }), promised: role.promisedBallot, votes: role.retainedInstances, storage: s.kind === 'memory' ? 'memory' : s.mode, storeBytes: store.usedBytes, ...(store instanceof FileVoteStore ? { fsyncErrors: store.fsyncErrors, logSegments: store.segmentCount, ...store.stats } : {}) }),
    });
    return {
      ...binding,
      onTick(now) {
        binding.onTick?.(now);
        if (store instanceof FileVoteStore) store.tick();
      },
      stop() {
        if (store instanceof FileVoteStore) store.close();
      },
    };
  },
};
export default acceptorActor;
