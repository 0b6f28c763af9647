/**
 * The writer and the reader without sockets: packing, fragmentation, sender checks and every
 * body-level reason to drop, with each datagram either received or dropped, never both.
 */
import { describe, expect, it } from 'vitest';
import { Prng } from '../../src/protocol/prng.ts';
import { DatagramWriter } from '../../runtime/transport/datagram-writer.ts';
import type { DatagramDropReason } from '../../runtime/transport/datagram-format.ts';
import { FROM_PEER, FROM_SELF, PEER_ADDRESS, PEER_ID, PEER_PORT, SELF_ID, fragmentDatagram, packedDatagram, patternFrame, readerWithLog, resign, writerToList } from './wire.ts';

const NOW_MS = 1_000;

function totalDropped(dropped: Record<DatagramDropReason, number>): number {
  return Object.values(dropped).reduce((a, b) => a + b, 0);
}

describe('writer to reader', () => {
  it('packs many frames per datagram and delivers them in order', () => {
    const { writer, datagrams } = writerToList(1472);
    const stream = DatagramWriter.openStream(PEER_ADDRESS, PEER_PORT, false);
    const frames = Array.from({ length: 500 }, (_, i) => patternFrame(i, 1 + (i % 90)));
    for (const f of frames) writer.append(stream, f);
    writer.sealPack(stream);
    expect(datagrams.length).toBeLessThan(frames.length / 10);
    expect(datagrams.every((d) => d.length <= 1472)).toBe(true);
    const { reader, log } = readerWithLog();
    for (const d of datagrams) reader.receive(d, FROM_PEER, false, NOW_MS);
    expect(log.frames.map((f) => f.bytes)).toEqual(frames);
    expect(log.frames.every((f) => f.from === PEER_ID)).toBe(true);
    expect(reader.counters.datagramsReceived).toBe(datagrams.length);
  });

  it('fragments a large frame, keeps order around it, and reassembles it from shuffled fragments', () => {
    const { writer, datagrams } = writerToList(1472);
    const stream = DatagramWriter.openStream(PEER_ADDRESS, PEER_PORT, false);
    const small = patternFrame(1, 10);
    const large = patternFrame(2, 100_000);
    writer.append(stream, small);
    writer.append(stream, large);
    expect(datagrams.length).toBe(1 + Math.ceil(100_000 / (1472 - 32)));
    const [first, ...fragments] = datagrams;
    const prng = new Prng(11);
    fragments.sort(() => prng.next() - 0.5);
    const { reader, log, reassembly } = readerWithLog();
    for (const d of [first!, ...fragments]) reader.receive(d, FROM_PEER, false, NOW_MS);
    expect(log.frames.map((f) => f.bytes)).toEqual([small, large]);
    expect(reader.counters.fragmentsReceived).toBe(fragments.length);
    expect(reassembly.pendingMessages).toBe(0);
  });

  it('sends head + frame as one frame, packed or cut into fragments across the join', () => {
    const { writer, datagrams } = writerToList(128); // fragments of at most 96 bytes
    const stream = DatagramWriter.openStream(PEER_ADDRESS, PEER_PORT, false);
    const cases = [
      [patternFrame(1, 8), patternFrame(2, 50)], // packed
      [patternFrame(3, 8), patternFrame(4, 1000)], // the head in the first fragment
      [patternFrame(5, 200), patternFrame(6, 300)], // the head across fragments, the join inside one
      [patternFrame(7, 96), patternFrame(8, 96)], // the join on a fragment boundary
      [new Uint8Array(0), patternFrame(9, 500)],
    ] as const;
    for (const [head, body] of cases) writer.append(stream, body, head);
    writer.sealPack(stream);
    const { reader, log } = readerWithLog();
    for (const d of datagrams) reader.receive(d, FROM_PEER, false, NOW_MS);
    expect(log.frames.map((f) => f.bytes)).toEqual(cases.map(([head, body]) => Uint8Array.from([...head, ...body])));
  });

  it('puts every packed frame at an offset that is a multiple of 8', () => {
    const { writer, datagrams } = writerToList(1472);
    const stream = DatagramWriter.openStream(PEER_ADDRESS, PEER_PORT, false);
    for (let i = 0; i < 300; i++) writer.append(stream, patternFrame(i, i % 37), patternFrame(i, i % 3));
    writer.sealPack(stream);
    const { reader } = readerWithLog();
    const offsets: number[] = [];
    reader.handler = (_from, bytes) => offsets.push(bytes.byteOffset);
    for (const d of datagrams) reader.receive(d, FROM_PEER, false, NOW_MS);
    expect(offsets.length).toBe(300);
    expect(offsets.filter((o) => o % 8 !== 0)).toEqual([]);
  });

  it('a zero-length frame is a frame', () => {
    const { reader, log } = readerWithLog();
    reader.receive(packedDatagram([new Uint8Array(0), Uint8Array.of(9)]), FROM_PEER, false, NOW_MS);
    expect(log.frames.map((f) => [...f.bytes])).toEqual([[], [9]]);
  });
});

