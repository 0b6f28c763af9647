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
 */
import { closeSync, existsSync, fsync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, truncateSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { decode, encodedSize, encodeInto } from '../../src/codec/index.ts';
import { AssertionError } from '../../src/errors.ts';
import type { AcceptorState } from '../../src/protocol/acceptor.ts';
import type { Ballot, NodeId, RingId } from '../../src/protocol/ids.ts';
import type { AcceptedEntry, DecisionEntry, Message } from '../../src/protocol/messages.ts';

export type FileSyncMode = 'sync' | 'async';

const HEAD = { ring: 0 as RingId, from: 0 as NodeId };

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
    this.bytes = existsSync(path) ? readFileSync(path).length : 0;
  }

  /** What the log holds: the last promise, the last vote per instance, the decisions. A torn last record (the process died mid-write) is ignored. */
  load(): AcceptorState {
    const file = readFileSync(this.path);
    const buf = new Uint8Array(file.buffer, file.byteOffset, file.length);
    let promised = 0 as Ballot;
    const accepted = new Map<number, AcceptedEntry>();
    const decided = new Map<number, DecisionEntry>();
    let o = 0;
    while (o < buf.length) {
      const r = decode(buf, o, buf.length - o);
      if (!r.ok) {
        if (r.error !== 'truncated') throw new AssertionError(`acceptor log ${this.path} corrupt at byte ${o}: ${r.error}`);
        // The process died mid-write: that record was never acted on (persist before send). Cut it.
        truncateSync(this.path, o);
        this.bytes = o;
        break;
      }
      const m = r.msg;
      if (m.type === 'heartbeat') promised = m.ballot;
      else if (m.type === 'deliver') for (const e of m.entries) accepted.set(e.instance, e);
      else if (m.type === 'decision') for (const d of m.entries) decided.set(d.instance, d);
      o += r.size;
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
    const msgs = [{ type: 'heartbeat', ...HEAD, ballot: state.promised, decidedUpTo: 0 }, ...records(state.accepted, state.decided ?? [])] as Message[];
    const n = this.writeAll(fd, msgs);
    if (this.mode === 'sync') fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, this.path);
    closeSync(this.fd);
    this.fd = openSync(this.path, 'a');
    this.bytes = n;
    if (this.mode === 'async') this.dirty = true;
  }

  /** Appends records with one write call: they are encoded back to back into the scratch buffer. */
  private write(msgs: Iterable<Message>): void {
    this.bytes += this.writeAll(this.fd, msgs);
    if (this.mode === 'sync') fsyncSync(this.fd);
    else this.dirty = true;
  }

  private writeAll(fd: number, msgs: Iterable<Message>): number {
    let used = 0;
    for (const m of msgs) {
      const size = encodedSize(m);
      if (used + size > this.scratch.length) {
        const grown = new Uint8Array(Math.max(used + size, 2 * this.scratch.length));
        grown.set(this.scratch.subarray(0, used));
        this.scratch = grown;
      }
      used += encodeInto(m, this.scratch, used);
    }
    if (used > 0) writeSync(fd, this.scratch, 0, used);
    return used;
  }

}

function* records(accepted: readonly AcceptedEntry[], decided: readonly DecisionEntry[]): Generator<Message> {
  for (const e of accepted) yield { type: 'deliver', ...HEAD, entries: [e] };
  for (let k = 0; k < decided.length; k += 256) yield { type: 'decision', ...HEAD, entries: decided.slice(k, k + 256) };
}
