/**
 * V8 heap settings for a process that runs one node of a deployment (`ringcast start`).
 *
 * Why: a node's UDP gateway gets every datagram in a new buffer from node:dgram, outside the JS
 * heap; V8 counts those bytes toward the point at which it starts a full collection. A gateway
 * receiving ~200 MB/s of datagrams (an acceptor of a ring carrying 1 KB values at 70,000/s) ran a
 * mark-compact every 0.13–0.5 s on a heap of 8–10 MB, though the buffers die young (scavenges
 * free them). With the old generation's initial size raised, the same process ran none in 4 s,
 * and five processes on loopback needed 6–12% less CPU per value (README, Benchmarks).
 * The settings apply to the isolates created afterwards: the node's threads.
 */
import { setFlagsFromString } from 'node:v8';

export const INITIAL_OLD_SPACE_MB = 256;

/** Raises the initial old-space size unless the process was started with a heap size of its own; true if it did. */
export function raiseInitialOldSpace(execArgv: readonly string[]): boolean {
  if (execArgv.some((a) => a.startsWith('--initial-old-space-size') || a.startsWith('--initial-heap-size'))) return false;
  setFlagsFromString(`--initial-old-space-size=${INITIAL_OLD_SPACE_MB}`);
  return true;
}
