/**
 * For a supervisor: after the thread that held a ring's endpoints died (terminated, crashed),
 * release its claims so that a restarted thread can open them again. The indices stay as
 * published, so the new endpoints resume where the dead ones left off: frames published and not
 * yet read are read by the successor; a frame reserved and never committed is forgotten.
 *
 * Call it only when no live thread holds the endpoints, or two would write at once.
 */
import { W_PRODUCER_OPEN, W_READERS_MAX, slotOpenWord } from './ring-layout.ts';

export function releaseAbandonedEndpoints(sab: SharedArrayBuffer): void {
  const header = new Int32Array(sab, 0, 16);
  const readersMax = Atomics.load(header, W_READERS_MAX);
  const words = new Int32Array(sab);
  Atomics.store(words, W_PRODUCER_OPEN, 0);
  for (let slot = 0; slot < readersMax; slot++) Atomics.store(words, slotOpenWord(slot), 0);
}
