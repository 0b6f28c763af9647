/**
 * Registration of reader slots: which cursors the producer waits for.
 *
 * Registration is separate from opening a consumer on the slot: a supervisor registers a reader
 * before it starts the reader's thread, so that no frame written in between is lost, and detaches
 * it when the thread dies, so that a dead reader does not hold the producer back forever.
 * These paths run rarely and use compareExchange; the frame path never does.
 */
import { RingReadersFullError } from './ring-errors.ts';
import {
  SlotState,
  W_DATA_SEQ,
  W_SPACE_SEQ,
  W_TAIL,
  slotCursorWord,
  slotGenerationWord,
  slotOpenWord,
  slotStateWord,
} from './ring-layout.ts';

/**
 * Claims a free slot and places its cursor at the published tail: the reader sees the frames
 * written from now on. The cursor is stored before the slot turns ACTIVE, so a producer that sees
 * the slot sees its cursor; a producer that has not seen it yet is bound by a limit computed from
 * an older tail, which is never ahead of this cursor plus the capacity.
 */
export function registerReaderSlot(header: Int32Array, readersMax: number): number {
  for (let slot = 0; slot < readersMax; slot++) {
    const state = slotStateWord(slot);
    if (Atomics.compareExchange(header, state, SlotState.FREE, SlotState.JOINING) !== SlotState.FREE) continue;
    Atomics.add(header, slotGenerationWord(slot), 1);
    Atomics.store(header, slotOpenWord(slot), 0);
    Atomics.store(header, slotCursorWord(slot), Atomics.load(header, W_TAIL));
    Atomics.store(header, state, SlotState.ACTIVE);
    return slot;
  }
  throw new RingReadersFullError(readersMax);
}

/**
 * Removes a reader slot from the set the producer waits for, and wakes the producer (it may be
 * asleep waiting on that very reader) and the readers (the detached one may be asleep; it learns
 * of it and its next drain() throws). Returns false if the slot was not registered.
 */
export function unregisterReaderSlot(header: Int32Array, readerSlot: number): boolean {
  const state = slotStateWord(readerSlot);
  if (Atomics.compareExchange(header, state, SlotState.ACTIVE, SlotState.FREE) !== SlotState.ACTIVE) return false;
  wakeProducer(header);
  wakeReaders(header);
  return true;
}

export function isReaderSlotRegistered(header: Int32Array, readerSlot: number): boolean {
  return Atomics.load(header, slotStateWord(readerSlot)) === SlotState.ACTIVE;
}

/**
 * Consumers sleep on DATA_SEQ: change it, then notify, so a sleep about to start returns. Notifying
 * TAIL was not enough for a detach, which does not change TAIL: a reader that had found its slot
 * registered just before the detach then slept on an unchanged TAIL until its timeout.
 */
export function wakeReaders(header: Int32Array): void {
  Atomics.add(header, W_DATA_SEQ, 1);
  Atomics.notify(header, W_DATA_SEQ);
}

/** The producer sleeps on SPACE_SEQ: change it, then notify, so a sleep about to start returns. */
export function wakeProducer(header: Int32Array): void {
  Atomics.add(header, W_SPACE_SEQ, 1);
  Atomics.notify(header, W_SPACE_SEQ);
}
