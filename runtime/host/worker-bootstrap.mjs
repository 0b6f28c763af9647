// Entry of every ringcast worker thread. Node 20 cannot run TypeScript in a worker by itself:
// when the entry is a .ts file, register tsx's loader first, then import it.
import { workerData } from 'node:worker_threads';

const entry = workerData?.entry;
if (typeof entry !== 'string') throw new Error('ringcast worker: workerData.entry is missing');
if (entry.endsWith('.ts')) {
  const { register } = await import('tsx/esm/api');
  register();
}
await import(entry);
