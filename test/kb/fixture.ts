/** Paths of the kb test fixtures (invented data, not ATT&CK) and of the real bundle. */
import { join } from 'node:path';
import { repoRoot, sharedData, hasSharedData } from '../helpers.js';

export const fixtures = join(repoRoot, 'test', 'fixtures', 'kb');
export const mini20 = join(fixtures, 'mini-attack-stix20.json');
export const mini21 = join(fixtures, 'mini-attack-stix21.json');
export const miniIndex = join(fixtures, 'mini-index.json');
export const truncated = join(fixtures, 'truncated-bundle.json');
export const notStix = join(fixtures, 'not-stix.json');
export const realBundle = join(sharedData, 'attack', 'enterprise-attack.json');
export const realIndex = join(sharedData, 'attack', 'index.json');
export const skipReal = hasSharedData ? false : 'reference data ../shared/data not found (set TTPSCOPE_SHARED_DATA)';
