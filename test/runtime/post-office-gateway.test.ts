/**
 * The post office of the thread that hosts the UDP gateway next to actors (placement.gateway
 * 'actor-thread'): frames and group objects for remote actors must reach the network sink, and
 * never be queued as objects for actors that are not on this node.
 */
import { describe, expect, it } from 'vitest';
import { createSpscRing } from '../../src/sab-ring/index.ts';
import { Doorbells } from '../../runtime/host/doorbell.ts';
import { FrameKind, GROUP_ADDRESS } from '../../runtime/host/envelope.ts';
import { PostOffice, type TopologyData } from '../../runtime/host/post-office.ts';

const LOCAL_A = 10;
const LOCAL_B = 11;
const REMOTE = 20;
const RING = 1;

/** Host 0 is the API, host 1 the actor thread; `gatewayHost` says where remote addresses lead. */
function topology(gatewayHost: number): TopologyData {
  const hostCount = gatewayHost === 2 ? 3 : 2;
  return {
    hostCount,
    addresses: [
      [0, 0],
      [LOCAL_A, 1],
      [LOCAL_B, 1],
      [REMOTE, gatewayHost],
    ],
    groups: [[RING, [LOCAL_A, REMOTE]]],
    rings: Array.from({ length: hostCount }, (_, s) => Array.from({ length: hostCount }, (_, d) => (s === d ? null : createSpscRing({ capacityBytes: 64 * 1024 }).sab))),
    doorbells: new Doorbells(hostCount).sab,
    overflowFramesMax: 16,
    gatewayHost,
    remote: [REMOTE],
  };
}

interface Sunk {
  dst: number;
  src: number;
  kind: number;
  ring: number;
  payload: number[];
}

function withSink(po: PostOffice): Sunk[] {
  const sunk: Sunk[] = [];
  po.setRemoteSink((dst, src, kind, ring, bytes, offset, length) => sunk.push({ dst, src, kind, ring, payload: [...bytes.subarray(offset, offset + length)] }));
  return sunk;
}

const write3 = (b: Uint8Array, o: number): number => (b.set([1, 2, 3], o), 3);

describe('post office on the gateway’s own actor thread', () => {
  it('sends a frame for a remote actor to the network sink at once, and one for a local actor through the local queue', () => {
    const po = new PostOffice(1, topology(1));
    const sunk = withSink(po);
    expect(po.send(REMOTE, LOCAL_A, FrameKind.PROTOCOL, 3, write3)).toBe(true);
    expect(sunk).toEqual([{ dst: REMOTE, src: LOCAL_A, kind: FrameKind.PROTOCOL, ring: 0, payload: [1, 2, 3] }]);
    expect(po.hasLocalWork()).toBe(false);
    expect(po.send(LOCAL_B, LOCAL_A, FrameKind.PROTOCOL, 3, write3)).toBe(true);
    expect(sunk).toHaveLength(1);
    expect(po.hasLocalWork()).toBe(true);
  });

  it('refuses to pass an object to a remote actor (the caller then sends a frame)', () => {
    const po = new PostOffice(1, topology(1));
    withSink(po);
    expect(po.sendObject(REMOTE, LOCAL_A, { any: 1 })).toBe(false);
    expect(po.sendObject(LOCAL_B, LOCAL_A, { any: 1 })).toBe(true);
  });

  it('gives a group object to the local members and its frame to the network', () => {
    const po = new PostOffice(1, topology(1));
    const sunk = withSink(po);
    const msg = { hello: 'group' };
    po.sendGroupObject(RING, LOCAL_B, msg, FrameKind.PROTOCOL, () => 3, write3);
    expect(sunk).toEqual([{ dst: GROUP_ADDRESS, src: LOCAL_B, kind: FrameKind.PROTOCOL, ring: RING, payload: [1, 2, 3] }]);
    const objects: unknown[] = [];
    po.drain(
      () => undefined,
      (dst, _src, ring, m) => objects.push([dst, ring, m]),
    );
    expect(objects).toEqual([[GROUP_ADDRESS, RING, msg]]);
  });

  it('knows remote addresses are not local actors, and which groups have local members', () => {
    const po = new PostOffice(1, topology(1));
    expect(po.isLocalActor(REMOTE)).toBe(false);
    expect(po.isLocalActor(LOCAL_A)).toBe(true);
    expect(po.isLocalActor(0)).toBe(false);
    expect(po.localGroupMembers(RING)).toEqual([LOCAL_A]);
    expect(po.hasLocalGroupMembers(RING)).toBe(true);
    expect(po.hasLocalGroupMembers(99)).toBe(false);
  });

  it('with the gateway on a thread of its own, sends the group frame to that thread instead', () => {
    const topo = topology(2);
    const po = new PostOffice(1, topo);
    const gatewayThread = new PostOffice(2, topo);
    po.sendGroupObject(RING, LOCAL_B, { x: 1 }, FrameKind.PROTOCOL, () => 3, write3);
    const frames: [number, number, number[]][] = [];
    gatewayThread.drain((dst, src, _kind, _ring, bytes, offset, length) => frames.push([dst, src, [...bytes.subarray(offset, offset + length)]]));
    expect(frames).toEqual([[GROUP_ADDRESS, LOCAL_B, [1, 2, 3]]]);
  });
});
