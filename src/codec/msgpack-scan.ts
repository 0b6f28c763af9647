/**
 * A structural pre-scan of a msgpack control body, run before @msgpack/msgpack decodes it.
 *
 * Why: that decoder preallocates `new Array(n)` when it meets an array header and nests without
 * bound, so a body of 3-byte headers each claiming thousands of elements would make a small frame
 * allocate gigabytes before the decoder noticed the bytes run out. The scan walks the tokens
 * without building anything and accepts the body only if it is exactly one object, nested at most
 * `depthMax` containers deep, whose every container claims no more elements than bytes remain,
 * and which uses no ext types (control bodies have none). The decoder's own max*Length options
 * then bound each container, so decoding a scanned body allocates O(body bytes).
 */
import { decodeFailure, type DecodeFailure } from './decode-result.ts';

const U16_BYTES = 2;
const U32_BYTES = 4;

export interface MsgpackScanLimits {
  /** Containers open at once. */
  readonly depthMax: number;
  /** Elements of one array (beyond it: `too-large`). */
  readonly arrayLengthMax: number;
}

/** Why the body is refused, or null if it may be decoded. */
export function msgpackScan(
  bytes: Uint8Array,
  start: number,
  end: number,
  limits: MsgpackScanLimits,
): DecodeFailure | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, end - start);
  const length = end - start;
  const pending = new Array<number>(limits.depthMax + 1).fill(0);
  let depth = 0;
  pending[0] = 1;
  let pos = 0;
  for (;;) {
    if (pos >= length) return refuse(`msgpack body ends inside an object at byte ${pos}`);
    const token = scanToken(view, pos);
    if (typeof token === 'string') return refuse(token);
    pos = token.next;
    pending[depth] = pending[depth]! - 1;
    if (token.children > 0) {
      const refused = checkContainer(token, length - pos, depth, limits);
      if (refused !== null) return refused;
      pending[++depth] = token.children;
    } else {
      if (token.payload > length - pos) return refuse(`msgpack string or bin overruns the body at ${pos}`);
      pos += token.payload;
    }
    while (depth >= 0 && pending[depth] === 0) depth--;
    if (depth < 0) return pos === length ? null : refuse(`${length - pos} bytes after the msgpack object`);
  }
}

const refuse = (detail: string): DecodeFailure => decodeFailure('bad-field', detail);

function checkContainer(
  token: Token,
  bytesLeft: number,
  depth: number,
  limits: MsgpackScanLimits,
): DecodeFailure | null {
  if (!token.map && token.children > limits.arrayLengthMax) {
    return decodeFailure('too-large', `msgpack array of ${token.children} > ${limits.arrayLengthMax}`);
  }
  // Every element takes at least one byte: a claim beyond the bytes left is a lie.
  if (token.children > bytesLeft) return refuse(`msgpack container claims ${token.children} elements`);
  if (depth === limits.depthMax) return refuse(`msgpack body nests deeper than ${limits.depthMax}`);
  return null;
}

interface Token {
  /** Position after the token's head (its type byte and length fields). */
  readonly next: number;
  /** Bytes of payload after the head (strings, bins, numbers). */
  readonly payload: number;
  /** Elements that follow (arrays: n; maps: 2n). */
  readonly children: number;
  readonly map: boolean;
}

function scanToken(view: DataView, pos: number): Token | string {
  const b = view.getUint8(pos);
  const at = pos + 1;
  if (b <= 0x7f || b >= 0xe0) return { next: at, payload: 0, children: 0, map: false };
  if (b <= 0x8f) return { next: at, payload: 0, children: 2 * (b & 0x0f), map: true };
  if (b <= 0x9f) return { next: at, payload: 0, children: b & 0x0f, map: false };
  if (b <= 0xbf) return { next: at, payload: b & 0x1f, children: 0, map: false };
  switch (b) {
    case 0xc0: case 0xc2: case 0xc3:
      return { next: at, payload: 0, children: 0, map: false };
    case 0xcc: case 0xd0:
      return { next: at, payload: 1, children: 0, map: false };
    case 0xcd: case 0xd1:
      return { next: at, payload: 2, children: 0, map: false };
    case 0xca: case 0xce: case 0xd2:
      return { next: at, payload: 4, children: 0, map: false };
    case 0xcb: case 0xcf: case 0xd3:
      return { next: at, payload: 8, children: 0, map: false };
    case 0xc4: case 0xd9:
      return sized(view, at, 1, false);
    case 0xc5: case 0xda:
      return sized(view, at, U16_BYTES, false);
    case 0xc6: case 0xdb:
      return sized(view, at, U32_BYTES, false);
    case 0xdc:
      return sized(view, at, U16_BYTES, true);
    case 0xdd:
      return sized(view, at, U32_BYTES, true);
    case 0xde:
      return doubled(sized(view, at, U16_BYTES, true));
    case 0xdf:
      return doubled(sized(view, at, U32_BYTES, true));
    default:
      return `msgpack type byte 0x${b.toString(16)} is not used by control bodies`;
  }
}

/** A head with a big-endian length of `width` bytes: of the payload, or of the children. */
function sized(view: DataView, at: number, width: 1 | 2 | 4, container: boolean): Token | string {
  if (at + width > view.byteLength) return `msgpack length field overruns the body at byte ${at}`;
  const n = width === 1 ? view.getUint8(at) : width === 2 ? view.getUint16(at) : view.getUint32(at);
  const next = at + width;
  return container ? { next, payload: 0, children: n, map: false } : { next, payload: n, children: 0, map: false };
}

/** A map head: its count is of key/value pairs, two elements each. */
function doubled(t: Token | string): Token | string {
  return typeof t === 'string' ? t : { next: t.next, payload: 0, children: 2 * t.children, map: true };
}
