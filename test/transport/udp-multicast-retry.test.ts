/**
 * A group socket that fails to open is tried again while it is still wanted (UdpTransport.
 * listenMulticast). The failure is injected: opening the same group twice does not fail here.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MULTICAST_RETRY_MS, type UdpTransport } from '../../runtime/transport/udp-transport.ts';
import { closeAll, freePort, logFrames, openMesh, waitFor } from './loopback.ts';

const failures = vi.hoisted(() => ({ left: 0 }));
vi.mock('../../runtime/transport/udp-sockets.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../runtime/transport/udp-sockets.ts')>();
  return {
    ...real,
    openMulticastSocket: async (...a: Parameters<typeof real.openMulticastSocket>) => {
      if (failures.left > 0) {
        failures.left--;
        throw new Error('refused by the test');
      }
      return real.openMulticastSocket(...a);
    },
  };
});

const GROUP = '239.77.0.2';

let open: UdpTransport[] = [];
afterEach(async () => {
  await closeAll(open);
  open = [];
  failures.left = 0;
});

describe('UdpTransport: a group socket that fails to open', () => {
  it('is opened again a moment later while it is wanted, and then receives', async () => {
    const multicast = { group: GROUP, port: await freePort(), interface: '127.0.0.1', listen: false };
    open = await openMesh([1, 2], { multicast });
    const [sender, r2] = open as [UdpTransport, UdpTransport];
    const at2 = logFrames(r2);
    failures.left = 1;
    await r2.listenMulticast(true);
    expect(r2.stats().multicast).toEqual({ listening: false, opens: 0, closes: 0, openErrors: 1 });
    await waitFor(() => r2.stats().multicast.listening, 'the retry', MULTICAST_RETRY_MS * 3);
    expect(r2.stats().multicast).toEqual({ listening: true, opens: 1, closes: 0, openErrors: 1 });
    sender.sendMulticast(Uint8Array.of(9));
    await waitFor(() => at2.length === 1, 'the frame sent after the retry');
  });

  it('is not opened when it is no longer wanted by the time of the retry', async () => {
    const multicast = { group: GROUP, port: await freePort(), interface: '127.0.0.1', listen: false };
    open = await openMesh([1, 2], { multicast });
    const r2 = open[1] as UdpTransport;
    failures.left = 1;
    await r2.listenMulticast(true);
    await r2.listenMulticast(false);
    await new Promise((r) => setTimeout(r, MULTICAST_RETRY_MS * 1.5));
    expect(r2.stats().multicast).toEqual({ listening: false, opens: 0, closes: 0, openErrors: 1 });
  });
});
