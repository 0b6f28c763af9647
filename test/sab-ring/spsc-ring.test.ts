import { describe, expect, it } from 'vitest';
import {
  FRAME_HEADER_BYTES,
  RESERVE_FULL,
  RingErrorCode,
  attachSpscRing,
  createBroadcastRing,
  createSpscRing,
  frameBytesOf,
  releaseAbandonedEndpoints,
  type RingConsumer,
  type RingProducer,
} from '../../src/sab-ring/index.ts';
import { W_CAPACITY_BYTES } from '../../src/sab-ring/ring-layout.ts';

const CAPACITY_BYTES = 256;

function openRing(capacityBytes = CAPACITY_BYTES): { producer: RingProducer; consumer: RingConsumer } {
  const ring = createSpscRing({ capacityBytes });
  return { producer: ring.producer({ waitStrategy: { kind: 'wait' } }), consumer: ring.consumer() };
}

function payloadOf(seq: number, lengthBytes: number): Uint8Array {
  return Uint8Array.from({ length: lengthBytes }, (_, i) => (seq * 7 + i) & 0xff);
}

function readAll(consumer: RingConsumer): Uint8Array[] {
  const frames: Uint8Array[] = [];
  consumer.drain((bytes, offset, lengthBytes) => frames.push(bytes.slice(offset, offset + lengthBytes)));
  return frames;
}

function headerWordAt(producer: RingProducer, offsetBytes: number): number {
  return new DataView(producer.bytes.buffer, producer.bytes.byteOffset).getInt32(offsetBytes, true);
}

describe('SPSC ring: empty and round trip', () => {
  it('an empty ring has no data: drain hands nothing, tryRead gives null', () => {
    const { consumer } = openRing();
    expect(consumer.hasData()).toBe(false);
    expect(consumer.drain(() => expect.unreachable('no frame'))).toBe(0);
    expect(consumer.tryRead()).toBeNull();
    expect(consumer.waitForData(0)).toBe(false);
  });

  it('frames come out in order with their bytes, including an empty frame', () => {
    const { producer, consumer } = openRing();
    const sent = [payloadOf(1, 10), payloadOf(2, 0), payloadOf(3, 33)];
    for (const frame of sent) expect(producer.tryWrite(frame)).toBe(true);
    expect(consumer.waitForData(0)).toBe(true);
    expect(readAll(consumer)).toEqual(sent);
    expect(consumer.hasData()).toBe(false);
  });

  it('tryRead returns a copy that outlives the release of its frame', () => {
    const { producer, consumer } = openRing();
    producer.tryWrite(payloadOf(1, 20));
    const copy = consumer.tryRead();
    producer.tryWrite(payloadOf(9, 20)); // reuses nothing yet, but the copy must not be a view
    expect(copy).toEqual(payloadOf(1, 20));
    expect(copy?.buffer).not.toBe(producer.bytes.buffer);
  });

  it('drain stops at framesMax and leaves the rest for the next call', () => {
    const { producer, consumer } = openRing();
    for (let seq = 0; seq < 5; seq++) producer.tryWrite(payloadOf(seq, 8));
    expect(consumer.drain(() => {}, 2)).toBe(2);
    expect(readAll(consumer)).toEqual([2, 3, 4].map((seq) => payloadOf(seq, 8)));
  });
});

