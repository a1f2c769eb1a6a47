// The decision pipeline: a check request becomes a recorded decision; replay and what-if
// decide logged requests again. No HTTP here: callers say its errors in their own terms.
export { createCheckService, type CheckService, type CheckServiceOptions, type CheckContext, type CheckOutcome } from './check-service.js';
export { replayDecision, whatIf, WhatIfTally, type TalliedRecord, type WhatIfProgress, type WhatIfReport } from './replay.js';
export { NoBundleError, DecisionLogError } from './errors.js';
export { StrictRequestError, type WarnedDecision } from './request-warnings.js';
