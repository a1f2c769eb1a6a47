// Grype JSON (`grype -o json`) -> vulnerabilities.
import { ReportFields, describeValue, kindHint } from './fields.js';
import { GRYPE_SEVERITIES, grypeSeverity } from './severity.js';
import type { ParsedEvidence, VulnerabilityFinding } from './types.js';

const fields: ReportFields = new ReportFields('grype');

// Grype's presenter writes this when it was built without version information.
const NO_VERSION = '[not provided]';

function readMatch(value: unknown, path: string): VulnerabilityFinding {
  const match = fields.object(value, path);
  const vulnerability = fields.object(match.vulnerability, `${path}.vulnerability`);
  const artifact = fields.object(match.artifact, `${path}.artifact`);

  const severityText = fields.string(vulnerability.severity, `${path}.vulnerability.severity`);
  const severity = grypeSeverity(severityText);
  if (!severity) {
    const scale = Object.keys(GRYPE_SEVERITIES).map((s) => s[0]!.toUpperCase() + s.slice(1));
    fields.fail(`${path}.vulnerability.severity ${JSON.stringify(severityText)} is not one of ${scale.join(', ')}`);
  }
  // Grype writes "" for an artifact whose version it could not read; keep it as unknown.
  if (typeof artifact.version !== 'string') fields.fail(`${path}.artifact.version must be a string, not ${describeValue(artifact.version)}`);

  const finding: VulnerabilityFinding = {
    id: fields.string(vulnerability.id, `${path}.vulnerability.id`),
    severity,
    package: fields.string(artifact.name, `${path}.artifact.name`),
    installed_version: artifact.version,
  };
  // fix.state is fixed, not-fixed, wont-fix or unknown; only "fixed" names versions that fix
  // it, lowest first.
  const fix = fields.optionalObject(vulnerability.fix, `${path}.vulnerability.fix`);
  if (fix && fix.state === 'fixed') {
    const versions = fields.optionalArray(fix.versions, `${path}.vulnerability.fix.versions`);
    const first = fields.optionalString(versions[0], `${path}.vulnerability.fix.versions[0]`);
    if (first) finding.fixed_version = first;
  }
  return finding;
}

/** Reads a parsed Grype JSON report. Throws ReportParseError naming the field that is wrong. */
export function parseGrypeReport(document: unknown): Pick<ParsedEvidence, 'vulnerabilities'> {
  const report = fields.object(document, 'the report');
  if (report.matches === undefined) fields.fail(`matches is missing; expected the output of grype -o json${kindHint('grype', document)}`);
  const matches = fields.array(report.matches, 'matches');
  const descriptor = fields.optionalObject(report.descriptor, 'descriptor');
  const version = fields.optionalString(descriptor?.version, 'descriptor.version');
  const timestamp = fields.optionalString(descriptor?.timestamp, 'descriptor.timestamp');
  return {
    vulnerabilities: {
      tool: version && version !== NO_VERSION ? `Grype ${version}` : 'Grype',
      ...(timestamp ? { scanned_at: timestamp } : {}),
      findings: matches.map((m, i) => readMatch(m, `matches[${i}]`)),
    },
  };
}
