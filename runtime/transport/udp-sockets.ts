/**
 * Opening the transport's sockets: the unicast socket (bound to `bind`, also the one multicasts
 * leave from, so that their source is the peer address receivers check) and, with multicast, a
 * socket bound to the group address that joins the group on the given interface.
 */
import { createSocket, type Socket } from 'node:dgram';
import { ConfigError } from '../../src/errors.ts';
import type { ResolvedMulticast, ResolvedTransportOptions } from './transport-options.ts';

function bindSocket(socket: Socket, address: string, port: number, field: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => {
      reject(new ConfigError(field, `cannot bind ${address}:${port}: ${e.code ?? e.message}`));
    };
    socket.once('error', onError);
    socket.bind({ address, port }, () => {
      socket.off('error', onError);
      resolve();
    });
  });
}

/** Asks for the buffer sizes; the kernel decides what it grants (read back with the getters). */
function sizeBuffers(socket: Socket, bytes: number, send: boolean): void {
  try {
    socket.setRecvBufferSize(bytes);
    if (send) socket.setSendBufferSize(bytes);
  } catch (e) {
    throw new ConfigError('transport.socketBufferBytes', `the kernel refused ${bytes}: ${(e as Error).message}`);
  }
}

export async function openUnicastSocket(o: ResolvedTransportOptions): Promise<Socket> {
  const socket = createSocket({ type: 'udp4' });
  try {
    await bindSocket(socket, o.bind.address, o.bind.port, 'transport.bind');
    sizeBuffers(socket, o.socketBufferBytes, true);
    if (o.multicast !== null) configureMulticastSending(socket, o.multicast);
    return socket;
  } catch (e) {
    socket.close();
    throw e;
  }
}

function configureMulticastSending(socket: Socket, m: ResolvedMulticast): void {
  try {
    socket.setMulticastInterface(m.interface);
    socket.setMulticastTTL(m.ttl);
    socket.setMulticastLoopback(m.loopback);
  } catch (e) {
    throw new ConfigError('transport.multicast.interface', `cannot send multicast from ${m.interface}: ${(e as Error).message}`);
  }
}

/** Binds the group address itself, so that the socket sees that group's traffic only. */
export async function openMulticastSocket(o: ResolvedTransportOptions, m: ResolvedMulticast): Promise<Socket> {
  const socket = createSocket({ type: 'udp4', reuseAddr: true });
  try {
    await bindSocket(socket, m.group, m.port, 'transport.multicast');
    try {
      socket.addMembership(m.group, m.interface);
    } catch (e) {
      throw new ConfigError('transport.multicast.interface', `cannot join ${m.group} on ${m.interface}: ${(e as Error).message}`);
    }
    sizeBuffers(socket, o.socketBufferBytes, false);
    return socket;
  } catch (e) {
    socket.close();
    throw e;
  }
}

export function closeSocket(socket: Socket): Promise<void> {
  return new Promise<void>((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve(); // already closed
    }
  });
}
