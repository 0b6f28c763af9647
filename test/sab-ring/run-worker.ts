/**
 * Starts a real worker thread on a .ts entry (through worker-bootstrap.mjs) and collects the one
 * result message it posts. A worker that throws or exits without posting fails the promise, with
 * the worker's own error, so a test shows why.
 */
import { Worker } from 'node:worker_threads';

const BOOTSTRAP_URL = new URL('./worker-bootstrap.mjs', import.meta.url);

export interface WorkerHandle<Result> {
  readonly worker: Worker;
  readonly result: Promise<Result>;
}

export function startWorker<Result>(entryUrl: URL, input: object): WorkerHandle<Result> {
  const worker = new Worker(BOOTSTRAP_URL, { workerData: { entry: entryUrl.href, ...input } });
  const result = new Promise<Result>((resolve, reject) => {
    let settled = false;
    worker.once('message', (message: Result) => {
      settled = true;
      resolve(message);
    });
    worker.once('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`worker ${entryUrl.pathname} exited with code ${code} before posting`));
    });
  });
  return { worker, result };
}
