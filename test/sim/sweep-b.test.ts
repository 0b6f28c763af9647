/** Seed sweep, second half of every profile's seeds (sweep-a runs the first half beside it). */
import { SWEEP_PROFILES } from './profiles.ts';
import { sweep } from './sweep.ts';

for (const p of SWEEP_PROFILES) sweep(p, 1);
