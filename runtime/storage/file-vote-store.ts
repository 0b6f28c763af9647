/**
 * An acceptor's storage on disk (`async` and `sync` modes): its promise, votes and learned
 * decisions appended to a log as codec frames, so that an acceptor whose process is killed and
 * started again gets them back. `sync` fsyncs each append before the votes it carries are sent
 * (durable across a machine crash); `async` leaves the bytes to the OS and fsyncs in the
 * background, on libuv's thread pool, at most one fsync at a time (durable across a process crash,
 * which the OS survives). An fsync on the acceptor's own thread at every tick stalled it for about
 * 40% of the time under load across processes.
 *
 * The log is a sequence of segment files: `path` itself (segment 0, which is also the whole log an
 * earlier ringcast wrote), then `path.1`, `path.2`, … Appends go to the last one; past
 * `segmentBytes` a new one is begun, which restates the promise first. A segment whose every
 * instance lies below the lowest instance the acceptor still holds (its snapshot) holds nothing it
 * needs, and is deleted: the acceptor trims its oldest decided instances, so old segments empty
 * themselves, and nothing is rewritten. Until session 10 the log was one file, rewritten from a
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
 * Format 2, little-endian, in every segment: an 8-byte header ("RCLG", u8 version 2, three zero
 * bytes), then one chunk per append: u32 payload length | u32 CRC-32 of the payload | payload, the
 * records as unchecked codec frames back to back. One checksum per append, computed natively
 * (zlib's CRC-32, by `runtime/native/crc32.ts`: node:zlib's at 5.5 GB/s here or ringcast's own at
 * about 25), replaced a CRC-32C per record in JavaScript (format 1, 2.2 GB/s), which took a fifth
 * of a coordinator-and-acceptor process's actor thread under load across processes.
 */
import { closeSync, fstatSync, fsync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, truncateSync, unlinkSync, writeSync, writevSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { crc32 } from '../native/crc32.ts';
import { decode, encodedSize, encodeInto, type EncodeOptions } from '../../src/codec/index.ts';
import { AssertionError } from '../../src/errors.ts';
import type { AcceptorState } from '../../src/protocol/acceptor.ts';
import type { Ballot, NodeId, RingId } from '../../src/protocol/ids.ts';
import type { AcceptedEntry, DecisionEntry, Message } from '../../src/protocol/messages.ts';

export type FileSyncMode = 'sync' | 'async';

const HEAD = { ring: 0 as RingId, from: 0 as NodeId };

/** "RCLG", the format version, three zero bytes. */
const LOG_HEADER = Uint8Array.of(0x52, 0x43, 0x4c, 0x47, 2, 0, 0, 0);
/** Before each chunk's payload: its length and its CRC-32. */
const CHUNK_HEAD_BYTES = 8;

/** A segment of the log: its number (0 is `path` itself), its size, and the highest instance it names (-1: none). */
interface Segment {
  readonly n: number;
  readonly path: string;
  bytes: number;
  maxInstance: number;
}

/** The segment files of the log at `path`, oldest first (`path` itself, then `path.1`, `path.2`, …). */
export function acceptorLogFiles(path: string): string[] {
  return segmentNumbers(path).map((n) => segmentPath(path, n));
}

const segmentPath = (path: string, n: number): string => (n === 0 ? path : `${path}.${n}`);

function segmentNumbers(path: string): number[] {
  const base = basename(path);
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const name of names) {
    if (name === base) out.push(0);
    else if (name.startsWith(`${base}.`) && /^[1-9][0-9]*$/.test(name.slice(base.length + 1))) out.push(Number(name.slice(base.length + 1)));
  }
  return out.sort((a, b) => a - b);
}

export interface FileVoteStoreStats {
  /** Segments begun, and segments deleted because the acceptor no longer holds anything in them. */
  rotations: number;
  dropped: number;
  /** Rewrites from a snapshot (old segments pinned, the log over `compactBytes`). */
  compactions: number;
}

