// Trivy JSON (`trivy --format json`, SchemaVersion 2) -> vulnerabilities and container_scan.
import { ReportFields, kindHint, type JsonObject } from './fields.js';
import { TRIVY_SEVERITIES, trivySeverity } from './severity.js';
import type { ContainerScan, ParsedEvidence, VulnerabilityFinding } from './types.js';

const TOOL = 'Trivy';
const fields: ReportFields = new ReportFields('trivy');

// Result classes (Trivy pkg/types ResultClass) that say which scanner produced a result: a
// scan with no package result did not look for vulnerabilities, and one with no config or
// secret result did not look for misconfigurations or secrets.
const PACKAGE_CLASSES = new Set(['os-pkgs', 'lang-pkgs']);
const CONTAINER_CLASSES = new Set(['config', 'secret']);

type ContainerFinding = ContainerScan['findings'][number];

function severityAt(value: unknown, path: string) {
  const text = fields.string(value, path);
  const severity = trivySeverity(text);
  if (!severity) fields.fail(`${path} ${JSON.stringify(text)} is not one of ${Object.keys(TRIVY_SEVERITIES).join(', ')}`);
  return severity;
}

function location(target: string, line: unknown): string {
  return typeof line === 'number' && Number.isInteger(line) && line > 0 ? `${target}:${line}` : target;
}

function readVulnerability(value: unknown, path: string): VulnerabilityFinding {
  const v = fields.object(value, path);
  const finding: VulnerabilityFinding = {
    id: fields.string(v.VulnerabilityID, `${path}.VulnerabilityID`),
    severity: severityAt(v.Severity, `${path}.Severity`),
    package: fields.string(v.PkgName, `${path}.PkgName`),
    installed_version: fields.string(v.InstalledVersion, `${path}.InstalledVersion`),
  };
  const fixed = fields.optionalString(v.FixedVersion, `${path}.FixedVersion`);
  if (fixed) finding.fixed_version = fixed;
  const title = fields.optionalString(v.Title, `${path}.Title`);
  if (title) finding.title = title;
  // When the vulnerability was disclosed: the clock of remediation SLAs (DFW-VULN-002).
  const published = fields.optionalString(v.PublishedDate, `${path}.PublishedDate`);
  if (published) finding.published_at = published;
  return finding;
}

// Misconfigurations carry Status PASS, FAIL or EXCEPTION (an accepted exception); only FAIL
// is a finding. A missing Status (older Trivy) counts as FAIL so nothing is dropped unread.
function readMisconfiguration(value: unknown, path: string, target: string): ContainerFinding | undefined {
  const m = fields.object(value, path);
  const status = fields.optionalString(m.Status, `${path}.Status`);
  if (status !== undefined && status !== 'FAIL') return undefined;
  const id = fields.optionalString(m.ID, `${path}.ID`) ?? fields.string(m.AVDID, `${path}.ID`);
  const cause = fields.optionalObject(m.CauseMetadata, `${path}.CauseMetadata`);
  return {
    id,
    severity: severityAt(m.Severity, `${path}.Severity`),
    title: fields.optionalString(m.Title, `${path}.Title`) ?? fields.optionalString(m.Message, `${path}.Message`) ?? id,
    type: 'misconfiguration',
    location: location(target, cause?.StartLine),
  };
}

function readSecret(value: unknown, path: string, target: string): ContainerFinding {
  const s = fields.object(value, path);
  const id = fields.string(s.RuleID, `${path}.RuleID`);
  return {
    id,
    severity: severityAt(s.Severity, `${path}.Severity`),
    title: fields.optionalString(s.Title, `${path}.Title`) ?? id,
    type: 'secret',
    location: location(target, s.StartLine),
  };
}

/** Reads a parsed Trivy JSON report. Throws ReportParseError naming the field that is wrong. */
export function parseTrivyReport(document: unknown): Pick<ParsedEvidence, 'vulnerabilities' | 'container_scan'> {
  const hint = kindHint('trivy', document);
  const report = fields.object(document, 'the report');
  if (report.SchemaVersion === undefined) fields.fail(`SchemaVersion is missing; expected the output of trivy --format json${hint}`);
  if (report.SchemaVersion !== 2) {
    fields.fail(`SchemaVersion ${JSON.stringify(report.SchemaVersion)} is not supported; dfw reads SchemaVersion 2${hint}`);
  }
  const scannedAt = fields.optionalString(report.CreatedAt, 'CreatedAt');

  let scannedPackages = false;
  let scannedContainer = false;
  const vulnerabilities: VulnerabilityFinding[] = [];
  const containerFindings: ContainerFinding[] = [];

  fields.optionalArray(report.Results, 'Results').forEach((value, i) => {
    const path = `Results[${i}]`;
    const result: JsonObject = fields.object(value, path);
    const target = fields.optionalString(result.Target, `${path}.Target`) ?? '';
    const resultClass = fields.optionalString(result.Class, `${path}.Class`);
    if ((resultClass && PACKAGE_CLASSES.has(resultClass)) || Array.isArray(result.Vulnerabilities)) scannedPackages = true;
    if ((resultClass && CONTAINER_CLASSES.has(resultClass)) || Array.isArray(result.Misconfigurations) || Array.isArray(result.Secrets)) {
      scannedContainer = true;
    }
    fields.optionalArray(result.Vulnerabilities, `${path}.Vulnerabilities`).forEach((v, j) => {
      vulnerabilities.push(readVulnerability(v, `${path}.Vulnerabilities[${j}]`));
    });
    fields.optionalArray(result.Misconfigurations, `${path}.Misconfigurations`).forEach((m, j) => {
      const finding = readMisconfiguration(m, `${path}.Misconfigurations[${j}]`, target);
      if (finding) containerFindings.push(finding);
    });
    fields.optionalArray(result.Secrets, `${path}.Secrets`).forEach((s, j) => {
      containerFindings.push(readSecret(s, `${path}.Secrets[${j}]`, target));
    });
  });

  // An empty findings list says "scanned and clean", so a kind the report did not scan for
  // stays absent (not known) rather than clean.
  if (!scannedPackages && !scannedContainer) {
    fields.fail('Results holds no package, config or secret scan result, so the report is no evidence of vulnerabilities, misconfigurations or secrets');
  }
  const evidence: Pick<ParsedEvidence, 'vulnerabilities' | 'container_scan'> = {};
  if (scannedPackages) {
    evidence.vulnerabilities = { tool: TOOL, ...(scannedAt ? { scanned_at: scannedAt } : {}), findings: vulnerabilities };
  }
  if (scannedContainer) {
    evidence.container_scan = { tool: TOOL, ...(scannedAt ? { scanned_at: scannedAt } : {}), findings: containerFindings };
  }
  return evidence;
}
