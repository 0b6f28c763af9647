/*
 * CRC-32 (IEEE 802.3, reflected, polynomial 0x04C11DB7: the CRC of zlib and node:zlib's crc32) by
 * carry-less multiplication (PCLMULQDQ), for the datagram checksums and the acceptors' log chunks.
 * node:zlib's crc32 goes at about 5 GB/s on this project's machines; this goes at several times that.
 *
 * From 256 bytes on, where the CPU has VPCLMULQDQ and AVX-512, the buffer is first folded 256
 * bytes at a time in four 512-bit registers (by_vpclmul: 39 GB/s at 8 KB against 8–12 for the
 * 128-bit lanes, measured on this project's machines, session 12); what is left goes as follows.
 * The buffer is folded 64 bytes at a time in four 128-bit lanes, the lanes folded into one, the
 * 128-bit remainder reduced to 64 and then 32 bits, and the last step is a Barrett reduction. Each
 * constant is x^n mod P, bit-reflected and shifted left by one (n = 4*128+32, 4*128-32, 128+32,
 * 128-32, 64, and 4*512+32, 4*512-32 for the 512-bit registers), and for the Barrett step
 * floor(x^64 / P) and P themselves, bit-reflected to 33 bits (see the test, which derives them
 * again). Buffers shorter than 64 bytes, the bytes after the last
 * 16-byte block, and machines without PCLMULQDQ go byte by byte through a table; on those machines
 * `accelerated` is false and ringcast keeps node:zlib's function instead.
 *
 * JavaScript: crc32(bytes: Uint8Array, start: number, end: number, previous: number): number, where
 * previous is the CRC of what came before (0 at the start), as for zlib's crc32(data, value).
 */
#include <node_api.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define RC_X86 1
#endif

static uint32_t table[256];
static int clmul_ok = 0;
/* VPCLMULQDQ with AVX-512: four times the bytes per instruction (by_vpclmul). */
static int wide_ok = 0;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init_once(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = (c & 1) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
    table[i] = c;
  }
#ifdef RC_X86
  __builtin_cpu_init();
  clmul_ok = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
  wide_ok = clmul_ok && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("vpclmulqdq");
#endif
}

/* `c` is the running remainder (inverted), as are the results below. */
static uint32_t by_bytes(uint32_t c, const uint8_t *p, size_t n) {
  while (n--) c = table[(c ^ *p++) & 0xff] ^ (c >> 8);
  return c;
}

#ifdef RC_X86
#define R1 0x154442bd4ULL /* x^(4*128+32) */
#define R2 0x1c6e41596ULL /* x^(4*128-32) */
#define R3 0x1751997d0ULL /* x^(128+32) */
#define R4 0x0ccaa009eULL /* x^(128-32) */
#define R5 0x163cd6124ULL /* x^64 */
#define R6 0x11542778aULL /* x^(4*512+32) */
#define R7 0x1322d1430ULL /* x^(4*512-32) */
#define MU 0x1f7011641ULL /* floor(x^64 / P) */
#define PP 0x1db710641ULL /* P */

__attribute__((target("pclmul,sse4.1"))) static inline __m128i fold(__m128i x, __m128i k, __m128i next) {
  /* x.lo * k.lo ^ x.hi * k.hi ^ next */
  return _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11)), next);
}

/*
 * Four 128-bit lanes x0..x3, the remainders of the bytes before p (each lane 16 bytes of a 64-byte
 * block), folded on over the n bytes at p (a multiple of 16), reduced to the 32-bit remainder.
 */
