/**
 * An acceptor's storage on disk (`async` and `sync` modes): its promise, votes and learned
 * decisions appended to a log as codec frames, so that an acceptor whose process is killed and
 * started again gets them back. `sync` syncs each append (`fdatasync`) before the votes it carries
 * are sent (durable across a machine crash); `async` leaves the bytes to the OS and syncs in the
 * background, on libuv's thread pool, at most one sync at a time (durable across a process crash,
 * which the OS survives). An fsync on the acceptor's own thread at every tick stalled it for about
 * 40% of the time under load across processes. `fdatasync` leaves out the file's times; where an
 * append only writes over blocks a reused segment file already has, it flushes no metadata at all.
 *
 * The log is a sequence of segment files: `path` itself (segment 0, which is also the whole log an
 * earlier ringcast wrote), then `path.1`, `path.2`, … Appends go to the last one; past
 * `segmentBytes` a new one is begun, which restates the promise first. A segment whose every
 * instance lies below the lowest instance the acceptor still holds (its snapshot) holds nothing it
 * needs, and is dropped: the acceptor trims its oldest decided instances, so old segments empty
 * themselves, and nothing is rewritten. The files of up to FREE_FILES_MAX dropped segments are
 * kept (`path.free-K`) and written over by the next segments begun, whose pages the OS then
 * already has; the others are deleted. Until session 10 the log was one file, rewritten from a
 * snapshot whenever it outgrew `compactBytes`: at 8 KB values across five processes that copied
 * the 17 MB retained again for every ~82 MB appended and stopped the acceptor (and the coordinator
 * beside it) for 20–56 ms every 0.65 s. That rewrite remains, as `compact`, for the case where old
 * segments stay pinned (a vote the acceptor keeps for long) and the segments together outgrow
 * `compactBytes`: the snapshot is written to a new segment, renamed into place (the commit
 * point), and every older segment deleted. A crash between the rename and the deletions leaves
 * older segments beside it; loading reads them first and the snapshot after, so it yields the
 * snapshot's state plus votes for instances the acceptor had already trimmed, which are true
 * votes it cast and are trimmed again.
 *
 * Format 3, little-endian, in every segment: a 16-byte header ("RCLG", u8 version 3, three zero
 * bytes, u32 the segment's number, u32 where the segment before it ends), then one chunk per
 * append: u32 payload length | u32 CRC-32 of the payload, salted with the segment's number (the
 * CRC continued from it, so a written-over file's earlier chunks do not check) | payload, the
 * records as unchecked codec frames back to back. Format 2 (an 8-byte header with version 2, the
 * CRC unsalted, one file) is read as segment 0. One checksum per append, computed natively
 * (zlib's CRC-32, by `runtime/native/crc32.ts`: node:zlib's at 5.5 GB/s here or ringcast's own at
 * about 25), replaced a CRC-32C per record in JavaScript (format 1, 2.2 GB/s), which took a fifth
 * of a coordinator-and-acceptor process's actor thread under load across processes.
 */
