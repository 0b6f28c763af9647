/** Deployments the config tests start from, and how they catch a refusal. */
import { ConfigError } from '../../src/errors.ts';

// Configs are mutated freely by the tests, field by field, as a user would edit a file.
export type Raw = Record<string, any>;

/** A valid deployment: three nodes on loopback, one multicast ring. */
export function baseDeployment(): Raw {
  return {
    nodes: [
      { name: 'a1', id: 1, host: '127.0.0.1', port: 7001, controlPort: 7101 },
      { name: 'a2', id: 2, host: '127.0.0.1', port: 7002 },
      { name: 'a3', id: 3, host: '127.0.0.1', port: 7003 },
    ],
    rings: [
      {
        id: 1,
        dissemination: 'multicast',
        multicast: { group: '239.255.0.1', port: 7200 },
        acceptors: [{ id: 11, node: 'a1' }, { id: 12, node: 'a2' }, { id: 13, node: 'a3' }],
        coordinators: [{ id: 21, node: 'a1' }, { id: 22, node: 'a2' }],
        learners: [{ id: 31, node: 'a3' }],
        proposers: [{ id: 41, node: 'a1' }],
      },
    ],
  };
}

/** The ConfigError `load` throws; fails the test if it accepts the config or throws anything else. */
export function configErrorOf(load: () => unknown): ConfigError {
  try {
    load();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('the config was accepted');
}