__attribute__((target("pclmul,sse4.1"))) static uint32_t fold_lanes(__m128i x0, __m128i x1, __m128i x2, __m128i x3, const uint8_t *p, size_t n) {
  const __m128i k12 = _mm_set_epi64x((long long)R2, (long long)R1);
  const __m128i k34 = _mm_set_epi64x((long long)R4, (long long)R3);
  for (; n >= 64; p += 64, n -= 64) {
    x0 = fold(x0, k12, _mm_loadu_si128((const __m128i *)p));
    x1 = fold(x1, k12, _mm_loadu_si128((const __m128i *)(p + 16)));
    x2 = fold(x2, k12, _mm_loadu_si128((const __m128i *)(p + 32)));
    x3 = fold(x3, k12, _mm_loadu_si128((const __m128i *)(p + 48)));
  }
  __m128i a = fold(fold(fold(x0, k34, x1), k34, x2), k34, x3);
  for (; n >= 16; p += 16, n -= 16) a = fold(a, k34, _mm_loadu_si128((const __m128i *)p));
  /* 128 bits to 64: a.lo * R4 ^ a >> 64; then to 32: (a & 2^32-1) * R5 ^ a >> 32. */
  a = _mm_xor_si128(_mm_srli_si128(a, 8), _mm_clmulepi64_si128(a, k34, 0x10));
  const __m128i low32 = _mm_set_epi32(0, 0, 0, -1);
  a = _mm_xor_si128(_mm_srli_si128(a, 4), _mm_clmulepi64_si128(_mm_and_si128(a, low32), _mm_set_epi64x(0, (long long)R5), 0x00));
  /* Barrett: t = ((a mod x^32) * MU mod x^32) * P; the remainder is (a ^ t) >> 32. */
  const __m128i up = _mm_set_epi64x((long long)MU, (long long)PP);
  __m128i t = _mm_clmulepi64_si128(_mm_and_si128(a, low32), up, 0x10);
  t = _mm_clmulepi64_si128(_mm_and_si128(t, low32), up, 0x00);
  return (uint32_t)_mm_extract_epi32(_mm_xor_si128(a, t), 1);
}

/* n >= 64 and a multiple of 16. */
__attribute__((target("pclmul,sse4.1"))) static uint32_t by_clmul(uint32_t c, const uint8_t *p, size_t n) {
  __m128i x0 = _mm_xor_si128(_mm_loadu_si128((const __m128i *)p), _mm_cvtsi32_si128((int)c));
  return fold_lanes(x0, _mm_loadu_si128((const __m128i *)(p + 16)), _mm_loadu_si128((const __m128i *)(p + 32)), _mm_loadu_si128((const __m128i *)(p + 48)), p + 64, n - 64);
}

#define WIDE_TARGET "avx512f,avx512vl,vpclmulqdq,pclmul,sse4.1"

__attribute__((target(WIDE_TARGET))) static inline __m512i fold512(__m512i x, __m512i k, __m512i next) {
  /* In each 128-bit lane: x.lo * k.lo ^ x.hi * k.hi ^ next (0x96: three-way xor). */
  return _mm512_ternarylogic_epi64(_mm512_clmulepi64_epi128(x, k, 0x00), _mm512_clmulepi64_epi128(x, k, 0x11), next, 0x96);
}

/*
 * n >= 256 and a multiple of 16: the same folding with 512-bit registers (VPCLMULQDQ), four of
 * them, 256 bytes a turn, each of their sixteen 128-bit lanes folded 4*512 bits ahead (R6, R7);
 * then the four folded into one 512 bits at a time (R1, R2), whose four lanes are the four lanes
 * of by_clmul after the same bytes, and fold_lanes goes on from there.
 */
__attribute__((target(WIDE_TARGET))) static uint32_t by_vpclmul(uint32_t c, const uint8_t *p, size_t n) {
  const __m512i k67 = _mm512_broadcast_i32x4(_mm_set_epi64x((long long)R7, (long long)R6));
  const __m512i k12 = _mm512_broadcast_i32x4(_mm_set_epi64x((long long)R2, (long long)R1));
  __m512i z0 = _mm512_xor_si512(_mm512_loadu_si512((const void *)p), _mm512_zextsi128_si512(_mm_cvtsi32_si128((int)c)));
  __m512i z1 = _mm512_loadu_si512((const void *)(p + 64));
  __m512i z2 = _mm512_loadu_si512((const void *)(p + 128));
  __m512i z3 = _mm512_loadu_si512((const void *)(p + 192));
  p += 256;
  n -= 256;
  for (; n >= 256; p += 256, n -= 256) {
    z0 = fold512(z0, k67, _mm512_loadu_si512((const void *)p));
    z1 = fold512(z1, k67, _mm512_loadu_si512((const void *)(p + 64)));
    z2 = fold512(z2, k67, _mm512_loadu_si512((const void *)(p + 128)));
    z3 = fold512(z3, k67, _mm512_loadu_si512((const void *)(p + 192)));
  }
  __m512i z = fold512(fold512(fold512(z0, k12, z1), k12, z2), k12, z3);
  return fold_lanes(_mm512_extracti32x4_epi32(z, 0), _mm512_extracti32x4_epi32(z, 1), _mm512_extracti32x4_epi32(z, 2), _mm512_extracti32x4_epi32(z, 3), p, n);
}
#endif