describe('SPSC ring: wrap-around, full and padding', () => {
  it('many laps of odd-sized frames wrap around with their content intact', () => {
    const { producer, consumer } = openRing();
    let received = 0;
    for (let seq = 0; seq < 2_000; seq++) {
      const frame = payloadOf(seq, (seq * 13) % 90);
      if (!producer.tryWrite(frame)) {
        for (const got of readAll(consumer)) expect(got).toEqual(payloadOf(received, (received++ * 13) % 90));
        expect(producer.tryWrite(frame)).toBe(true);
      }
    }
    for (const got of readAll(consumer)) expect(got).toEqual(payloadOf(received, (received++ * 13) % 90));
    expect(received).toBe(2_000);
  });

  it('frames that exactly fill the capacity are accepted; one byte more is refused until a release', () => {
    const { producer, consumer } = openRing();
    const frameLength = CAPACITY_BYTES / 4 - FRAME_HEADER_BYTES; // 4 frames of 64 bytes = 256
    for (let seq = 0; seq < 4; seq++) expect(producer.tryWrite(payloadOf(seq, frameLength))).toBe(true);
    expect(producer.reserve(0)).toBe(RESERVE_FULL);
    expect(producer.hasSpaceFor(0)).toBe(false);
    expect(consumer.tryRead()).toEqual(payloadOf(0, frameLength));
    expect(producer.tryWrite(payloadOf(4, frameLength))).toBe(true);
    expect(producer.tryWrite(new Uint8Array(0))).toBe(false);
    expect(readAll(consumer)).toEqual([1, 2, 3, 4].map((seq) => payloadOf(seq, frameLength)));
  });

  it('a frame that does not fit before the end leaves a padding marker and starts at offset 0', () => {
    const { producer, consumer } = openRing();
    producer.tryWrite(payloadOf(0, 96)); // [0, 104)
    producer.tryWrite(payloadOf(1, 96)); // [104, 208)
    readAll(consumer);
    const offset = producer.reserve(100); // needs 112 bytes, 48 left before the end
    expect(offset).toBe(FRAME_HEADER_BYTES);
    producer.bytes.set(payloadOf(2, 100), offset);
    producer.commit();
    expect(headerWordAt(producer, 208)).toBe(-1);
    expect(readAll(consumer)).toEqual([payloadOf(2, 100)]);
  });

  it('a wrapping frame needs room for the padding too, not only for itself', () => {
    const { producer, consumer } = openRing();
    producer.tryWrite(payloadOf(0, 96)); // [0, 104)
    producer.tryWrite(payloadOf(1, 96)); // [104, 208)
    producer.tryWrite(payloadOf(2, 24)); // [208, 240)
    consumer.drain(() => {}, 1); // head at 104: 120 bytes free, 16 of them before the end
    expect(producer.hasSpaceFor(100)).toBe(false); // 112 bytes + 16 of padding > 120
    const offset = producer.reserve(96); // 104 + 16 = 120: fits, and fills the ring exactly
    expect(offset).toBe(FRAME_HEADER_BYTES);
    producer.bytes.set(payloadOf(3, 96), offset);
    producer.commit();
    expect(producer.hasSpaceFor(0)).toBe(false);
    expect(readAll(consumer)).toEqual([payloadOf(1, 96), payloadOf(2, 24), payloadOf(3, 96)]);
  });
});

describe('SPSC ring: reserve and commit', () => {
  it('commit may shrink the reservation, and cancel publishes nothing', () => {
    const { producer, consumer } = openRing();
    const offset = producer.reserve(100);
    producer.bytes.set(payloadOf(5, 10), offset);
    producer.commit(10);
    producer.reserve(50);
    producer.cancel();
    expect(readAll(consumer)).toEqual([payloadOf(5, 10)]);
  });

  it('refuses commit without reserve, a second reserve, and a commit beyond the reservation', () => {
    const { producer } = openRing();
    expect(() => producer.commit()).toThrow(expect.objectContaining({ code: RingErrorCode.STATE }));
    producer.reserve(10);
    expect(() => producer.reserve(10)).toThrow(expect.objectContaining({ code: RingErrorCode.STATE }));
    expect(() => producer.commit(11)).toThrow(expect.objectContaining({ code: RingErrorCode.STATE }));
  });

  it('refuses a frame above frameBytesMax, and accepts frameBytesMax wherever the indices stand', () => {
    const { producer, consumer } = openRing();
    expect(producer.frameBytesMax).toBe(CAPACITY_BYTES / 2 - FRAME_HEADER_BYTES);
    expect(() => producer.reserve(producer.frameBytesMax + 1)).toThrow(
      expect.objectContaining({ code: RingErrorCode.FRAME_TOO_LARGE, frameBytesMax: 120 }),
    );
    expect(() => producer.tryWrite(new Uint8Array(1000))).toThrow(/frameBytesMax is 120/);
    for (let step = 0; step < CAPACITY_BYTES / FRAME_HEADER_BYTES; step++) {
      expect(producer.tryWrite(payloadOf(step, producer.frameBytesMax))).toBe(true);
      expect(readAll(consumer)).toEqual([payloadOf(step, producer.frameBytesMax)]);
      producer.tryWrite(new Uint8Array(0)); // shift the indices by one empty frame
      readAll(consumer);
    }
  });
});