import { closeSync, fdatasync, fdatasyncSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, truncateSync, unlinkSync, writeSync, writevSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { crc32 } from '../native/crc32.ts';
import { decode, encodedSize, encodeInto, type EncodeOptions } from '../../src/codec/index.ts';
import { AssertionError } from '../../src/errors.ts';
import type { AcceptorState } from '../../src/protocol/acceptor.ts';
import type { Ballot, NodeId, RingId } from '../../src/protocol/ids.ts';
import type { AcceptedEntry, DecisionEntry, Message } from '../../src/protocol/messages.ts';

export type FileSyncMode = 'sync' | 'async';

const HEAD = { ring: 0 as RingId, from: 0 as NodeId };

/** "RCLG", the format version, three zero bytes: format 2's whole header (a log an earlier ringcast wrote). */
const LOG_HEADER_V2 = Uint8Array.of(0x52, 0x43, 0x4c, 0x47, 2, 0, 0, 0);
/** The same for format 3, whose header goes on with u32 salt (the segment's number), u32 where the segment before it ends. */
const LOG_MAGIC_V3 = Uint8Array.of(0x52, 0x43, 0x4c, 0x47, 3, 0, 0, 0);
const HEADER_BYTES = 16;
const V2_HEADER_BYTES = LOG_HEADER_V2.length;
/** Before each chunk's payload: its length and its CRC-32. */
const CHUNK_HEAD_BYTES = 8;
/** Files kept for reuse when segments are dropped (the rest are deleted). */
const FREE_FILES_MAX = 2;

/**
 * A segment of the log: its number (0 is `path` itself), where its valid bytes end, the highest
 * instance it names (-1: none), and its format (2: written by an earlier ringcast, appended only).
 */
interface Segment {
  readonly n: number;
  readonly path: string;
  bytes: number;
  maxInstance: number;
  readonly version: 2 | 3;
}

/** The segment files of the log at `path`, oldest first (`path` itself, then `path.1`, `path.2`, …). */
export function acceptorLogFiles(path: string): string[] {
  return logFiles(path).segments.map((n) => segmentPath(path, n));
}

const segmentPath = (path: string, n: number): string => (n === 0 ? path : `${path}.${n}`);
const freePath = (path: string, k: number): string => `${path}.free-${k}`;

/** Segment numbers, and the numbers of files kept for reuse (`path.free-K`), each sorted. */
function logFiles(path: string): { segments: number[]; free: number[] } {
  const base = basename(path);
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return { segments: [], free: [] };
  }
  const segments: number[] = [];
  const free: number[] = [];
  for (const name of names) {
    if (name === base) segments.push(0);
    else if (!name.startsWith(`${base}.`)) continue;
    const rest = name.slice(base.length + 1);
    if (/^[1-9][0-9]*$/.test(rest)) segments.push(Number(rest));
    else if (/^free-[0-9]+$/.test(rest)) free.push(Number(rest.slice(5)));
  }
  return { segments: segments.sort((a, b) => a - b), free: free.sort((a, b) => a - b) };
}

export interface FileVoteStoreStats {
  /** Segments begun; of them, begun in a file kept from a dropped segment. */
  rotations: number;
  reused: number;
  /** Segments dropped because the acceptor no longer holds anything in them. */
  dropped: number;
  /** Rewrites from a snapshot (old segments pinned, the log over `compactBytes`). */
  compactions: number;
}

export class FileVoteStore {
  private fd: number;
  /** The live segments, oldest first; the last one is appended to. */
  private readonly segments: Segment[] = [];
  /** Files of dropped segments, kept to be written over (`path.free-K`). */
  private readonly free: string[] = [];
  private freeSeq = 0;
  private promised = 0 as Ballot;
  private loaded: AcceptorState;
  private dirty = false;
  private syncing = false;
  /** Background fsyncs that failed (`async` mode; the bytes are still in the OS's hands). */
  fsyncErrors = 0;
  readonly stats: FileVoteStoreStats = { rotations: 0, reused: 0, dropped: 0, compactions: 0 };
  private scratch = new Uint8Array(64 * 1024);
  /** Segments' fds replaced while a background fsync of one was under way. */
  private readonly closeAfterSync: number[] = [];
  /** The highest instance named by the records being written (see writeChunk). */
  private chunkMaxInstance = -1;

  /**
   * `segmentBytes`: the size past which a new segment is begun (default an eighth of
   * `compactBytes`); `compactBytes`: the size of all segments together past which the log is
   * rewritten from a snapshot. Reads the log at once (load() hands over what it holds).
   */
  constructor(
    readonly path: string,
    private readonly mode: FileSyncMode,
    private readonly compactBytes: number,
    private readonly segmentBytes = Math.max(4096, Math.floor(compactBytes / 8)),
  ) {
    mkdirSync(dirname(path), { recursive: true });
    const files = logFiles(path);
    for (const k of files.free) this.free.push(freePath(path, k));
    this.freeSeq = (files.free[files.free.length - 1] ?? -1) + 1;
    if (files.segments.length === 0) {
      const first = this.writeSegment(0, 0, []);
      this.fd = first.fd;
      this.segments.push(first.segment);
      this.loaded = { promised: 0 as Ballot, accepted: [], decided: [] };
      return;
    }
    this.loaded = this.read(files.segments);
    this.fd = openSync(this.current.path, 'r+');
  }

