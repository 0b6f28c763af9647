/** For the benchmarks' smoke tests: runs bench/<file> in a child process with the given options. */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

export function benchRunner(file: string): (...options: string[]) => SpawnSyncReturns<string> {
  const path = fileURLToPath(new URL(`../../bench/${file}`, import.meta.url));
  return (...options) => spawnSync(process.execPath, ['--import', 'tsx', path, ...options], { encoding: 'utf8' });
}

/** The test every benchmark's smoke test has: `option` given `value` is refused, by name, with a failing exit. */
export function itRefusesABadOption(run: (...options: string[]) => SpawnSyncReturns<string>, option: string, value: string): void {
  it(`refuses a bad ${option}, naming it`, () => {
    const r = run(option, value);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(option);
  });
}
