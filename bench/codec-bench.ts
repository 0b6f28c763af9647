/**
 * Codec micro-benchmark: encodes/s and decodes/s of one frame, into and from a preallocated
 * buffer, with and without the CRC-32C. Run: npx tsx bench/codec-bench.ts [secondsPerCase]
 *
 * Each case runs for a fixed time in samples of SAMPLE_OPS operations; the percentiles are of
 * the per-operation time within a sample (a sample's mean), so they show jitter between samples
 * (GC, scheduling), not the spread of single operations, which are too short to time one by one.
 */
import { decode, encodedSize, encodeInto } from '../src/codec/index.ts';
import type { Ballot, Instance, NodeId, RingId, ValueId } from '../src/protocol/ids.ts';
import type { Message } from '../src/protocol/messages.ts';
import { packRun } from '../src/protocol/runs.ts';

const SAMPLE_OPS = 2_000;
const secondsPerCase = Number(process.argv[2] ?? 1);

/** One run of `count` values of `bytes` bytes each. */
const phase2a = (count: number, bytes: number): Message => ({
  type: 'phase2a', ring: 1 as RingId, from: 1 as NodeId, ballot: (7 * 65536 + 1) as Ballot,
  instance: 123_456 as Instance, layout: [1, 2, 3] as NodeId[], votes: 1,
  value: { kind: 'batch', runs: [packRun(2 ** 32 as ValueId, Array.from({ length: count }, (_, i) => new Uint8Array(bytes).fill(i)))] },
});

const CASES: readonly [string, Message][] = [
  ['phase2b (33 B)', { type: 'phase2b', ring: 1 as RingId, from: 2 as NodeId, ballot: 65537 as Ballot, instance: 9 as Instance, votes: 2 }],
  ['phase2a, 1 x 1 KB', phase2a(1, 1024)],
  ['phase2a, 8 x 1 KB', phase2a(8, 1024)],
  ['heartbeat (msgpack)', { type: 'heartbeat', ring: 1 as RingId, from: 2 as NodeId, ballot: 65537 as Ballot, decidedUpTo: 99 as Instance }],
];

interface Result {
  readonly opsPerSec: number;
  readonly nsP50: number;
  readonly nsP99: number;
  readonly nsP999: number;
}

function measure(op: () => void): Result {
  for (let i = 0; i < SAMPLE_OPS * 20; i++) op(); // warm up the JIT
  const samples: number[] = [];
  const until = performance.now() + secondsPerCase * 1000;
  let ops = 0;
  let elapsedMs = 0;
  while (performance.now() < until) {
    const t0 = performance.now();
    for (let i = 0; i < SAMPLE_OPS; i++) op();
    const ms = performance.now() - t0;
    samples.push((ms * 1e6) / SAMPLE_OPS);
    ops += SAMPLE_OPS;
    elapsedMs += ms;
  }
  samples.sort((a, b) => a - b);
  const at = (q: number): number => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? 0;
  return { opsPerSec: (ops / elapsedMs) * 1000, nsP50: at(0.5), nsP99: at(0.99), nsP999: at(0.999) };
}

const fmt = (r: Result, bytes: number): string =>
  `${(r.opsPerSec / 1e6).toFixed(2).padStart(6)} M/s ${((r.opsPerSec * bytes) / 1e9).toFixed(2).padStart(6)} GB/s` +
  `   ns/op p50 ${r.nsP50.toFixed(0).padStart(5)} p99 ${r.nsP99.toFixed(0).padStart(5)} p99.9 ${r.nsP999.toFixed(0).padStart(5)}`;

let sink = 0;
console.log(`codec bench: node ${process.version}, ${secondsPerCase} s per case, ${SAMPLE_OPS} ops per sample`);
for (const [name, msg] of CASES) {
  const size = encodedSize(msg);
  const buf = new Uint8Array(size + 64);
  for (const checksum of [true, false]) {
    const opts = { checksum };
    const enc = measure(() => {
      sink += encodeInto(msg, buf, 0, opts);
    });
    encodeInto(msg, buf, 0, opts);
    const dec = measure(() => {
      const res = decode(buf, 0, size);
      if (res.ok) sink += res.size;
    });
    const label = `${name}, ${size} B frame, checksum ${checksum ? 'on ' : 'off'}`;
    console.log(`${label.padEnd(48)} encode ${fmt(enc, size)}`);
    console.log(`${''.padEnd(48)} decode ${fmt(dec, size)}`);
  }
}
if (sink === 0) console.log('(sink)');
