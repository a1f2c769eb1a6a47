// SARIF 2.1.0 logs (CodeQL, Semgrep, Trivy --format sarif, any tool; one or more runs) ->
// code_scanning. Section numbers cite the OASIS SARIF 2.1.0 specification.
import type { Severity } from '../engine/index.js';
import { ReportFields, describeValue, isObject, kindHint, type JsonObject } from './fields.js';
import { SARIF_DEFAULT_LEVEL, SARIF_LEVEL_SEVERITIES, sarifLevelSeverity, securitySeverityBand } from './severity.js';
import type { CodeScanning, ParsedEvidence } from './types.js';

const fields: ReportFields = new ReportFields('sarif');

export interface SarifOptions {
  /**
   * The commit the scan covered, when the log does not say (most logs carry no
   * versionControlProvenance; GitHub's SARIF upload API takes commit_sha beside the file for
   * the same reason). A log that names a different commit is refused.
   */
  commit?: string;
}

type Finding = CodeScanning['findings'][number];

/** One run's tool components: the driver and its extensions. */
interface Components {
  driver: JsonObject;
  extensions: JsonObject[];
}

function rulesOf(component: JsonObject | undefined): unknown[] {
  return component && Array.isArray(component.rules) ? component.rules : [];
}

/**
 * The reportingDescriptor of a result's rule (ruleId, ruleIndex, rule): by index in the component
 * that result.rule.toolComponent names (the driver by default), else by id in the driver's
 * rules and then each extension's (CodeQL keeps query rules in extensions).
 */
function findRule(result: JsonObject, ruleId: string | undefined, components: Components): JsonObject | undefined {
  const reference = isObject(result.rule) ? result.rule : undefined;
  const toolComponent = isObject(reference?.toolComponent) ? reference.toolComponent : undefined;
  const component = typeof toolComponent?.index === 'number' ? components.extensions[toolComponent.index] : components.driver;
  const index = typeof result.ruleIndex === 'number' ? result.ruleIndex : reference?.index;
  if (typeof index === 'number' && index >= 0) {
    const byIndex = rulesOf(component)[index];
    if (isObject(byIndex)) return byIndex;
  }
  if (ruleId === undefined) return undefined;
  for (const c of [components.driver, ...components.extensions]) {
    const byId = rulesOf(c).find((rule) => isObject(rule) && rule.id === ruleId);
    if (isObject(byId)) return byId;
  }
  return undefined;
}

/** A `security-severity` property (GitHub's extension): a CVSS-like score as a string or number. */
function securitySeverity(bag: unknown, path: string): Severity | undefined {
  if (!isObject(bag) || bag['security-severity'] === undefined) return undefined;
  const raw = bag['security-severity'];
  const score = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  if (typeof score !== 'number' || !Number.isFinite(score) || score < 0 || score > 10) {
    fields.fail(`${path}.security-severity must be a score from 0.0 to 10.0, not ${describeValue(raw)}`);
  }
  return securitySeverityBand(score);
}

// security-severity on the result wins over the rule's; without one, the result's level,
// else its rule's defaultConfiguration.level, else "warning" (§3.27.10).
function severityOf(result: JsonObject, rule: JsonObject | undefined, path: string, rulePath: string): Severity {
  const scored = securitySeverity(result.properties, `${path}.properties`) ?? securitySeverity(rule?.properties, `${rulePath}.properties`);
  if (scored) return scored;
  const defaults = isObject(rule?.defaultConfiguration) ? rule.defaultConfiguration : undefined;
  const [level, levelPath] =
    result.level !== undefined
      ? [result.level, `${path}.level`]
      : defaults?.level !== undefined
        ? [defaults.level, `${rulePath}.defaultConfiguration.level`]
        : [SARIF_DEFAULT_LEVEL, `${path}.level`];
  const severity = typeof level === 'string' ? sarifLevelSeverity(level) : undefined;
  if (!severity) fields.fail(`${levelPath} ${describeValue(level)} is not one of ${Object.keys(SARIF_LEVEL_SEVERITIES).join(', ')}`);
  return severity;
}

