/**
 * The control port's protocol: JSON lines over TCP on 127.0.0.1. A request is one line
 * `{"command":"status"}` (an `id`, if given, is echoed); the answer is one line
 * `{"ok":true,"status":…}` or `{"ok":false,"error":"…"}`. Requests on one connection are answered
 * in order.
 */

/** The control port listens on loopback only: it answers anyone who can reach it. */
export const CONTROL_HOST = '127.0.0.1';
/** Bytes of one request line; a longer one is answered with an error and skipped. */
export const CONTROL_REQUEST_BYTES_MAX = 64 * 1024;
/** Bytes of one response line the client accepts. */
export const CONTROL_RESPONSE_BYTES_MAX = 16 * 1024 * 1024;

export const CONTROL_COMMANDS = ['status'] as const;
export type ControlCommand = (typeof CONTROL_COMMANDS)[number];

export interface ControlRequest {
  readonly command: ControlCommand;
  readonly id?: string | number;
}

export type ControlResponse =
  | { readonly ok: true; readonly id?: string | number; readonly status: unknown }
  | { readonly ok: false; readonly id?: string | number; readonly error: string };