describe('SPSC ring: back-pressure', () => {
  it('a full ring answers RESERVE_FULL, never throws, and waitForSpace times out', () => {
    const { producer } = openRing();
    while (producer.tryWrite(payloadOf(0, 30)));
    expect(producer.reserve(30)).toBe(RESERVE_FULL);
    const startedMs = performance.now();
    expect(producer.waitForSpace(30, 20)).toBe(false);
    expect(performance.now() - startedMs).toBeGreaterThanOrEqual(19);
  });

  it('waitForSpace returns at once when a release made room', () => {
    const { producer, consumer } = openRing();
    while (producer.tryWrite(payloadOf(0, 30)));
    consumer.drain(() => {}, 1);
    expect(producer.waitForSpace(30, 1_000)).toBe(true);
    expect(producer.tryWrite(payloadOf(0, 30))).toBe(true);
  });

  it('drain refuses to be called from inside its own callback', () => {
    const { producer, consumer } = openRing();
    producer.tryWrite(payloadOf(0, 8));
    producer.tryWrite(payloadOf(1, 8));
    const nested = (): void => void consumer.drain(() => {});
    expect(() => consumer.drain(nested)).toThrow(expect.objectContaining({ code: RingErrorCode.STATE }));
    expect(readAll(consumer)).toEqual([payloadOf(1, 8)]);
  });

  it('a callback that throws releases the frames up to and including its own', () => {
    const { producer, consumer } = openRing();
    for (let seq = 0; seq < 3; seq++) producer.tryWrite(payloadOf(seq, 8));
    let calls = 0;
    const explode = (): void => {
      calls += 1;
      if (calls === 2) throw new Error('handler failed');
    };
    expect(() => consumer.drain(explode)).toThrow('handler failed');
    expect(readAll(consumer)).toEqual([payloadOf(2, 8)]);
  });
});

describe('SPSC ring: endpoints and attach', () => {
  it('attach in the same way another thread would; one producer and one consumer at a time', () => {
    const ring = createSpscRing({ capacityBytes: 1024 });
    const producer = ring.producer();
    const attached = attachSpscRing(ring.sab);
    expect(attached.capacityBytes).toBe(1024);
    expect(() => attached.producer()).toThrow(expect.objectContaining({ code: RingErrorCode.ENDPOINT_TAKEN }));
    const consumer = attached.consumer();
    expect(() => ring.consumer()).toThrow(expect.objectContaining({ code: RingErrorCode.ENDPOINT_TAKEN }));
    producer.tryWrite(payloadOf(1, 5));
    consumer.close();
    producer.close();
    expect(() => producer.reserve(1)).toThrow(/reserve\(\) on a closed producer/);
    expect(() => consumer.drain(() => {})).toThrow(/drain\(\) on a closed consumer/);
    // Restarted endpoints resume from the published indices: nothing lost, nothing repeated.
    const producerAgain = attached.producer();
    producerAgain.tryWrite(payloadOf(2, 5));
    expect(readAll(ring.consumer())).toEqual([payloadOf(1, 5), payloadOf(2, 5)]);
  });

  it('releaseAbandonedEndpoints lets successors of dead endpoints open and resume', () => {
    const ring = createSpscRing({ capacityBytes: 256 });
    const deadProducer = ring.producer();
    const deadConsumer = ring.consumer();
    deadProducer.tryWrite(payloadOf(1, 5));
    deadProducer.reserve(10); // reserved, never committed: forgotten
    expect(() => ring.producer()).toThrow(expect.objectContaining({ code: RingErrorCode.ENDPOINT_TAKEN }));
    releaseAbandonedEndpoints(ring.sab);
    ring.producer().tryWrite(payloadOf(2, 5));
    expect(readAll(ring.consumer())).toEqual([payloadOf(1, 5), payloadOf(2, 5)]);
    expect(deadConsumer.readerSlot).toBe(0);
    expect(() => releaseAbandonedEndpoints(new SharedArrayBuffer(1024))).toThrow(/bad magic/);
  });

  it('frames written before the consumer opens wait for it', () => {
    const ring = createSpscRing({ capacityBytes: 256 });
    const producer = ring.producer();
    while (producer.tryWrite(payloadOf(3, 12)));
    expect(producer.hasSpaceFor(12)).toBe(false);
    expect(readAll(ring.consumer()).length).toBe(Math.floor(256 / frameBytesOf(12)));
  });

  it('refuses a buffer that is not an SPSC ring', () => {
    const broadcast = createBroadcastRing({ capacityBytes: 256, readersMax: 2 });
    expect(() => attachSpscRing(broadcast.sab)).toThrow(/ring kind broadcast, expected spsc/);
    expect(() => attachSpscRing(new SharedArrayBuffer(4096))).toThrow(
      expect.objectContaining({ code: RingErrorCode.LAYOUT }),
    );
    const notShared = new ArrayBuffer(512) as unknown as SharedArrayBuffer;
    expect(() => attachSpscRing(notShared)).toThrow(/expected a SharedArrayBuffer/);
    const corrupt = createSpscRing({ capacityBytes: 256 }).sab;
    new Int32Array(corrupt)[W_CAPACITY_BYTES] = 300;
    expect(() => attachSpscRing(corrupt)).toThrow(/corrupt header: capacityBytes 300/);
  });
});