// "uri:line" from the first location: the artifact's uri (or the run's artifacts[index]
// when only an index is given), else a logical location's name.
function locationOf(result: JsonObject, artifacts: unknown[]): string | undefined {
  const first = Array.isArray(result.locations) && isObject(result.locations[0]) ? result.locations[0] : undefined;
  const physical = isObject(first?.physicalLocation) ? first.physicalLocation : undefined;
  const artifact = isObject(physical?.artifactLocation) ? physical.artifactLocation : undefined;
  let uri = typeof artifact?.uri === 'string' ? artifact.uri : undefined;
  if (uri === undefined && typeof artifact?.index === 'number') {
    const entry = artifacts[artifact.index];
    const location = isObject(entry) && isObject(entry.location) ? entry.location : undefined;
    if (typeof location?.uri === 'string') uri = location.uri;
  }
  if (uri !== undefined) {
    const region = isObject(physical?.region) ? physical.region : undefined;
    return typeof region?.startLine === 'number' ? `${uri}:${region.startLine}` : uri;
  }
  const logical = Array.isArray(first?.logicalLocations) && isObject(first.logicalLocations[0]) ? first.logicalLocations[0] : undefined;
  const name = logical?.fullyQualifiedName ?? logical?.name;
  return typeof name === 'string' ? name : undefined;
}

// message.text, else the rule's messageStrings[message.id] with {0}… filled from arguments.
function messageOf(result: JsonObject, rule: JsonObject | undefined): string | undefined {
  const message = isObject(result.message) ? result.message : undefined;
  if (typeof message?.text === 'string') return message.text;
  const strings = isObject(rule?.messageStrings) ? rule.messageStrings : undefined;
  const template = typeof message?.id === 'string' && isObject(strings?.[message.id]) ? (strings[message.id] as JsonObject).text : undefined;
  if (typeof template !== 'string') return undefined;
  const args = Array.isArray(message?.arguments) ? message.arguments : [];
  return template.replace(/\{(\d+)\}/g, (whole, n: string) => (typeof args[Number(n)] === 'string' ? (args[Number(n)] as string) : whole));
}

// A result is suppressed when it has suppressions and none is underReview or rejected (a
// suppression without status counts as accepted, as GitHub and GitLab read it). Kept, and
// marked, so that the policy and not the developer's in-source annotation decides.
function isSuppressed(result: JsonObject): boolean {
  const suppressions = Array.isArray(result.suppressions) ? result.suppressions : [];
  return suppressions.length > 0 && suppressions.every((s) => !isObject(s) || s.status === undefined || s.status === 'accepted');
}

function readResult(value: unknown, path: string, runPath: string, components: Components, artifacts: unknown[]): Finding | undefined {
  const result = fields.object(value, path);
  // kind pass / notApplicable is not a problem; baselineState absent means the
  // problem is gone since the baseline (§3.27.24).
  if (result.kind === 'pass' || result.kind === 'notApplicable' || result.baselineState === 'absent') return undefined;
  const reference = isObject(result.rule) ? result.rule : undefined;
  const statedId = fields.optionalString(result.ruleId, `${path}.ruleId`) ?? fields.optionalString(reference?.id, `${path}.rule.id`);
  const rule = findRule(result, statedId, components);
  const driverIndex = rulesOf(components.driver).indexOf(rule);
  const rulePath = driverIndex >= 0 ? `${runPath}.tool.driver.rules[${driverIndex}]` : `${runPath} rule ${statedId ?? '(by index)'}`;
  const ruleId = statedId ?? fields.optionalString(rule?.id, `${rulePath}.id`);
  if (!ruleId) fields.fail(`${path} names no rule: it has no ruleId, rule.id or ruleIndex of a rule with an id`);

  const finding: Finding = { rule: ruleId, severity: severityOf(result, rule, path, rulePath) };
  const location = locationOf(result, artifacts);
  if (location) finding.location = location;
  const message = messageOf(result, rule);
  if (message) finding.message = message;
  if (isSuppressed(result)) finding.suppressed = true;
  return finding;
}

