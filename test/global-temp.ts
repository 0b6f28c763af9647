/**
 * vitest's global setup: the whole run's temporary files (acceptor logs, configs, learner records
 * of the tests and of the node processes they start) go under one directory of their own, removed
 * when the run ends. Before, each run left hundreds of directories in the OS's temporary directory.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'ringcast-test-'));
  // os.tmpdir() reads TMPDIR: the test workers and every process they start inherit it.
  process.env['TMPDIR'] = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
