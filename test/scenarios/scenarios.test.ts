import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFile } from './datadriven.ts';
import { Harness } from './harness.ts';

const dir = join(import.meta.dirname, 'testdata');
const files = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();

describe('protocol scenarios (testdata/*.txt; RINGCAST_REWRITE=1 rewrites)', () => {
  it('has scenario files', () => {
    expect(files.length).toBeGreaterThanOrEqual(9);
  });
  for (const file of files) {
    it(file, () => {
      const h = new Harness();
      const failures = runFile(join(dir, file), (c) => h.run(c));
      for (const f of failures) {
        expect(f.actual, `${file}:${f.line} ${f.command}`).toBe(f.expected);
      }
    });
  }
});
