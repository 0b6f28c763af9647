/*
 * A probe of the machine for the latency benchmarks: the calling thread spins on CLOCK_MONOTONIC
 * for a while and returns every gap between two consecutive readings longer than a threshold,
 * that is every time the thread lost its core. It runs in C so that nothing of V8 (collections,
 * compilation, boxed clock readings) is in what it measures; a JavaScript spinner sees its own
 * minor collections as well.
 */
#define _POSIX_C_SOURCE 199309L
#include <node_api.h>
#include <stdlib.h>
#include <time.h>

#define GAPS_MAX 65536

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

/* schedulingGaps(seconds, thresholdMs): the gaps over thresholdMs, in ms, in the order seen. */
napi_value ringcast_scheduling_gaps(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  double seconds, threshold;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 2 || napi_get_value_double(env, argv[0], &seconds) != napi_ok ||
      napi_get_value_double(env, argv[1], &threshold) != napi_ok || !(seconds >= 0 && seconds <= 600) || !(threshold > 0)) {
    napi_throw_type_error(env, NULL, "schedulingGaps(seconds, thresholdMs): seconds in [0, 600], thresholdMs > 0");
    return NULL;
  }
  double *gaps = malloc(GAPS_MAX * sizeof(double));
  if (gaps == NULL) {
    napi_throw_error(env, NULL, "schedulingGaps: out of memory");
    return NULL;
  }
  size_t n = 0;
  double start = now_ms(), last = start;
  while (last - start < seconds * 1e3) {
    double t = now_ms();
    if (t - last > threshold && n < GAPS_MAX) gaps[n++] = t - last;
    last = t;
  }
  napi_value out;
  napi_create_array_with_length(env, n, &out);
  for (size_t k = 0; k < n; k++) {
    napi_value v;
    napi_create_double(env, gaps[k], &v);
    napi_set_element(env, out, (uint32_t)k, v);
  }
  free(gaps);
  return out;
}
