/**
 * Pins the calling thread to one CPU with sched_setaffinity(0, …) through koffi (prebuilt FFI),
 * and reads back Cpus_allowed_list from /proc/self/task/<tid>/status to verify. Where that is not
 * possible (not Linux, koffi missing) it says why and the thread runs unpinned.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export interface PinResult {
  readonly ok: boolean;
  readonly tid: number | null;
  /** Cpus_allowed_list of the thread after the call, as the kernel reports it. */
  readonly cpusAllowed: string | null;
  readonly reason: string;
}

interface Libc {
  setaffinity(pid: number, size: number, mask: Uint8Array): number;
  gettid(): number;
}

let libc: Libc | null | undefined;

function loadLibc(): Libc | null {
  if (libc !== undefined) return libc;
  libc = null;
  if (process.platform !== 'linux') return null;
  try {
    const require = createRequire(import.meta.url);
    const koffi = require('koffi') as { load(name: string): { func(sig: string): (...args: unknown[]) => number } };
    const lib = koffi.load('libc.so.6');
    const setaffinity = lib.func('int sched_setaffinity(int pid, size_t cpusetsize, uint8_t *mask)');
    const gettid = lib.func('int gettid()');
    libc = { setaffinity: (p, s, m) => setaffinity(p, s, m), gettid: () => gettid() };
  } catch {
    libc = null;
  }
  return libc;
}

export function threadCpusAllowed(tid: number): string | null {
  try {
    const m = /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync(`/proc/self/task/${tid}/status`, 'utf8'));
    return m?.[1] ?? null;
  } catch {
    return null;
  }
}

/** Pins the calling thread (only it) to `cpu`. */
export function pinCurrentThread(cpu: number): PinResult {
  const c = loadLibc();
  if (c === null) return { ok: false, tid: null, cpusAllowed: null, reason: process.platform !== 'linux' ? 'not Linux' : 'koffi could not load libc' };
  const mask = new Uint8Array(128);
  mask[cpu >> 3] = 1 << (cpu & 7);
  const tid = c.gettid();
  const rc = c.setaffinity(0, mask.length, mask);
  const cpusAllowed = threadCpusAllowed(tid);
  if (rc !== 0) return { ok: false, tid, cpusAllowed, reason: `sched_setaffinity returned ${rc}` };
  const ok = cpusAllowed === String(cpu);
  return { ok, tid, cpusAllowed, reason: ok ? 'pinned' : `kernel reports Cpus_allowed_list ${cpusAllowed}` };
}

/** The calling thread's kernel thread id, when it can be had. */
export function currentTid(): number | null {
  return loadLibc()?.gettid() ?? null;
}
