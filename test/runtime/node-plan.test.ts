/** node-plan.ts: which acceptor a coordinator's rings start at. */
import { describe, expect, it } from 'vitest';
import { nearAcceptorOf } from '../../runtime/node/node-plan.ts';
import { ringSpec } from '../protocol/builders.ts';

describe('nearAcceptorOf', () => {
  const spec = ringSpec('ring');
  it('is the acceptor on this node when the others are elsewhere', () => {
    expect(nearAcceptorOf(spec, (a) => a === 2)).toBe(2);
    expect(nearAcceptorOf(spec, (a) => a === 3 || a === 1)).toBe(1);
  });

  it('is none when every acceptor is on this node (one process), or none is', () => {
    expect(nearAcceptorOf(spec, () => true)).toBeUndefined();
    expect(nearAcceptorOf(spec, () => false)).toBeUndefined();
  });
});
