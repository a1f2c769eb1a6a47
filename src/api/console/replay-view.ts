// A replay as the decision page shows it: the logged input evaluated again (as of its request
// time, src/decide), whether the verdict is identical, and which rules would now block or
// no longer block.
import { replayRecord, sameVerdict } from '../../decide/replay.js';
import { SEVERITIES, type Evaluator, type PolicyDecision } from '../../engine/index.js';
import type { DecisionRecord } from '../../store/types.js';
import type { ReplayView } from './pages/decision.js';

const blockingRules = (d: PolicyDecision) => new Set(SEVERITIES.flatMap((s) => d.deny[s].map((v) => v.rule)));

export function replayView(record: DecisionRecord, evaluator: Evaluator, against: string): ReplayView {
  const replayed = replayRecord(record, evaluator);
  const before = blockingRules(record.decision);
  const after = blockingRules(replayed);
  return {
    against,
    identical: sameVerdict(record.decision, replayed),
    replayed,
    newlyBlocking: [...after].filter((r) => !before.has(r)).sort(),
    noLongerBlocking: [...before].filter((r) => !after.has(r)).sort(),
  };
}
