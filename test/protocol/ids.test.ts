import { describe, expect, it } from 'vitest';
import {
  ballot,
  ballotNode,
  ballotRound,
  formatBallot,
  formatValueId,
  isBallot,
  isInstance,
  isNodeId,
  isRingId,
  isValueId,
  nodeId,
  NODE_ID_MAX,
  RING_ID_MAX,
  ROUND_MAX,
  SEQ_MAX,
  valueId,
  valueIdProposer,
  valueIdSeq,
} from '../../src/protocol/ids.ts';
import { Prng } from '../../src/protocol/prng.ts';

const compare = (x: number, y: number): number => Math.sign(x - y);
/** Lexicographic order on (round, node). */
const comparePair = (r1: number, n1: number, r2: number, n2: number): number => (r1 !== r2 ? compare(r1, r2) : compare(n1, n2));

describe('ballot packing', () => {
  it.each([
    // [round1, node1, round2, node2, expected sign of ballot1 - ballot2]
    [0, 0, 0, 0, 0],
    [0, 1, 0, 0, 1],
    [1, 0, 0, NODE_ID_MAX, 1],
    [1, 5, 1, 6, -1],
    [2, 0, 1, NODE_ID_MAX, 1],
    [7, 10, 7, 10, 0],
    [ROUND_MAX, NODE_ID_MAX, ROUND_MAX, NODE_ID_MAX - 1, 1],
    [ROUND_MAX, 0, ROUND_MAX - 1, NODE_ID_MAX, 1],
  ])('orders (%i,%i) against (%i,%i) as %i', (r1, n1, r2, n2, sign) => {
    expect(compare(ballot(r1, nodeId(n1)), ballot(r2, nodeId(n2)))).toBe(sign);
  });

  it('orders like (round, node) pairs for many random pairs', () => {
    const prng = new Prng(0x5eed);
    const randomRound = (): number => (prng.chance(0.5) ? prng.below(8) : prng.below(ROUND_MAX + 1));
    for (let k = 0; k < 10_000; k++) {
      const [r1, n1, r2] = [randomRound(), prng.below(NODE_ID_MAX + 1), randomRound()];
      // Half the pairs share a round, so the node decides.
      const r2Same = prng.chance(0.5) ? r1 : r2;
      const n2 = prng.below(NODE_ID_MAX + 1);
      const b1 = ballot(r1, nodeId(n1));
      const b2 = ballot(r2Same, nodeId(n2));
      expect(compare(b1, b2)).toBe(comparePair(r1, n1, r2Same, n2));
      expect([ballotRound(b1), ballotNode(b1)]).toEqual([r1, n1]);
      expect(isBallot(b1)).toBe(true);
    }
  });

  it.each([
    [0, 0, '0.0'],
    [1, 10, '1.10'],
    [ROUND_MAX, NODE_ID_MAX, `${ROUND_MAX}.${NODE_ID_MAX}`],
  ])('unpacks and formats round %i node %i as %s', (round, node, text) => {
    const bal = ballot(round, nodeId(node));
    expect(ballotRound(bal)).toBe(round);
    expect(ballotNode(bal)).toBe(node);
    expect(formatBallot(bal)).toBe(text);
    expect(Number.isSafeInteger(bal)).toBe(true);
  });
});

describe('value ids', () => {
  it.each([
    [0, 0, '0:0'],
    [30, 7, '30:7'],
    [NODE_ID_MAX, SEQ_MAX, `${NODE_ID_MAX}:${SEQ_MAX}`],
    [1, SEQ_MAX, `1:${SEQ_MAX}`],
  ])('round-trips proposer %i seq %i', (proposer, seq, text) => {
    const id = valueId(nodeId(proposer), seq);
    expect(valueIdProposer(id)).toBe(proposer);
    expect(valueIdSeq(id)).toBe(seq);
    expect(formatValueId(id)).toBe(text);
    expect(isValueId(id)).toBe(true);
  });

  it('orders ids of one proposer by sequence number', () => {
    const p = nodeId(4);
    expect(valueId(p, 1)).toBeGreaterThan(valueId(p, 0));
    expect(valueId(nodeId(5), 0)).toBeGreaterThan(valueId(p, SEQ_MAX));
  });
});

describe('validators', () => {
  const notNumbers: unknown[] = ['1', null, undefined, {}, [], true, 1n];
  const nonIntegers = [0.5, -0.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY];

  it.each([
    ['isNodeId', isNodeId, [0, 1, NODE_ID_MAX], [-1, NODE_ID_MAX + 1]],
    ['isRingId', isRingId, [0, 1, RING_ID_MAX], [-1, RING_ID_MAX + 1]],
    ['isInstance', isInstance, [0, 1, Number.MAX_SAFE_INTEGER], [-1, Number.MAX_SAFE_INTEGER + 1]],
    ['isBallot', isBallot, [0, ballot(1, nodeId(10)), ballot(ROUND_MAX, nodeId(NODE_ID_MAX))], [-1, ballot(ROUND_MAX, nodeId(NODE_ID_MAX)) + 1]],
    ['isValueId', isValueId, [0, valueId(nodeId(NODE_ID_MAX), SEQ_MAX)], [-1, valueId(nodeId(NODE_ID_MAX), SEQ_MAX) + 1]],
  ] as const)('%s accepts the range and refuses what is outside it', (_name, valid, inRange, outOfRange) => {
    for (const n of inRange) expect(valid(n), `${n}`).toBe(true);
    for (const n of outOfRange) expect(valid(n), `${n}`).toBe(false);
    for (const n of nonIntegers) expect(valid(n), `${n}`).toBe(false);
    for (const n of notNumbers) expect(valid(n), String(n)).toBe(false);
  });
});
