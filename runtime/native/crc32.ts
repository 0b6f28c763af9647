/**
 * CRC-32 for the datagram checksums and the acceptors' log chunks: the native one of
 * `runtime/native/crc32.c` (carry-less multiplication, about 4.5× node:zlib's crc32 on this
 * project's machines, and about four times that again at 8 KB where the CPU folds 512 bits at a
 * time) where `npm install` built it and the CPU has PCLMULQDQ, otherwise
 * node:zlib's. Both compute the same function (zlib's CRC-32), so peers and logs never depend on
 * which one a process uses. `RINGCAST_NATIVE=0` in the environment keeps node:zlib's, and
 * `RINGCAST_CRC_WIDE=0` the native one's 128-bit folding, for comparisons.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { crc32 as zlibCrc32 } from 'node:zlib';

/** The CRC-32 of `bytes[start, end)`, continuing `previous` (the CRC of what came before; 0 at the start). */
export type Crc32 = (bytes: Uint8Array, start: number, end: number, previous: number) => number;

export interface NativeCrc32Module {
  readonly crc32: Crc32;
  /** Whether this CPU has PCLMULQDQ (without it the module goes a byte at a time). */
  readonly accelerated: boolean;
  /** Whether crc32 folds 512 bits at a time (VPCLMULQDQ with AVX-512) from 256 bytes on: about four times as fast at 8 KB. */
  readonly wide: boolean;
  /** crc32 without the 512-bit path (for the tests and the benchmark). */
  readonly crc32Narrow: Crc32;
  /**
   * For the latency benchmarks (runtime/native/gaps.c): spins the calling thread in C for
   * `seconds` and returns each gap over `thresholdMs` between two clock readings, in ms: the
   * times the machine took the thread's core away.
   */
  readonly schedulingGaps: (seconds: number, thresholdMs: number) => number[];
  /**
   * memmove of `source[from, from + length)` to `target[at, …)`, either array on a
   * SharedArrayBuffer (runtime/native/copy.c; installed for the hot paths by bulk-copy.ts).
   * Throws a TypeError for a range that passes the end of either array.
   */
  readonly copyBytes: (target: Uint8Array, at: number, source: Uint8Array, from: number, length: number) => void;
}

/** Where `npm install` puts the native module (for a worker thread that loads it by itself). */
export const NATIVE_MODULE_PATH = fileURLToPath(new URL('./build/Release/ringcast_native.node', import.meta.url));

/** The native module as `npm install` built it, or why it cannot be loaded (whatever RINGCAST_NATIVE says). */
export function loadNativeCrc32(): NativeCrc32Module | Error {
  try {
    return createRequire(import.meta.url)(NATIVE_MODULE_PATH) as NativeCrc32Module;
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}

const zlibRange: Crc32 = (bytes, start, end, previous) => zlibCrc32(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end), previous);

function choose(): { crc32: Crc32; implementation: 'native' | 'zlib'; reason: string } {
  if (process.env['RINGCAST_NATIVE'] === '0') return { crc32: zlibRange, implementation: 'zlib', reason: 'RINGCAST_NATIVE=0' };
  const native = loadNativeCrc32();
  if (native instanceof Error) {
    return { crc32: zlibRange, implementation: 'zlib', reason: `the native module is not built (npm install builds it): ${native.message.split('\n')[0] ?? ''}` };
  }
  if (!native.accelerated) return { crc32: zlibRange, implementation: 'zlib', reason: 'this CPU has no PCLMULQDQ' };
  if (process.env['RINGCAST_CRC_WIDE'] === '0') return { crc32: native.crc32Narrow, implementation: 'native', reason: 'PCLMULQDQ (RINGCAST_CRC_WIDE=0)' };
  return { crc32: native.crc32, implementation: 'native', reason: native.wide ? 'VPCLMULQDQ' : 'PCLMULQDQ' };
}

const chosen = choose();
export const crc32: Crc32 = chosen.crc32;
/** Which CRC-32 this process uses, and why (for `ringcast status` and the benchmarks). */
export const crc32Implementation: { readonly implementation: 'native' | 'zlib'; readonly reason: string } = {
  implementation: chosen.implementation,
  reason: chosen.reason,
};
