// Where the real sample files live: ../shared/fixtures beside the checkout (as CI lays it
// out), or $DFW_FIXTURES.
import { join } from 'node:path';
import { ROOT } from './opa.js';

export const SHARED_FIXTURES = process.env.DFW_FIXTURES ?? join(ROOT, '../shared/fixtures');
