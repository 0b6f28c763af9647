/*
 * copyBytes(target, targetOffset, source, sourceOffset, length): memcpy between two Uint8Arrays,
 * either of them on a SharedArrayBuffer. V8 copies to or from shared memory with relaxed atomic
 * word moves (TypedArray.prototype.set); memcpy moves the same bytes faster. The caller owns the
 * ordering: the regions are not being written by another thread while they are copied (the SAB
 * rings hand a region over before its reader copies it).
 */
#include <node_api.h>
#include <stdint.h>
#include <string.h>

static napi_value fail(napi_env env, const char *msg) {
  napi_throw_type_error(env, NULL, msg);
  return NULL;
}

static int bytes_of(napi_env env, napi_value v, uint8_t **data, size_t *length) {
  napi_typedarray_type type;
  void *p;
  if (napi_get_typedarray_info(env, v, &type, length, &p, NULL, NULL) != napi_ok || type != napi_uint8_array) return 0;
  *data = (uint8_t *)p;
  return 1;
}

napi_value ringcast_copy_bytes(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 5) return fail(env, "copyBytes(target, targetOffset, source, sourceOffset, length)");
  uint8_t *target, *source;
  size_t targetLength, sourceLength;
  if (!bytes_of(env, argv[0], &target, &targetLength) || !bytes_of(env, argv[2], &source, &sourceLength)) return fail(env, "copyBytes: target and source must be Uint8Arrays");
  uint32_t at, from, length;
  if (napi_get_value_uint32(env, argv[1], &at) != napi_ok || napi_get_value_uint32(env, argv[3], &from) != napi_ok || napi_get_value_uint32(env, argv[4], &length) != napi_ok) return fail(env, "copyBytes: offsets and length must be numbers");
  if ((size_t)at + length > targetLength || (size_t)from + length > sourceLength) return fail(env, "copyBytes: the range passes the end of an array");
  memmove(target + at, source + from, length);
  return NULL;
}
