/**
 * Whether an acceptor or a learner of a multicast ring needs the ring's values (Phase 2A) from
 * the network. A learner needs every ring's values; an acceptor those of the rings it is in. It
 * does, unless the Phase 2A of the highest ballot it knows came from a coordinator in its own
 * process (the values reach it there, and the group's datagrams would only be our own echoes) or
 * left it out of the ring (a spare votes on nothing). A higher ballot in any message — a new
 * coordinator's Phase 1A or heartbeat, a vote passed along a new ring — makes it listen again
 * until that ballot's Phase 2A says otherwise. Erring toward listening costs CPU only; the other
 * way would cost the ring a member (an acceptor of the ring without its values holds up every
 * instance until the coordinator forms a new ring).
 */
import { ballotNode, type Ballot, type NodeId } from '../src/protocol/ids.ts';
import type { Message } from '../src/protocol/messages.ts';
import type { RingSpec } from '../src/protocol/options.ts';
import type { ActorContext } from '../runtime/actor/actor.ts';

/**
 * The interest of a role actor of a multicast ring (null for other rings), told to the node's
 * gateway now (a new incarnation needs values, whatever its last one said) and at every change.
 */
export function valuesInterestOf(ctx: ActorContext, spec: RingSpec, self: NodeId, everyRing: boolean): ValuesInterest | null {
  if (spec.dissemination !== 'multicast') return null;
  ctx.wantValues(true);
  return new ValuesInterest(self, (a) => ctx.isLocal(a), everyRing, (want) => ctx.wantValues(want));
}

export class ValuesInterest {
  /** The highest ballot seen; messages of lower ballots change nothing. */
  private highest = -1;
  private wanted = true;

  constructor(
    private readonly self: NodeId,
    /** Whether an actor address is in this process. */
    private readonly isLocal: (address: number) => boolean,
    /** A learner: it needs the values of every ring, whoever votes in it. */
    private readonly everyRing = false,
    /** Told each change of the wish. */
    private readonly tell: (want: boolean) => void = () => undefined,
  ) {}

  get wantsValues(): boolean {
    return this.wanted;
  }

  /**
   * Takes in a message the actor got; returns the new wish when it changed, else null. A bound
   * function, to be handed as the role binding's `seen` hook.
   */
  readonly seen = (msg: Message): boolean | null => {
    const b = ballotOf(msg);
    if (b === null || b < this.highest) return null;
    let want = this.wanted;
    if (msg.type === 'phase2a') want = !this.isLocal(ballotNode(b)) && (this.everyRing || msg.layout.includes(this.self));
    else if (b > this.highest) want = true;
    this.highest = b;
    if (want === this.wanted) return null;
    this.wanted = want;
    this.tell(want);
    return want;
  };
}

function ballotOf(msg: Message): Ballot | null {
  switch (msg.type) {
    case 'phase1a':
    case 'phase2a':
    case 'phase2b':
    case 'heartbeat':
      return msg.ballot;
    default:
      return null;
  }
}
