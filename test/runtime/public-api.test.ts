/** The curated public index exports the API by name, and a program can use it end to end. */
import { describe, expect, it } from 'vitest';
import * as ringcast from '../../runtime/index.ts';

describe('the public API (runtime/index.ts)', () => {
  it('exports what the README documents', () => {
    for (const name of ['startNode', 'defineActor', 'loadDeployment', 'validateDeployment', 'UdpTransport', 'RingcastError', 'ConfigError', 'ErrorCode', 'DEFAULT_PROTOCOL_OPTIONS']) {
      expect(ringcast, name).toHaveProperty(name);
    }
  });

  it('proposes and delivers through it', async () => {
    const node = await ringcast.startNode({ rings: [{ id: 1 }], placement: { mode: 'shared' } });
    node.onLog = () => undefined;
    try {
      const got: string[] = [];
      node.learner(1).onDeliver((d) => got.push(...d.values.map((v) => new TextDecoder().decode(v.bytes))));
      await node.proposer(1).propose(new TextEncoder().encode('hello'));
      const end = Date.now() + 10_000;
      while (got.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      expect(got).toEqual(['hello']);
      // A value above the ring's submitBytesMax, or not bytes, is refused at once; the node goes on.
      const max = ringcast.DEFAULT_PROTOCOL_OPTIONS.submitBytesMax;
      await expect(node.proposer(1).propose(new Uint8Array(max + 1))).rejects.toMatchObject({ code: ringcast.ErrorCode.VALUE_TOO_LARGE });
      await expect(node.proposer(1).propose('text' as unknown as Uint8Array)).rejects.toMatchObject({ code: ringcast.ErrorCode.INVALID_ARGUMENT });
      await node.proposer(1).propose(new Uint8Array(max).fill(7));
      const end2 = Date.now() + 10_000;
      while (got.length < 2 && Date.now() < end2) await new Promise((r) => setTimeout(r, 10));
      expect(got.length).toBe(2);
      expect(node.supervisor.counts()).toMatchObject({ restarts: 0 });
    } finally {
      await node.close();
    }
  }, 60_000);

  it('refuses proposals past proposeOutstandingMax values or proposeOutstandingBytesMax bytes, and takes them again once some settle', async () => {
    const node = await ringcast.startNode({ rings: [{ id: 1 }], placement: { mode: 'shared' }, proposeOutstandingMax: 4, proposeOutstandingBytesMax: 20 * 1024 });
    node.onLog = () => undefined;
    try {
      const p = node.proposer(1);
      const big = new Uint8Array(8 * 1024);
      // In one turn nothing settles: two of 8 KB fit 20 KiB, a third would not.
      const first = [p.propose(big), p.propose(big)];
      const limit = Error.stackTraceLimit;
      const refusal: unknown = await p.propose(big).catch((e: unknown) => e);
      expect(refusal).toMatchObject({ code: ringcast.ErrorCode.PROPOSER_FULL, message: expect.stringContaining('proposeOutstandingBytesMax') });
      // Flow control, at the program's own rate: no stack is captured (it cost 4–5 µs a refusal).
      expect((refusal as Error).stack ?? '').not.toMatch(/\n\s+at /);
      expect(Error.stackTraceLimit).toBe(limit);
      // Small values still fit the bytes; the count stops the fifth.
      const small = [p.propose(new Uint8Array(16)), p.propose(new Uint8Array(16))];
      await expect(p.propose(new Uint8Array(16))).rejects.toMatchObject({ code: ringcast.ErrorCode.PROPOSER_FULL, message: expect.stringContaining('proposeOutstandingMax') });
      await Promise.all([...first, ...small]);
      // Settled, they leave room again; and one value always goes, even one above the bytes bound.
      await p.propose(big);
      await p.propose(new Uint8Array(32 * 1024));
    } finally {
      await node.close();
    }
  }, 60_000);

  it('hands borrowed values (views into the mailbox) and copied values to their own subscribers', async () => {
    const node = await ringcast.startNode({ rings: [{ id: 1 }], placement: { mode: 'shared' } });
    node.onLog = () => undefined;
    try {
      const borrowed: string[] = [];
      const copied: ringcast.DeliveredInstance[] = [];
      let shared = 0;
      node.learner(1).onDeliver(
        (d) => {
          for (const v of d.values) {
            borrowed.push(new TextDecoder().decode(v.bytes));
            if (v.bytes.buffer instanceof SharedArrayBuffer) shared++;
          }
        },
        { borrow: true },
      );
      node.learner(1).onDeliver((d) => copied.push(d));
      const words = Array.from({ length: 200 }, (_, k) => `value ${k}`);
      await Promise.all(words.map((w) => node.proposer(1).propose(new TextEncoder().encode(w))));
      const end = Date.now() + 10_000;
      while (borrowed.length < words.length && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
      expect(borrowed).toEqual(words);
      expect(shared).toBe(words.length);
      // Copies stay valid after their callback returned, whatever the mailbox holds since.
      const kept = copied.flatMap((d) => d.values.map((v) => new TextDecoder().decode(v.bytes)));
      expect(kept).toEqual(words);
      expect(copied.every((d) => d.values.every((v) => !(v.bytes.buffer instanceof SharedArrayBuffer)))).toBe(true);
    } finally {
      await node.close();
    }
  }, 60_000);

  it('settles every outstanding proposal when it closes: decided, or refused as closed', async () => {
    const node = await ringcast.startNode({ rings: [{ id: 1 }], placement: { mode: 'shared' } });
    node.onLog = () => undefined;
    const bytes = new Uint8Array(1024);
    const outcomes = Array.from({ length: 5000 }, () => node.proposer(1).propose(bytes).then(() => 'decided', (e: { code?: string }) => e.code ?? 'no code'));
    await node.close();
    const codes = new Set(await Promise.all(outcomes));
    for (const c of codes) expect(['decided', ringcast.ErrorCode.CLOSED]).toContain(c);
  }, 60_000);

  it('refuses a bad option with a ConfigError naming the field', async () => {
    await expect(ringcast.startNode({ rings: [{ id: 1, acceptors: 2 }] })).rejects.toMatchObject({ code: ringcast.ErrorCode.CONFIG_INVALID, field: 'rings[0].acceptors' });
  });
});
