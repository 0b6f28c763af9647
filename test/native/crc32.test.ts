/**
 * The native CRC-32 (runtime/native/crc32.c) against node:zlib's on seeded random buffers, its
 * constants derived again from the polynomial, its argument checks, and which one a process uses;
 * and the module's other function, the latency benchmarks' probe of the machine (gaps.c).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Prng } from '../../src/protocol/prng.ts';
import { crc32, crc32Implementation, loadNativeCrc32, type NativeCrc32Module } from '../../runtime/native/crc32.ts';

const SOURCE = readFileSync(new URL('../../runtime/native/crc32.c', import.meta.url), 'utf8');

/** The native module, loaded even where RINGCAST_NATIVE=0 keeps it out of use; null where it is not built. */
function loadNative(): NativeCrc32Module | null {
  const loaded = loadNativeCrc32();
  return loaded instanceof Error ? null : loaded;
}

/** Whether this machine can and should run the native CRC-32 (Linux x86-64 with PCLMULQDQ). */
function expectNativeHere(): boolean {
  if (process.platform !== 'linux' || process.arch !== 'x64') return false;
  try {
    return /\bpclmulqdq\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
}

function randomBytes(rng: Prng, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = rng.below(256);
  return b;
}

/** x^n mod P and floor(x^64 / P) over GF(2), P = x^32 + 0x04C11DB7, as the C file's comments say. */
const P = 0x104c11db7n;
function xPowMod(n: number): bigint {
  let r = 1n;
  for (let i = 0; i < n; i++) {
    r <<= 1n;
    if (r & (1n << 32n)) r ^= P;
  }
  return r;
}
function reflect(v: bigint, bits: number): bigint {
  let r = 0n;
  for (let i = 0; i < bits; i++) if (v & (1n << BigInt(i))) r |= 1n << BigInt(bits - 1 - i);
  return r;
}
function quotientX64(): bigint {
  let q = 0n;
  let r = 1n << 64n;
  for (let i = 64; i >= 32; i--) {
    if (r & (1n << BigInt(i))) {
      r ^= P << BigInt(i - 32);
      q |= 1n << BigInt(i - 32);
    }
  }
  return q;
}
function defined(name: string): bigint {
  const m = new RegExp(`#define ${name} (0x[0-9a-fA-F]+)ULL`).exec(SOURCE);
  if (m === null) throw new Error(`crc32.c defines no ${name}`);
  return BigInt(m[1] as string);
}

describe('native CRC-32', () => {
  const native = loadNative();

  it('is the one in use where the machine has PCLMULQDQ (npm install builds it)', () => {
    if (process.env['RINGCAST_NATIVE'] === '0') expect(crc32Implementation.implementation).toBe('zlib');
    else expect(crc32Implementation.implementation).toBe(expectNativeHere() ? 'native' : 'zlib');
    if (crc32Implementation.implementation === 'native') expect(crc32Implementation.reason).toMatch(/^V?PCLMULQDQ$/);
  });

  it('folds with constants that are x^n mod P for the distances the comments give', () => {
    const shifted = (n: number): bigint => reflect(xPowMod(n), 32) << 1n;
    expect(defined('R1')).toBe(shifted(4 * 128 + 32));
    expect(defined('R2')).toBe(shifted(4 * 128 - 32));
    expect(defined('R3')).toBe(shifted(128 + 32));
    expect(defined('R4')).toBe(shifted(128 - 32));
    expect(defined('R5')).toBe(shifted(64));
    expect(defined('R6')).toBe(shifted(4 * 512 + 32));
    expect(defined('R7')).toBe(shifted(4 * 512 - 32));
    expect(defined('MU')).toBe(reflect(quotientX64(), 33));
    expect(defined('PP')).toBe(reflect(P, 33));
  });

  it.runIf(native !== null)('equals node:zlib crc32 on 20,000 seeded buffers at every offset, length and previous value', () => {
    const f = (native as NonNullable<typeof native>).crc32;
    const rng = new Prng(0x5eed_c2c);
    for (let t = 0; t < 20_000; t++) {
      // Lengths around the 64-byte folding threshold and the 16-byte tails, and datagram-sized ones.
      const n = t % 10 === 0 ? 60_000 + rng.below(5_536) : t % 3 === 0 ? 48 + rng.below(48) : rng.below(3_000);
      const start = rng.below(17);
      const bytes = randomBytes(rng, start + n + rng.below(9));
      const previous = t % 4 === 0 ? 0 : rng.below(0x1_0000_0000);
      expect(f(bytes, start, start + n, previous)).toBe(zlibCrc32(bytes.subarray(start, start + n), previous));
    }
  });

  it.runIf(native !== null)('equals node:zlib crc32 on both paths, 512-bit and 128-bit, at lengths around the 256-byte turns of the wide one', () => {
    const n = native as NonNullable<typeof native>;
    const rng = new Prng(0x51de);
    for (let t = 0; t < 5_000; t++) {
      const length = [240, 496, 752, 8_192, 65_000][t % 5] as number + rng.below(40);
      const start = rng.below(65);
      const bytes = randomBytes(rng, start + length);
      const previous = rng.below(0x1_0000_0000);
      const expected = zlibCrc32(bytes.subarray(start, start + length), previous);
      expect([n.crc32(bytes, start, start + length, previous), n.crc32Narrow(bytes, start, start + length, previous)]).toEqual([expected, expected]);
    }
  });

  it.runIf(native !== null && expectNativeHere())('says whether it folds 512 bits at a time, as /proc/cpuinfo says the CPU can', () => {
    const flags = readFileSync('/proc/cpuinfo', 'utf8');
    const can = ['vpclmulqdq', 'avx512f', 'avx512vl'].every((f) => new RegExp(`\\b${f}\\b`).test(flags));
    expect((native as NonNullable<typeof native>).wide).toBe(can);
  });

  it.runIf(native !== null)('gives the known CRC-32 of "123456789" and continues across a split', () => {
    const f = (native as NonNullable<typeof native>).crc32;
    const text = new TextEncoder().encode('123456789'.repeat(20));
    expect(f(text, 0, 9, 0)).toBe(0xcbf43926);
    const whole = f(text, 0, text.length, 0);
    for (const cut of [0, 1, 63, 64, 65, 100, text.length]) expect(f(text, cut, text.length, f(text, 0, cut, 0))).toBe(whole);
  });

  it.runIf(native !== null)('refuses a range outside the buffer and arguments of the wrong type', () => {
    const f = (native as NonNullable<typeof native>).crc32 as unknown as (...args: unknown[]) => number;
    const bytes = new Uint8Array(100);
    expect(() => f(bytes, 10, 101, 0)).toThrow(/start and end/);
    expect(() => f(bytes, 20, 10, 0)).toThrow(/start and end/);
    expect(() => f(new Uint16Array(4), 0, 1, 0)).toThrow(/Uint8Array/);
    expect(() => f(bytes, 'a', 10, 0)).toThrow(/numbers/);
    expect(() => f(bytes, 0, 10)).toThrow(/crc32\(bytes, start, end, previous\)/);
  });

  it('the crc32 in use (native here, node:zlib elsewhere) computes ranges as node:zlib does', () => {
    const rng = new Prng(77);
    for (let t = 0; t < 200; t++) {
      const bytes = randomBytes(rng, 1 + rng.below(4_000));
      const start = rng.below(bytes.length);
      const end = start + rng.below(bytes.length - start + 1);
      expect(crc32(bytes, start, end, 123)).toBe(zlibCrc32(bytes.subarray(start, end), 123));
    }
  });

  /** What the loader at `loader` chooses in a new process with `env`, and what its crc32 gives for "123456789". */
  function chosenIn(loader: string, env: NodeJS.ProcessEnv): { implementation: string; reason: string; check: number } {
    const script = `import { crc32, crc32Implementation } from '${loader}'; console.log(JSON.stringify({ ...crc32Implementation, check: crc32(new TextEncoder().encode('123456789'), 0, 9, 0) }));`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, ...env } });
    expect(child.stderr).toBe('');
    return JSON.parse(child.stdout) as { implementation: string; reason: string; check: number };
  }

  it('RINGCAST_NATIVE=0 keeps node:zlib crc32, and says why', () => {
    const chosen = chosenIn(new URL('../../runtime/native/crc32.ts', import.meta.url).href, { RINGCAST_NATIVE: '0' });
    expect(chosen).toEqual({ implementation: 'zlib', reason: 'RINGCAST_NATIVE=0', check: 0xcbf43926 });
  });

  it.runIf(native !== null && expectNativeHere())('RINGCAST_CRC_WIDE=0 keeps the native crc32 to its 128-bit folding, and says so', () => {
    const chosen = chosenIn(new URL('../../runtime/native/crc32.ts', import.meta.url).href, { RINGCAST_NATIVE: '', RINGCAST_CRC_WIDE: '0' });
    expect(chosen).toEqual({ implementation: 'native', reason: 'PCLMULQDQ (RINGCAST_CRC_WIDE=0)', check: 0xcbf43926 });
    const wide = chosenIn(new URL('../../runtime/native/crc32.ts', import.meta.url).href, { RINGCAST_NATIVE: '', RINGCAST_CRC_WIDE: '' });
    expect(wide.reason).toBe((native as NonNullable<typeof native>).wide ? 'VPCLMULQDQ' : 'PCLMULQDQ');
  });

  it('falls back to node:zlib crc32 where the native module was not built, and says why', () => {
    // The loader alone in a directory without build/: as after `npm install --ignore-scripts`, or without a compiler.
    const dir = mkdtempSync(join(tmpdir(), 'ringcast-crc-'));
    try {
      copyFileSync(new URL('../../runtime/native/crc32.ts', import.meta.url), join(dir, 'crc32.ts'));
      writeFileSync(join(dir, 'package.json'), '{ "type": "module" }');
      const chosen = chosenIn(pathToFileURL(join(dir, 'crc32.ts')).href, { RINGCAST_NATIVE: '' });
      expect(chosen.implementation).toBe('zlib');
      expect(chosen.reason).toMatch(/^the native module is not built \(npm install builds it\)/);
      expect(chosen.check).toBe(0xcbf43926);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('native scheduling-gap probe (for the latency benchmarks)', () => {
  it('spins for the time asked and returns only gaps over the threshold', () => {
    const native = loadNative();
    if (!expectNativeHere()) return; // built only where the module is: nothing to probe elsewhere
    expect(native).not.toBeNull();
    const t0 = performance.now();
    const gaps = native?.schedulingGaps(0.2, 0.05) ?? [];
    const took = performance.now() - t0;
    expect(took).toBeGreaterThanOrEqual(200);
    expect(Array.isArray(gaps)).toBe(true);
    for (const g of gaps) expect(g).toBeGreaterThan(0.05);
    // The gaps are part of the time spun, so they cannot add up to more than it.
    expect(gaps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(took);
  });

  it('refuses bad arguments', () => {
    const native = loadNative();
    if (!expectNativeHere()) return;
    if (native === null) throw new Error('the native module is not built on a machine that builds it');
    expect(() => native.schedulingGaps(-1, 0.5)).toThrow(/seconds in \[0, 600\]/);
    expect(() => native.schedulingGaps(1, 0)).toThrow(/thresholdMs > 0/);
    expect(() => (native.schedulingGaps as unknown as (s: string) => number[])('1')).toThrow(TypeError);
  });
});