  private get current(): Segment {
    return this.segments[this.segments.length - 1] as Segment;
  }

  /**
   * What the log holds: the last promise, the last vote per instance, the decisions, read from
   * every segment in order when the store was made.
   */
  load(): AcceptorState {
    const state = this.loaded;
    this.loaded = { promised: state.promised, accepted: [], decided: [] };
    return state;
  }

  /**
   * Reads the segments in order. Each ends where the header of the one after it says; the last
   * where its chunks stop checking: a chunk a crash cut short (never acted on: votes are saved
   * before they are sent), or, in a file written over, the chunks of its earlier use, whose
   * checksums are salted with another segment number. The last segment is cut there. A chunk
   * that does not check with a chunk of this segment after it, or before the end the next header
   * states, is corruption, and refused.
   */
  private read(numbers: readonly number[]): AcceptorState {
    let promised = 0 as Ballot;
    const accepted = new Map<number, AcceptedEntry>();
    const decided = new Map<number, DecisionEntry>();
    const files = numbers.map((n) => {
      const path = segmentPath(this.path, n);
      const file = readFileSync(path);
      return { n, path, buf: new Uint8Array(file.buffer, file.byteOffset, file.length) };
    });
    files.forEach(({ n, path, buf }, k) => {
      if (buf.length === 0 && k === files.length - 1) {
        // An empty last file: an earlier ringcast's crash between creating its log and writing the header.
        const fd = openSync(path, 'r+');
        this.writeHeader(fd, n, this.segments[k - 1]?.bytes ?? 0);
        closeSync(fd);
        this.segments.push({ n, path, bytes: HEADER_BYTES, maxInstance: -1, version: 3 });
        return;
      }
      const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      const version = headerVersion(buf);
      if (version === null) throw new AssertionError(`acceptor log ${path} is not a format-2 or format-3 acceptor log (an older ringcast wrote format 1): move it away to start this acceptor without its votes`);
      const salt = version === 3 ? view.getUint32(8, true) : 0;
      if (version === 3 && salt !== n % 2 ** 32) throw new AssertionError(`acceptor log ${path} corrupt: its header names segment ${salt}`);
      const next = files[k + 1];
      const last = next === undefined;
      // Where this segment ends, as the next one's header says (a format-3 next always says).
      const stated = next !== undefined && headerVersion(next.buf) === 3 ? new DataView(next.buf.buffer, next.buf.byteOffset, HEADER_BYTES).getUint32(12, true) : buf.length;
      if (stated > buf.length) throw new AssertionError(`acceptor log ${path} corrupt: it ends at byte ${buf.length}, before byte ${stated}, where the next segment says it ends`);
      const seg: Segment = { n, path, bytes: version === 3 ? HEADER_BYTES : V2_HEADER_BYTES, maxInstance: -1, version };
      const checks = (o: number): number => {
        if (o + CHUNK_HEAD_BYTES > stated) return -1;
        const end = o + CHUNK_HEAD_BYTES + view.getUint32(o, true);
        return end <= stated && crc32(buf, o + CHUNK_HEAD_BYTES, end, salt) === view.getUint32(o + 4, true) ? end : -1;
      };
      for (let o = seg.bytes; o < stated; ) {
        const end = checks(o);
        if (end < 0) {
          const after = o + CHUNK_HEAD_BYTES <= stated ? o + CHUNK_HEAD_BYTES + view.getUint32(o, true) : stated;
          if (!last || (after < stated && checks(after) >= 0) || (version === 2 && after < stated)) throw new AssertionError(`acceptor log ${path} corrupt: the chunk at byte ${o} does not match its checksum`);
          break;
        }
        for (let r = o + CHUNK_HEAD_BYTES; r < end; ) {
          const d = decode(buf, r, end - r);
          if (!d.ok) throw new AssertionError(`acceptor log ${path} corrupt at byte ${r}: ${d.error}`);
          const m = d.msg;
          if (m.type === 'heartbeat') promised = m.ballot;
          else if (m.type === 'deliver' || m.type === 'decision') {
            const into: Map<number, AcceptedEntry | DecisionEntry> = m.type === 'deliver' ? accepted : decided;
            for (const e of m.entries) {
              into.set(e.instance, e);
              if (e.instance > seg.maxInstance) seg.maxInstance = e.instance;
            }
          }
          r += d.size;
        }
        o = seg.bytes = end;
      }
      if (last && seg.bytes < buf.length) truncateSync(path, seg.bytes);
      this.segments.push(seg);
    });
    this.promised = promised;
    return { promised, accepted: [...accepted.values()], decided: [...decided.values()] };
  }

