/**
 * Which client value ids a learner has delivered, per proposer: the highest sequence number seen
 * and a bitmap of the `window` numbers below it. A proposer never has more than
 * `proposerValuesInFlightMax <= window` values outstanding, so a sequence number below the window
 * can only be a late copy of one already delivered.
 */
import { valueIdProposer, valueIdSeq, type NodeId, type ValueId } from './ids.ts';

interface ProposerWindow {
  seqMax: number;
  bits: Uint8Array;
}

export class DedupTable {
  private readonly proposers = new Map<NodeId, ProposerWindow>();
  private lastProposer: NodeId | null = null;
  constructor(
    private readonly window: number,
    private readonly proposersMax: number,
  ) {}

  /**
   * True the first time `id` is seen; false for a duplicate. Past `proposersMax` proposers the
   * one silent longest is forgotten: a proposer that has been silent that long has no retries left.
   */
  firstTime(id: ValueId): boolean {
    const proposer = valueIdProposer(id);
    const seq = valueIdSeq(id);
    let w = this.proposers.get(proposer);
    if (w !== undefined && proposer !== this.lastProposer) {
      // Keep the map in order of last use, so that the first entry is the one silent longest.
      this.proposers.delete(proposer);
      this.proposers.set(proposer, w);
    }
    this.lastProposer = proposer;
    if (w === undefined) {
      if (this.proposers.size >= this.proposersMax) {
        const oldest = this.proposers.keys().next();
        if (oldest.done !== true) this.proposers.delete(oldest.value);
      }
      w = { seqMax: -1, bits: new Uint8Array(Math.ceil(this.window / 8)) };
      this.proposers.set(proposer, w);
    }
    if (seq > w.seqMax) {
      this.advance(w, seq);
      this.set(w, seq);
      return true;
    }
    if (seq <= w.seqMax - this.window) return false;
    if (this.has(w, seq)) return false;
    this.set(w, seq);
    return true;
  }

  get proposerCount(): number {
    return this.proposers.size;
  }

  private advance(w: ProposerWindow, seq: number): void {
    const clearFrom = Math.max(w.seqMax + 1, seq - this.window + 1);
    for (let s = clearFrom; s <= seq; s++) this.clear(w, s);
    w.seqMax = seq;
  }
  private has(w: ProposerWindow, seq: number): boolean {
    const bit = seq % this.window;
    return ((w.bits[bit >> 3] ?? 0) & (1 << (bit & 7))) !== 0;
  }
  private set(w: ProposerWindow, seq: number): void {
    const bit = seq % this.window;
    w.bits[bit >> 3] = (w.bits[bit >> 3] ?? 0) | (1 << (bit & 7));
  }
  private clear(w: ProposerWindow, seq: number): void {
    const bit = seq % this.window;
    w.bits[bit >> 3] = (w.bits[bit >> 3] ?? 0) & ~(1 << (bit & 7));
  }
}
