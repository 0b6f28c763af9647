/** A binary min-heap of messages in flight, ordered by delivery tick and then by send order. */
import type { Message } from '../protocol/messages.ts';
import type { NodeId } from '../protocol/ids.ts';

export interface Envelope {
  readonly from: NodeId;
  readonly to: NodeId;
  readonly msg: Message;
  readonly deliverAt: number;
  readonly seq: number;
}

const before = (a: Envelope, b: Envelope): boolean => a.deliverAt < b.deliverAt || (a.deliverAt === b.deliverAt && a.seq < b.seq);

export class EnvelopeHeap {
  private readonly items: Envelope[] = [];

  get size(): number {
    return this.items.length;
  }
  /** Every envelope, in no particular order. */
  forEach(each: (e: Envelope) => void): void {
    for (const e of this.items) each(e);
  }
  peek(): Envelope | undefined {
    return this.items[0];
  }
  push(e: Envelope): void {
    const a = this.items;
    a.push(e);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(a[i] as Envelope, a[parent] as Envelope)) break;
      [a[i], a[parent]] = [a[parent] as Envelope, a[i] as Envelope];
      i = parent;
    }
  }
  pop(): Envelope | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || last === undefined) return top;
    a[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && before(a[l] as Envelope, a[m] as Envelope)) m = l;
      if (r < a.length && before(a[r] as Envelope, a[m] as Envelope)) m = r;
      if (m === i) break;
      [a[i], a[m]] = [a[m] as Envelope, a[i] as Envelope];
      i = m;
    }
    return top;
  }
  clear(): void {
    this.items.length = 0;
  }
}