  savePromise(b: Ballot): void {
    this.promised = b;
    this.write([{ type: 'heartbeat', ...HEAD, ballot: b, decidedUpTo: 0 as never }]);
  }

  append(accepted: readonly AcceptedEntry[], decided: readonly DecisionEntry[], snapshot: () => AcceptorState): void {
    this.write(records(accepted, decided));
    if (this.current.bytes < this.segmentBytes) return;
    const state = snapshot();
    this.rotate(state);
    if (this.usedBytes > this.compactBytes) this.compact(state);
  }

  /** Called on every tick: `async` mode makes the log durable in the background. */
  tick(): void {
    if (this.mode === 'async' && this.dirty && !this.syncing) {
      this.dirty = false;
      this.syncing = true;
      // A new segment may replace this fd meanwhile: it is closed when this fsync is done.
      fdatasync(this.fd, (err) => {
        this.syncing = false;
        if (err !== null) this.fsyncErrors++;
        for (const fd of this.closeAfterSync.splice(0)) closeSync(fd);
      });
    }
  }

  /** Bytes in all live segments. */
  get usedBytes(): number {
    let n = 0;
    for (const seg of this.segments) n += seg.bytes;
    return n;
  }

  /** How many segment files the log has now. */
  get segmentCount(): number {
    return this.segments.length;
  }

  close(): void {
    fdatasyncSync(this.fd);
    closeSync(this.fd);
  }

  /**
   * Begins a new segment, which restates the promise, and drops the older segments that name no
   * instance the acceptor still holds (every instance in them below the lowest of `state`).
   */
  private rotate(state: AcceptorState): void {
    this.beginSegment(this.current.n + 1, [{ type: 'heartbeat', ...HEAD, ballot: this.promised, decidedUpTo: 0 } as Message]);
    let lowest = Infinity;
    for (const e of state.accepted) if (e.instance < lowest) lowest = e.instance;
    for (const d of state.decided ?? []) if (d.instance < lowest) lowest = d.instance;
    for (let k = 0; k < this.segments.length - 1; ) {
      const seg = this.segments[k] as Segment;
      if (seg.maxInstance >= lowest) {
        k++;
        continue;
      }
      this.segments.splice(k, 1);
      this.drop(seg);
      this.stats.dropped++;
    }
  }

  /** Writes the snapshot to a new segment (the rename into place is the commit point) and drops every older one. */
  private compact(state: AcceptorState): void {
    const older = this.segments.splice(0, this.segments.length - 1);
    this.beginSegment(this.current.n + 1, [{ type: 'heartbeat', ...HEAD, ballot: state.promised, decidedUpTo: 0 } as Message, ...records(state.accepted, state.decided ?? [])]);
    const before = this.segments.shift() as Segment;
    for (const seg of [...older, before]) this.drop(seg);
    this.stats.compactions++;
  }