/* `wide`: may use by_vpclmul where the CPU has it (0 keeps to by_clmul: the tests check both). */
static uint32_t crc32_of(uint32_t previous, const uint8_t *p, size_t n, int wide) {
  uint32_t c = ~previous;
#ifndef RC_X86
  (void)wide;
#else
  if (clmul_ok && n >= 64) {
    size_t blocks = n & ~(size_t)15;
    c = wide && wide_ok && blocks >= 256 ? by_vpclmul(c, p, blocks) : by_clmul(c, p, blocks);
    p += blocks;
    n -= blocks;
  }
#endif
  return ~by_bytes(c, p, n);
}

static napi_value throw_type(napi_env env, const char *msg) {
  napi_throw_type_error(env, NULL, msg);
  return NULL;
}

static napi_value crc32_call(napi_env env, napi_callback_info info, int wide) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 4) return throw_type(env, "crc32(bytes, start, end, previous)");
  napi_typedarray_type type;
  size_t length;
  void *data;
  if (napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, NULL) != napi_ok || type != napi_uint8_array) return throw_type(env, "crc32: bytes must be a Uint8Array");
  uint32_t start, end, previous;
  if (napi_get_value_uint32(env, argv[1], &start) != napi_ok || napi_get_value_uint32(env, argv[2], &end) != napi_ok || napi_get_value_uint32(env, argv[3], &previous) != napi_ok) return throw_type(env, "crc32: start, end and previous must be numbers");
  if (start > end || end > length) return throw_type(env, "crc32: start and end must satisfy 0 <= start <= end <= bytes.length");
  napi_value out;
  napi_create_uint32(env, crc32_of(previous, (const uint8_t *)data + start, end - start, wide), &out);
  return out;
}

static napi_value js_crc32(napi_env env, napi_callback_info info) {
  return crc32_call(env, info, 1);
}

/* The same without the 512-bit path: for the tests and the benchmark, beside crc32. */
static napi_value js_crc32_narrow(napi_env env, napi_callback_info info) {
  return crc32_call(env, info, 0);
}

napi_value ringcast_scheduling_gaps(napi_env env, napi_callback_info info); /* gaps.c */
napi_value ringcast_copy_bytes(napi_env env, napi_callback_info info);      /* copy.c */

NAPI_MODULE_INIT() {
  pthread_once(&once, init_once);
  napi_value fn, accelerated;
  napi_create_function(env, "crc32", NAPI_AUTO_LENGTH, js_crc32, NULL, &fn);
  napi_set_named_property(env, exports, "crc32", fn);
  napi_get_boolean(env, clmul_ok != 0, &accelerated);
  napi_set_named_property(env, exports, "accelerated", accelerated);
  napi_get_boolean(env, wide_ok != 0, &accelerated);
  napi_set_named_property(env, exports, "wide", accelerated);
  napi_create_function(env, "crc32Narrow", NAPI_AUTO_LENGTH, js_crc32_narrow, NULL, &fn);
  napi_set_named_property(env, exports, "crc32Narrow", fn);
  napi_create_function(env, "schedulingGaps", NAPI_AUTO_LENGTH, ringcast_scheduling_gaps, NULL, &fn);
  napi_set_named_property(env, exports, "schedulingGaps", fn);
  napi_create_function(env, "copyBytes", NAPI_AUTO_LENGTH, ringcast_copy_bytes, NULL, &fn);
  napi_set_named_property(env, exports, "copyBytes", fn);
  return exports;
}
