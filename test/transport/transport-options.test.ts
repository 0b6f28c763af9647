/** Bad options are refused with a ConfigError that names the field; good ones get defaults. */
import { describe, expect, it } from 'vitest';
import { ConfigError, ErrorCode } from '../../src/errors.ts';
import { resolveTransportOptions, type UdpTransportOptions } from '../../runtime/transport/transport-options.ts';
import { UdpTransport } from '../../runtime/transport/index.ts';

const GOOD: UdpTransportOptions = {
  nodeId: 1,
  bind: { address: '127.0.0.1', port: 0 },
  peers: [{ nodeId: 2, address: '127.0.0.1', port: 5002 }],
};

function refusedField(options: unknown): string {
  try {
    resolveTransportOptions(options as UdpTransportOptions);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    expect((e as ConfigError).code).toBe(ErrorCode.CONFIG_INVALID);
    return (e as ConfigError).field;
  }
  return 'accepted';
}

describe('transport options', () => {
  it('fills in the documented defaults and freezes the result', () => {
    const o = resolveTransportOptions(GOOD);
    expect(o).toMatchObject({
      socketBufferBytes: 4 << 20,
      datagramBytesMax: 65_000,
      frameBytesMax: 16 << 20,
      queuedBytesMax: 64 << 20,
      autoFlush: true,
      flushDelayMicros: 0,
      reassemblyBytesMax: 64 << 20,
      reassemblyMessagesMax: 1024,
      reassemblyTimeoutMs: 3000,
      multicast: null,
      faults: null,
    });
    expect(Object.isFrozen(o)).toBe(true);
    const asMap = resolveTransportOptions({ ...GOOD, peers: new Map([[2, { address: '127.0.0.1', port: 5002 }]]) });
    expect(asMap.peers).toEqual(o.peers);
  });

  const bad: readonly [string, Record<string, unknown> | string, string][] = [
    ['not an object', 'options', 'transport'],
    ['an unknown option', { colour: 'red' }, 'transport.colour'],
    ['a node id above u16', { nodeId: 65_536 }, 'transport.nodeId'],
    ['a bind port above u16', { bind: { address: '127.0.0.1', port: 70_000 } }, 'transport.bind.port'],
    ['a host name to bind', { bind: { address: 'localhost', port: 1 } }, 'transport.bind.address'],
    ['peers that are not a list', { peers: 'all' }, 'transport.peers'],
    ['a peer with port 0', { peers: [{ nodeId: 2, address: '127.0.0.1', port: 0 }] }, 'transport.peers[0].port'],
    ['a peer at the wildcard address', { peers: [{ nodeId: 2, address: '0.0.0.0', port: 5 }] }, 'transport.peers[0].address'],
    ['a peer with our own id', { peers: [{ nodeId: 1, address: '127.0.0.1', port: 5 }] }, 'transport.peers[0].nodeId'],
    ['a peer listed twice', { peers: [{ nodeId: 2, address: '127.0.0.1', port: 5 }, { nodeId: 2, address: '127.0.0.1', port: 6 }] }, 'transport.peers[1].nodeId'],
    ['a map entry with another id', { peers: new Map([[2, { nodeId: 3, address: '127.0.0.1', port: 5 }]]) }, 'transport.peers[2].nodeId'],
    ['a unicast multicast group', { multicast: { group: '10.0.0.1', port: 5, interface: '127.0.0.1' } }, 'transport.multicast.group'],
    ['a multicast group without interface', { multicast: { group: '239.1.1.1', port: 5 } }, 'transport.multicast.interface'],
    ['a multicast ttl of 256', { multicast: { group: '239.1.1.1', port: 5, interface: '127.0.0.1', ttl: 256 } }, 'transport.multicast.ttl'],
    ['datagrams above the UDP maximum', { datagramBytesMax: 65_508 }, 'transport.datagramBytesMax'],
    ['datagrams too small for a fragment', { datagramBytesMax: 64 }, 'transport.datagramBytesMax'],
    ['frames more fragments than a u16 counts', { datagramBytesMax: 1472, frameBytesMax: 200 << 20 }, 'transport.frameBytesMax'],
    ['a reassembly buffer smaller than a frame', { frameBytesMax: 1 << 20, reassemblyBytesMax: 1 << 19 }, 'transport.reassemblyBytesMax'],
    ['a fractional flush delay', { flushDelayMicros: 1.5 }, 'transport.flushDelayMicros'],
    ['autoFlush as a string', { autoFlush: 'yes' }, 'transport.autoFlush'],
    ['a loss rate above 1', { faults: { lossRate: 1.5, seed: 1 } }, 'transport.faults.lossRate'],
    ['faults without a seed', { faults: { lossRate: 0.1 } }, 'transport.faults.seed'],
    ['a delay range upside down', { faults: { seed: 1, delayMs: { min: 5, max: 1 } } }, 'transport.faults.delayMs.max'],
  ];
  for (const [what, change, field] of bad) {
    it(`refuses ${what}, naming ${field}`, () => {
      expect(refusedField(typeof change === 'string' ? change : { ...GOOD, ...change })).toBe(field);
    });
  }

  it('refuses a port already taken, naming the bind field', async () => {
    const first = await UdpTransport.open(GOOD);
    const taken = { ...GOOD, bind: first.address() };
    await expect(UdpTransport.open(taken)).rejects.toMatchObject({ code: ErrorCode.CONFIG_INVALID, field: 'transport.bind' });
    await first.close();
  });
});
