/** For the benchmarks' smoke tests: runs bench/<file> in a child process with the given options. */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export function benchRunner(file: string): (...options: string[]) => SpawnSyncReturns<string> {
  const path = fileURLToPath(new URL(`../../bench/${file}`, import.meta.url));
  return (...options) => spawnSync(process.execPath, ['--import', 'tsx', path, ...options], { encoding: 'utf8' });
}