export class FileVoteStore {
  private fd: number;
  /** The live segments, oldest first; the last one is appended to. */
  private readonly segments: Segment[] = [];
  private promised = 0 as Ballot;
  private dirty = false;
  private syncing = false;
  /** Background fsyncs that failed (`async` mode; the bytes are still in the OS's hands). */
  fsyncErrors = 0;
  readonly stats: FileVoteStoreStats = { rotations: 0, dropped: 0, compactions: 0 };
  private scratch = new Uint8Array(64 * 1024);
  /** Segments' fds replaced while a background fsync of one was under way. */
  private readonly closeAfterSync: number[] = [];
  /** The highest instance named by the records being written (see writeChunk). */
  private chunkMaxInstance = -1;

  /**
   * `segmentBytes`: the size past which a new segment is begun (default an eighth of
   * `compactBytes`); `compactBytes`: the size of all segments together past which the log is
   * rewritten from a snapshot.
   */
  constructor(
    readonly path: string,
    private readonly mode: FileSyncMode,
    private readonly compactBytes: number,
    private readonly segmentBytes = Math.max(4096, Math.floor(compactBytes / 8)),
  ) {
    mkdirSync(dirname(path), { recursive: true });
    for (const n of segmentNumbers(path)) this.segments.push({ n, path: segmentPath(path, n), bytes: 0, maxInstance: -1 });
    if (this.segments.length === 0) this.segments.push({ n: 0, path, bytes: 0, maxInstance: -1 });
    const last = this.current;
    this.fd = openSync(last.path, 'a');
    last.bytes = fstatSync(this.fd).size;
    if (last.bytes === 0) {
      writeSync(this.fd, LOG_HEADER);
      last.bytes = LOG_HEADER.length;
    }
  }

  private get current(): Segment {
    return this.segments[this.segments.length - 1] as Segment;
  }