  /**
   * Keeps a dropped segment's file to be written over (its pages stay allocated: writing into a
   * new file here ran at 2.2-2.5 GB/s on tmpfs, over the pages of one written before at 5.3-8),
   * or deletes it when enough are kept. Format-2 files are always deleted.
   */
  private drop(seg: Segment): void {
    if (seg.version === 3 && this.free.length < FREE_FILES_MAX) {
      const to = freePath(this.path, this.freeSeq++);
      renameSync(seg.path, to);
      // Before the file is written over, its new name must hold: under its old one, a crash would
      // leave a segment whose header names another.
      if (this.mode === 'sync') syncDirectory(this.path);
      this.free.push(to);
    } else unlinkSync(seg.path);
  }

  /** Begins segment `n` with `msgs` (writeSegment) and appends to it from then on. */
  private beginSegment(n: number, msgs: Iterable<Message>): void {
    const next = this.writeSegment(n, this.current.bytes, msgs);
    if (this.syncing) this.closeAfterSync.push(this.fd);
    else closeSync(this.fd);
    this.fd = next.fd;
    this.segments.push(next.segment);
    this.stats.rotations++;
    if (next.reused) this.stats.reused++;
    if (this.mode === 'async') this.dirty = true;
  }

  /**
   * Writes segment `n` (header and `msgs`) into a kept file or a new one under another name, then
   * renames it into place, the commit point: a crash never leaves a segment without its header.
   * `sync` makes it and its name durable before it is used. Returns it open.
   */
  private writeSegment(n: number, previousEnds: number, msgs: Iterable<Message>): { fd: number; segment: Segment; reused: boolean } {
    const path = segmentPath(this.path, n);
    const from = this.free.shift();
    const tmp = from ?? `${this.path}.next`;
    const fd = openSync(tmp, from === undefined ? 'w+' : 'r+');
    this.writeHeader(fd, n, previousEnds);
    this.chunkMaxInstance = -1;
    const bytes = HEADER_BYTES + this.writeChunk(fd, msgs, HEADER_BYTES, n);
    if (this.mode === 'sync') fdatasyncSync(fd);
    renameSync(tmp, path);
    if (this.mode === 'sync') syncDirectory(this.path);
    return { fd, segment: { n, path, bytes, maxInstance: this.chunkMaxInstance, version: 3 }, reused: from !== undefined };
  }

  private writeHeader(fd: number, n: number, previousEnds: number): void {
    const head = new Uint8Array(HEADER_BYTES);
    head.set(LOG_MAGIC_V3);
    const view = new DataView(head.buffer);
    view.setUint32(8, n % 2 ** 32, true);
    view.setUint32(12, previousEnds, true);
    writeAll(fd, [head], HEADER_BYTES, 0);
  }

  /** Appends records as one chunk, with one write call, where the current segment's valid bytes end. */
  private write(msgs: Iterable<Message>): void {
    const seg = this.current;
    this.chunkMaxInstance = seg.maxInstance;
    seg.bytes += this.writeChunk(this.fd, msgs, seg.bytes, seg.version === 3 ? seg.n : 0);
    seg.maxInstance = this.chunkMaxInstance;
    if (this.mode === 'sync') fdatasyncSync(this.fd);
    else this.dirty = true;
  }

