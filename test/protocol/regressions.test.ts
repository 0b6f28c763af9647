/**
 * Regressions: bugs the unit tests found in src/protocol, each kept as the test that exposed it.
 * Each states the behaviour DESIGN.md §3 or the code's own comments promise.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.ts';
import { Acceptor } from '../../src/protocol/acceptor.ts';
import { Coordinator } from '../../src/protocol/coordinator.ts';
import { DedupTable } from '../../src/protocol/dedup.ts';
import { ballot, nodeId, type NodeId } from '../../src/protocol/ids.ts';
import type { Outbound } from '../../src/protocol/messages.ts';
import { resolveProtocolOptions, type ProtocolOptions } from '../../src/protocol/options.ts';
import {
  A1,
  A2,
  A3,
  B1,
  B1_C11,
  B2,
  batch,
  C10,
  clientValue,
  decision,
  entry,
  i,
  L20,
  P30,
  P31,
  phase1a,
  phase1b,
  phase2a,
  phase2b,
  repair,
  ringSpec,
  sentOfType,
  smallOptions,
  stepAll,
  STRANGER,
  submit,
  tickUntilSent,
  vid,
} from './builders.ts';

const V = batch(clientValue(P30, 0));
const LAYOUT_12 = [A1, A2];

/** The instances proposed (Phase 2A) in a list of outbound messages. */
const proposed = (msgs: readonly Outbound[]): number[] => msgs.flatMap((o) => (o.msg.type === 'phase2a' ? [o.msg.instance] : []));

function leaderC10(): Coordinator {
  const c = new Coordinator(C10, ringSpec(), smallOptions());
  tickUntilSent(c, 'phase1a', 20);
  stepAll(c, phase1b(A1, B1, 0, 64), phase1b(A2, B1, 0, 64));
  expect(c.currentStatus).toBe('leading');
  return c;
}

/**
 * A coordinator and live acceptors wired by hand: every tick, each role ticks and its messages are
 * delivered at once (the group reaches every live acceptor). `lose` drops chosen messages.
 */
function runCluster(c: Coordinator, acceptors: readonly Acceptor[], ticks: number, lose: (from: NodeId, o: Outbound) => boolean): void {
  const byId = new Map(acceptors.map((a) => [a.id as NodeId, a]));
  const route = (from: NodeId, outs: readonly Outbound[]): void => {
    for (const o of outs) {
      if (lose(from, o)) continue;
      const targets = o.to === 'group' ? acceptors : [byId.get(o.to)].filter((a) => a !== undefined);
      for (const a of targets) {
        a.step(o.msg);
        route(a.id, a.ready().messages);
      }
      if (o.to === C10) {
        c.step(o.msg);
        route(C10, c.ready().messages);
      }
    }
  };
  for (let t = 0; t < ticks; t++) {
    c.tick();
    route(C10, c.ready().messages);
    for (const a of acceptors) {
      a.tick();
      route(a.id, a.ready().messages);
    }
  }
}

describe('bug: a fresh Phase 1 never completes once an acceptor has promised its exact ballot', () => {
  const spec = ringSpec('multicast', { coordinators: [C10] });
  const opts = smallOptions();

  it('completes Phase 1 when one Phase 1B is lost and one acceptor is down', () => {
    const c = new Coordinator(C10, spec, opts);
    const live = [new Acceptor(A1, spec, opts), new Acceptor(A2, spec, opts)]; // A3 is down
    let lost = false;
    runCluster(c, live, 200, (from, o) => {
      if (lost || from !== A2 || o.msg.type !== 'phase1b') return false;
      lost = true;
      return true;
    });
    expect(c.currentStatus).toBe('leading');
  });
});

describe('bug: a coordinator that takes over behind the acceptors\' trim point proposes into trimmed instances', () => {
  it('treats the instances below the trim point its Phase 1 finds as decided', () => {
    const c = new Coordinator(C10, ringSpec(), smallOptions());
    tickUntilSent(c, 'phase1a', 20);
    // The acceptors trimmed below 1000: they report an empty window at its end.
    const r1 = stepAll(c, phase1b(A1, B1, 64, 64), phase1b(A2, B1, 64, 64));
    expect(c.currentStatus).toBe('leading');
    expect(c.decidedWatermark).toBeGreaterThanOrEqual(64);
    expect(sentOfType(r1, 'phase1a').map((m) => [m.instanceFrom, m.instanceTo])).toEqual([
      [64, 128],
      [64, 128],
      [64, 128],
    ]);
    // The top-up finds the next window trimmed too; a value must not go into a trimmed instance,
    // where every acceptor drops its Phase 2A ('phase2a-trimmed') and it is never decided.
    const r2 = stepAll(c, phase1b(A1, B1, 128, 128), phase1b(A2, B1, 128, 128), submit(P30, clientValue(P30, 0)));
    expect(proposed(r2.messages).filter((n) => n < 128)).toEqual([]);
  });
});

