/**
 * encodeInto with `runBytes` (the acceptor log's gathered write): the frame it leaves in the
 * buffer, with each run's packed bytes put where the hook was told they go, is the frame a plain
 * unchecked encode writes; the bytes handed over are the runs' own, not copies.
 */
import { describe, expect, it } from 'vitest';
import { encodeInto } from '../../src/codec/index.ts';
import { MESSAGE_TYPES } from '../../src/protocol/messages.ts';
import { messageOf } from './arbitrary.ts';
import { bytesEqual } from './frames.ts';
import { baseSeed, replayHint, Rng } from './prng.ts';

describe('encodeInto with runBytes', () => {
  it('leaves the runs out and says where they go: filled in, the frame is the plain one (20,000 seeded messages)', () => {
    const seed = baseSeed(0x6a7e);
    let handed = 0;
    for (let i = 0; i < 20_000; i++) {
      const caseSeed = (seed + i) >>> 0;
      const rng = new Rng(caseSeed);
      const msg = messageOf(rng, rng.pick(MESSAGE_TYPES), { countMax: 6, bytesMax: 300 });
      const plain = new Uint8Array(64 * 1024);
      const n = encodeInto(msg, plain, 5, { checksum: false });
      const gathered = new Uint8Array(64 * 1024).fill(0xee);
      const pieces: { bytes: Uint8Array; at: number }[] = [];
      expect(encodeInto(msg, gathered, 5, { checksum: false, runBytes: (bytes, at) => void pieces.push({ bytes, at }) }), replayHint(caseSeed)).toBe(n);
      for (const p of pieces) {
        // Left as it was, then filled in from the run itself.
        expect(gathered.subarray(p.at, p.at + p.bytes.length).every((b) => b === 0xee), replayHint(caseSeed)).toBe(true);
        gathered.set(p.bytes, p.at);
      }
      handed += pieces.length;
      expect(bytesEqual(gathered.subarray(5, 5 + n), plain.subarray(5, 5 + n)), replayHint(caseSeed)).toBe(true);
    }
    expect(handed).toBeGreaterThan(1000);
  });

  it('hands the runs themselves, and refuses to be asked with a checksum', () => {
    const rng = new Rng(3);
    let msg = messageOf(rng, 'phase2a', { countMax: 3, bytesMax: 50 });
    while (msg.type !== 'phase2a' || msg.value.kind !== 'batch' || msg.value.runs.length === 0) msg = messageOf(rng, 'phase2a', { countMax: 3, bytesMax: 50 });
    const runs = msg.value.runs;
    const seen: Uint8Array[] = [];
    encodeInto(msg, new Uint8Array(64 * 1024), 0, { checksum: false, runBytes: (bytes) => void seen.push(bytes) });
    expect(seen).toEqual(runs.map((r) => r.packed));
    for (let k = 0; k < runs.length; k++) expect(seen[k]).toBe(runs[k]?.packed);
    expect(() => encodeInto(msg, new Uint8Array(64 * 1024), 0, { runBytes: () => undefined })).toThrow(/runBytes needs checksum: false/);
  });
});