  /**
   * Encodes the records back to back behind a chunk head and writes them at `position` with one
   * `writev`; returns the bytes written. The records' own bytes go into the scratch buffer; the
   * values' packed bytes are not copied there but written from where they lie (the acceptor's run
   * pool), each in its place between the scratch buffer's pieces: a copy of every value fewer per
   * voting acceptor. The checksum is salted with the segment's number (`salt`): the chunks a
   * written-over file held before do not check.
   */
  private writeChunk(fd: number, msgs: Iterable<Message>, position: number, salt: number): number {
    let used = CHUNK_HEAD_BYTES;
    this.gathered = 0;
    for (const m of msgs) {
      if (m.type === 'deliver' || m.type === 'decision') for (const e of m.entries) if (e.instance > this.chunkMaxInstance) this.chunkMaxInstance = e.instance;
      const size = encodedSize(m);
      if (used + size > this.scratch.length) {
        const grown = new Uint8Array(Math.max(used + size, 2 * this.scratch.length));
        grown.set(this.scratch.subarray(0, used));
        this.scratch = grown;
      }
      used += encodeInto(m, this.scratch, used, this.gathering);
    }
    if (used === CHUNK_HEAD_BYTES) return 0;
    // The pieces in file order, the checksum over the payload (after the chunk head) as it goes.
    const pieces: Uint8Array[] = [];
    let crc = salt % 2 ** 32;
    let from = 0;
    for (let k = 0; k < this.gathered; k++) {
      const at = this.gatheredAt[k] as number;
      const bytes = this.gatheredBytes[k] as Uint8Array;
      if (at > from) {
        crc = crc32(this.scratch, Math.max(from, CHUNK_HEAD_BYTES), at, crc);
        pieces.push(this.scratch.subarray(from, at));
      }
      crc = crc32(bytes, 0, bytes.length, crc);
      pieces.push(bytes);
      from = at + bytes.length;
    }
    crc = crc32(this.scratch, Math.max(from, CHUNK_HEAD_BYTES), used, crc);
    if (used > from) pieces.push(this.scratch.subarray(from, used));
    this.gatheredBytes.fill(EMPTY, 0, this.gathered); // holds no value past this write
    const view = new DataView(this.scratch.buffer, this.scratch.byteOffset, CHUNK_HEAD_BYTES);
    view.setUint32(0, used - CHUNK_HEAD_BYTES, true);
    view.setUint32(4, crc, true);
    writeAll(fd, pieces, used, position);
    return used;
  }

  /** The packed bytes of the chunk being encoded, and where they go in it (see writeChunk). */
  private readonly gatheredAt: number[] = [];
  private readonly gatheredBytes: Uint8Array[] = [];
  private gathered = 0;
  private readonly gathering: EncodeOptions = {
    checksum: false,
    runBytes: (bytes, at) => {
      this.gatheredAt[this.gathered] = at;
      this.gatheredBytes[this.gathered] = bytes;
      this.gathered++;
    },
  };
}

const EMPTY = new Uint8Array(0);

/** Makes the directory entry of a file just created or renamed durable (`sync` mode). */
function syncDirectory(path: string): void {
  const fd = openSync(dirname(path), 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The format of a segment by its header (2 or 3), or null. */
function headerVersion(buf: Uint8Array): 2 | 3 | null {
  if (buf.length >= V2_HEADER_BYTES && LOG_HEADER_V2.every((b, k) => buf[k] === b)) return 2;
  if (buf.length >= HEADER_BYTES && LOG_MAGIC_V3.every((b, k) => buf[k] === b)) return 3;
  return null;
}

/** Writes `pieces` (`total` bytes) in order at `position`: one writev, then what a short write left, piece by piece. */
function writeAll(fd: number, pieces: readonly Uint8Array[], total: number, position: number): void {
  let done = writevSync(fd, pieces as Uint8Array[], position);
  if (done === total) return;
  let at = position;
  for (const p of pieces) {
    if (done >= p.length) {
      done -= p.length;
      at += p.length;
      continue;
    }
    at += done;
    for (let o = done; o < p.length; ) {
      const k = writeSync(fd, p, o, p.length - o, at);
      o += k;
      at += k;
    }
    done = 0;
  }
}

function* records(accepted: readonly AcceptedEntry[], decided: readonly DecisionEntry[]): Generator<Message> {
  for (const e of accepted) yield { type: 'deliver', ...HEAD, entries: [e] };
  for (let k = 0; k < decided.length; k += 256) yield { type: 'decision', ...HEAD, entries: decided.slice(k, k + 256) };
}
