/**
 * For a supervisor: after the thread that held a ring's endpoints died (terminated, crashed),
 * release its claims so that a restarted thread can open them again. The indices stay as
 * published, so the new endpoints resume where the dead ones left off: frames published and not
 * yet read are read by the successor; a frame reserved and never committed is forgotten.
 * Reader registrations are kept (use BroadcastRing.detachReader to drop a reader for good).
 *
 * Call it only when no live thread holds the endpoints, or two would write at once.
 * Throws RingLayoutError if `sab` is not a ring.
 */
import { W_PRODUCER_OPEN, readGeometry, slotOpenWord } from './ring-layout.ts';

export function releaseAbandonedEndpoints(sab: SharedArrayBuffer): void {
  const { readersMax, dataOffsetBytes } = readGeometry(sab, undefined);
  const header = new Int32Array(sab, 0, dataOffsetBytes / 4);
  Atomics.store(header, W_PRODUCER_OPEN, 0);
  for (let slot = 0; slot < readersMax; slot++) Atomics.store(header, slotOpenWord(slot), 0);
}