describe('sender identity', () => {
  const cases: readonly [string, Uint8Array, { address: string; port: number }, boolean, DatagramDropReason][] = [
    ['a sender not among the peers', packedDatagram([Uint8Array.of(1)], { senderId: 99 }), FROM_PEER, false, 'unknownSender'],
    ['a peer id from another port', packedDatagram([Uint8Array.of(1)]), { address: PEER_ADDRESS, port: PEER_PORT + 1 }, false, 'addressMismatch'],
    ['a peer id from another address', packedDatagram([Uint8Array.of(1)]), { address: '127.0.0.2', port: PEER_PORT }, false, 'addressMismatch'],
    ['our own id multicast from a peer', packedDatagram([Uint8Array.of(1)], { senderId: SELF_ID, multicast: true }), FROM_PEER, true, 'fromSelf'],
    ['our own id from our own address, by unicast', packedDatagram([Uint8Array.of(1)], { senderId: SELF_ID }), FROM_SELF, false, 'fromSelf'],
    ['a multicast datagram on the unicast socket', packedDatagram([Uint8Array.of(1)], { multicast: true }), FROM_PEER, false, 'wrongSocket'],
    ['a unicast datagram on the multicast socket', packedDatagram([Uint8Array.of(1)]), FROM_PEER, true, 'wrongSocket'],
  ];
  for (const [what, bytes, source, viaMulticast, reason] of cases) {
    it(`drops ${what} as ${reason}`, () => {
      const { reader, log } = readerWithLog();
      reader.receive(bytes, source, viaMulticast, NOW_MS);
      expect(log.frames).toEqual([]);
      expect(reader.counters.dropped[reason]).toBe(1);
      expect(reader.counters.datagramsReceived).toBe(0);
    });
  }
});

describe('multicast echoes', () => {
  it('ignores our own multicast looped back, before any checksum, counting it apart from drops', () => {
    const { reader, log } = readerWithLog();
    const echo = packedDatagram([Uint8Array.of(1)], { senderId: SELF_ID, multicast: true });
    echo[echo.length - 1]! ^= 0xff; // not even the checksum is looked at
    reader.receive(echo, FROM_SELF, true, NOW_MS);
    reader.receive(echo.subarray(0, 8), FROM_SELF, true, NOW_MS);
    expect(log.frames).toEqual([]);
    expect(reader.counters.multicastEchoes).toBe(1);
    expect(reader.counters.dropped).toMatchObject({ tooShort: 1, badChecksum: 0 });
    expect(totalDropped(reader.counters.dropped)).toBe(1);
    expect(reader.counters.datagramsReceived).toBe(0);
  });
});

