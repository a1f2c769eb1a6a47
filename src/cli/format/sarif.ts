// The `sarif` format: a SARIF 2.1.0 log (OASIS sarif-v2.1.0-os) that GitHub code scanning accepts.
import { createHash } from 'node:crypto';
import type { RuleEntry } from '../../engine/catalog.js';
import type { Decision } from '../../engine/types.js';
import { environmentOf, listFindings, type DeploymentSubject, type Outcome } from './outcomes.js';
import { repositoryUri, subjectUri, violationPath } from './sarif-location.js';
import { describeRules, type ReportingDescriptor } from './sarif-rules.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
export const SARIF_VERSION = '2.1.0';
const INFORMATION_URI = 'https://dfw.dev';
// Relative locations resolve against the repository root (§3.4.4, §3.14.14), as GitHub expects.
const SRCROOT = '%SRCROOT%';

// result.level (§3.27.10): a blocking violation is an error, a warning a warning; a waived one
// is a note that also carries a suppression (§3.27.23), so viewers show it as dismissed.
const LEVEL: Record<Outcome, 'error' | 'warning' | 'note'> = { deny: 'error', warn: 'warning', waived: 'note' };

export interface SarifLog {
  $schema: string;
  version: typeof SARIF_VERSION;
  runs: Array<Record<string, unknown> & { tool: { driver: Record<string, unknown> & { rules: ReportingDescriptor[] } } }>;
}

export interface SarifOptions {
  request?: DeploymentSubject;
  rules?: RuleEntry[];
}

export function formatSarif(decision: Decision, options: SarifOptions = {}): string {
  const { request } = options;
  const environment = environmentOf(decision, request);
  const findings = listFindings(decision);
  const rules = describeRules(findings, environment, options.rules);
  const ruleIndex = new Map(rules.map((rule, index) => [rule.id, index]));
  const uri = subjectUri(decision, request);

  const occurrences = new Map<string, number>();
  const results = findings.map((finding) => {
    const v = finding.violation;
    // GitHub matches alerts across runs by partialFingerprints.primaryLocationLineHash (the
    // only key it reads); upload-sarif would hash the located file's line, and there is none.
    // Decisions are pure functions of their input, so rule + message names one finding stably.
    const hash = createHash('sha256').update(`${v.rule}\0${v.message}`).digest('hex').slice(0, 16);
    const occurrence = (occurrences.get(hash) ?? 0) + 1;
    occurrences.set(hash, occurrence);
    return {
      ruleId: v.rule,
      ruleIndex: ruleIndex.get(v.rule)!,
      level: LEVEL[finding.outcome],
      message: { text: v.message || v.title || v.rule },
      // GitHub also requires region.startLine; a finding is about the file as a whole.
      locations: [
        {
          physicalLocation: {
            artifactLocation: request?.source?.repository ? { uri: violationPath(v, request), uriBaseId: SRCROOT } : { uri },
            region: { startLine: 1 },
          },
        },
      ],
      partialFingerprints: { primaryLocationLineHash: `${hash}:${occurrence}` },
      ...(finding.outcome === 'waived'
        ? {
            suppressions: [
              {
                kind: 'external', // §3.35.2: the waiver lives outside the analysed artifact
                status: 'accepted',
                justification: `waiver ${finding.violation.waiver_id} approved by ${finding.violation.approved_by}, expires ${finding.violation.expires_at}`,
                properties: { waiver_id: finding.violation.waiver_id, approved_by: finding.violation.approved_by, expires_at: finding.violation.expires_at },
              },
            ],
          }
        : {}),
      properties: { outcome: finding.outcome, severity: v.severity, category: v.category, evidence: v.evidence },
    };
  });

  const repository = request?.source?.repository;
  const log: SarifLog = {
    $schema: SARIF_SCHEMA,
    version: SARIF_VERSION,
    runs: [
      {
        tool: { driver: { name: 'dfw', informationUri: INFORMATION_URI, version: decision.bundle?.revision || undefined, rules } },
        // runAutomationDetails (§3.17): GitHub uses the id up to its last "/" as the analysis
        // category, so a production check does not replace the staging one.
        automationDetails: { id: `dfw/${environment}/${decision.decision_id}` },
        ...(repository
          ? { versionControlProvenance: [{ repositoryUri: repositoryUri(repository), revisionId: request?.source?.commit }] }
          : {}),
        results,
        properties: {
          decision_id: decision.decision_id,
          allow: decision.allow,
          environment,
          application: request?.application,
          image: request?.image,
          bundle: decision.bundle,
          evaluated_at: decision.evaluated_at,
        },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
