/** The acceptor's two storages: what is appended comes back after a restart, through compaction. */
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AcceptorState } from '../../src/protocol/acceptor.ts';
import type { Ballot, Instance, ValueId } from '../../src/protocol/ids.ts';
import type { AcceptedEntry, DecisionEntry } from '../../src/protocol/messages.ts';
import { packRun } from '../../src/protocol/runs.ts';
import { FileVoteStore, acceptorLogFiles } from '../../runtime/storage/file-vote-store.ts';
import { SabVoteStore, type HeldVotes } from '../../runtime/storage/sab-vote-store.ts';

const vote = (i: number, b: number, bytes = 100): AcceptedEntry => ({
  instance: i as Instance,
  ballot: b as Ballot,
  value: { kind: 'batch', runs: [packRun((1000 + i) as ValueId, [new Uint8Array(bytes).fill(i & 255)])] },
});
const decision = (i: number, b: number): DecisionEntry => ({ instance: i as Instance, ballot: b as Ballot });

interface Store {
  load(): AcceptorState;
  savePromise(b: Ballot): void;
  append(a: readonly AcceptedEntry[], d: readonly DecisionEntry[], snapshot: () => AcceptorState): void;
}

/**
 * Appends 400 votes over 40 instances (each replaced under higher ballots, as re-proposals do)
 * and decisions: far more is appended than is current, so small logs compact many times.
 * Returns the expected state.
 */
function fill(store: Store): { votes: Map<number, AcceptedEntry>; decided: Map<number, DecisionEntry> } {
  const votes = new Map<number, AcceptedEntry>();
  const decided = new Map<number, DecisionEntry>();
  const snapshot = (): AcceptorState => ({ promised: 7 as Ballot, accepted: [...votes.values()], decided: [...decided.values()] });
  store.savePromise(7 as Ballot);
  for (let k = 0; k < 400; k++) {
    const v = vote(k % 40, 1 + Math.floor(k / 40));
    votes.set(k % 40, v);
    const d = k % 2 === 0 ? [decision(k % 40, v.ballot)] : [];
    for (const x of d) decided.set(x.instance, x);
    store.append([v], d, snapshot);
  }
  return { votes, decided };
}

function expectState(s: AcceptorState, want: ReturnType<typeof fill>): void {
  expect(s.promised).toBe(7);
  const byInstance = new Map(s.accepted.map((e) => [e.instance as number, e]));
  expect(byInstance.size).toBe(want.votes.size);
  for (const [i, v] of want.votes) expect(byInstance.get(i)).toEqual(v);
  expect(new Set(s.decided?.map((d) => d.instance))).toEqual(new Set(want.decided.keys()));
}

