/** Seed sweep, first half of every profile's seeds (sweep-b runs the other half beside it). */
import { SWEEP_PROFILES } from './profiles.ts';
import { sweep } from './sweep.ts';

for (const p of SWEEP_PROFILES) sweep(p, 0);
