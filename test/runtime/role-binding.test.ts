/**
 * bindRole: which frames a role gets as views of the frame's bytes and which as copies from the
 * thread's run pool. A frame's own bytes (stable: a datagram's buffer, on the gateway's thread)
 * are handed as views unless the role keeps what it is given long after (keepsLong: acceptors, and
 * coordinators, whose runs go on uncopied to an acceptor of the same thread).
 */
import { describe, expect, it } from 'vitest';
import { bindRole, type RoleHooks } from '../../actors/role-binding.ts';
import { encode } from '../../src/codec/index.ts';
import { forEachMessageRun, type Message } from '../../src/protocol/messages.ts';
import { DropCounters, type Ready, type Role } from '../../src/protocol/ready.ts';
import type { ValueRun } from '../../src/protocol/runs.ts';
import type { ActorContext } from '../../runtime/actor/actor.ts';
import { FrameKind } from '../../runtime/host/envelope.ts';
import { B1, A1, A2, A3, batch, clientValue, P30, phase2a } from '../protocol/builders.ts';

/** A role that only records what it is stepped with. */
class RecordingRole implements Role<Message, never> {
  readonly drops = new DropCounters();
  readonly stepped: Message[] = [];
  step(msg: Message): void {
    this.stepped.push(msg);
  }
  tick(): void {}
  hasReady(): boolean {
    return false;
  }
  ready(): Ready<never> {
    throw new Error('nothing is ready');
  }
  forEachHeldRun(each: (r: ValueRun) => void): void {
    for (const m of this.stepped) forEachMessageRun(m, each);
  }
}

function bound(hooks: RoleHooks<never>): { role: RecordingRole; onFrame: (bytes: Uint8Array, stable: boolean) => void; copies: () => number } {
  let copies = 0;
  const ctx = {
    poolCopy(bytes: Uint8Array, from: number, to: number): Uint8Array {
      copies++;
      return bytes.slice(from, to);
    },
  } as unknown as ActorContext;
  const role = new RecordingRole();
  const behavior = bindRole(ctx, 1, role, hooks);
  return { role, onFrame: (bytes, stable) => behavior.onFrame(FrameKind.PROTOCOL, 0, 1, bytes, 0, bytes.length, stable), copies: () => copies };
}

/** The run bytes of every message the role was stepped with. */
function runBytes(role: RecordingRole): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const m of role.stepped) forEachMessageRun(m, (r) => out.push(r.packed));
  return out;
}

const frame = (): Uint8Array =>
  encode(phase2a({ ballot: B1, instance: 1, layout: [A1, A2, A3], value: batch(clientValue(P30, 1, 64), clientValue(P30, 2, 64)) }));

describe('bindRole: views and copies of a frame', () => {
  it('hands a role its frame\'s own bytes as views, and copies bytes that are not the frame\'s own', () => {
    const { role, onFrame, copies } = bound({});
    const own = frame();
    onFrame(own, true);
    expect(copies()).toBe(0);
    onFrame(frame(), false);
    expect(copies()).toBe(1);
    const [viewed, copied] = runBytes(role);
    expect(viewed?.buffer).toBe(own.buffer);
    expect(copied?.buffer).not.toBe(own.buffer);
  });

  it('copies even a frame\'s own bytes for a role that keeps what it is given (keepsLong)', () => {
    const { role, onFrame, copies } = bound({ keepsLong: true });
    const own = frame();
    onFrame(own, true);
    expect(copies()).toBe(1);
    const [kept] = runBytes(role);
    expect(kept?.buffer).not.toBe(own.buffer);
    // The datagram's buffer may be reused or freed: what the role keeps does not change with it.
    const before = Uint8Array.from(kept ?? []);
    own.fill(0);
    expect(kept).toEqual(before);
  });
});