describe('SabVoteStore (memory storage)', () => {
  it('holds every vote it was given at any point of a cleaning, as a thread dying there would leave it', () => {
    const store = SabVoteStore.create(16 * 1024);
    const votes = new Map<number, AcceptedEntry>();
    let looks = 0;
    let checks = 0;
    const held: HeldVotes = {
      heldBallot: (i) => {
        // Asked mid-cleaning: what a new incarnation would load from the published log right now.
        if (++looks % 7 === 0) {
          checks++;
          const loaded = new Map(new SabVoteStore(store.sab).load().accepted.map((e) => [e.instance as number, e]));
          for (const [k, v] of votes) if (k !== i) expect(loaded.get(k)).toEqual(v);
        }
        return votes.get(i)?.ballot;
      },
      heldDecided: () => false,
    };
    for (let k = 0; k < 1500; k++) {
      const v = vote(k % 97 === 0 ? 50_000 + k : k, 1, 90 + (k % 40));
      store.append([v], [], () => held);
      votes.set(v.instance, v);
      if (k % 97 !== 0) votes.delete(k - 15); // trimmed; every 97th vote is kept for good
    }
    expect(checks).toBeGreaterThan(50);
  });

  it('keeps the decisions of the votes it holds and drops the others, asked per instance', () => {
    const store = SabVoteStore.create(16 * 1024);
    const votes = new Map<number, AcceptedEntry>();
    const decided = new Set<number>();
    const held: HeldVotes = { heldBallot: (i) => votes.get(i)?.ballot, heldDecided: (i) => votes.has(i) && decided.has(i) };
    for (let k = 0; k < 3000; k++) {
      const v = vote(k, 1, 120);
      votes.set(k, v);
      decided.add(k);
      store.append([v], [decision(k, 1)], () => held);
      votes.delete(k - 10); // trimmed: the last ten are held
    }
    expect(store.cleaned).toBeGreaterThan(100);
    const loaded = new SabVoteStore(store.sab).load();
    // Every held vote survived every cleaning (records not reached by a cleaning yet stay too).
    const loadedVotes = new Set(loaded.accepted.map((e) => e.instance as number));
    for (const i of votes.keys()) expect(loadedVotes.has(i)).toBe(true);
    expect(loadedVotes.size).toBeLessThan(200);
    // So did the decisions of the held votes; of the trimmed ones', only those not cleaned yet.
    const decidedLoaded = new Set(loaded.decided?.map((d) => d.instance as number));
    for (const i of votes.keys()) expect(decidedLoaded.has(i)).toBe(true);
    expect(decidedLoaded.size).toBeLessThan(1000);
  });

  it('gives back promise, votes and decisions, after its small log has wrapped and been cleaned many times', () => {
    const store = SabVoteStore.create(16 * 1024);
    const want = fill(store);
    expect(store.cleaned).toBeGreaterThan(100);
    // A new incarnation attaches the same buffer.
    expectState(new SabVoteStore(store.sab).load(), want);
  });

  it.each(['whole state', 'per instance'])('moves a vote it still holds from the tail to the head, and drops the ones it replaced or trimmed (asked for the %s)', (asked) => {
    const store = SabVoteStore.create(16 * 1024);
    const held = new Map<number, AcceptedEntry>();
    const snapshot = (): AcceptorState | HeldVotes =>
      asked === 'whole state' ? { promised: 1 as Ballot, accepted: [...held.values()], decided: [] } : { heldBallot: (i) => held.get(i)?.ballot, heldDecided: () => false };
    // Instance 99999's vote is written first and never replaced: every cleaning meets it at the tail.
    const old = vote(99_999, 1, 300);
    held.set(99_999, old);
    store.append([old], [], snapshot);
    for (let k = 0; k < 2000; k++) {
      const v = vote(k, 1, 150);
      held.set(k, v);
      store.append([v], [], snapshot);
      held.delete(k - 20); // trimmed: only the last twenty are held
    }
    const loaded = new Map(new SabVoteStore(store.sab).load().accepted.map((e) => [e.instance as number, e]));
    expect(loaded.get(99_999)).toEqual(old);
    for (let k = 1980; k < 2000; k++) expect(loaded.get(k)).toEqual(held.get(k));
    expect(store.usedBytes).toBeLessThan(16 * 1024);
  });

  it('ignores whatever lies past what it published (a thread that died mid-write)', () => {
    const store = SabVoteStore.create(16 * 1024);
    const want = fill(store);
    // Scribble over the free part of the log, as an unpublished append would leave it.
    const bytes = new Uint8Array(store.sab, 64);
    const reread = new SabVoteStore(store.sab);
    const head = ((reread as unknown as { tail: number }).tail + store.usedBytes) % store.capacity;
    for (let k = 0; k < store.capacity - store.usedBytes; k++) bytes[(head + k) % store.capacity] = (k * 31) & 255;
    expectState(new SabVoteStore(store.sab).load(), want);
  });

  it('refuses, naming its size, to hold more votes than it has room for', () => {
    const store = SabVoteStore.create(4096);
    const held: AcceptedEntry[] = [];
    const snapshot = (): AcceptorState => ({ promised: 1 as Ballot, accepted: held, decided: [] });
    expect(() => {
      for (let k = 0; k < 100; k++) {
        const v = vote(k, 1, 200);
        held.push(v);
        store.append([v], [], snapshot);
      }
    }).toThrow(/vote store of 4096 bytes cannot hold the votes retained/);
  });

  it('gives back batches whose runs start at any alignment, and noop and skip votes, through compactions', () => {
    const store = SabVoteStore.create(16 * 1024);
    /** A run of 1 to 4 values whose packed bytes start at offset k mod 8 of their buffer. */
    const runAt = (k: number): ReturnType<typeof packRun> => {
      const r = packRun((k * 8) as ValueId, Array.from({ length: 1 + (k % 4) }, (_, j) => new Uint8Array((k * 13 + j) % 200).map((_x, n) => (n * 7 + k) & 255)));
      const buf = new Uint8Array(r.packed.length + 8);
      buf.set(r.packed, k % 8);
      return { ...r, packed: buf.subarray(k % 8, (k % 8) + r.packed.length) };
    };
    const votes = new Map<number, AcceptedEntry>();
    const snapshot = (): AcceptorState => ({ promised: 3 as Ballot, accepted: [...votes.values()], decided: [] });
    for (let k = 0; k < 300; k++) {
      const i = k % 30;
      const ballot = (1 + Math.floor(k / 30)) as Ballot;
      const v: AcceptedEntry =
        i % 10 === 8
          ? { instance: i as Instance, ballot, value: { kind: 'noop' } }
          : i % 10 === 9
            ? { instance: i as Instance, ballot, value: { kind: 'skip', slots: 1 + i } }
            : {
                instance: i as Instance,
                ballot,
                value: { kind: 'batch', runs: k % 3 === 0 ? [runAt(k), runAt(k + 1)] : [runAt(k)] },
              };
      votes.set(i, v);
      store.append([v], [], snapshot);
    }
    const loaded = new SabVoteStore(store.sab).load();
    const byInstance = new Map(loaded.accepted.map((e) => [e.instance as number, e]));
    expect(byInstance.size).toBe(votes.size);
    for (const [i, v] of votes) expect(byInstance.get(i)).toEqual(v);
  });
});