/** Reads a parsed SARIF 2.1.0 log. Throws ReportParseError naming the field that is wrong. */
export function parseSarifLog(document: unknown, options: SarifOptions = {}): Pick<ParsedEvidence, 'code_scanning'> {
  const log = fields.object(document, 'the log');
  if (log.version === undefined) fields.fail(`version is missing; expected a SARIF 2.1.0 log with "version": "2.1.0"${kindHint('sarif', document)}`);
  if (log.version !== '2.1.0') fields.fail(`version ${describeValue(log.version)} is not supported; dfw reads SARIF 2.1.0`);
  const runs = fields.array(log.runs, 'runs');
  if (runs.length === 0) fields.fail('runs is empty: the log names no tool and no results');

  const tools: string[] = [];
  const commits = new Set<string>();
  let completedAt: string | undefined;
  const findings: Finding[] = [];

  runs.forEach((value, i) => {
    const runPath = `runs[${i}]`;
    const run = fields.object(value, runPath);
    const tool = fields.object(run.tool, `${runPath}.tool`);
    const driver = fields.object(tool.driver, `${runPath}.tool.driver`);
    const name = fields.string(driver.name, `${runPath}.tool.driver.name`);
    if (!tools.includes(name)) tools.push(name);
    const extensions = fields.optionalArray(tool.extensions, `${runPath}.tool.extensions`).map((e, j) => fields.object(e, `${runPath}.tool.extensions[${j}]`));
    fields.optionalArray(driver.rules, `${runPath}.tool.driver.rules`);

    const invocations = fields.optionalArray(run.invocations, `${runPath}.invocations`);
    invocations.forEach((inv, j) => {
      if (isObject(inv) && inv.executionSuccessful === false) {
        fields.fail(`${runPath}.invocations[${j}].executionSuccessful is false: ${name} reports that it did not finish, so its results are incomplete`);
      }
    });
    const invocation = fields.optionalObject(invocations[0], `${runPath}.invocations[0]`);
    const endTime = fields.optionalString(invocation?.endTimeUtc, `${runPath}.invocations[0].endTimeUtc`);
    // Several runs complete when the last one does.
    if (endTime && (completedAt === undefined || Date.parse(endTime) > Date.parse(completedAt))) completedAt = endTime;

    const provenance = fields.optionalArray(run.versionControlProvenance, `${runPath}.versionControlProvenance`);
    const vcs = fields.optionalObject(provenance[0], `${runPath}.versionControlProvenance[0]`);
    const revision = fields.optionalString(vcs?.revisionId, `${runPath}.versionControlProvenance[0].revisionId`);
    if (revision) commits.add(revision);

    // Absent or null results mean the tool failed to start or to begin its analysis
    // (§3.14.23); an empty array is a clean scan.
    if (run.results === undefined || run.results === null) {
      const external = isObject(run.externalPropertyFileReferences) && run.externalPropertyFileReferences.results !== undefined;
      fields.fail(
        external
          ? `${runPath}.results are in external property files, which dfw does not read; inline them in the log`
          : `${runPath}.results is ${run.results === null ? 'null' : 'missing'}: the tool failed to start or to begin its analysis, which is not a clean scan`,
      );
    }
    const artifacts = fields.optionalArray(run.artifacts, `${runPath}.artifacts`);
    fields.array(run.results, `${runPath}.results`).forEach((r, j) => {
      const finding = readResult(r, `${runPath}.results[${j}]`, runPath, { driver, extensions }, artifacts);
      if (finding) findings.push(finding);
    });
  });

  if (commits.size > 1) fields.fail(`the runs scanned different commits (${[...commits].join(', ')}); push one log per commit`);
  const [logCommit] = commits;
  if (logCommit && options.commit && logCommit !== options.commit) {
    fields.fail(`the log scanned commit ${logCommit}, not the commit ${options.commit} it was pushed for`);
  }
  const commit = logCommit ?? options.commit;
  return {
    code_scanning: {
      tool: tools.join(' + '),
      ...(completedAt ? { completed_at: completedAt } : {}),
      ...(commit ? { commit } : {}),
      findings,
    },
  };
}
