// Node 20 cannot run .ts in a worker: register tsx's loader in this thread, then import the entry.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
