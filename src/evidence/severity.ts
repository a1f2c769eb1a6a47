// Each tool's severity scale mapped onto dfw's critical | high | medium | low (DESIGN.md:
// severities are lower-case everywhere, parsers do the mapping). docs/evidence.md has the
// tables; an unrecognised value is refused, never guessed.
import type { Severity } from '../engine/index.js';

/**
 * Trivy's scale (pkg/types: CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN). UNKNOWN means no source
 * rated the vulnerability yet (typically a CVE published days ago). It maps to "high": high
 * enough to show up wherever high blocks or warns, so it is never silently dropped as low,
 * but not "critical", because an unrated CVE is not evidence of a critical one and
 * DFW-VULN-001 would otherwise block every deployment on every freshly published CVE.
 */
export const TRIVY_SEVERITIES: Readonly<Record<string, Severity>> = {
  CRITICAL: 'critical',
  HIGH: 'high',
  MEDIUM: 'medium',
  LOW: 'low',
  UNKNOWN: 'high',
};

/**
 * Grype's scale (Critical, High, Medium, Low, Negligible, Unknown). Negligible is below low,
 * so it maps to low, the lowest dfw has; Unknown maps to high for the reason Trivy's does.
 */
export const GRYPE_SEVERITIES: Readonly<Record<string, Severity>> = {
  critical: 'critical',
  high: 'high',
  medium: 'medium',
  low: 'low',
  negligible: 'low',
  unknown: 'high',
};

/** SARIF result levels (SARIF 2.1.0 §3.27.10) when no security-severity is given. */
export const SARIF_LEVEL_SEVERITIES: Readonly<Record<string, Severity>> = {
  error: 'high',
  warning: 'medium',
  note: 'low',
  none: 'low',
};

/** A result without a level takes its rule's defaultConfiguration.level, else "warning" (§3.27.10). */
export const SARIF_DEFAULT_LEVEL = 'warning';

/** Maps a Trivy severity, case-insensitively; undefined when it is not on Trivy's scale. */
export function trivySeverity(value: string): Severity | undefined {
  return TRIVY_SEVERITIES[value.toUpperCase()];
}

/** Maps a Grype severity, case-insensitively; undefined when it is not on Grype's scale. */
export function grypeSeverity(value: string): Severity | undefined {
  return GRYPE_SEVERITIES[value.toLowerCase()];
}

/**
 * Maps a SARIF `security-severity` score (a CVSS-like 0.0–10.0) with GitHub code scanning's
 * bands: >= 9.0 critical, >= 7.0 high, >= 4.0 medium, > 0 low. A score of 0 rates nothing,
 * so it gives undefined and the result's level decides.
 */
export function securitySeverityBand(score: number): Severity | undefined {
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  if (score > 0) return 'low';
  return undefined;
}

/** Maps a SARIF level; undefined when it is not one of error, warning, note, none. */
export function sarifLevelSeverity(level: string): Severity | undefined {
  return SARIF_LEVEL_SEVERITIES[level];
}