  /**
   * What the log holds: the last promise, the last vote per instance, the decisions, read from
   * every segment in order. A torn last chunk of the last segment (the process died mid-write; it
   * was never acted on, since votes are saved before they are sent) is cut off; anything else that
   * does not check is refused.
   */
  load(): AcceptorState {
    let promised = 0 as Ballot;
    const accepted = new Map<number, AcceptedEntry>();
    const decided = new Map<number, DecisionEntry>();
    for (const seg of this.segments) {
      const file = readFileSync(seg.path);
      const buf = new Uint8Array(file.buffer, file.byteOffset, file.length);
      if (buf.length < LOG_HEADER.length || LOG_HEADER.some((b, k) => buf[k] !== b)) {
        throw new AssertionError(`acceptor log ${seg.path} is not a format-2 acceptor log (an older ringcast wrote format 1): move it away to start this acceptor without its votes`);
      }
      seg.bytes = buf.length;
      const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      for (let o = LOG_HEADER.length; o < buf.length; ) {
        const end = o + CHUNK_HEAD_BYTES + (o + CHUNK_HEAD_BYTES <= buf.length ? view.getUint32(o, true) : 0);
        const torn = o + CHUNK_HEAD_BYTES > buf.length || end > buf.length;
        if (torn || crc32(buf, o + CHUNK_HEAD_BYTES, end, 0) !== view.getUint32(o + 4, true)) {
          // Only the segment being appended to can end in a chunk a crash cut short.
          if ((!torn && end < buf.length) || seg !== this.current) throw new AssertionError(`acceptor log ${seg.path} corrupt: the chunk at byte ${o} does not match its checksum`);
          truncateSync(seg.path, o);
          seg.bytes = o;
          break;
        }
        for (let r = o + CHUNK_HEAD_BYTES; r < end; ) {
          const d = decode(buf, r, end - r);
          if (!d.ok) throw new AssertionError(`acceptor log ${seg.path} corrupt at byte ${r}: ${d.error}`);
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
        o = end;
      }
    }
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
      fsync(this.fd, (err) => {
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
    fsyncSync(this.fd);
    closeSync(this.fd);
  }

  /**
   * Begins a new segment, which restates the promise, and deletes the older segments that name no
   * instance the acceptor still holds (every instance in them below the lowest of `state`).
   */
  private rotate(state: AcceptorState): void {
    this.beginSegment(this.current.n + 1, [{ type: 'heartbeat', ...HEAD, ballot: this.promised, decidedUpTo: 0 } as Message]);
    this.stats.rotations++;
    let lowest = Infinity;
    for (const e of state.accepted) if (e.instance < lowest) lowest = e.instance;
    for (const d of state.decided ?? []) if (d.instance < lowest) lowest = d.instance;
    for (let k = 0; k < this.segments.length - 1; ) {
      const seg = this.segments[k] as Segment;
      if (seg.maxInstance >= lowest) {
        k++;
        continue;
      }
      unlinkSync(seg.path);
      this.segments.splice(k, 1);
      this.stats.dropped++;
    }
  }

  /** Writes the snapshot to a new segment (the rename into place is the commit point) and deletes every older one. */
  private compact(state: AcceptorState): void {
    const older = this.segments.splice(0, this.segments.length);
    this.beginSegment((older[older.length - 1] as Segment).n + 1, [{ type: 'heartbeat', ...HEAD, ballot: state.promised, decidedUpTo: 0 } as Message, ...records(state.accepted, state.decided ?? [])]);
    for (const seg of older) unlinkSync(seg.path);
    this.stats.compactions++;
  }

  /**
   * Writes a segment numbered `n` (header and `msgs`) under a temporary name, renames it into
   * place and appends to it from then on. `sync` makes it and its name durable before it is used.
   */
  private beginSegment(n: number, msgs: Iterable<Message>): void {
    const path = segmentPath(this.path, n);
    const tmp = `${this.path}.next`;
    const fd = openSync(tmp, 'w');
    writeSync(fd, LOG_HEADER);
    this.chunkMaxInstance = -1;
    const bytes = LOG_HEADER.length + this.writeChunk(fd, msgs);
    if (this.mode === 'sync') fsyncSync(fd);
    renameSync(tmp, path);
    if (this.mode === 'sync') syncDirectory(this.path);
    if (this.syncing) this.closeAfterSync.push(this.fd);
    else closeSync(this.fd);
    this.fd = fd;
    this.segments.push({ n, path, bytes, maxInstance: this.chunkMaxInstance });
    if (this.mode === 'async') this.dirty = true;
  }

  /** Appends records as one chunk, with one write call. */
  private write(msgs: Iterable<Message>): void {
    const seg = this.current;
    this.chunkMaxInstance = seg.maxInstance;
    seg.bytes += this.writeChunk(this.fd, msgs);
    seg.maxInstance = this.chunkMaxInstance;
    if (this.mode === 'sync') fsyncSync(this.fd);
    else this.dirty = true;
  }

  /**
   * Encodes the records back to back behind a chunk head and writes them with one `writev`; returns
   * the bytes written. The records' own bytes go into the scratch buffer; the values' packed bytes
   * are not copied there but written from where they lie (the acceptor's run pool), each in its
   * place between the scratch buffer's pieces: a copy of every value fewer per voting acceptor.
   */
  private writeChunk(fd: number, msgs: Iterable<Message>): number {
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
    let crc = 0;
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
    writeAll(fd, pieces, used);
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

/** Writes `pieces` (`total` bytes) in order: one writev, then what a short write left, piece by piece. */
function writeAll(fd: number, pieces: readonly Uint8Array[], total: number): void {
  let done = writevSync(fd, pieces as Uint8Array[]);
  if (done === total) return;
  for (const p of pieces) {
    if (done >= p.length) {
      done -= p.length;
      continue;
    }
    for (let o = done; o < p.length; ) o += writeSync(fd, p, o, p.length - o);
    done = 0;
  }
}

function* records(accepted: readonly AcceptedEntry[], decided: readonly DecisionEntry[]): Generator<Message> {
  for (const e of accepted) yield { type: 'deliver', ...HEAD, entries: [e] };
  for (let k = 0; k < decided.length; k += 256) yield { type: 'decision', ...HEAD, entries: decided.slice(k, k + 256) };
}
