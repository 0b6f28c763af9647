/** Asks a node's control port (control-protocol.ts) and waits for its one-line answer. */
import { connect } from 'node:net';
import { CONTROL_HOST, CONTROL_RESPONSE_BYTES_MAX, type ControlRequest, type ControlResponse } from './control-protocol.ts';

/** Why a control request failed: nothing listens, no answer in time, or the node refused it. */
export type ControlFailure = 'unreachable' | 'timeout' | 'malformed' | 'refused';

export class ControlRequestError extends Error {
  constructor(
    readonly failure: ControlFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ControlRequestError';
  }
}

/** Sends one request to 127.0.0.1:`port` and resolves with the node's answer. */
export function requestControl(port: number, request: ControlRequest, timeoutMs: number): Promise<ControlResponse> {
  const where = `${CONTROL_HOST}:${port}`;
  return new Promise((resolve, reject) => {
    const socket = connect({ host: CONTROL_HOST, port });
    const chunks: Buffer[] = [];
    let bytes = 0;
    const finish = (error: ControlRequestError | null, response?: ControlResponse): void => {
      clearTimeout(timer);
      socket.destroy();
      if (error !== null) reject(error);
      else resolve(response as ControlResponse);
    };
    const timer = setTimeout(() => finish(new ControlRequestError('timeout', `no answer from ${where} within ${timeoutMs} ms`)), timeoutMs);
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      const why = e.code === 'ECONNREFUSED' ? 'connection refused' : (e.code ?? e.message);
      finish(new ControlRequestError('unreachable', `nothing answers on ${where} (${why})`, { cause: e }));
    });
    socket.on('end', () => finish(new ControlRequestError('malformed', `${where} closed the connection without an answer`)));
    socket.on('data', (chunk: Buffer) => {
      const nl = chunk.indexOf(10);
      chunks.push(nl < 0 ? chunk : chunk.subarray(0, nl));
      bytes += chunk.length;
      if (nl >= 0) finish(...parseResponse(Buffer.concat(chunks).toString('utf8'), where));
      else if (bytes > CONTROL_RESPONSE_BYTES_MAX) finish(new ControlRequestError('malformed', `answer from ${where} is longer than ${CONTROL_RESPONSE_BYTES_MAX} bytes`));
    });
  });
}

function parseResponse(line: string, where: string): [ControlRequestError | null, ControlResponse?] {
  try {
    const r = JSON.parse(line) as unknown;
    if (typeof r === 'object' && r !== null && typeof (r as { ok?: unknown }).ok === 'boolean') return [null, r as ControlResponse];
  } catch {
    // Falls through to the error below.
  }
  return [new ControlRequestError('malformed', `${where} answered something that is not a control response`)];
}

/** The node's status, as its control port reports it. */
export async function requestStatus(port: number, timeoutMs: number): Promise<unknown> {
  const response = await requestControl(port, { command: 'status' }, timeoutMs);
  if (!response.ok) throw new ControlRequestError('refused', `${CONTROL_HOST}:${port} refused the status request: ${response.error}`);
  return response.status;
}
