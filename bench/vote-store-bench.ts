/**
 * An acceptor's log on its own (runtime/storage/file-vote-store.ts): votes of one batch each
 * appended as an acceptor appends them, the acceptor holding its last `--held` instances (as one
 * that trims its oldest decided ones), for each storage mode and directory asked. Prints MB/s of
 * values appended and the time each append took (p50, p99, max: a log rewritten from a snapshot
 * stops its acceptor for the rewrite), with the segments begun, begun in a file kept from a
 * dropped one, and the rewrites.
 *
 *   npx tsx bench/vote-store-bench.ts [--roots /tmp,/dev/shm] [--modes async,sync]
 *       [--value-bytes 57000] [--held 300] [--seconds 3] [--segment-bytes 4194304] [--quick]
 *
 * The defaults are those of a node: segments of a quarter of acceptorRetainedBytesMax (16 MiB),
 * batches of up to 56 KiB, the log rewritten past 94 MiB (compactBytes).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FileVoteStore, type FileSyncMode } from '../runtime/storage/file-vote-store.ts';
import { Histogram } from '../src/metrics/histogram.ts';
import type { AcceptorState } from '../src/protocol/acceptor.ts';
import type { Ballot, Instance, ValueId } from '../src/protocol/ids.ts';
import type { AcceptedEntry } from '../src/protocol/messages.ts';
import { packRun } from '../src/protocol/runs.ts';

const { values: args } = parseArgs({
  options: { roots: { type: 'string' }, modes: { type: 'string' }, 'value-bytes': { type: 'string' }, held: { type: 'string' }, seconds: { type: 'string' }, 'segment-bytes': { type: 'string' }, quick: { type: 'boolean' } },
});
const ROOTS = (args.roots ?? '/tmp,/dev/shm').split(',');
const MODES = (args.modes ?? 'async,sync').split(',');
for (const m of MODES) if (m !== 'async' && m !== 'sync') throw new Error(`--modes: async and/or sync, not ${m}`);
const VALUE_BYTES = Number(args['value-bytes'] ?? 57_000);
const HELD = Number(args.held ?? 300);
const SECONDS = Number(args.seconds ?? (args.quick === true ? 1 : 3));
const SEGMENT_BYTES = Number(args['segment-bytes'] ?? 4 * 1024 * 1024);
for (const [name, v, min] of [['value-bytes', VALUE_BYTES, 1], ['held', HELD, 1], ['seconds', SECONDS, 1], ['segment-bytes', SEGMENT_BYTES, 4096]] as const) {
  if (!Number.isInteger(v) || v < min) throw new Error(`--${name}: an integer of at least ${min}, not ${String(args[name])}`);
}
/** A node's compactBytes at the default protocol options (see runtime/node/node.ts). */
const COMPACT_BYTES = 94 * 1024 * 1024;

function run(root: string, mode: FileSyncMode): string[] {
  const dir = mkdtempSync(join(root, 'ringcast-vote-store-bench-'));
  try {
    const store = new FileVoteStore(join(dir, 'acceptor.log'), mode, COMPACT_BYTES, SEGMENT_BYTES);
    const value = new Uint8Array(VALUE_BYTES).fill(7);
    const held = new Map<number, AcceptedEntry>();
    const snapshot = (): AcceptorState => ({ promised: 1 as Ballot, accepted: [...held.values()], decided: [] });
    const took = new Histogram();
    store.savePromise(1 as Ballot);
    let i = 0;
    const start = performance.now();
    const end = start + SECONDS * 1000;
    for (let now = start; now < end; i++) {
      const v: AcceptedEntry = { instance: i as Instance, ballot: 1 as Ballot, value: { kind: 'batch', runs: [packRun((1000 + i) as ValueId, [value])] } };
      held.set(i, v);
      held.delete(i - HELD);
      store.append([v], [], snapshot);
      const after = performance.now();
      took.record((after - now) * 1000);
      now = after;
    }
    const seconds = (performance.now() - start) / 1000;
    store.close();
    const us = (q: number): string => (took.quantile(q) / 1000).toFixed(2);
    return [root, mode, ((i * VALUE_BYTES) / seconds / 1e6).toFixed(0), `${us(0.5)} / ${us(0.99)} / ${(took.max / 1000).toFixed(2)}`, String(store.stats.rotations), String(store.stats.reused), String(store.stats.compactions)];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows = ROOTS.flatMap((root) => MODES.map((mode) => run(root, mode as FileSyncMode)));
console.log(`acceptor log: one vote of ${VALUE_BYTES} bytes per append, the last ${HELD} instances held, ${SECONDS} s per row, segments of ${SEGMENT_BYTES} bytes`);
console.log('| directory | mode | MB/s | append ms p50 / p99 / max | segments begun | in kept files | rewrites |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const r of rows) console.log(`| ${r.join(' | ')} |`);
