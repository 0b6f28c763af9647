import { describe, expect, it } from 'vitest';
import {
  RESERVE_FULL,
  RingErrorCode,
  attachBroadcastRing,
  createBroadcastRing,
  type RingConsumer,
} from '../../src/sab-ring/index.ts';

function frameOf(seq: number, lengthBytes = 24): Uint8Array {
  return new Uint8Array(lengthBytes).fill(seq & 0xff);
}

function drainAll(consumer: RingConsumer): number[] {
  const firstBytes: number[] = [];
  consumer.drain((bytes, offset) => firstBytes.push(bytes[offset] ?? -1));
  return firstBytes;
}

/** A 256-byte ring holds eight 32-byte frames. */
function openRing(readersCount: number): { ring: ReturnType<typeof createBroadcastRing>; readers: RingConsumer[] } {
  const ring = createBroadcastRing({ capacityBytes: 256, readersMax: 4 });
  const readers = Array.from({ length: readersCount }, () => ring.consumer(ring.registerReader()));
  return { ring, readers };
}

describe('broadcast ring: every registered reader sees every frame', () => {
  it('three readers each get all frames, in order', () => {
    const { ring, readers } = openRing(3);
    const producer = ring.producer();
    for (let seq = 0; seq < 5; seq++) expect(producer.tryWrite(frameOf(seq))).toBe(true);
    for (const reader of readers) expect(drainAll(reader)).toEqual([0, 1, 2, 3, 4]);
  });

  it('a reader registered late starts at the tail: it sees only later frames', () => {
    const { ring, readers } = openRing(1);
    const producer = ring.producer();
    producer.tryWrite(frameOf(1));
    const late = ring.consumer(ring.registerReader());
    producer.tryWrite(frameOf(2));
    expect(drainAll(readers[0] as RingConsumer)).toEqual([1, 2]);
    expect(drainAll(late)).toEqual([2]);
  });

  it('with no reader registered the producer never waits', () => {
    const ring = createBroadcastRing({ capacityBytes: 256, readersMax: 2 });
    const producer = ring.producer();
    for (let seq = 0; seq < 100; seq++) expect(producer.tryWrite(frameOf(seq))).toBe(true);
  });
});

describe('broadcast ring: slow-reader policy is back-pressure', () => {
  it('the producer waits for the slowest reader, not the fastest', () => {
    const { ring, readers } = openRing(2);
    const [fast, slow] = readers as [RingConsumer, RingConsumer];
    const producer = ring.producer({ waitStrategy: { kind: 'wait' } });
    for (let seq = 0; seq < 8; seq++) expect(producer.tryWrite(frameOf(seq))).toBe(true);
    drainAll(fast);
    expect(producer.reserve(24)).toBe(RESERVE_FULL);
    expect(producer.waitForSpace(24, 10)).toBe(false);
    slow.drain(() => {}, 3);
    for (let seq = 8; seq < 11; seq++) expect(producer.tryWrite(frameOf(seq))).toBe(true);
    expect(producer.tryWrite(frameOf(11))).toBe(false);
    expect(drainAll(fast)).toEqual([8, 9, 10]);
    expect(drainAll(slow)).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('detachReader removes a dead reader: the producer goes on at the pace of the others', () => {
    const { ring, readers } = openRing(2);
    const [live, dead] = readers as [RingConsumer, RingConsumer];
    const producer = ring.producer();
    while (producer.tryWrite(frameOf(0)));
    drainAll(live);
    expect(producer.hasSpaceFor(24)).toBe(false);
    const supervisorView = attachBroadcastRing(ring.sab);
    expect(supervisorView.detachReader(dead.readerSlot)).toBe(true);
    expect(supervisorView.detachReader(dead.readerSlot)).toBe(false);
    expect(supervisorView.registeredReaders()).toEqual([live.readerSlot]);
    expect(producer.tryWrite(frameOf(1))).toBe(true);
    expect(() => dead.drain(() => {})).toThrow(expect.objectContaining({ code: RingErrorCode.READER_DETACHED }));
  });

  it('a detached slot is reused by a new reader; the old consumer stays detached', () => {
    const { ring, readers } = openRing(1);
    const zombie = readers[0] as RingConsumer;
    ring.detachReader(zombie.readerSlot);
    const slot = ring.registerReader();
    expect(slot).toBe(zombie.readerSlot);
    const fresh = ring.consumer(slot);
    ring.producer().tryWrite(frameOf(7));
    expect(() => zombie.drain(() => {})).toThrow(expect.objectContaining({ code: RingErrorCode.READER_DETACHED }));
    expect(drainAll(fresh)).toEqual([7]);
  });

  it('closing a reader unregisters its slot', () => {
    const { ring, readers } = openRing(2);
    (readers[1] as RingConsumer).close();
    expect(ring.registeredReaders()).toEqual([(readers[0] as RingConsumer).readerSlot]);
  });
});

describe('broadcast ring: registration limits and misuse', () => {
  it('refuses a reader beyond readersMax, naming the limit', () => {
    const { ring } = openRing(4);
    expect(() => ring.registerReader()).toThrow(expect.objectContaining({ code: RingErrorCode.READERS_FULL, readersMax: 4 }));
  });

  it('refuses a consumer on an unregistered slot, a second consumer on a slot, and a bad slot index', () => {
    const { ring, readers } = openRing(1);
    expect(() => ring.consumer(3)).toThrow(expect.objectContaining({ code: RingErrorCode.READER_DETACHED }));
    const slot = (readers[0] as RingConsumer).readerSlot;
    expect(() => ring.consumer(slot)).toThrow(expect.objectContaining({ code: RingErrorCode.ENDPOINT_TAKEN }));
    expect(() => ring.consumer(4)).toThrow(expect.objectContaining({ code: RingErrorCode.OPTIONS, option: 'readerSlot' }));
    expect(() => ring.detachReader(-1)).toThrow(expect.objectContaining({ option: 'readerSlot' }));
  });
});
