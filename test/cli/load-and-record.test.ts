/** The load generator and the delivery recorder of `ringcast start`, alone. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode, RingcastError } from '../../src/errors.ts';
import { instance, nodeId, ringId, valueId } from '../../src/protocol/ids.ts';
import { Prng } from '../../src/protocol/prng.ts';
import { DeliveryRecorder, ackedInProgressLine, defaultLoadWindow, LoadGenerator, progressLine, RECORD_FLUSH_MS, loadValue, loadValueTag } from '../../runtime/cli/load-and-record.ts';

describe('load values', () => {
  it('carry their sequence number and node id, little-endian, padded to the size asked', () => {
    const v = loadValue(0x01020304, 7, 12);
    expect([...v]).toEqual([4, 3, 2, 1, 7, 0, 0, 0, 0, 0, 0, 0]);
    expect(loadValueTag(v)).toEqual([7, 0x01020304]);
    expect(loadValue(1, 1, 2)).toHaveLength(8);
    expect(loadValueTag(new Uint8Array(7))).toBeNull();
    expect(loadValueTag(new Uint8Array([9, 9, 5, 0, 0, 0, 3, 0, 0, 0]).subarray(2))).toEqual([3, 5]);
  });
});

describe('LoadGenerator', () => {
  it('keeps 8 MiB of values outstanding by default, 512 to 8,192 of them', () => {
    expect([64, 1024, 8192, 65_000].map(defaultLoadWindow)).toEqual([8192, 8192, 1024, 512]);
  });

  it('never has more than its window of proposals outstanding', async () => {
    let outstanding = 0;
    let most = 0;
    const pending: (() => void)[] = [];
    const proposer = {
      propose: () =>
        new Promise<void>((resolve) => {
          most = Math.max(most, ++outstanding);
          pending.push(() => (outstanding--, resolve()));
        }),
    };
    const lines: string[] = [];
    const load = new LoadGenerator(proposer, { count: 3000, ratePerSecond: null, valueBytes: 8, window: 1024, nodeId: 1 }, (l) => lines.push(l));
    while (lines.length === 0) {
      await new Promise((r) => setTimeout(r, 1));
      for (const ack of pending.splice(0, 500)) ack();
    }
    expect(await load.finished).toBe('done');
    expect(most).toBe(1024);
    expect(lines).toEqual(['load: 3000 acked']);
  });

  it('paces proposals at --rate', async () => {
    const times: number[] = [];
    const start = performance.now();
    const load = new LoadGenerator({ propose: async () => void times.push(performance.now() - start) }, { count: 30, ratePerSecond: 200, valueBytes: 8, window: 8192, nodeId: 1 }, () => undefined);
    expect(await load.finished).toBe('done');
    // 30 values at 200/s: the last leaves about 145 ms after the first.
    expect(times.at(-1)).toBeGreaterThan(120);
    expect(times.at(-1)).toBeLessThan(1000);
  });

  it('ends with the error when a proposal fails for good, and stop() ends it early', async () => {
    const failing = new LoadGenerator({ propose: () => Promise.reject(new RingcastError(ErrorCode.CLOSED, 'node closed')) }, { count: 5, ratePerSecond: null, valueBytes: 8, window: 8192, nodeId: 1 }, () => undefined);
    expect(await failing.finished).toMatchObject({ message: 'node closed' });
    const slow = new LoadGenerator({ propose: () => new Promise(() => undefined) }, { count: 5, ratePerSecond: null, valueBytes: 8, window: 8192, nodeId: 1 }, () => undefined);
    slow.stop();
    expect(await slow.finished).toBe('stopped');
    expect(slow.stats()).toMatchObject({ count: 5, proposed: 5, acked: 0, outstanding: 5 });
  });
});

describe('progress lines', () => {
  it('are read back as the values acked they print, and nothing else is', () => {
    expect(ackedInProgressLine(progressLine(123_456, 1_000_000, 98_765.4, 0))).toBe(123_456);
    expect(ackedInProgressLine(progressLine(7, 10, 0, 3))).toBe(7);
    expect(ackedInProgressLine('load: 3000 acked')).toBe(null);
    expect(ackedInProgressLine('load: 3000 values of 1024 B')).toBe(null);
  });
});

describe('DeliveryRecorder', () => {
  it('appends a JSON line per instance, flushed within the flush period, and closes', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ringcast-record-')), 'r.jsonl');
    const recorder = new DeliveryRecorder(path);
    recorder.record(31, { ring: ringId(2), instance: instance(5), values: [{ id: valueId(nodeId(41), 0), bytes: loadValue(9, 3, 16) }], slots: 1 });
    recorder.record(31, { ring: ringId(2), instance: instance(6), values: [], slots: 4 });
    const odd = [
      { id: valueId(nodeId(41), 1), bytes: loadValue(0xfffffff0, 3, 8) },
      { id: valueId(nodeId(41), 2), bytes: new Uint8Array(3) },
    ];
    recorder.record(31, { ring: ringId(2), instance: instance(7), values: odd, slots: 1 });
    await new Promise((r) => setTimeout(r, RECORD_FLUSH_MS * 3));
    const lines = readFileSync(path, 'utf8');
    expect(lines).toBe(
      '{"ring":2,"learner":31,"instance":5,"values":[[3,9]]}\n{"ring":2,"learner":31,"instance":6,"values":[],"slots":4}\n{"ring":2,"learner":31,"instance":7,"values":[[3,4294967280],null]}\n',
    );
    // Each line is the JSON of what loadValueTag reads.
    expect(JSON.parse(lines.split('\n')[2] as string).values).toEqual(odd.map((v) => loadValueTag(v.bytes)));
    recorder.record(31, { ring: ringId(2), instance: instance(8), values: [], slots: 1 });
    recorder.close();
    recorder.record(31, { ring: ringId(2), instance: instance(9), values: [], slots: 1 });
    expect(readFileSync(path, 'utf8').split('\n')).toHaveLength(5);
    expect(recorder.stats()).toEqual({ file: path, instances: 4 });
  });

  it('writes the JSON of { ring, learner, instance, values: their tags, slots unless 1 } for any delivery (2,000 seeded cases)', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ringcast-record-')), 'r.jsonl');
    const recorder = new DeliveryRecorder(path);
    const rng = new Prng(0x7ec0);
    const U32 = [0, 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
    const expected: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const values = Array.from({ length: rng.nextU32() % 6 }, (_, k) => {
        const bytes = new Uint8Array(rng.nextU32() % 4 === 0 ? rng.nextU32() % 8 : 8 + (rng.nextU32() % 24));
        for (let j = 0; j < bytes.length; j++) bytes[j] = rng.nextU32() & 0xff;
        if (bytes.length >= 8 && rng.nextU32() % 2 === 0) new DataView(bytes.buffer).setUint32(rng.nextU32() % 2 === 0 ? 0 : 4, U32[rng.nextU32() % U32.length] as number, true);
        return { id: valueId(nodeId(41), k), bytes };
      });
      const d = { ring: ringId(rng.nextU32() % 65535), instance: instance(rng.nextU32() * 1024 + (rng.nextU32() % 1024)), values, slots: rng.nextU32() % 3 === 0 ? 1 + (rng.nextU32() % 100) : 1 };
      const learner = rng.nextU32() % 65534;
      recorder.record(learner, d);
      expected.push(`${JSON.stringify({ ring: d.ring, learner, instance: d.instance, values: values.map((v) => loadValueTag(v.bytes)), ...(d.slots === 1 ? {} : { slots: d.slots }) })}\n`);
    }
    recorder.close();
    expect(readFileSync(path, 'utf8')).toBe(expected.join(''));
  });
});
