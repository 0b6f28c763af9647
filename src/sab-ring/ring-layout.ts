/**
 * Layout of the SharedArrayBuffer shared by every endpoint of one ring, as Int32 word indices.
 *
 * Each group of words written by a different side sits on its own 64-byte cache line, so a
 * producer publishing its tail does not invalidate the line a consumer publishes its cursor on
 * (false sharing costs more than the copy itself at small frame sizes).
 *
 *   line 0            metadata, written once at creation (magic, version, kind, sizes),
 *                     plus the producer-open claim
 *   line 1            TAIL: producer's publish index, written on every commit
 *   line 2            DATA_SLEEPERS, DATA_SEQ: the consumers asleep waiting for data, and the
 *                     word they sleep on (the producer bumps it when it publishes to sleepers,
 *                     a detach when it frees a reader's slot: TAIL alone missed the detach, as
 *                     a detach leaves TAIL as it is)
 *   line 3            PRODUCER_SLEEPERS, SPACE_SEQ: the producer asleep waiting for space, and
 *                     the word it sleeps on (consumers bump it when they free space)
 *   line 4 + slot     reader slot: CURSOR (consumer's release index), STATE, GENERATION, OPEN
 *   then              the data area, capacityBytes long
 *
 * Indices (TAIL, CURSOR) are free-running Int32 byte counters that wrap modulo 2^32; a position in
 * the data area is `index & (capacityBytes - 1)`. Differences are taken with `| 0`, which is exact
 * while capacityBytes stays below 2^31.
 */
import { RingLayoutError } from './ring-errors.ts';

export const CACHE_LINE_BYTES = 64;
const WORDS_PER_LINE = CACHE_LINE_BYTES / 4;

export const RING_MAGIC = 0x52_43_52_47; // "RCRG"
export const RING_LAYOUT_VERSION = 2;

export const RingKind = { SPSC: 1, BROADCAST: 2 } as const;
export type RingKind = (typeof RingKind)[keyof typeof RingKind];

export const W_MAGIC = 0;
export const W_VERSION = 1;
export const W_KIND = 2;
export const W_CAPACITY_BYTES = 3;
export const W_READERS_MAX = 4;
export const W_PRODUCER_OPEN = 5;
export const W_TAIL = 1 * WORDS_PER_LINE;
export const W_DATA_SLEEPERS = 2 * WORDS_PER_LINE;
export const W_DATA_SEQ = 2 * WORDS_PER_LINE + 1;
export const W_PRODUCER_SLEEPERS = 3 * WORDS_PER_LINE;
export const W_SPACE_SEQ = 3 * WORDS_PER_LINE + 1;
const SLOT_LINE_FIRST = 4;

const SLOT_CURSOR = 0;
const SLOT_STATE = 1;
const SLOT_GENERATION = 2;
const SLOT_OPEN = 3;

/** A reader slot is FREE, being JOINED by a registration in progress, or ACTIVE. */
export const SlotState = { FREE: 0, JOINING: 1, ACTIVE: 2 } as const;

export function slotCursorWord(readerSlot: number): number {
  return (SLOT_LINE_FIRST + readerSlot) * WORDS_PER_LINE + SLOT_CURSOR;
}
export function slotStateWord(readerSlot: number): number {
  return (SLOT_LINE_FIRST + readerSlot) * WORDS_PER_LINE + SLOT_STATE;
}
export function slotGenerationWord(readerSlot: number): number {
  return (SLOT_LINE_FIRST + readerSlot) * WORDS_PER_LINE + SLOT_GENERATION;
}
export function slotOpenWord(readerSlot: number): number {
  return (SLOT_LINE_FIRST + readerSlot) * WORDS_PER_LINE + SLOT_OPEN;
}

export function headerBytesOf(readersMax: number): number {
  return (SLOT_LINE_FIRST + readersMax) * CACHE_LINE_BYTES;
}

/** The facts every endpoint needs, read back from (or written into) the header. */
export interface RingGeometry {
  readonly kind: RingKind;
  readonly capacityBytes: number;
  readonly readersMax: number;
  readonly dataOffsetBytes: number;
}

export function allocateRing(kind: RingKind, capacityBytes: number, readersMax: number): SharedArrayBuffer {
  const sab = new SharedArrayBuffer(headerBytesOf(readersMax) + capacityBytes);
  const header = new Int32Array(sab, 0, headerBytesOf(readersMax) / 4);
  header[W_VERSION] = RING_LAYOUT_VERSION;
  header[W_KIND] = kind;
  header[W_CAPACITY_BYTES] = capacityBytes;
  header[W_READERS_MAX] = readersMax;
  // Magic last: a buffer caught half-initialised is refused by attach().
  Atomics.store(header, W_MAGIC, RING_MAGIC);
  return sab;
}

/** Reads and checks the header of a buffer received from another thread; `kind` undefined: any. */
export function readGeometry(sab: unknown, expectedKind: RingKind | undefined): RingGeometry {
  if (!(sab instanceof SharedArrayBuffer)) throw new RingLayoutError('expected a SharedArrayBuffer');
  if (sab.byteLength < headerBytesOf(1)) throw new RingLayoutError(`${sab.byteLength} bytes is too small`);
  const header = new Int32Array(sab, 0, headerBytesOf(1) / 4);
  if (Atomics.load(header, W_MAGIC) !== RING_MAGIC) throw new RingLayoutError('bad magic');
  const version = header[W_VERSION];
  if (version !== RING_LAYOUT_VERSION) {
    throw new RingLayoutError(`layout version ${version}, this module reads ${RING_LAYOUT_VERSION}`);
  }
  const kind = header[W_KIND];
  if (kind !== RingKind.SPSC && kind !== RingKind.BROADCAST) throw new RingLayoutError(`unknown ring kind ${kind}`);
  if (expectedKind !== undefined && kind !== expectedKind) {
    throw new RingLayoutError(`ring kind ${kindName(kind)}, expected ${kindName(expectedKind)}`);
  }
  const capacityBytes = header[W_CAPACITY_BYTES] ?? 0;
  const readersMax = header[W_READERS_MAX] ?? 0;
  if (capacityBytes < 8 || (capacityBytes & (capacityBytes - 1)) !== 0 || readersMax < 1) {
    throw new RingLayoutError(`corrupt header: capacityBytes ${capacityBytes}, readersMax ${readersMax}`);
  }
  const dataOffsetBytes = headerBytesOf(readersMax);
  if (sab.byteLength !== dataOffsetBytes + capacityBytes) {
    throw new RingLayoutError(`byteLength ${sab.byteLength} does not match the header's sizes`);
  }
  return { kind, capacityBytes, readersMax, dataOffsetBytes };
}

function kindName(kind: RingKind): string {
  return kind === RingKind.SPSC ? 'spsc' : 'broadcast';
}