describe('bug: a coordinator acks values that another coordinator\'s ballot decided', () => {
  it('does not ack its in-flight values when the instance is decided under another ballot', () => {
    const c = leaderC10();
    expect(proposed(stepAll(c, submit(P30, clientValue(P30, 0))).messages)).toEqual([0]);
    // C11 took over meanwhile (ballot 1.11 > 1.10) and decided its own value for instance 0.
    const r = stepAll(c, decision(A2, [0, B1_C11]));
    expect(sentOfType(r, 'ack')).toEqual([]);
  });
});

describe('bug: a value displaced by a Phase 1 finding is never proposed again', () => {
  it('proposes a retried value whose instance went to another coordinator\'s value', () => {
    const c = leaderC10();
    const x = clientValue(P30, 0);
    stepAll(c, submit(P30, x));
    // Instance 0 stays undecided: after phase2RetriesMax re-sends C10 forms a new ring under B2.
    const { ready } = tickUntilSent(c, 'phase1a', 30);
    expect(sentOfType(ready, 'phase1a')[0]?.ballot).toBe(B2);
    // A3 holds C11's value for instance 0 (ballot 1.11 beats nothing else reported): it is re-proposed.
    const y = batch(clientValue(P31, 0));
    const r = stepAll(c, phase1b(A1, B2, 0, 64), phase1b(A3, B2, 0, 64, [entry(0, B1_C11, y)]));
    // P30 never got an ack for x and retries it: x must be proposed again, at the latest now.
    const retry = stepAll(c, decision(A3, [0, B2]), submit(P30, x));
    const proposals = [...sentOfType(r, 'phase2a'), ...sentOfType(retry, 'phase2a')].map((m) => [m.instance, m.value]);
    expect(proposals).toContainEqual([0, y]);
    expect(proposals).toContainEqual([1, batch(x)]);
  });
});

describe('bug: an acceptor stops serving an instance re-proposed after its decision', () => {
  it('serves a repair for an instance decided, then re-proposed and decided again under a higher ballot', () => {
    const a = new Acceptor(A2, ringSpec(), smallOptions());
    stepAll(a, phase2a({ ballot: B1, instance: 0, layout: LAYOUT_12, value: V }), phase2b(A1, B1, 0, 1));
    expect(a.voteOf(i(0))?.decided).toBe(true);
    // A new coordinator that did not know instance 0 decided re-proposes its value under B2.
    stepAll(a, phase2a({ ballot: B2, instance: 0, layout: LAYOUT_12, value: V }), phase2b(A1, B2, 0, 1));
    const r = stepAll(a, repair(L20, 0, 1));
    expect(sentOfType(r, 'deliver').flatMap((m) => m.entries.map((e) => [e.instance, e.value]))).toEqual([[0, V]]);
  });
});

describe('bug: an acceptor keeps a waiting vote forever when the instance is decided without its vote', () => {
  it('frees a waiting vote when its instance is decided elsewhere', () => {
    const a = new Acceptor(A2, ringSpec(), smallOptions());
    // Four 2Bs whose 2A was lost; each instance is then decided by the ring [1, 3].
    for (let n = 0; n < 4; n++) stepAll(a, phase2b(A1, B1, n, 1), decision(A3, [n, B2]));
    // A 2B that overtakes its 2A must still be held, or the instance waits for a Phase 2 timeout.
    const r = stepAll(a, phase2b(A1, B2, 10, 1), phase2a({ ballot: B2, instance: 10, layout: LAYOUT_12, value: V }));
    expect(a.drops.toJSON()).toEqual({});
    expect(sentOfType(r, 'decision')).toEqual([decision(A2, [10, B2])]);
  });
});

describe('bug: an acceptor answers a Phase 2B of an unknown coordinator', () => {
  it('drops and counts a 2B whose ballot belongs to no coordinator', () => {
    const a = new Acceptor(A2, ringSpec(), smallOptions());
    stepAll(a, phase1a(B2, 0, 64, true));
    const r = stepAll(a, phase2b(A1, ballot(1, STRANGER), 0, 1));
    expect(r.messages).toEqual([]);
    expect(a.drops.total).toBe(1);
  });
});

describe('bug: duplicate detection forgets an active proposer first', () => {
  it('forgets the proposer silent the longest, not the one tracked the longest', () => {
    const table = new DedupTable(8, 2);
    const [p1, p2, p3] = [nodeId(1), nodeId(2), nodeId(3)];
    table.firstTime(vid(p1, 0));
    table.firstTime(vid(p2, 0));
    table.firstTime(vid(p1, 1)); // p1 is active; p2 has been silent since
    table.firstTime(vid(p3, 0)); // one proposer must go: p2, which has been silent the longest
    // p1 retries its latest value: a duplicate, which must not be delivered again.
    expect(table.firstTime(vid(p1, 1))).toBe(false);
  });
});

describe('bug: option names inherited from Object.prototype pass as known options', () => {
  it.each(['constructor', 'toString', 'hasOwnProperty', '__proto__'])('refuses the unknown option %s', (key) => {
    const partial = JSON.parse(`{"${key}": 5}`) as Partial<ProtocolOptions>;
    expect(() => resolveProtocolOptions(partial)).toThrow(ConfigError);
  });
});
