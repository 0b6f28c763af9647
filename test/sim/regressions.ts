/**
 * Seeds the simulator found failing, with the parameters that made them fail. Each names the bug
 * it showed. `fixed` seeds must pass: they guard against the bug coming back. `open` seeds are
 * bugs not fixed yet: the test expects them to still fail with the kind of violation recorded, so
 * that a fix is noticed — then move the entry to `fixed` (and raise the rate profiles.ts holds
 * down). A seed's trace depends on the protocol code: if an open seed stops failing after an
 * unrelated change, find a new one with `npm run sim` and the parameters shown.
 */
import type { ViolationKind } from '../../src/sim/checker.ts';
import type { SimParamsInput } from '../../src/sim/simulator.ts';

export interface Regression {
  readonly bug: string;
  readonly seed: number;
  readonly params: SimParamsInput;
  readonly status: 'fixed' | 'open';
  /** For an open bug: the violation the seed still shows. */
  readonly kind?: ViolationKind;
}

const heavyLoss: SimParamsInput = { faults: { lossRate: 0.2, crashRate: 0, partitionRate: 0 } };
const partitionsOnly: SimParamsInput = { faults: { lossRate: 0, crashRate: 0, partitionRate: 0.003 } };
const crashes = (crashRoles: ('acceptor' | 'coordinator' | 'learner' | 'proposer')[]): SimParamsInput => ({
  faults: { lossRate: 0, duplicateRate: 0.05, reorderRate: 0.1, crashRate: 0.004, crashRoles, partitionRate: 0 },
});

const everyFault: SimParamsInput = { faults: { lossRate: 0.2, duplicateRate: 0.05, reorderRate: 0.1, crashRate: 0.006, partitionRate: 0.004 } };

/** Heavy loss with a duplicate window as narrow as the proposer's in-flight limit. */
const heavyLossNarrowDedup: SimParamsInput = { ...heavyLoss, protocol: { proposerValuesInFlightMax: 32, dedupWindow: 32 } };

/**
 * Heavy loss, a high rate and acceptors that retain 16 instances (learners keep a window of 16):
 * learners repairing lost values fall behind what the acceptors keep unless the leader waits for
 * them. No crashes or partitions: a learner cut off for longer than the acceptors retain cannot
 * catch up (README, Known limits), with or without the leader's flow control.
 */
export const narrowRetention: SimParamsInput = {
  faults: { lossRate: 0.2, duplicateRate: 0.05, reorderRate: 0.1, crashRate: 0, partitionRate: 0 },
  workload: { proposeRate: 1, valuesMax: 2000 },
  protocol: { acceptorRetainedInstancesMax: 16, phase1WindowInstances: 16, instancesInFlightMax: 4, learnerWindowInstances: 16, batchValuesMax: 2 },
};

export const REGRESSIONS: readonly Regression[] = [
  {
    bug: 'J: nothing slowed a leader for its learners: a learner repairing lost values fell behind what the acceptors retained, they trimmed what it lacked, and it waited for good while the ring went on deciding (acked, never delivered there; found by the five-process benchmark at 8 KB, 13 of seeds 1-200 failed here before the fix)',
    seed: 8,
    params: narrowRetention,
    status: 'fixed',
  },
  {
    bug: 'J (the same, another seed: five acceptors, three learners)',
    seed: 14,
    params: narrowRetention,
    status: 'fixed',
  },
  {
    bug: 'I: a proposer bounded how many values were in flight, not how far their numbers spread: a lost run stayed in flight while newer ones were acked, its re-send was decided more than dedupWindow numbers later and dropped by the learners as a late copy (acked, never delivered; found by the five-process benchmark at 1 KB, every seed of 1000-1004 failed here before the fix)',
    seed: 1000,
    params: heavyLossNarrowDedup,
    status: 'fixed',
  },
  {
    bug: 'I (the same, another seed)',
    seed: 1003,
    params: heavyLossNarrowDedup,
    status: 'fixed',
  },
  {
    bug: 'G: after a proposer restart (new sequence range), an acked value of its previous life decided after the new values was dropped as a duplicate (31:116, small windows)',
    seed: 3593140698,
    params: everyFault,
    status: 'fixed',
  },
  {
    bug: 'H: under tiny windows and heavy faults the proposer’s adaptive retry timeout grew past the liveness phase, so a pending value (32:186) was never re-sent',
    seed: 3602847102,
    params: everyFault,
    status: 'fixed',
  },
  {
    bug: 'A: a coordinator acked the values of an instance that another ballot decided with other values (31:124 at instance 298 went out as a no-op)',
    seed: 36,
    params: heavyLoss,
    status: 'fixed',
  },
  {
    bug: 'C: after its Phase 1 gave an instance to another value, a coordinator kept that instance’s values as queued and ignored their retries forever',
    seed: 93,
    params: partitionsOnly,
    status: 'fixed',
  },
  {
    bug: 'D: a lost Phase 1B stalled Phase 1 for good (the re-sent fresh Phase 1A was nacked by the acceptor that had promised it)',
    seed: 55,
    params: heavyLoss,
    status: 'fixed',
  },
  {
    bug: 'F: an instance re-decided under a higher ballot was never served to repairing learners',
    seed: 3,
    params: heavyLoss,
    status: 'fixed',
  },
  {
    bug: 'E: a restarted acceptor forgets which instances were decided; once every acceptor that knew instance 58 restarted, no one serves it and a restarted learner stalls',
    seed: 5,
    params: crashes(['acceptor', 'learner']),
    status: 'fixed',
  },
  {
    bug: 'F′: a re-proposal of an instance already decided (84, decided under 4.11, re-proposed under 5.11) makes every acceptor’s vote unservable until the re-proposal is decided, which never happens',
    seed: 10,
    params: heavyLoss,
    status: 'fixed',
  },
  {
    bug: 'F′ after a coordinator restart: instance 9 re-proposed under 2.11, the re-proposal nacked by a higher promise, a restarted learner stalls at 9',
    seed: 114,
    params: crashes(['coordinator', 'learner']),
    status: 'fixed',
  },
  {
    bug: 'F′ at the rates of the network sweep profile: instance 15 decided under 1.11, re-proposed under 2.11, a learner stalls at 15',
    seed: 1157,
    params: { faults: { lossRate: 0.05, duplicateRate: 0.05, reorderRate: 0.1, crashRate: 0, partitionRate: 0.002 } },
    status: 'fixed',
  },
  {
    bug: 'a restarted coordinator (12) deferred to a leader (11) whose ballot 10.11 was below the 12.12 the acceptors had promised to its previous life; 11, with nothing to propose, never heard a nack, and the instances 12 had decided above 76 stayed unknown to the learner for good',
    seed: 6015274,
    params: everyFault,
    status: 'fixed',
  },
];
