/**
 * Branded identifiers. Passing a ring where a node belongs does not compile.
 *
 * A ballot is the pair (round, node) packed into one safe integer, round * 2^16 + node, so that
 * numeric order is lexicographic order on the pair. Rounds stay below 2^36, nodes below 2^16.
 */
declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

export type RingId = Brand<number, 'RingId'>;
export type NodeId = Brand<number, 'NodeId'>;
export type Instance = Brand<number, 'Instance'>;
export type Ballot = Brand<number, 'Ballot'>;
/**
 * A client value's id: proposer node * 2^32 + the proposer's sequence number, whose top 8 bits are
 * an epoch (a restarted proposer takes a new one) over a 24-bit counter.
 */
export type ValueId = Brand<number, 'ValueId'>;

export const NODE_ID_MAX = 0xffff;
export const RING_ID_MAX = 0xffff;
export const SEQ_MAX = 0xffff_ffff;
/** Sequence numbers of one epoch. */
export const EPOCH_SEQS = 2 ** 24;
export const EPOCHS = 256;
export const ROUND_MAX = 2 ** 36 - 1;
const NODE_SPAN = 2 ** 16;
const SEQ_SPAN = 2 ** 32;

export const ringId = (n: number): RingId => n as RingId;
export const nodeId = (n: number): NodeId => n as NodeId;
export const instance = (n: number): Instance => n as Instance;

export const BALLOT_ZERO = 0 as Ballot;

export function ballot(round: number, node: NodeId): Ballot {
  return (round * NODE_SPAN + node) as Ballot;
}
export function ballotRound(b: Ballot): number {
  return Math.floor(b / NODE_SPAN);
}
export function ballotNode(b: Ballot): NodeId {
  return (b % NODE_SPAN) as NodeId;
}
export function formatBallot(b: Ballot): string {
  return `${ballotRound(b)}.${ballotNode(b)}`;
}

export function valueId(proposer: NodeId, seq: number): ValueId {
  return (proposer * SEQ_SPAN + seq) as ValueId;
}
export function valueIdProposer(v: ValueId): NodeId {
  return Math.floor(v / SEQ_SPAN) as NodeId;
}
export function valueIdSeq(v: ValueId): number {
  return v % SEQ_SPAN;
}
export function formatValueId(v: ValueId): string {
  return `${valueIdProposer(v)}:${valueIdSeq(v)}`;
}

export function isNodeId(n: unknown): n is NodeId {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= NODE_ID_MAX;
}
export function isRingId(n: unknown): n is RingId {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= RING_ID_MAX;
}
export function isInstance(n: unknown): n is Instance {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}
export function isBallot(n: unknown): n is Ballot {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 && n <= ROUND_MAX * NODE_SPAN + NODE_ID_MAX;
}
export function isValueId(n: unknown): n is ValueId {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 && n < NODE_SPAN * SEQ_SPAN;
}