describe('malformed bodies', () => {
  const frame = Uint8Array.of(1, 2, 3);
  const overrun = (): Uint8Array => {
    const b = packedDatagram([frame, frame]);
    b[30] = 200; // the second frame (its length at 30, its bytes at 32) claims 200 bytes
    return resign(b);
  };
  const cases: readonly [string, () => Uint8Array, DatagramDropReason][] = [
    ['a frame count of 0', () => packedDatagram([frame], { frameCount: 0 }), 'badFrameCount'],
    ['fewer frames than the count says', () => packedDatagram([frame], { frameCount: 2 }), 'truncatedFrame'],
    ['bytes after the last frame', () => packedDatagram([frame, frame], { frameCount: 1 }), 'badFrameCount'],
    ['a frame running past the datagram', overrun, 'truncatedFrame'],
    ['padding before the first frame not zero', () => resign(((b) => ((b[21] = 1), b))(packedDatagram([frame, frame]))), 'badPadding'],
    ['padding between frames not zero', () => resign(((b) => ((b[27] = 1), b))(packedDatagram([frame, frame]))), 'badPadding'],
    ['a fragment with a count of 0', () => fragmentDatagram({ messageId: 1, totalBytes: 6, index: 0, count: 0 }, frame), 'badFragment'],
    ['a fragment with a count of 1', () => fragmentDatagram({ messageId: 1, totalBytes: 3, index: 0, count: 1 }, frame), 'badFragment'],
    ['a fragment index past its count', () => fragmentDatagram({ messageId: 1, totalBytes: 6, index: 2, count: 2 }, frame), 'badFragment'],
    ['a fragment of the wrong length', () => fragmentDatagram({ messageId: 1, totalBytes: 8, index: 0, count: 2 }, frame), 'badFragment'],
    ['a fragment body shorter than its header', () => resign(fragmentDatagram({ messageId: 1, totalBytes: 6, index: 0, count: 2 }, frame).slice(0, 25)), 'badFragment'],
    ['a fragment of a frame above frameBytesMax', () => fragmentDatagram({ messageId: 1, totalBytes: 2 ** 31, index: 0, count: 2 }, frame), 'frameTooLarge'],
  ];
  for (const [what, build, reason] of cases) {
    it(`drops ${what} as ${reason}, delivering nothing`, () => {
      const { reader, log } = readerWithLog();
      expect(() => reader.receive(build(), FROM_PEER, false, NOW_MS)).not.toThrow();
      expect(log.frames).toEqual([]);
      expect(reader.counters.dropped[reason]).toBe(1);
      expect(totalDropped(reader.counters.dropped)).toBe(1);
    });
  }

  it('drops fragments that disagree with earlier ones, repeat them, or come after the frame is done', () => {
    const { reader, log } = readerWithLog();
    const piece = (fill: number): Uint8Array => new Uint8Array(8).fill(fill);
    const first = fragmentDatagram({ messageId: 5, totalBytes: 16, index: 0, count: 2 }, piece(1));
    reader.receive(first, FROM_PEER, false, NOW_MS);
    reader.receive(first, FROM_PEER, false, NOW_MS);
    reader.receive(fragmentDatagram({ messageId: 5, totalBytes: 24, index: 1, count: 3 }, piece(1)), FROM_PEER, false, NOW_MS);
    reader.receive(fragmentDatagram({ messageId: 5, totalBytes: 16, index: 1, count: 2 }, piece(2)), FROM_PEER, false, NOW_MS);
    reader.receive(first, FROM_PEER, false, NOW_MS);
    expect(log.frames.map((f) => [...f.bytes])).toEqual([[...piece(1), ...piece(2)]]);
    expect(reader.counters.dropped).toMatchObject({ fragmentDuplicate: 1, fragmentMismatch: 1, fragmentStale: 1 });
    expect(reader.counters.datagramsReceived).toBe(2);
  });
});

describe('sequence numbers', () => {
  it('counts gaps and regressions per sender stream', () => {
    const { reader } = readerWithLog();
    for (const sequence of [0, 1, 4, 2, 5, 5]) reader.receive(packedDatagram([Uint8Array.of(1)], { sequence }), FROM_PEER, false, NOW_MS);
    reader.receive(packedDatagram([Uint8Array.of(1)], { sequence: 100, multicast: true }), FROM_PEER, true, NOW_MS);
    expect(reader.counters.sequenceGaps).toBe(2);
    expect(reader.counters.sequenceRegressions).toBe(2);
    for (const sequence of [1_000_000, 1_000_001, 3]) reader.receive(packedDatagram([Uint8Array.of(1)], { sequence }), FROM_PEER, false, NOW_MS);
    expect(reader.counters.sequenceResets).toBe(2);
    expect(reader.counters.sequenceGaps).toBe(2);
  });

  it('counts frames that arrive with no handler instead of losing them silently', () => {
    const { reader, log } = readerWithLog();
    reader.handler = null;
    reader.receive(packedDatagram([Uint8Array.of(1), Uint8Array.of(2)]), FROM_PEER, false, NOW_MS);
    expect(reader.counters.framesUnhandled).toBe(2);
    expect(log.frames).toEqual([]);
  });
});