describe('FileVoteStore (async and sync storage)', () => {
  it.each(['async', 'sync'] as const)('gives back promise, votes and decisions after compaction (%s)', (mode) => {
    const path = join(mkdtempSync(join(tmpdir(), 'ringcast-store-')), 'acceptor.log');
    const store = new FileVoteStore(path, mode, 16 * 1024);
    const want = fill(store);
    store.tick();
    // Every instance stays held (0-39, voted again and again), so no segment empties: the log is
    // rewritten from snapshots, and holds about the current state, not all 400 votes (about 60 KB).
    expect(store.stats.compactions).toBeGreaterThan(0);
    expect(acceptorLogFiles(path).reduce((n, f) => n + statSync(f).size, 0)).toBeLessThan(24 * 1024);
    expectState(new FileVoteStore(path, mode, 16 * 1024).load(), want);
    store.close();
  });

  it.each(['async', 'sync'] as const)('deletes the segments that hold only instances the acceptor trimmed, and rewrites nothing (%s)', (mode) => {
    const path = join(mkdtempSync(join(tmpdir(), 'ringcast-store-')), 'acceptor.log');
    const store = new FileVoteStore(path, mode, 1 << 20, 4096);
    const votes = new Map<number, AcceptedEntry>();
    const decided = new Map<number, DecisionEntry>();
    // The acceptor holds its last 20 instances, as one that trims its oldest decided ones.
    const snapshot = (): AcceptorState => ({ promised: 7 as Ballot, accepted: [...votes.values()], decided: [...decided.values()] });
    store.savePromise(7 as Ballot);
    let most = 0;
    for (let i = 0; i < 600; i++) {
      const v = vote(i, 7);
      votes.set(i, v);
      decided.set(i, decision(i, 7));
      votes.delete(i - 20);
      decided.delete(i - 20);
      store.append([v], [decision(i, 7)], snapshot);
      most = Math.max(most, store.segmentCount);
    }
    expect(store.stats.compactions).toBe(0);
    expect(store.stats.rotations).toBeGreaterThan(20);
    expect(store.stats.dropped).toBe(store.stats.rotations + 1 - store.segmentCount);
    // 20 instances of ~150 bytes span one segment of 4 KiB, or two: never more than three live.
    expect(most).toBeLessThanOrEqual(3);
    expect(acceptorLogFiles(path)).toHaveLength(store.segmentCount);
    store.close();
    const back = new FileVoteStore(path, mode, 1 << 20, 4096).load();
    expect(back.promised).toBe(7);
    const byInstance = new Map(back.accepted.map((e) => [e.instance as number, e]));
    // Every instance held comes back; older ones only from the segment they share with held ones.
    for (const [i, v] of votes) expect(byInstance.get(i)).toEqual(v);
    for (const [i, v] of byInstance) expect(v).toEqual(vote(i, 7));
    expect(Math.min(...byInstance.keys())).toBeGreaterThan(500);
  });

  it('knows after a restart which instances each segment names, and keeps the ones it still needs', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ringcast-store-')), 'acceptor.log');
    const votes = new Map<number, AcceptedEntry>();
    const snapshot = (): AcceptorState => ({ promised: 7 as Ballot, accepted: [...votes.values()], decided: [] });
    const hold = (store: FileVoteStore, i: number): void => {
      votes.set(i, vote(i, 7));
      votes.delete(i - 60); // held: the last 60, over three segments or so
      store.append([vote(i, 7)], [], snapshot);
    };
    const before = new FileVoteStore(path, 'async', 1 << 20, 4096);
    for (let i = 0; i < 100; i++) hold(before, i);
    before.close();
    const after = new FileVoteStore(path, 'async', 1 << 20, 4096);
    after.load();
    let i = 100;
    while (after.stats.rotations === 0) hold(after, i++);
    after.close();
    expect(after.stats.dropped).toBeGreaterThan(0);
    const back = new Map(new FileVoteStore(path, 'async', 1 << 20, 4096).load().accepted.map((e) => [e.instance as number, e]));
    for (const [k, v] of votes) expect(back.get(k)).toEqual(v);
  });

  it('loads older segments a crash left beside a rewrite before it, and the rewrite over them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringcast-store-'));
    const path = join(dir, 'acceptor.log');
    const store = new FileVoteStore(path, 'async', 16 * 1024, 4096);
    store.savePromise(7 as Ballot);
    // Votes under ballot 1 for instances 0-9, in the first segment.
    for (let i = 0; i < 10; i++) store.append([vote(i, 1)], [], () => ({ promised: 7 as Ballot, accepted: [], decided: [] }));
    const first = readFileSync(path);
    const want = fill(store); // votes again for 0-39 under ballots up to 10; rewrites from snapshots
    store.close();
    expect(store.stats.compactions).toBeGreaterThan(0);
    // The first segment again, as if the last rewrite's deletions had not happened.
    writeFileSync(path, first);
    expect(acceptorLogFiles(path)[0]).toBe(path);
    expectState(new FileVoteStore(path, 'async', 16 * 1024, 4096).load(), want);
  });

  it('refuses a segment other than the last that ends in a chunk that does not check', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ringcast-store-')), 'acceptor.log');
    const store = new FileVoteStore(path, 'async', 1 << 20, 4096);
    store.savePromise(7 as Ballot);
    for (let i = 0; i < 60; i++) store.append([vote(i, 7)], [], () => ({ promised: 7 as Ballot, accepted: [vote(0, 7)], decided: [] }));
    store.close();
    const files = acceptorLogFiles(path);
    expect(files.length).toBeGreaterThan(1);
    const first = readFileSync(files[0] as string);
    first.writeUInt8(first.readUInt8(first.length - 1) ^ 0xff, first.length - 1);
    writeFileSync(files[0] as string, first);
    expect(() => new FileVoteStore(path, 'async', 1 << 20, 4096).load()).toThrow(/acceptor\.log corrupt: the chunk at byte \d+ does not match its checksum/);
  });

  it('cuts a chunk torn by a crash mid-write, and appends after it', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ringcast-store-')), 'acceptor.log');
    const store = new FileVoteStore(path, 'async', 1 << 20);
    const want = fill(store);
    store.close();
    const whole = readFileSync(path).length;
    // A chunk head that announces 255 bytes, and only 4 of them.
    appendFileSync(path, Buffer.from([0xff, 0x00, 0x00, 0x00, 0x12, 0x34, 0x56, 0x78, 1, 2, 3, 4]));
    const reopened = new FileVoteStore(path, 'async', 1 << 20);
    expectState(reopened.load(), want);
    expect(readFileSync(path).length).toBe(whole);
    reopened.append([vote(300, 5)], [], () => ({ promised: 7 as Ballot, accepted: [], decided: [] }));
    reopened.close();
    expect(new FileVoteStore(path, 'async', 1 << 20).load().accepted.some((e) => e.instance === 300)).toBe(true);
  });

  it('cuts a last chunk whose bytes do not match its checksum, and refuses such a chunk anywhere else', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ringcast-store-')), 'acceptor.log');
    const store = new FileVoteStore(path, 'async', 1 << 20);
    store.savePromise(7 as Ballot);
    store.append([vote(1, 7)], [], () => ({ promised: 7 as Ballot, accepted: [], decided: [] }));
    const firstChunksEnd = readFileSync(path).length;
    store.append([vote(2, 7)], [], () => ({ promised: 7 as Ballot, accepted: [], decided: [] }));
    store.close();
    const good = readFileSync(path);
    // The last chunk's last byte flipped: a write the crash left half done.
    const tornTail = Buffer.from(good);
    tornTail.writeUInt8(tornTail.readUInt8(tornTail.length - 1) ^ 0xff, tornTail.length - 1);
    writeFileSync(path, tornTail);
    expect(new FileVoteStore(path, 'async', 1 << 20).load().accepted.map((e) => e.instance)).toEqual([1]);
    expect(readFileSync(path).length).toBe(firstChunksEnd);
    // A byte flipped in the middle chunk, with a whole chunk after it: corruption, not a crash.
    const corrupt = Buffer.from(good);
    corrupt.writeUInt8(corrupt.readUInt8(firstChunksEnd - 1) ^ 0xff, firstChunksEnd - 1);
    writeFileSync(path, corrupt);
    expect(() => new FileVoteStore(path, 'async', 1 << 20).load()).toThrow(/corrupt: the chunk at byte \d+ does not match its checksum/);
  });

  it('writes each chunk whole, values in place between the records, under node:zlib\'s CRC-32 of its payload', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ringcast-store-')), 'acceptor.log');
    const store = new FileVoteStore(path, 'async', 1 << 20);
    store.savePromise(7 as Ballot);
    // Votes of several runs each, of several sizes, with decisions between them in the same chunk.
    const many = (i: number): AcceptedEntry => ({
      instance: i as Instance,
      ballot: 7 as Ballot,
      value: { kind: 'batch', runs: [1, 0, 3000, 17].map((n, k) => packRun((10_000 * i + 100 * k) as ValueId, [new Uint8Array(n).fill(i + k), new Uint8Array(k).fill(9)])) },
    });
    const state = (): AcceptorState => ({ promised: 7 as Ballot, accepted: [], decided: [] });
    store.append([many(1), many(2)], [decision(1, 7)], state);
    store.append([many(3)], [decision(2, 7), decision(3, 7)], state);
    store.close();
    const log = readFileSync(path);
    // Format 3: "RCLG", 3, three zero bytes, the segment's number (0: its checksums are zlib's own), where the segment before it ends.
    expect([...log.subarray(0, 16)]).toEqual([0x52, 0x43, 0x4c, 0x47, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    let chunks = 0;
    for (let o = 16; o < log.length; chunks++) {
      const length = log.readUInt32LE(o);
      expect(log.readUInt32LE(o + 4)).toBe(zlibCrc32(log.subarray(o + 8, o + 8 + length)));
      o += 8 + length;
      expect(o).toBeLessThanOrEqual(log.length);
    }
    expect(chunks).toBe(3); // the promise's, and one per append
    const back = new FileVoteStore(path, 'async', 1 << 20).load();
    expect(back.accepted).toEqual([many(1), many(2), many(3)]);
    expect(back.decided?.map((d) => d.instance)).toEqual([1, 2, 3]);
  });

  it('writes over the files of dropped segments, and reads none of what they held before', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringcast-store-'));
    const path = join(dir, 'acceptor.log');
    const store = new FileVoteStore(path, 'async', 1 << 20, 4096);
    const votes = new Map<number, AcceptedEntry>();
    const snapshot = (): AcceptorState => ({ promised: 7 as Ballot, accepted: [...votes.values()], decided: [] });
    store.savePromise(7 as Ballot);
    for (let i = 0; i < 400; i++) {
      votes.set(i, vote(i, 7));
      votes.delete(i - 20);
      store.append([vote(i, 7)], [], snapshot);
    }
    store.close();
    expect(store.stats.reused).toBeGreaterThan(10);
    // Dropped segments' files are kept for reuse, at most two; the rest were deleted.
    const names = readdirSync(dir);
    expect(names.filter((n) => n.includes('.free-')).length).toBeLessThanOrEqual(2);
    expect(names.length).toBeLessThanOrEqual(store.segmentCount + 2);
    // The last segment is a file written over, longer than what it holds now until it is read.
    const back = new FileVoteStore(path, 'async', 1 << 20, 4096).load();
    const instances = back.accepted.map((e) => e.instance as number);
    for (const [i, v] of votes) expect(back.accepted.find((e) => e.instance === i)).toEqual(v);
    // Only the segments' own chunks come back: the held 20 and those sharing their segments.
    expect(Math.min(...instances)).toBeGreaterThan(340);
    expect(new Set(instances).size).toBe(instances.length);
  });

  it('reads a format-2 log (one file, as an earlier ringcast wrote it) and goes on in format-3 segments', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringcast-store-'));
    const path = join(dir, 'acceptor.log');
    const first = new FileVoteStore(path, 'async', 1 << 20, 4096);
    first.savePromise(5 as Ballot);
    for (let i = 0; i < 10; i++) first.append([vote(i, 5)], [decision(i, 5)], () => ({ promised: 5 as Ballot, accepted: [], decided: [] }));
    first.close();
    // Segment 0's chunks are salted with 0: zlib's CRC-32 as format 2 has it; only the header differs.
    const v3 = readFileSync(path);
    writeFileSync(path, Buffer.concat([Buffer.from([0x52, 0x43, 0x4c, 0x47, 2, 0, 0, 0]), v3.subarray(16)]));
    const votes = new Map<number, AcceptedEntry>();
    const store = new FileVoteStore(path, 'async', 1 << 20, 4096);
    const loaded = store.load();
    expect(loaded.promised).toBe(5);
    expect(loaded.accepted.map((e) => e.instance)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const e of loaded.accepted) votes.set(e.instance, e);
    for (let i = 10; i < 200; i++) {
      votes.set(i, vote(i, 5));
      votes.delete(i - 20);
      store.append([vote(i, 5)], [], () => ({ promised: 5 as Ballot, accepted: [...votes.values()], decided: [] }));
    }
    store.close();
    // The format-2 file was dropped with its instances, and deleted rather than kept.
    expect(readdirSync(dir)).not.toContain('acceptor.log');
    const back = new FileVoteStore(path, 'async', 1 << 20, 4096).load();
    for (const [i, v] of votes) expect(back.accepted.find((e) => e.instance === i)).toEqual(v);
  });

  it('ignores a kept file a crash left half written, and refuses a segment cut before where the next one says it ends', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ringcast-store-'));
    const path = join(dir, 'acceptor.log');
    const store = new FileVoteStore(path, 'async', 1 << 20, 4096);
    store.savePromise(7 as Ballot);
    for (let i = 0; i < 60; i++) store.append([vote(i, 7)], [], () => ({ promised: 7 as Ballot, accepted: [vote(0, 7)], decided: [] }));
    store.close();
    // A kept file with a new segment's header and nothing else: the crash came before its rename.
    writeFileSync(join(dir, 'acceptor.log.free-9'), Buffer.from([0x52, 0x43, 0x4c, 0x47, 3, 0, 0, 0, 99, 0, 0, 0, 0, 0, 0, 0]));
    const again = new FileVoteStore(path, 'async', 1 << 20, 4096);
    expect(again.load().accepted).toHaveLength(60);
    again.close();
    const files = acceptorLogFiles(path);
    expect(files.length).toBeGreaterThan(2);
    const second = files[1] as string;
    writeFileSync(second, readFileSync(second).subarray(0, readFileSync(second).length - 3));
    expect(() => new FileVoteStore(path, 'async', 1 << 20, 4096)).toThrow(/acceptor\.log\.1 corrupt: it ends at byte \d+, before byte \d+/);
  });

  it('starts afresh from an empty file, as a crash between creating a log and writing its header leaves', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ringcast-store-')), 'acceptor.log');
    writeFileSync(path, Buffer.alloc(0));
    const store = new FileVoteStore(path, 'sync', 1 << 20);
    expect(store.load().accepted).toEqual([]);
    store.append([vote(1, 3)], [], () => ({ promised: 3 as Ballot, accepted: [], decided: [] }));
    store.close();
    expect(new FileVoteStore(path, 'sync', 1 << 20).load().accepted).toEqual([vote(1, 3)]);
  });

  it('refuses a log of another format, saying what to do', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'ringcast-store-')), 'acceptor.log');
    // A format-1 log began with a codec frame: magic 0x52, version 2.
    writeFileSync(path, Buffer.from([0x52, 0x02, 0x0b, 0x00, 0x10, 0x00, 0x00, 0x00]));
    expect(() => new FileVoteStore(path, 'async', 1 << 20).load()).toThrow(/not a format-2 or format-3 acceptor log .* move it away/);
  });
});
