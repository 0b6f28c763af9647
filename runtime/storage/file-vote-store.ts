/**
 * An acceptor's storage on disk (`async` and `sync` modes): its promise, votes and learned
 * decisions appended to a log file as codec frames, so that an acceptor whose process is killed
 * and started again gets them back. `sync` fsyncs each append before the votes it carries are
 * sent (durable across a machine crash); `async` leaves the bytes to the OS and fsyncs in the
 * background, on libuv's thread pool, at most one fsync at a time (durable across a process crash,
 * which the OS survives). An fsync on the acceptor's own thread at every tick stalled it for about
 * 40% of the time under load across processes. When the log outgrows
 * `compactBytes`, the current state is written to a new file and renamed over the old one: the
 * rename is the single commit point. `sync` fsyncs the new file before the rename; `async` leaves
 * it to the background fsync like any append (a process crash loses nothing the OS has: an fsync
 * of tens of MB on the acceptor's thread stalled it for seconds when three acceptors shared a
 * disk).
 *
 * Format 2, little-endian: an 8-byte header ("RCLG", u8 version 2, three zero bytes), then one
 * chunk per append: u32 payload length | u32 CRC-32 of the payload | payload, the records as
 * unchecked codec frames back to back. One checksum per append, computed natively (zlib's CRC-32,
 * by `runtime/native/crc32.ts`: node:zlib's at 5.5 GB/s here or ringcast's own at about 25),
 * replaced a CRC-32C per record in JavaScript (format 1, 2.2 GB/s), which took a fifth of a
 * coordinator-and-acceptor process's actor thread under load across processes.
 */
import { closeSync, fstatSync, fsync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, truncateSync, writeSync, writevSync } from 'node:fs';
import { dirname } from 'node:path';
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

export class FileVoteStore {
  private fd: number;
  private bytes = 0;
  private dirty = false;
  private syncing = false;
  /** Background fsyncs that failed (`async` mode; the bytes are still in the OS's hands). */
  fsyncErrors = 0;
  private scratch = new Uint8Array(64 * 1024);

  constructor(
    readonly path: string,
    private readonly mode: FileSyncMode,
    private readonly compactBytes: number,
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'a');
    this.bytes = fstatSync(this.fd).size;
    if (this.bytes === 0) {
      writeSync(this.fd, LOG_HEADER);
      this.bytes = LOG_HEADER.length;
    }
  }

  /**
   * What the log holds: the last promise, the last vote per instance, the decisions. A torn last
   * chunk (the process died mid-write; it was never acted on, since votes are saved before they
   * are sent) is cut off; anything else that does not check is refused.
   */
  load(): AcceptorState {
    const file = readFileSync(this.path);
    const buf = new Uint8Array(file.buffer, file.byteOffset, file.length);
    if (buf.length < LOG_HEADER.length || LOG_HEADER.some((b, k) => buf[k] !== b)) {
      throw new AssertionError(`acceptor log ${this.path} is not a format-2 acceptor log (an older ringcast wrote format 1): move it away to start this acceptor without its votes`);
    }
    let promised = 0 as Ballot;
    const accepted = new Map<number, AcceptedEntry>();
    const decided = new Map<number, DecisionEntry>();
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    for (let o = LOG_HEADER.length; o < buf.length; ) {
      const end = o + CHUNK_HEAD_BYTES + (o + CHUNK_HEAD_BYTES <= buf.length ? view.getUint32(o, true) : 0);
      const torn = o + CHUNK_HEAD_BYTES > buf.length || end > buf.length;
      if (torn || crc32(buf, o + CHUNK_HEAD_BYTES, end, 0) !== view.getUint32(o + 4, true)) {
        if (!torn && end < buf.length) throw new AssertionError(`acceptor log ${this.path} corrupt: the chunk at byte ${o} does not match its checksum`);
        truncateSync(this.path, o);
        this.bytes = o;
        break;
      }
      for (let r = o + CHUNK_HEAD_BYTES; r < end; ) {
        const d = decode(buf, r, end - r);
        if (!d.ok) throw new AssertionError(`acceptor log ${this.path} corrupt at byte ${r}: ${d.error}`);
        const m = d.msg;
        if (m.type === 'heartbeat') promised = m.ballot;
        else if (m.type === 'deliver') for (const e of m.entries) accepted.set(e.instance, e);
        else if (m.type === 'decision') for (const x of m.entries) decided.set(x.instance, x);
        r += d.size;
      }
      o = end;
    }
    return { promised, accepted: [...accepted.values()], decided: [...decided.values()] };
  }

  savePromise(b: Ballot): void {
    this.write([{ type: 'heartbeat', ...HEAD, ballot: b, decidedUpTo: 0 as never }]);
  }

  append(accepted: readonly AcceptedEntry[], decided: readonly DecisionEntry[], snapshot: () => AcceptorState): void {
    this.write(records(accepted, decided));
    if (this.bytes > this.compactBytes) this.compact(snapshot());
  }

  /** Called on every tick: `async` mode makes the log durable in the background. */
  tick(): void {
    if (this.mode === 'async' && this.dirty && !this.syncing) {
      this.dirty = false;
      this.syncing = true;
      // A compaction may close this fd meanwhile: the file it renames in was fsynced already.
      fsync(this.fd, (err) => {
        this.syncing = false;
        if (err !== null) this.fsyncErrors++;
      });
    }
  }

  get usedBytes(): number {
    return this.bytes;
  }

  close(): void {
    fsyncSync(this.fd);
    closeSync(this.fd);
  }

  private compact(state: AcceptorState): void {
    const tmp = `${this.path}.compact`;
    const fd = openSync(tmp, 'w');
    writeSync(fd, LOG_HEADER);
    const msgs = [{ type: 'heartbeat', ...HEAD, ballot: state.promised, decidedUpTo: 0 }, ...records(state.accepted, state.decided ?? [])] as Message[];
    const n = LOG_HEADER.length + this.writeChunk(fd, msgs);
    if (this.mode === 'sync') fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.path);
    closeSync(this.fd);
    this.fd = openSync(this.path, 'a');
    this.bytes = n;
    if (this.mode === 'async') this.dirty = true;
  }

  /** Appends records as one chunk, with one write call. */
  private write(msgs: Iterable<Message>): void {
    this.bytes += this.writeChunk(this.fd, msgs);
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
