#!/usr/bin/env node
// The ringcast command. Sources are TypeScript; tsx (a dependency) loads them on Node 20.
import { register } from 'tsx/esm/api';

register();
await import('../runtime/cli/main.ts');
