/** `ringcast start` raises V8's initial old-space size unless the process was given a heap size. */
import { describe, expect, it } from 'vitest';
import { raiseInitialOldSpace } from '../../runtime/cli/heap-flags.ts';

describe('raiseInitialOldSpace', () => {
  it('leaves a heap size given on the command line alone', () => {
    expect(raiseInitialOldSpace(['--initial-old-space-size=64'])).toBe(false);
    expect(raiseInitialOldSpace(['--import', 'tsx', '--initial-heap-size=128'])).toBe(false);
  });

  it('raises it otherwise', () => {
    expect(raiseInitialOldSpace(['--import', 'tsx', '--max-old-space-size=4096'])).toBe(true);
  });
});
